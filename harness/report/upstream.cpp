// `report --upstream`: facts first (gather_upstream), then text for a mailing list
// (render_upstream): prose wrapped at 72 columns, the console report verbatim.
#include "report/upstream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "campaign/campaign.hpp"
#include "report/console_tail.hpp"
#include "report/overview.hpp"
#include "report/resolve.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/process.hpp"

namespace dt::report {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// ---- ELF ----

template <typename T>
T get(const std::string& b, std::size_t off) {
  T v{};
  if (off + sizeof v <= b.size()) std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

std::string read_range(std::ifstream& in, std::uint64_t off, std::uint64_t size) {
  std::string buf(size, '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(off));
  in.read(buf.data(), static_cast<std::streamsize>(size));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  return buf;
}

// The kernel's linux_banner: "Linux version ...\n" (the other copies are printf formats).
std::string find_banner(const std::string& data) {
  for (std::size_t pos = data.find("Linux version "); pos != std::string::npos;
       pos = data.find("Linux version ", pos + 1)) {
    auto end = data.find_first_of(std::string("\n\0", 2), pos);
    if (end == std::string::npos) break;
    std::string s = data.substr(pos, end - pos);
    // 6.1+ also keep the banner without its build number ("... # SMP ...", from
    // version.o before version-timestamp.o overrides it); the console prints "#26 SMP".
    auto hash = s.find(" #");
    if (s.find('%') == std::string::npos && hash != std::string::npos && hash + 2 < s.size() &&
        std::isdigit(static_cast<unsigned char>(s[hash + 2])))
      return s;
  }
  return "";
}

// ---- nm / addr2line ----

struct Symbol {
  std::uint64_t addr = 0, size = 0;
  // What the kernel prints after the slash: kallsyms knows no ELF sizes and takes the
  // distance to the next text symbol, padding included (0xb0 for a function of 0xa5 bytes).
  std::uint64_t kallsyms_size = 0;
};

std::multimap<std::string, Symbol> text_symbols(const fs::path& elf) {
  auto r = run_capture({"nm", "-S", "--defined-only", elf.string()});
  if (!r.status.ok())
    throw InfraError(fmt::format("nm {} failed: {}", elf.string(), trim(r.output)));
  std::multimap<std::string, Symbol> out;
  std::vector<std::uint64_t> starts;  // every text symbol, sized or not, as kallsyms has them
  auto is_text = [](const std::string& t) {
    return t.size() == 1 && std::string("tTwW").find(t[0]) != std::string::npos;
  };
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::vector<std::string> w;
    for (std::string x; l >> x;) w.push_back(x);
    try {
      if (w.size() == 3 && is_text(w[1])) starts.push_back(std::stoull(w[0], nullptr, 16));
      if (w.size() != 4 || !is_text(w[2])) continue;
      auto addr = std::stoull(w[0], nullptr, 16);
      starts.push_back(addr);
      out.emplace(w[3], Symbol{addr, std::stoull(w[1], nullptr, 16), 0});
    } catch (const std::exception&) {
    }
  }
  std::sort(starts.begin(), starts.end());
  for (auto& [name, s] : out) {
    auto next = std::upper_bound(starts.begin(), starts.end(), s.addr);
    if (next != starts.end()) s.kallsyms_size = *next - s.addr;
  }
  return out;
}

struct Location {
  std::string function, file_line;
};

// One group per address, innermost inlined function first.
std::vector<std::vector<Location>> addr2line(const fs::path& elf,
                                             const std::vector<std::uint64_t>& addrs) {
  std::vector<std::string> argv = {"addr2line", "-a", "-f", "-i", "-e", elf.string()};
  for (auto a : addrs) argv.push_back(fmt::format("{:#x}", a));
  auto r = run_capture(argv);
  if (!r.status.ok())
    throw InfraError(fmt::format("addr2line -e {} failed: {}", elf.string(), trim(r.output)));
  std::vector<std::vector<Location>> out;
  auto lines = split_lines(r.output);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("0x", 0) == 0) {
      out.emplace_back();
      continue;
    }
    if (out.empty() || i + 1 >= lines.size()) continue;
    std::string where = lines[i + 1];
    if (auto d = where.find(" (discriminator"); d != std::string::npos) where.resize(d);
    out.back().push_back({lines[i], where});
    ++i;
  }
  return out;
}

bool known(const Location& l) {
  return !l.file_line.empty() && l.file_line.rfind("??", 0) != 0 &&
         l.file_line.find(":0") != l.file_line.size() - 2;
}

