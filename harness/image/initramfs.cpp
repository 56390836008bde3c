// What goes into the guest's initramfs. Busybox is static and goes in as it is; our programs
// and the distribution's tools (mkfs.xfs, e2fsck, ndctl, ...) go in with every shared library
// ldd names, at the same paths, so they run unchanged in the guest.
#include <fmt/format.h>

#include <regex>
#include <set>
#include <sstream>

#include "image/cpio.hpp"
#include "image/image.hpp"
#include "util/error.hpp"
#include "util/paths.hpp"
#include "util/process.hpp"

namespace dt::image {
namespace fs = std::filesystem;

namespace {

// Host tools the guest needs, by the name the harness uses in the guest.
const std::vector<std::string> kTools = {"mkfs.xfs", "xfs_repair", "xfs_io",
                                         "mke2fs",   "e2fsck",     "ndctl"};

void add_with_libraries(CpioBuilder& out, const fs::path& exe, const std::string& guest_path) {
  out.add_file(guest_path, exe, 0755);
  auto r = run_capture({"ldd", exe.string()}, std::chrono::seconds(30));
  if (r.output.find("not a dynamic executable") != std::string::npos) return;
  // "libuuid.so.1 => /lib/x86_64-linux-gnu/libuuid.so.1 (0x...)" and "/lib64/ld-linux-x86-64.so.2
  // (0x...)"
  static const std::regex arrow(R"(=>\s+(/\S+))"), loader(R"(^\s*(/\S+)\s+\()");
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, arrow) || std::regex_search(line, m, loader)) {
      std::string lib = m[1];
      if (!out.contains(lib)) out.add_file(lib, lib, 0755);
    } else if (line.find("not found") != std::string::npos) {
      throw InfraError(fmt::format("{} needs a library that is missing: {}", exe.string(), line));
    }
  }
}

}  // namespace

void assemble_initramfs(CpioBuilder& out) {
  for (auto d :
       {"dev", "proc", "sys", "tmp", "run", "mnt/dax", "root", "etc", "usr/bin", "usr/sbin"})
    out.add_dir(d);
  // The kernel opens /dev/console for init before anything mounts devtmpfs.
  out.add_char_device("dev/console", 5, 1);
  out.add_symlink("sbin", "bin");  // one directory for every program

  fs::path bin = guest_bin_dir();
  if (!fs::is_directory(bin) || !fs::exists(bin / "dt-agent"))
    throw InfraError("guest programs not built in " + bin.string() + " (run cmake --build first)");
  for (auto& e : fs::directory_iterator(bin))
    if (e.is_regular_file())
      add_with_libraries(out, e.path(), "bin/" + e.path().filename().string());
  out.add_symlink("init", "bin/dt-agent");

  fs::path busybox = find_program("busybox");
  if (busybox.empty()) throw InfraError("busybox not found (apt-get install busybox-static)");
  out.add_file("bin/busybox", busybox, 0755);
  auto applets = run_capture({busybox.string(), "--list"}, std::chrono::seconds(10));
  std::istringstream list(applets.output);
  std::string applet;
  while (std::getline(list, applet))
    if (!applet.empty() && !out.contains("bin/" + applet))
      out.add_symlink("bin/" + applet, "busybox");

  for (auto& tool : kTools) {
    fs::path p = find_program(tool);
    if (p.empty())
      throw InfraError(tool + " not found on the host (scripts/install-deps.sh installs it)");
    add_with_libraries(out, p, "bin/" + tool);
  }
  for (auto alias : {"mkfs.ext4", "mkfs.ext2"})
    out.add_symlink(std::string("bin/") + alias, "mke2fs");
  for (auto alias : {"fsck.ext4", "fsck.ext2"})
    out.add_symlink(std::string("bin/") + alias, "e2fsck");
  if (fs::exists("/etc/mke2fs.conf")) out.add_file("etc/mke2fs.conf", "/etc/mke2fs.conf", 0644);
  out.add_data("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644);
  out.add_data("etc/group", "root:x:0:\n", 0644);
  out.add_data("etc/profile", "export PS1='dax:\\w# '\ncd /mnt/dax 2>/dev/null\n", 0644);
}

}  // namespace dt::image
