#include "image/image.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>

#include "image/cpio.hpp"
#include "image/kconfig.hpp"
#include "image/patches.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/paths.hpp"
#include "util/process.hpp"

namespace dt::image {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

fs::path config_dir() {
  return source_dir() / "guest-images" / "config";
}
fs::path build_script() {
  return source_dir() / "guest-images" / "build-kernel.sh";
}
// Out-of-tree canary module, built against each kernel (it must match that build exactly).
fs::path kmod_dir() {
  return source_dir() / "guest-images" / "kmod";
}
std::vector<fs::path> kmod_sources() {
  std::vector<fs::path> files;
  if (fs::is_directory(kmod_dir()))
    for (auto& e : fs::directory_iterator(kmod_dir()))
      if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Hashing the 138 MB tarball costs ~0.5 s; remember it by (path, size, mtime). The digest keys
// both the image and the object directory, so two Debian versions never share either.
std::string tarball_digest(const fs::path& cache, const fs::path& tarball,
                           const std::string& package) {
  if (!fs::exists(tarball))
    throw UsageError(fmt::format("{} not found (apt-get install {}, or pass --kernel-src/--kernel)",
                                 tarball.string(),
                                 package.empty() ? "the package that ships it" : package));
  auto mtime = fs::last_write_time(tarball).time_since_epoch().count();
  std::string id =
      fmt::format("{}|{}|{}", fs::canonical(tarball).string(), fs::file_size(tarball), mtime);
  fs::path memo = cache / "digests.json";
  json j = fs::exists(memo) ? json::parse(read_file(memo), nullptr, false) : json::object();
  if (j.is_discarded()) j = json::object();
  if (j.contains(id)) return j[id];
  std::string d = sha256_file(tarball);
  j[id] = d;
  fs::create_directories(cache);
  write_file_atomic(memo, j.dump(2));
  return d;
}

// Identity of a developer's tree: HEAD plus any uncommitted change.
std::string tree_identity(const fs::path& src) {
  if (!fs::exists(src / "Makefile") || !fs::exists(src / "arch/x86"))
    throw UsageError(src.string() + " is not a Linux source tree (no Makefile or arch/x86)");
  auto head =
      run_capture({"git", "-C", src.string(), "rev-parse", "HEAD"}, std::chrono::seconds(30));
  if (!head.status.ok())
    throw UsageError("--kernel-src " + src.string() +
                     " is not a git tree; the image cache is keyed on its commit");
  auto diff = run_capture({"git", "-C", src.string(), "diff", "HEAD"}, std::chrono::seconds(120));
  return "git:" + trim(head.output) + ":" + sha256_hex(diff.output);
}

// A new user's first `--kernel 6.12` finds no linux-source-6.12: install it from Debian's
// archive as scripts/install-deps.sh installs 6.1 (update only if the package is unknown).
void install_source_package(const BuildRequest& req, const Progress& progress) {
  if (!req.kernel.empty() || !req.kernel_src.empty() || fs::exists(req.tarball) ||
      req.source_package.empty())
    return;
  if (progress)
    progress(fmt::format("{} is missing; installing {} from Debian's archive", req.tarball.string(),
                         req.source_package));
  std::vector<std::string> prefix;
  if (::geteuid() != 0) prefix = {"sudo", "-n"};
  auto apt = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = prefix;
    argv.insert(argv.end(), {"env", "DEBIAN_FRONTEND=noninteractive", "apt-get"});
    argv.insert(argv.end(), args.begin(), args.end());
    return run_capture(argv, std::chrono::minutes(15));
  };
  auto install = [&] {
    return apt({"install", "-y", "-qq", "--no-install-recommends", req.source_package});
  };
  auto r = install();
  if (!r.status.ok() && apt({"update", "-qq"}).status.ok()) r = install();
  if (!r.status.ok() || !fs::exists(req.tarball))
    throw UsageError(fmt::format(
        "cannot install {} ({}); install it as root (apt-get install {}) and retry:\n{}",
        req.source_package, r.status.str(), req.source_package, trim(r.output)));
}

// Serialises kernel builds machine-wide: two at once would starve each other of 2 cores.
class BuildLock {
 public:
  explicit BuildLock(const fs::path& path, const Progress& progress) {
    fs::create_directories(path.parent_path());
    fd_ = UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd_) throw_errno("cannot open " + path.string());
    if (flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
      if (progress) progress("another kernel build is running; waiting for it");
      // A signal (Ctrl-C to a selftest) interrupts the wait with EINTR: wait on, never build
      // without the lock (that once ran two kernel builds at once).
      while (flock(fd_.get(), LOCK_EX) != 0)
        if (errno != EINTR) throw_errno("cannot lock " + path.string());
    }
  }