// ---- kernel config ----

struct Option {
  const char* name;
  bool show_unset;
};
constexpr Option kOptions[] = {
    {"FS_DAX", true},
    {"FS_DAX_PMD", true},
    {"DAX", true},
    {"DEV_DAX", false},
    {"DEV_DAX_PMEM", false},
    {"LIBNVDIMM", true},
    {"ACPI_NFIT", false},
    {"BLK_DEV_PMEM", true},
    {"NVDIMM_PFN", false},
    {"NVDIMM_DAX", false},
    {"ZONE_DEVICE", true},
    {"TRANSPARENT_HUGEPAGE", true},
    {"MEMORY_FAILURE", true},
    {"XFS_FS", false},
    {"XFS_RT", true},
    {"XFS_DEBUG", true},
    {"EXT4_FS", false},
    {"EXT2_FS", false},
    {"PREEMPT_NONE", false},
    {"PREEMPT_VOLUNTARY", false},
    {"PREEMPT", false},
    {"PREEMPT_DYNAMIC", false},
    {"PROVE_LOCKING", true},
    {"DEBUG_VM", true},
    {"KASAN", true},
    {"DEBUG_INFO_NONE", false},
    {"DEBUG_INFO_DWARF4", false},
    {"DEBUG_INFO_DWARF5", false},
    {"DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT", false},
    {"DEBUG_INFO_REDUCED", false},
};

std::map<std::string, std::string> parse_config(const std::string& text) {
  std::map<std::string, std::string> out;
  for (auto& l : split_lines(text)) {
    if (l.rfind("CONFIG_", 0) == 0) {
      auto eq = l.find('=');
      if (eq != std::string::npos) out[l.substr(7, eq - 7)] = l.substr(eq + 1);
    } else if (l.rfind("# CONFIG_", 0) == 0 && l.size() > 13 &&
               l.compare(l.size() - 11, 11, " is not set") == 0) {
      out[l.substr(9, l.size() - 9 - 11)] = "n";
    }
  }
  return out;
}

// ---- the cell ----

std::string base_cell(const std::string& cell_id) {
  static const std::regex rep(R"(/r[0-9]+$)");
  return std::regex_replace(cell_id, rep, "");
}

const oracle::Finding* find_in(const results::RunRecord& r, const std::string& title) {
  for (auto& f : r.findings)
    if (f.title == title) return &f;
  return nullptr;
}

bool has_title(const results::RunRecord& r, const std::string& title) {
  return find_in(r, title) != nullptr;
}

std::string bytes(std::uint64_t b) {
  if (b >= (1ull << 30) && b % (1ull << 30) == 0) return fmt::format("{} GiB", b >> 30);
  if (b >= (1ull << 20) && b % (1ull << 20) == 0) return fmt::format("{} MiB", b >> 20);
  return fmt::format("{} bytes", b);
}

std::string argv_text(const std::vector<std::string>& argv) {
  std::vector<std::string> q;
  for (auto& a : argv) q.push_back(shell_quote(a));
  return join(q, " ");
}

