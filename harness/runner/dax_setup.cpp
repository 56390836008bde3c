#include "runner/dax_setup.hpp"

#include <fmt/format.h>

#include "campaign/registry.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "vm/vm.hpp"

namespace dt::runner {
namespace fs = std::filesystem;

campaign::FsSpec default_fs(const std::string& name) {
  auto* def = campaign::find_fs(name);
  if (!def) throw UsageError("unknown filesystem '" + name + "' (expected xfs, ext4 or ext2)");
  campaign::FsSpec fs;
  fs.name = name;
  fs.label = name;
  for (auto a : def->mkfs) fs.mkfs_args.emplace_back(a);
  fs.mount_opts = def->mount;
  return fs;
}

namespace {

constexpr std::uint64_t kNamespaceAlign = 2ull << 20;  // PMD faults need 2 MiB alignment

// The guest's fsdax block devices as `ndctl list -N` would name them, one JSON object per line,
// read from sysfs with shell builtins: ndctl itself takes 0.15-0.2 s to start under TCG. An
// fsdax disk hangs off an nd_pfn device (raw and sector-mode ones do not). Reading wait_probe
// first returns once the bus has probed what it found at boot (labels, pfn info blocks).
constexpr const char* kListFsdax = R"(
for w in /sys/bus/nd/devices/ndbus*/wait_probe; do read -r _ < "$w"; done 2>/dev/null
for b in /sys/block/pmem*; do
  d=$b/device; t=; read -r t < "$d/devtype" 2>/dev/null
  [ "$t" = nd_pfn ] || continue
  read -r n < "$d/namespace"; read -r a < "$d/align"
  printf '{"dev":"%s","mode":"fsdax","align":%s,"blockdev":"%s"}\n' "$n" "$a" "${b##*/}"
done)";

// Sparse copies, each through a private name and a rename: a guest booting meanwhile copies
// the old template or the new one, never half of one. A failed copy keeps no template (the
// next fresh guest runs ndctl again); a full disk is the campaign's problem and propagates.
void save_templates(const std::vector<fs::path>& from, const std::vector<fs::path>& to) {
  for (std::size_t i = 0; i < from.size() && i < to.size(); ++i) {
    const fs::path tmp = private_tmp_path(to[i]);
    std::error_code ec;
    try {
      copy_sparse(from[i], tmp);
      fs::rename(tmp, to[i], ec);
    } catch (const DiskFullError&) {
      fs::remove(tmp, ec);
      throw;
    } catch (const InfraError&) {
    }
    fs::remove(tmp, ec);
  }
}

}  // namespace

std::vector<fs::path> namespace_templates(const fs::path& image_dir,
                                          const std::vector<std::uint64_t>& nvdimms) {
  std::vector<fs::path> out;
  for (std::size_t i = 0; i < nvdimms.size(); ++i)
    out.push_back(image_dir / fmt::format("fsdax-nvdimm{}-{}M.img", i, nvdimms[i] >> 20));
  return out;
}

std::vector<int> namespaces_missing(const nlohmann::json& listing, int nvdimm_count) {
  std::vector<int> missing;
  for (int i = 0; i < nvdimm_count; ++i) {
    const std::string dev = fmt::format("namespace{}.0", i);
    bool ready = false;
    for (auto& ns : listing)
      ready = ready ||
              (ns.is_object() && ns.value("dev", "") == dev && ns.value("mode", "") == "fsdax" &&
               ns.value("align", std::uint64_t{0}) == kNamespaceAlign &&
               !ns.value("blockdev", "").empty());
    if (!ready) missing.push_back(i);
  }
  return missing;
}

NamespaceSetup ready_namespaces(GuestControl& s, int nvdimm_count,
                                const std::vector<fs::path>& guest_files,
                                const std::vector<fs::path>& templates) {
  const double start = vm::steady_now();
  auto r = s.exec({"sh", "-c", kListFsdax}, 60);
  auto list = nlohmann::json::array();
  for (auto& line : r.out) list.push_back(nlohmann::json::parse(line, nullptr, false));
  const auto missing = namespaces_missing(list, nvdimm_count);
  for (int i : missing)
    s.exec_checked({"ndctl", "create-namespace", "-f", "-e", fmt::format("namespace{}.0", i), "-m",
                    "fsdax", "--align", "2M"},
                   120);
  if (!missing.empty() && !templates.empty()) save_templates(guest_files, templates);
  return {missing.empty(), vm::steady_now() - start};
}