 private:
  UniqueFd fd_;
};

// Patches are applied to the shared source tree for one build and reverted afterwards, so
// every flavour and mutant shares one object directory and rebuilds incrementally.
// Run the build script, streaming its output to a log and turning "  CC" lines into progress.
void run_build(const std::vector<std::string>& argv, const fs::path& log_path,
               std::size_t expected_objects, const Progress& progress, std::size_t& objects) {
  SpawnOptions o;
  Subprocess p(argv, o);
  std::ofstream log(log_path, std::ios::trunc);
  LineBuffer lines;
  std::vector<pollfd> fds = {{p.stdout_fd(), POLLIN, 0}, {p.stderr_fd(), POLLIN, 0}};
  int open_streams = 2;
  auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  std::string tail;
  char buf[65536];
  while (open_streams > 0) {
    ::poll(fds.data(), fds.size(), 1000);
    for (auto& f : fds) {
      if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(f.fd, buf, sizeof buf);
      if (n <= 0) {
        f.fd = -1, --open_streams;
        continue;
      }
      log.write(buf, n);
      lines.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      while (auto l = lines.next()) {
        if (l->rfind("  CC", 0) == 0 || l->rfind("  AS", 0) == 0) ++objects;
        if (l->rfind("[build-kernel]", 0) == 0 && progress) progress(l->substr(15));
        tail += *l + "\n";
        if (tail.size() > 8192) tail.erase(0, tail.size() - 8192);
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (progress && now - last_report > std::chrono::seconds(15)) {
      last_report = now;
      auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - start).count();
      progress(expected_objects ? fmt::format("compiling: {}/{} objects, {}m{:02}s", objects,
                                              expected_objects, secs / 60, secs % 60)
                                : fmt::format("compiling: {} objects, {}m{:02}s", objects,
                                              secs / 60, secs % 60));
    }
  }
  auto st = p.wait();
  log.flush();
  if (!st.ok())
    throw InfraError(fmt::format("kernel build failed ({}); full log: {}\n{}", st.str(),
                                 log_path.string(), tail));
}

}  // namespace

ImageStore::ImageStore(fs::path cache) : cache_(std::move(cache)) {}
ImageStore::ImageStore() : ImageStore(cache_dir()) {}

std::string ImageStore::merged_fragment(const std::string& flavour) const {
  Kconfig k;
  for (auto& f : flavour_fragments(flavour)) k.merge_file(config_dir() / f);
  return k.render();
}

std::string ImageStore::kernel_key(const BuildRequest& req) const {
  Hasher h;
  h.add("kernel-v1");
  if (!req.kernel.empty()) {
    if (!fs::is_regular_file(req.kernel))
      throw UsageError("--kernel " + req.kernel.string() + ": no such file");
    return h.add("prebuilt").add_file(req.kernel).hex();
  }
  h.add(req.kernel_src.empty() ? "debian:" + tarball_digest(cache_, req.tarball, req.source_package)
                               : tree_identity(req.kernel_src));
  h.add(req.flavour).add(merged_fragment(req.flavour)).add_file(build_script());
  for (auto& f : kmod_sources()) h.add(f.filename().string()).add_file(f);
  for (auto& p : req.patches) {
    if (!fs::is_regular_file(p)) throw UsageError("--patch " + p.string() + ": no such file");
    h.add_file(p);
  }
  return h.hex();
}

std::string ImageStore::initramfs_key() const {
  CpioBuilder c;
  assemble_initramfs(c);
  return c.content_hash();
}

static std::string image_key(const std::string& kkey, const std::string& ikey) {
  return Hasher().add("image-v1").add(kkey).add(ikey).hex().substr(0, 16);
}