std::string json_scalar(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// The `daxtorture run` that runs this one cell again from its campaign file: its kernel, and
// the shard that holds only it. Checked against the recorded cell (seed, argv, fs, VM).
void run_command(const results::Store& store, const results::RunRecord& run, UpstreamReport& u) {
  std::string path = store.meta("campaign_path");
  std::error_code ec;
  if (path.empty() || !fs::is_regular_file(path, ec)) {
    u.run_note = path.empty() ? "The store does not record its campaign file."
                              : "The campaign file " + path + " is gone.";
    return;
  }
  campaign::Campaign camp;
  try {
    camp = campaign::load_file(path);
  } catch (const std::exception& e) {
    u.run_note = fmt::format("The campaign file {} no longer loads.", path);
    return;
  }
  const json& c = run.cell;
  std::string kernel = c.value("kernel", run.kernel.empty() ? "default" : run.kernel);
  camp.kernels = {kernel};
  std::vector<campaign::Cell> cells;
  try {
    cells = camp.cells();
  } catch (const std::exception&) {
  }
  auto it = std::find_if(cells.begin(), cells.end(),
                         [&](const campaign::Cell& x) { return x.id == run.cell_id; });
  if (it == cells.end()) {
    u.run_note = fmt::format("The campaign file {} no longer has the cell {}.", path, run.cell_id);
    return;
  }
  std::vector<std::string> argv = {"daxtorture", "run", path, "--kernel", kernel};
  if (auto cat = store.meta("catalogue"); !cat.empty())
    argv.insert(argv.end(), {"--catalogue", cat});
  if (cells.size() > 1)
    argv.insert(argv.end(), {"--shard", fmt::format("{}/{}", it->index + 1, cells.size())});
  if (!run.accel.empty()) argv.insert(argv.end(), {"--accel", run.accel});
  argv.insert(argv.end(), {"--out", "daxtorture-repro"});
  u.run_command = argv_text(argv);

  std::vector<std::string> differs;
  auto recorded_argv = c.value("argv", std::vector<std::string>{});
  if (it->seed != run.seed) differs.push_back("seed");
  // --keep-files only spares the workload its cleanup (runs before it did not pass it).
  auto racing = [](std::vector<std::string> argv) {
    std::erase(argv, std::string("--keep-files"));
    return argv;
  };
  if (!recorded_argv.empty() && racing(it->workload_argv("/mnt/dax/work")) != racing(recorded_argv))
    differs.push_back("workload arguments");
  const json f = c.value("fs", json::object());
  if (it->fs.mkfs_args != f.value("mkfs", std::vector<std::string>{}) ||
      it->fs.mount_opts != f.value("mount", ""))
    differs.push_back("filesystem options");
  const json v = c.value("vm", json::object());
  if (it->vm.vcpus != v.value("vcpus", 0) || it->vm.memory_bytes != v.value("memory", 0ull) ||
      it->vm.nvdimm_bytes != v.value("nvdimm", 0ull) ||
      it->vm.nvdimm_count != v.value("nvdimms", 0))
    differs.push_back("VM shape");
  if (!differs.empty())
    u.run_note = fmt::format(
        "The campaign file has changed since this run ({} of the cell differ): only the repro "
        "command above reruns the recorded cell exactly.",
        join(differs, ", "));
}

// The image's kernel directory: next to the bzImage the manifest names, or by kernel key.
fs::path kernel_dir(const json& manifest, const fs::path& cache) {
  std::error_code ec;
  fs::path k = manifest.value("kernel", "");
  if (!k.empty() && fs::is_directory(k.parent_path(), ec)) return k.parent_path();
  std::string key = manifest.value("kernel_key", "");
  if (key.size() >= 16 && fs::is_directory(cache / "kernels" / key.substr(0, 16), ec))
    return cache / "kernels" / key.substr(0, 16);
  return {};
}

void describe_kernel(const results::RunRecord& run, const UpstreamOptions& o, UpstreamReport& u,
                     std::map<std::string, std::string>& config) {
  u.kernel_release = run.kernel_release;
  u.kernel_spec = run.cell.value("kernel", run.kernel);
  u.image_key = run.image_key;
  u.accel = run.accel;
  std::error_code ec;
  fs::path mpath = o.image_cache / "images" / run.image_key / "manifest.json";
  if (run.image_key.empty() || !fs::is_regular_file(mpath, ec)) return;
  json m = json::parse(read_file(mpath), nullptr, false);
  if (m.is_discarded()) return;
  u.image_label = m.value("label", "");
  u.source = m.value("source", "");
  u.patches = m.value("patches", std::vector<std::string>{});
  std::string flavour = m.value("flavour", "");
  fs::path kdir = kernel_dir(m, o.image_cache);
  if (kdir.empty()) return;
  if (fs::is_regular_file(kdir / "vmlinux", ec)) u.image_vmlinux = kdir / "vmlinux";
  if (fs::is_regular_file(kdir / "daxtorture.config", ec)) {
    std::string merged = read_file(kdir / "daxtorture.config");
    u.fragment_sha256 = sha256_hex(merged);
    if (o.fragments) {
      if (auto now = o.fragments(flavour)) {
        u.fragments = now->names;
        u.fragment_state = now->merged == merged
                               ? "this tree's fragments still merge to it"
                               : "this tree's fragments have changed since the build";
      }
    }
  }
  fs::path cfg =
      fs::is_regular_file(kdir / "config", ec) ? kdir / "config" : kdir / "daxtorture.config";
  if (fs::is_regular_file(cfg, ec)) config = parse_config(read_file(cfg));
  for (auto& opt : kOptions) {
    auto it = config.find(opt.name);
    if (it == config.end() || (it->second == "n" && !opt.show_unset)) continue;
    u.config.push_back(fmt::format("CONFIG_{}={}", opt.name, it->second));
  }
}

void describe_cell(const results::RunRecord& run, UpstreamReport& u) {
  const json& c = run.cell;
  u.cell_id = run.cell_id;
  const json f = c.value("fs", json::object());
  u.fs = f.value("name", run.fs);
  auto mkfs = f.value("mkfs", std::vector<std::string>{});
  mkfs.insert(mkfs.begin(), "mkfs." + u.fs);
  u.mkfs = argv_text(mkfs);
  u.mount = f.value("mount", "");
  const json w = c.value("workload", json::object());
  u.workload = w.value("name", run.workload);
  const json params = w.value("params", json::object());
  for (auto& [k, v] : params.items()) u.params.emplace_back(k, json_scalar(v));
  u.workload_argv = argv_text(c.value("argv", std::vector<std::string>{}));
  const json injectors = c.value("injectors", json::array());
  for (auto& i : injectors) {
    std::string s = i.value("name", "");
    std::vector<std::string> ps;
    const json ip = i.value("params", json::object());
    for (auto& [k, v] : ip.items()) ps.push_back(k + "=" + json_scalar(v));
    if (!ps.empty()) s += " (" + join(ps, ", ") + ")";
    u.injectors.push_back(s);
  }
  const json v = c.value("vm", json::object());
  u.vcpus = v.value("vcpus", 0);
  u.memory = v.value("memory", 0ull);
  u.nvdimm = v.value("nvdimm", 0ull);
  u.nvdimms = v.value("nvdimms", 1);
  u.seed = run.seed;
  u.duration_s = c.value("duration_s", 0.0);
  u.iterations = c.value("iterations", 0ull);
}

std::string console_banner(const results::RunRecord& run) {
  auto path = console_file(run);
  if (!path) return "";
  std::ifstream in(*path, std::ios::binary);
  std::string line;
  for (int n = 0; n < 200 && std::getline(in, line); ++n)
    if (auto p = line.find("Linux version "); p != std::string::npos) return trim(line.substr(p));
  return "";
}

// Other reports of the run quoted with the finding: enough for a deadlock's tasks.
constexpr std::size_t kMaxRelated = 6;

// Decode with --vmlinux, or with the vmlinux of this very build when one is still around.
void decode(const std::map<std::string, std::string>& config, const UpstreamOptions& o,
            UpstreamReport& u) {
  auto apply = [&](const fs::path& elf, const std::string& how) {
    Decoded d = decode_stack(u.excerpt, elf);
    u.excerpt = d.text;
    for (auto& r : u.related) {
      Decoded more = decode_stack(r.text, elf);
      r.text = more.text;
      d.frames += more.frames, d.decoded += more.decoded, d.size_differs += more.size_differs;
    }
    u.decode_note = fmt::format("Stacks decoded to file:line with {} ({} of {} frames){}.", how,
                                d.decoded, d.frames,
                                d.size_differs ? fmt::format("; {} frames are left as they are "
                                                             "because their function has another "
                                                             "size there",
                                                             d.size_differs)
                                               : "");
  };
  std::error_code ec;
  if (!o.vmlinux.empty()) {
    if (!fs::is_regular_file(o.vmlinux, ec))
      throw UsageError("--vmlinux " + o.vmlinux.string() + ": no such file");
    ElfInfo e = inspect_elf(o.vmlinux);
    if (!e.elf) throw UsageError("--vmlinux " + o.vmlinux.string() + ": not an ELF64 file");
    if (!e.dwarf) {
      u.decode_note = fmt::format(
          "No file:line: {} has no debug info (no .debug_info); frames are symbol+offset.",
          o.vmlinux.string());
      return;
    }
    std::string how = o.vmlinux.string();
    if (!u.banner.empty() && !e.banner.empty() && e.banner != u.banner)
      how += ", another build than the one that ran";
    apply(o.vmlinux, how);
    return;
  }
  // The image's own vmlinux (kept by build-kernel.sh) is this very build; no banner needed.
  if (!u.image_vmlinux.empty()) {
    ElfInfo info = inspect_elf(u.image_vmlinux);
    if (info.dwarf && (u.banner.empty() || info.banner.empty() || info.banner == u.banner)) {
      apply(u.image_vmlinux, "the image's vmlinux");
      return;
    }
  }
  auto none = config.find("DEBUG_INFO_NONE");
  if (none != config.end() && none->second == "y") {
    // One line (CONFIG_DEBUG_INFO_NONE=y is in the options above): a vmlinux of the same
    // source and config built with CONFIG_DEBUG_INFO_DWARF5=y decodes the frames; functions
    // of another size are left alone.
    u.decode_note = "No file:line: the kernel has no debug info (decode with --vmlinux PATH).";
    return;
  }
  if (!u.banner.empty() && fs::is_directory(o.image_cache / "kbuild", ec)) {
    for (auto& e : fs::directory_iterator(o.image_cache / "kbuild", ec)) {
      fs::path v = e.path() / "vmlinux";
      if (!fs::is_regular_file(v, ec)) continue;
      ElfInfo info = inspect_elf(v);
      if (info.banner != u.banner) continue;
      if (!info.dwarf) break;
      apply(v, v.string());
      return;
    }
  }
  u.decode_note = fmt::format(
      "No file:line: no vmlinux with debug info of this build is left in {} (rebuilt since); "
      "`--vmlinux PATH` decodes the frames with one.",
      (o.image_cache / "kbuild").string());
}

}  // namespace

