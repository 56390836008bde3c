// RAII handles for fds, mappings and aligned buffers, plus filesystem probes.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "protocol/unique_fd.hpp"

namespace dt::workload {

using Fd = protocol::UniqueFd;  // the one owned-fd class (protocol/unique_fd.hpp)

class Mapping {
 public:
  Mapping() = default;
  // mmap(fd, offset, len, prot, flags); align > 0 places it at a multiple of
  // align (PMD faults need 2 MiB-aligned virtual addresses). Check ok()/error().
  Mapping(int fd, off_t offset, size_t len, int prot, int flags, size_t align = 0);
  Mapping(Mapping&& o) noexcept { *this = std::move(o); }
  Mapping& operator=(Mapping&& o) noexcept;
  ~Mapping();
  bool ok() const { return addr_ != nullptr; }
  int error() const { return err_; }
  char* data() const { return static_cast<char*>(addr_); }
  size_t size() const { return len_; }

 private:
  void* addr_ = nullptr;
  size_t len_ = 0;
  int err_ = 0;
};

// 4 KiB-aligned heap buffer (O_DIRECT needs alignment).
struct FreeDeleter {
  void operator()(void* p) const;
};
using AlignedBuf = std::unique_ptr<char, FreeDeleter>;
AlignedBuf aligned_buf(size_t len, size_t align = 4096);

struct DaxProbe {
  bool statx_dax = false;  // STATX_ATTR_DAX set
  bool map_sync = false;   // MAP_SHARED_VALIDATE|MAP_SYNC accepted
  bool dax() const { return statx_dax && map_sync; }
};
DaxProbe probe_dax(int fd);

struct FsInfo {
  std::string type;  // xfs, ext4 (ext2/3 share the magic), tmpfs, ...
  uint64_t total = 0, avail = 0, bsize = 0;
};
FsInfo fs_info(const std::string& dir);
uint64_t fs_avail(int fd);

// fallocate/ftruncate/pwrite helpers: 0 or errno.
int do_fallocate(int fd, int mode, uint64_t off, uint64_t len);
int do_ftruncate(int fd, uint64_t size);
int pwrite_full(int fd, const void* buf, size_t len, uint64_t off);

// pread until `len` bytes, end of file or an error. A read may return less than asked without
// reaching EOF (an error after some progress: an injected ENOMEM while mapping the next
// extent), so only a read of 0 bytes is EOF. `bytes` is what was read either way.
struct ReadResult {
  size_t bytes = 0;
  bool eof = false;  // the file ended at offset + bytes
  int error = 0;     // errno of the read that failed (0: none)
};
using PreadFn = ssize_t (*)(int, void*, size_t, off_t);
ReadResult pread_full(int fd, void* buf, size_t len, uint64_t off, PreadFn read = ::pread);
// FICLONERANGE; len 0 clones to EOF. 0 or errno.
int clone_range(int dst, int src, uint64_t src_off, uint64_t len, uint64_t dst_off);
int clone_file(int dst, int src);

std::string errno_name(int e);

}  // namespace dt::workload