std::optional<Image> ImageStore::find(const BuildRequest& req) const {
  fs::path dir = cache_ / "images" / image_key(kernel_key(req), initramfs_key());
  if (!fs::exists(dir / "manifest.json")) return std::nullopt;
  Image img;
  img.manifest = json::parse(read_file(dir / "manifest.json"));
  img.key = img.manifest.at("key");
  img.dir = dir;
  img.kernel = img.manifest.at("kernel").get<std::string>();
  img.initramfs = img.manifest.at("initramfs").get<std::string>();
  if (!fs::exists(img.kernel) || !fs::exists(img.initramfs)) return std::nullopt;
  return img;
}

std::vector<Image> ImageStore::list() const {
  std::vector<Image> out;
  fs::path root = cache_ / "images";
  if (!fs::exists(root)) return out;
  for (auto& e : fs::directory_iterator(root)) {
    auto m = e.path() / "manifest.json";
    if (!fs::exists(m)) continue;
    auto j = json::parse(read_file(m), nullptr, false);
    if (j.is_discarded()) continue;
    Image img;
    img.manifest = j;
    img.key = j.value("key", "");
    img.dir = e.path();
    img.kernel = j.value("kernel", "");
    img.initramfs = j.value("initramfs", "");
    out.push_back(img);
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) {
    return a.manifest.value("built_at", "") > b.manifest.value("built_at", "");
  });
  return out;
}