// ---- decoding ----

std::optional<Frame> parse_frame(const std::string& line) {
  static const std::regex re(
      R"(([A-Za-z_.$][A-Za-z0-9_.$]*)\+0x([0-9a-f]+)/0x([0-9a-f]+)(\s+\[([A-Za-z0-9_-]+)\])?)");
  std::smatch m;
  if (!std::regex_search(line, m, re)) return std::nullopt;
  Frame f;
  f.symbol = m[1];
  f.offset = std::stoull(m[2], nullptr, 16);
  f.size = std::stoull(m[3], nullptr, 16);
  if (m[5].matched) f.module = m[5];
  f.end = static_cast<std::size_t>(m.position(0) + m.length(0));
  // Call-trace lines hold return addresses: " f+0x1/0x2" or " ? f+0x1/0x2". "RIP: ...",
  // "WARNING: ... at file:line f+..." and "[<address>] f+..." hold the address itself.
  std::string before = line.substr(0, static_cast<std::size_t>(m.position(0)));
  auto b = trim(before);
  f.return_address = b.empty() || b == "?";
  return f;
}

ElfInfo inspect_elf(const fs::path& file) {
  ElfInfo info;
  std::ifstream in(file, std::ios::binary);
  if (!in) return info;
  std::string h = read_range(in, 0, 64);
  if (h.size() < 64 ||
      h.compare(0, 4,
                "\x7f"
                "ELF") != 0 ||
      h[4] != 2 || h[5] != 1)
    return info;
  info.elf = true;
  auto shoff = get<std::uint64_t>(h, 0x28);
  auto shentsize = get<std::uint16_t>(h, 0x3a);
  auto shnum = get<std::uint16_t>(h, 0x3c);
  auto shstrndx = get<std::uint16_t>(h, 0x3e);
  if (shentsize < 64 || shnum == 0 || shstrndx >= shnum) return info;
  std::string sh = read_range(in, shoff, std::uint64_t(shentsize) * shnum);
  if (sh.size() < std::size_t(shentsize) * shnum) return info;
  auto sect = [&](std::size_t i, std::size_t field) {
    return get<std::uint64_t>(sh, i * shentsize + field);
  };
  std::string names = read_range(in, sect(shstrndx, 24), sect(shstrndx, 32));
  for (std::size_t i = 0; i < shnum; ++i) {
    auto name_off = get<std::uint32_t>(sh, i * shentsize);
    if (name_off >= names.size()) continue;
    std::string name = names.c_str() + name_off;
    if (name == ".debug_info" || name == ".zdebug_info") info.dwarf = true;
    if (name == ".rodata") info.banner = find_banner(read_range(in, sect(i, 24), sect(i, 32)));
  }
  return info;
}