DaxProof format_and_mount(GuestControl& s, const campaign::FsSpec& fs, std::size_t console_from) {
  double start = vm::steady_now();
  std::vector<std::string> mkfs = {fs.name == "xfs" ? "mkfs.xfs" : "mke2fs"};
  if (fs.name != "xfs") mkfs.insert(mkfs.end(), {"-t", fs.name});
  mkfs.insert(mkfs.end(), fs.mkfs_args.begin(), fs.mkfs_args.end());
  mkfs.push_back("/dev/pmem0");
  s.exec_checked(mkfs, 300);
  auto p = mount_and_prove(s, fs, console_from);
  p.seconds = vm::steady_now() - start;
  return p;
}

DaxProof mount_and_prove(GuestControl& s, const campaign::FsSpec& fs, std::size_t console_from) {
  DaxProof p;
  double start = vm::steady_now();
  // After a reboot the namespace comes back from the label area: wait for its block device,
  // then mount (one guest command; the values reach the script as arguments, never pasted).
  s.exec_checked({"sh", "-c",
                  "i=0; while [ ! -b /dev/pmem0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); "
                  "done; [ -b /dev/pmem0 ] || { echo 'no /dev/pmem0' >&2; exit 1; }; "
                  "exec mount -t \"$1\" -o \"$2\" /dev/pmem0 \"$3\"",
                  "mount", fs.name, fs.mount_opts, kMountPoint},
                 120);
  auto r = s.exec({"dt-daxcheck", kMountPoint}, 60);
  if (!r.out.empty()) p.check = nlohmann::json::parse(r.out.back(), nullptr, false);
  s.fence();  // the mount's console lines (a refused DAX says so there) are in
  const std::string console = s.console_text(console_from);
  for (auto needle : {"Turning off DAX", "DAX unsupported", "DAX enabled. Warning: EXPERIMENTAL"}) {
    auto pos = console.find(needle);
    if (pos == std::string::npos || std::string(needle).find("EXPERIMENTAL") != std::string::npos)
      continue;
    auto b = console.rfind('\n', pos);
    auto e = console.find('\n', pos);
    p.message = "the kernel turned DAX off: " +
                console.substr(b == std::string::npos ? 0 : b + 1, e - b - 1);
    p.seconds = vm::steady_now() - start;
    return p;
  }
  p.ok = r.ok() && p.check.is_object() && p.check.value("ok", false);
  if (!p.ok && p.message.empty()) {
    std::vector<std::string> missing;
    if (p.check.is_object()) {
      if (!p.check.value("dax_mount", false))
        missing.push_back("no dax option in /proc/mounts (" + p.check.value("options", "") + ")");
      if (!p.check.value("map_sync", false) && p.check.value("map_sync_required", true))
        missing.push_back("MAP_SYNC mmap refused (" + p.check.value("map_sync_error", "") + ")");
      if (!p.check.value("statx_dax", false)) missing.push_back("STATX_ATTR_DAX not set");
    }
    p.message = "DAX is not on: " +
                (missing.empty() ? r.output() : fmt::format("{}", fmt::join(missing, "; ")));
  }
  p.seconds = vm::steady_now() - start;
  return p;
}

FsckResult unmount_and_fsck(GuestControl& s, const std::string& fs) {
  auto u = s.exec({"umount", kMountPoint}, 120);
  if (!u.ok()) return {false, -1, u.output()};
  auto r = fs == "xfs" ? s.exec({"xfs_repair", "-n", "/dev/pmem0"}, 600)
                       : s.exec({"e2fsck", "-fn", "/dev/pmem0"}, 600);
  return {true, r.timed_out ? -1 : r.code, r.output()};
}

}  // namespace dt::runner
