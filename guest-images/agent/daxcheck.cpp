// dt-daxcheck: prove that DAX is really on for a mounted filesystem. A torture run without
// DAX is worthless, and the kernel can silently turn it off (1 KiB ext4 blocks, a device
// without DAX support), so check the three things that must all hold:
//   1. /proc/mounts shows the dax option for the mount point;
//   2. a file on it reports STATX_ATTR_DAX;
//   3. a MAP_SHARED_VALIDATE|MAP_SYNC mapping succeeds (only DAX files accept MAP_SYNC).
// ext2 never implemented MAP_SYNC (no mmap_supported_flags), so there the kernel's per-inode
// STATX_ATTR_DAX and the mount option carry the proof, and a plain shared mapping must work.
// Prints one JSON line and exits 0 when all hold, 1 otherwise.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

int main(int argc, char** argv) {
  std::string mnt = argc > 1 ? argv[1] : "/mnt/dax";
  nlohmann::json r{{"type", "daxcheck"}, {"mount", mnt}};

  std::ifstream mounts("/proc/mounts");
  std::string line, dev, dir, type, opts;
  bool found = false;
  while (std::getline(mounts, line)) {
    std::istringstream ls(line);
    ls >> dev >> dir >> type >> opts;
    if (dir == mnt) found = true, r["device"] = dev, r["fstype"] = type, r["options"] = opts;
  }
  std::string o = "," + r.value("options", std::string()) + ",";
  bool dax_opt = found && (o.find(",dax=always,") != std::string::npos ||
                           o.find(",dax,") != std::string::npos);
  r["dax_mount"] = dax_opt;

  std::string file = mnt + "/.dt-daxcheck";
  int fd = open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  bool map_sync = false, statx_dax = false;
  if (fd < 0) {
    r["error"] = "open " + file + ": " + strerror(errno);
  } else {
    const size_t len = 2 << 20;
    if (ftruncate(fd, len) != 0) r["error"] = std::string("ftruncate: ") + strerror(errno);
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
    if (p == MAP_FAILED) {
      r["map_sync_error"] = strerror(errno);
      p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED)
        r["error"] = std::string("mmap MAP_SHARED: ") + strerror(errno);
      else
        static_cast<char*>(p)[0] = 'D', munmap(p, len);
    } else {
      static_cast<char*>(p)[0] = 'D';  // a real store through the synchronous mapping
      map_sync = true;
      munmap(p, len);
    }
    struct statx stx {};
    if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0)
      statx_dax = (stx.stx_attributes & stx.stx_attributes_mask & STATX_ATTR_DAX) != 0;
    close(fd);
    unlink(file.c_str());
  }
  bool map_sync_required = r.value("fstype", std::string()) != "ext2";
  r["map_sync"] = map_sync;
  r["map_sync_required"] = map_sync_required;
  r["statx_dax"] = statx_dax;
  bool ok = dax_opt && statx_dax && (map_sync || !map_sync_required);
  r["ok"] = ok;
  std::cout << r.dump() << std::endl;
  return ok ? 0 : 1;
}