std::string kernel_relative(const std::string& path) {
  static const std::set<std::string> top = {
      "arch",     "block",    "certs",  "crypto", "drivers", "fs",  "include", "init",
      "io_uring", "ipc",      "kernel", "lib",    "mm",      "net", "rust",    "samples",
      "scripts",  "security", "sound",  "tools",  "usr",     "virt"};
  if (path.empty() || path[0] != '/') return path;
  std::size_t pos = 1;
  while (pos < path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string::npos) break;
    if (top.count(path.substr(pos, slash - pos))) return path.substr(pos);
    pos = slash + 1;
  }
  return path;
}

Decoded decode_stack(const std::string& text, const fs::path& elf) {
  Decoded d;
  auto lines = split_lines(text);
  struct Want {
    std::size_t line;
    Frame frame;
    std::uint64_t addr;
  };
  std::vector<Want> wants;
  std::vector<std::optional<Frame>> frames(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    frames[i] = parse_frame(lines[i]);
    if (frames[i] && frames[i]->module.empty()) ++d.frames;
  }
  if (d.frames > 0) {
    auto symbols = text_symbols(elf);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      auto& f = frames[i];
      if (!f || !f->module.empty()) continue;
      auto [lo, hi] = symbols.equal_range(f->symbol);
      if (lo == hi) continue;
      std::vector<Symbol> same;
      for (auto it = lo; it != hi; ++it)
        if (it->second.size == f->size || it->second.kallsyms_size == f->size)
          same.push_back(it->second);
      if (same.empty()) {
        ++d.size_differs;
        continue;
      }
      if (same.size() > 1) continue;  // two static functions of one name and size: unknowable
      std::uint64_t addr = same[0].addr + f->offset;
      if (f->return_address && f->offset > 0) --addr;
      wants.push_back({i, *f, addr});
    }
  }
  std::map<std::size_t, std::vector<Location>> where;
  if (!wants.empty()) {
    std::vector<std::uint64_t> addrs;
    for (auto& w : wants) addrs.push_back(w.addr);
    auto groups = addr2line(elf, addrs);
    for (std::size_t k = 0; k < wants.size() && k < groups.size(); ++k)
      if (!groups[k].empty() && known(groups[k].back())) where[wants[k].line] = groups[k];
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto it = where.find(i);
    if (it == where.end()) {
      d.text += lines[i] + "\n";
      continue;
    }
    ++d.decoded;
    const std::string& line = lines[i];
    std::string indent = line.substr(0, line.find_first_not_of(' '));
    auto& locs = it->second;
    for (std::size_t k = 0; k + 1 < locs.size(); ++k)
      d.text += fmt::format("{}{} {} [inline]\n", indent, locs[k].function,
                            kernel_relative(locs[k].file_line));
    const Frame& f = *frames[i];
    d.text += line.substr(0, f.end) + " " + kernel_relative(locs.back().file_line) +
              line.substr(f.end) + "\n";
  }
  return d;
}