Image ImageStore::build(const BuildRequest& req, const Progress& progress) {
  auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  if (!req.kernel.empty() && !req.kernel_src.empty())
    throw UsageError("--kernel and --kernel-src exclude each other");
  if (!req.kernel_src.empty() && !req.patches.empty())
    throw UsageError(
        "--patch applies to Debian's source; commit patches to your --kernel-src tree instead");
  fs::create_directories(cache_);
  install_source_package(req, progress);
  if (auto hit = find(req)) return *hit;

  // 1. Kernel.
  std::string kkey = kernel_key(req);
  fs::path kdir = cache_ / "kernels" / kkey.substr(0, 16);
  double kernel_seconds = 0;
  if (!fs::exists(kdir / "bzImage")) {
    fs::create_directories(kdir);
    if (!req.kernel.empty()) {
      fs::copy_file(req.kernel, kdir / "bzImage", fs::copy_options::overwrite_existing);
      write_file_atomic(kdir / "release", "unknown (prebuilt)\n");
    } else {
      BuildLock lock(cache_ / "kbuild.lock", progress);
      fs::path src, obj;
      if (req.kernel_src.empty()) {
        std::string tkey = tarball_digest(cache_, req.tarball, req.source_package).substr(0, 12);
        src = cache_ / "kbuild" / ("src-" + tkey);
        obj = cache_ / "kbuild" / ("obj-" + tkey + "-" + req.flavour);
      } else {
        src = fs::canonical(req.kernel_src);
        obj = cache_ / "kbuild" /
              ("obj-tree-" + sha256_hex(src.string()).substr(0, 12) + "-" + req.flavour);
      }
      fs::path frag = kdir / "daxtorture.config";
      write_file_atomic(frag, merged_fragment(req.flavour));
      std::size_t expected = 0;
      if (fs::exists(obj / ".daxtorture-objects"))
        std::ifstream(obj / ".daxtorture-objects") >> expected;
      std::vector<std::string> argv = {"bash",     build_script().string(),
                                       "--src",    src.string(),
                                       "--obj",    obj.string(),
                                       "--config", frag.string(),
                                       "--out",    kdir.string(),
                                       "--jobs",   std::to_string(req.jobs)};
      if (req.kernel_src.empty()) argv.insert(argv.end(), {"--tarball", req.tarball.string()});
      if (!kmod_sources().empty()) argv.insert(argv.end(), {"--module", kmod_dir().string()});
      say(fmt::format("building kernel ({} flavour{}) in {}", req.flavour,
                      req.patches.empty() ? "" : fmt::format(", {} patches", req.patches.size()),
                      obj.string()));
      auto start = std::chrono::steady_clock::now();
      std::size_t objects = 0;
      {
        // Unpack happens inside the script on first use; patches need the tree, so unpack first.
        if (!req.patches.empty() && !fs::exists(src / ".daxtorture-unpacked")) {
          fs::create_directories(src);
          run_build(
              {"tar", "-xf", req.tarball.string(), "-C", src.string(), "--strip-components=1"},
              kdir / "unpack.log", 0, progress, objects);
          std::ofstream(src / ".daxtorture-unpacked").flush();
        }
        AppliedPatches applied(src, req.patches);
        run_build(argv, kdir / "build.log", expected, progress, objects);
      }
      if (objects > expected) std::ofstream(obj / ".daxtorture-objects") << objects;
      kernel_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      Kconfig requested;
      requested.merge_text(read_file(frag), "daxtorture.config");
      std::vector<std::string> dropped, untrimmed;
      for (auto& m : verify(requested, read_file(kdir / "config")))
        (m.wanted == "n" ? untrimmed : dropped).push_back(m.str());
      for (auto& u : untrimmed) say("note: " + u);
      if (!dropped.empty()) {
        fs::remove(kdir / "bzImage");
        std::string all;
        for (auto& d : dropped) all += "\n  " + d;
        throw InfraError("the kernel config lost options the guest needs:" + all);
      }
      write_file_atomic(kdir / "build.json",
                        json{{"seconds", kernel_seconds}, {"objects", objects}}.dump());
      say(fmt::format("kernel built in {:.0f}s", kernel_seconds));
    }
  }

  // 2. Initramfs (cheap: no compression, so no decompression cost in a TCG guest either).
  CpioBuilder cpio;
  assemble_initramfs(cpio);
  std::string ikey = cpio.content_hash();
  fs::path initramfs = cache_ / "initramfs" / (ikey.substr(0, 16) + ".cpio");
  if (!fs::exists(initramfs)) {
    fs::create_directories(initramfs.parent_path());
    cpio.write(initramfs);
    say(fmt::format("initramfs: {} entries, {:.1f} MiB", cpio.size(),
                    fs::file_size(initramfs) / 1048576.0));
  }

  // 3. The image: a manifest that ties them together.
  Image img;
  img.key = image_key(kkey, ikey);
  img.dir = cache_ / "images" / img.key;
  img.kernel = kdir / "bzImage";
  img.initramfs = initramfs;
  fs::create_directories(img.dir);
  // Modules built against this kernel ride in a second cpio appended to the shared one (the
  // kernel unpacks concatenated archives), so the big shared archive stays kernel-neutral.
  CpioBuilder mods;
  for (auto& e : fs::directory_iterator(kdir))
    if (e.path().extension() == ".ko")
      mods.add_file("lib/daxtorture/" + e.path().filename().string(), e.path(), 0644);
  if (mods.size() > 0) {
    // Private names: two processes may build the same image at once (parallel tests on a cold
    // cache); each writes its own files and the last rename wins with identical bytes.
    const fs::path joined = img.dir / "initramfs.cpio",
                   overlay = private_tmp_path(img.dir / "modules.cpio"),
                   joined_tmp = private_tmp_path(joined);
    mods.write(overlay);
    {
      std::ofstream out(joined_tmp, std::ios::binary | std::ios::trunc);
      for (auto& part : {initramfs, overlay}) {
        std::ifstream in(part, std::ios::binary);
        out << in.rdbuf();
      }
      if (!out.flush()) throw_errno("cannot write " + joined.string());
    }
    fs::rename(joined_tmp, joined);
    fs::remove(overlay);
    img.initramfs = joined;
  }
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  std::vector<std::string> patches;
  for (auto& p : req.patches) patches.push_back(fs::absolute(p).string());
  json build_info = fs::exists(kdir / "build.json") ? json::parse(read_file(kdir / "build.json"))
                                                    : json::object();
  img.manifest = {
      {"key", img.key},
      {"label", req.label.empty() ? req.flavour : req.label},
      {"flavour", req.kernel.empty() ? req.flavour : "prebuilt"},
      {"kernel_key", kkey},
      {"initramfs_key", ikey},
      {"kernel", img.kernel.string()},
      {"initramfs", img.initramfs.string()},
      {"kernel_release", fs::exists(kdir / "release") ? trim(read_file(kdir / "release")) : ""},
      {"source", !req.kernel.empty()       ? req.kernel.string()
                 : !req.kernel_src.empty() ? tree_identity(req.kernel_src)
                                           : req.tarball.string()},
      {"patches", patches},
      {"kernel_build_seconds", build_info.value("seconds", 0.0)},
      {"built_at", ts}};
  write_file_atomic(img.dir / "manifest.json", img.manifest.dump(2));
  return img;
}

}  // namespace dt::image
