#include "vm/ready_state.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/paths.hpp"
#include "vm/qemu.hpp"

namespace dt::vm {
namespace fs = std::filesystem;

namespace {

// Path, size and modification time: a rebuilt kernel or a replaced template at the same path
// is another machine. Missing files count too (a state saved without a template is not one
// saved with it).
std::string file_identity(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return p.string() + " missing";
  return fmt::format("{} {} {}.{:09}", p.string(), st.st_size, st.st_mtim.tv_sec,
                     st.st_mtim.tv_nsec);
}

// -cpu host hands the host's CPU model to the guest: a state saved on one CPU model is not a
// guest of another.
std::string host_cpu_model() {
  const std::string info = read_file("/proc/cpuinfo");
  const auto at = info.find("model name");
  if (at == std::string::npos) return "";
  return info.substr(at, info.find('\n', at) - at);
}

// The saved guest's kernel holds the namespaces it found on the template; a guest whose NVDIMM
// files are not copies of one (no template saved yet, or it went missing) would run on a blank
// device that kernel believes formatted.
bool every_nvdimm_has_a_template(const Config& cfg) {
  if (cfg.nvdimm_templates.size() < cfg.nvdimms.size()) return false;
  std::error_code ec;
  for (std::size_t i = 0; i < cfg.nvdimms.size(); ++i)
    if (!fs::is_regular_file(cfg.nvdimm_templates[i], ec)) return false;
  return true;
}

}  // namespace

std::string ReadyStates::fingerprint(const Config& cfg) {
  Config c = cfg;
  c.start_from.reset();
  c.interactive = false;
  c.snapshots = true;
  // Per-instance paths differ between guests of the same machine; the guest never sees them.
  QemuPaths p{.qmp_socket = "QMP", .agent_socket = "AGENT", .snapshot_image = "SNAPSHOTS"};
  for (std::size_t i = 0; i < c.nvdimms.size(); ++i)
    p.nvdimm_files.push_back(fmt::format("NVDIMM{}", i));
  Hasher h;
  h.add("ready-state 1");
  for (const auto& a : qemu_argv(c, p)) h.add(a);
  h.add(file_identity(c.kernel)).add(file_identity(c.initramfs));
  for (const auto& t : c.nvdimm_templates) h.add(file_identity(t));
  h.add(file_identity(find_program("qemu-system-x86_64")));
  if (c.accel == Accel::Kvm) h.add(host_cpu_model());
  return h.hex().substr(0, 24);
}

fs::path ReadyStates::path_for(const Config& cfg) const {
  return dir_ / (fingerprint(cfg) + ".qcow2");
}

std::optional<SavedState> ReadyStates::find(const Config& cfg) const {
  if (dir_.empty() || !every_nvdimm_has_a_template(cfg)) return std::nullopt;
  const auto p = path_for(cfg);
  const auto tag_file = fs::path(p).replace_extension(".tag");
  std::error_code ec;
  const std::string tag = read_file(tag_file);
  if (!fs::is_regular_file(p, ec) || tag.empty()) return std::nullopt;
  // The tag's mtime is the state's last use, which prune keeps by.
  fs::last_write_time(tag_file, fs::file_time_type::clock::now(), ec);
  return SavedState{p, tag};
}

bool ReadyStates::publish(const Config& cfg, const fs::path& snapshot_file,
                          const std::string& tag) const {
  if (dir_.empty() || snapshot_file.empty() || tag.empty() || !every_nvdimm_has_a_template(cfg))
    return false;
  const fs::path to = path_for(cfg);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const fs::path tmp = private_tmp_path(to);
  bool ok = false;
  try {
    // The tag first: a state file is only found with its tag beside it.
    write_file_atomic(fs::path(to).replace_extension(".tag"), tag);
    copy_sparse(snapshot_file, tmp);
    fs::rename(tmp, to, ec);
    ok = !ec;
  } catch (const InfraError&) {  // DiskFullError included: the next guest just boots
  }
  if (!ok) fs::remove(tmp, ec);
  if (ok) prune();
  return ok;
}

void ReadyStates::prune(std::size_t keep) const {
  if (dir_.empty()) return;
  std::error_code ec;
  struct Used {
    fs::path state;
    fs::file_time_type when;
  };
  std::vector<Used> states;
  std::vector<fs::path> remove;
  // Leftovers (a private copy, a tag without its state or the reverse) older than this belong
  // to a harness that died publishing; a live one finishes within the seconds a copy takes.
  const auto abandoned = fs::file_time_type::clock::now() - std::chrono::hours(1);
  const auto old = [&](const fs::path& p) {
    std::error_code e;
    const auto t = fs::last_write_time(p, e);
    return !e && t < abandoned;
  };
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const fs::path& p = e.path();
    if (p.filename().string().find(".tmp.") != std::string::npos) {
      if (old(p)) remove.push_back(p);
    } else if (p.extension() == ".tag") {
      if (!fs::exists(fs::path(p).replace_extension(".qcow2"), ec) && old(p)) remove.push_back(p);
    } else if (p.extension() == ".qcow2") {
      std::error_code no_tag;
      const auto when = fs::last_write_time(fs::path(p).replace_extension(".tag"), no_tag);
      if (!no_tag)
        states.push_back({p, when});
      else if (old(p))
        remove.push_back(p);  // a state without its tag is never found
    }
  }
  std::ranges::sort(states, std::greater<>{}, &Used::when);
  for (std::size_t i = keep; i < states.size(); ++i) {
    remove.push_back(states[i].state);
    remove.push_back(fs::path(states[i].state).replace_extension(".tag"));
  }
  for (const auto& p : remove) fs::remove(p, ec);
}

void ReadyStates::discard(const Config& cfg) const {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove(path_for(cfg), ec);
}

}  // namespace dt::vm