// ---- gathering ----

UpstreamReport gather_upstream(const results::Store& store, const std::string& id,
                               const UpstreamOptions& o) {
  auto r = resolve_id(store, id);
  UpstreamReport u;
  std::optional<results::RunRecord> run = r.run;
  std::string title;
  if (r.finding) {
    title = r.finding->title;
    // The run to quote: one whose console log is at hand and whose report is whole, the
    // earliest of those (the store's example run is merely one that has it).
    auto score = [&](const results::RunRecord& x) {
      const oracle::Finding* f = find_in(x, title);
      return std::make_tuple(!console_file(x).has_value(), f->corrupted, x.started_at, x.run_id);
    };
    for (auto& x : store.runs())
      if (has_title(x, title) && (!run || score(x) < score(*run))) run = x;
    if (!run)
      throw InfraError(
          fmt::format("finding {} is in no run of {}", r.finding->hash, store.dir().string()));
  } else {
    std::vector<const oracle::Finding*> mine, unexpected;
    for (auto& f : run->findings) {
      if (std::none_of(mine.begin(), mine.end(), [&](auto* m) { return m->title == f.title; }))
        mine.push_back(&f);
    }
    for (auto* f : mine)
      if (!f->expected) unexpected.push_back(f);
    if (mine.empty())
      throw UsageError(fmt::format("run {} has no findings to report", run->run_id));
    auto& pick = unexpected.size() == 1 ? unexpected : mine;
    if (pick.size() > 1) {
      std::string msg = fmt::format("run {} has {} findings; pass one:", run->run_id, pick.size());
      for (auto* f : pick) msg += fmt::format("\n  finding {}  {}", f->hash(), f->title);
      throw UsageError(msg);
    }
    title = pick[0]->title;
  }
  const oracle::Finding* f = find_in(*run, title);
  u.title = title;
  u.hash = f->hash();
  u.kind = f->kind;
  u.run_id = run->run_id;
  u.results_dir = store.dir().string();
  u.campaign = run->campaign;
  u.corrupted = f->corrupted;
  u.excerpt = f->text;
  if (auto c = console_file(*run)) u.console_path = c->string();
  if (u.excerpt.empty() && !u.console_path.empty())
    u.excerpt = tail_lines(u.console_path, 60).value_or("");
  if (!u.excerpt.empty() && u.excerpt.back() != '\n') u.excerpt += "\n";
  std::set<std::string> related_titles = {title};
  for (const auto& g : run->findings) {
    // A lost guest's finding is the console's tail, which repeats the reports themselves.
    const bool console_tail = oracle::lost_kind(g).has_value();
    if (g.category != oracle::Category::Kernel || console_tail || g.text.empty() ||
        !related_titles.insert(g.title).second)
      continue;
    if (u.related.size() == kMaxRelated) break;
    u.related.push_back({g.title, g.text.back() == '\n' ? g.text : g.text + "\n"});
  }
  u.banner = console_banner(*run);

  std::map<std::string, std::string> config;
  describe_kernel(*run, o, u, config);
  describe_cell(*run, u);
  decode(config, o, u);

  // How often: every run of the cells it was seen in, whichever repetition.
  auto runs = store.runs();
  u.runs_total = static_cast<int>(runs.size());
  std::set<std::string> cells;
  for (auto& x : runs)
    if (has_title(x, title)) cells.insert(base_cell(x.cell_id));
  for (auto& x : runs) {
    if (!cells.count(base_cell(x.cell_id))) continue;
    bool with = has_title(x, title);
    u.runs_with += with;
    // An infrastructure error or a skip says nothing about the kernel.
    if (with || (x.status != results::Status::Error && x.status != results::Status::Skip))
      ++u.runs_of_cells;
  }
  u.cells.assign(cells.begin(), cells.end());
  for (auto& s : store.findings())
    if (s.title == title) u.first_seen = s.first_seen, u.last_seen = s.last_seen;

  std::vector<std::string> repro = {"daxtorture", "repro", run->run_id, "--from",
                                    store.dir().string()};
  if (!run->accel.empty()) repro.insert(repro.end(), {"--accel", run->accel});
  u.repro_command = argv_text(repro);
  run_command(store, *run, u);
  return u;
}

// ---- rendering ----

std::string wrap(const std::string& text, std::size_t width, const std::string& first_indent,
                 const std::string& indent) {
  std::istringstream in(text);
  std::string word, out, line = first_indent;
  bool empty = true;
  while (in >> word) {
    if (!empty && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = indent, empty = true;
    }
    line += (empty ? "" : " ") + word;
    empty = false;
  }
  return out + line + "\n";
}

namespace {

std::string field(const std::string& label, const std::string& value) {
  return wrap(value, kMailWidth, fmt::format("  {:<12}", label + ":"), std::string(14, ' '));
}

// A shell command, broken with backslashes so that each line fits and it still pastes; an
// option stays on one line with its value.
std::string command(const std::string& cmd) {
  std::istringstream in(cmd);
  std::vector<std::string> words;
  for (std::string w; in >> w;) {
    if (!words.empty() && words.back().rfind("--", 0) == 0 &&
        words.back().find(' ') == std::string::npos && w[0] != '-')
      words.back() += " " + w;
    else
      words.push_back(w);
  }
  std::string out, line = "  ";
  bool empty = true;
  for (auto& word : words) {
    if (!empty && line.size() + 1 + word.size() + 2 > kMailWidth) {
      out += line + " \\\n";
      line = "      ", empty = true;
    }
    line += (empty ? "" : " ") + word;
    empty = false;
  }
  return out + line + "\n";
}

std::string para(const std::string& text) {
  return wrap(text, kMailWidth, "", "");
}

std::string duration(double s) {
  if (s <= 0) return "";
  if (s == static_cast<std::uint64_t>(s)) return fmt::format("{} s", static_cast<std::uint64_t>(s));
  return fmt::format("{:.1f} s", s);
}

}  // namespace

std::string render_upstream(const UpstreamReport& u) {
  std::string out = "Subject: " + u.title + "\n\n";
  std::string mount = u.mount.empty() ? "" : " mounted with -o " + u.mount;
  out += para(fmt::format(
      "daxtorture, a fault-injection torture suite for Linux DAX filesystems, hit the report "
      "below on {} with {}{} in {} of {} runs of the same test.",
      u.kernel_release.empty() ? "Linux" : "Linux " + u.kernel_release, u.fs, mount, u.runs_with,
      u.runs_of_cells));

  out += "\nKernel\n";
  out += field("release", u.kernel_release.empty() ? "unknown" : u.kernel_release);
  std::string flavour = u.kernel_spec;
  if (!u.image_label.empty() && u.image_label != u.kernel_spec)
    flavour += " (" + u.image_label + ")";
  out += field("flavour", flavour);
  out += field("image", u.image_key.empty() ? "unknown" : u.image_key);
  if (!u.source.empty()) {
    std::string src = u.source;
    if (src.find("linux-source-") != std::string::npos) src += " (Debian's linux-source)";
    out += field("source", src);
  }
  if (!u.patches.empty()) out += field("patches", join(u.patches, " "));
  if (!u.fragment_sha256.empty()) {
    std::string cfg = "x86_64_defconfig + ";
    std::vector<std::string> stems;
    for (auto& n : u.fragments) stems.push_back(n.substr(0, n.rfind(".config")));
    if (stems.empty())
      cfg += "the daxtorture fragments";
    else if (stems.size() == 1)
      cfg += "guest-images/config/" + u.fragments[0];
    else
      cfg += "guest-images/config/{" + join(stems, ",") + "}.config";
    cfg += fmt::format(" (merged fragment sha256 {}{})", u.fragment_sha256.substr(0, 16),
                       u.fragment_state.empty() ? "" : "; " + u.fragment_state);
    out += field("config", cfg);
  }
  if (!u.config.empty()) out += field("options", join(u.config, " "));
  if (!u.banner.empty()) out += "  banner:\n" + u.banner + "\n";

  out += "\nSetup\n";
  out += field("filesystem", u.fs);
  out += field("mkfs", u.mkfs);
  out += field("mount", u.mount.empty() ? "(defaults)" : "-o " + u.mount);
  std::string machine = fmt::format(
      "QEMU x86_64{}, {} vCPUs, {} RAM, {} emulated NVDIMM{} of {} "
      "(ACPI NFIT, fsdax on /dev/pmem0)",
      u.accel.empty() ? "" : " (" + u.accel + ")", u.vcpus, bytes(u.memory), u.nvdimms,
      u.nvdimms == 1 ? "" : "s", bytes(u.nvdimm));
  out += field("machine", machine);
  std::vector<std::string> params;
  for (auto& [k, v] : u.params) params.push_back(k + "=" + v);
  std::string wl = u.workload + (params.empty() ? ", default parameters" : " " + join(params, " "));
  if (u.duration_s > 0) wl += ", " + duration(u.duration_s);
  if (u.iterations > 0) wl += fmt::format(", {} iterations", u.iterations);
  wl += fmt::format(", seed {}", u.seed);
  out += field("workload", wl);
  if (!u.workload_argv.empty()) out += field("command", u.workload_argv);
  out += field("injectors", u.injectors.empty() ? "none" : join(u.injectors, "; "));
  out += field("test", u.cell_id + " (campaign " + u.campaign + ")");

  out += "\nReport\n";
  out += field("run", u.run_id + (u.corrupted ? " (the report is corrupted)" : ""));
  if (!u.console_path.empty()) out += field("console", u.console_path);
  out += "\n" + u.excerpt + "\n";
  if (!u.related.empty()) {
    out += para(fmt::format("The same run printed {} other kernel report{} (in console order):",
                            u.related.size(), u.related.size() == 1 ? "" : "s"));
    for (const auto& r : u.related) out += "\n--- " + r.title + "\n" + r.text;
    out += "\n";
  }
  if (!u.decode_note.empty()) out += para(u.decode_note);

  out += "\nFrequency\n";
  out += field("seen", fmt::format("in {} of {} runs ({}) of {}", u.runs_with, u.runs_of_cells,
                                   percent(u.runs_with, u.runs_of_cells), join(u.cells, ", ")));
  if (!u.first_seen.empty()) out += field("first", u.first_seen);
  if (!u.last_seen.empty()) out += field("last", u.last_seen);

  out += "\nReproduce\n";
  out += para(
      "With daxtorture, this reruns the recorded test exactly (the same image, seed, filesystem "
      "options, workload parameters and VM shape) and counts how often the report comes back:");
  out += command(u.repro_command);
  if (!u.run_command.empty()) {
    out += para("or runs the same test from its campaign file with:");
    out += command(u.run_command);
  }
  if (!u.run_note.empty()) out += para(u.run_note);
  return out;
}

}  // namespace dt::report
