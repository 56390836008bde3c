#include "fs.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif
#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

namespace dt::workload {

Mapping::Mapping(int fd, off_t offset, size_t len, int prot, int flags, size_t align) {
  if (align == 0) {
    void* p = ::mmap(nullptr, len, prot, flags, fd, offset);
    if (p == MAP_FAILED) {
      err_ = errno;
      return;
    }
    addr_ = p;
    len_ = len;
    return;
  }
  // Reserve len+align of address space, then map the file over an aligned spot.
  void* r = ::mmap(nullptr, len + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) {
    err_ = errno;
    return;
  }
  const auto base = reinterpret_cast<uintptr_t>(r);
  const uintptr_t aligned = (base + align - 1) & ~(uintptr_t{align} - 1);
  void* p = ::mmap(reinterpret_cast<void*>(aligned), len, prot, flags | MAP_FIXED, fd, offset);
  if (p == MAP_FAILED) {
    err_ = errno;
    ::munmap(r, len + align);
    return;
  }
  if (aligned > base) ::munmap(r, aligned - base);
  const uintptr_t end = aligned + len, rend = base + len + align;
  if (rend > end) ::munmap(reinterpret_cast<void*>(end), rend - end);
  addr_ = p;
  len_ = len;
}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
  if (this != &o) {
    if (addr_) ::munmap(addr_, len_);
    addr_ = std::exchange(o.addr_, nullptr);
    len_ = std::exchange(o.len_, 0);
    err_ = o.err_;
  }
  return *this;
}

Mapping::~Mapping() {
  if (addr_) ::munmap(addr_, len_);
}

void FreeDeleter::operator()(void* p) const {
  std::free(p);
}

AlignedBuf aligned_buf(size_t len, size_t align) {
  void* p = nullptr;
  if (posix_memalign(&p, align, len) != 0) return AlignedBuf{};
  std::memset(p, 0, len);
  return AlignedBuf{static_cast<char*>(p)};
}

DaxProbe probe_dax(int fd) {
  DaxProbe d;
  struct statx stx {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0)
    d.statx_dax =
        (stx.stx_attributes_mask & STATX_ATTR_DAX) && (stx.stx_attributes & STATX_ATTR_DAX);
  // MAP_SYNC is only accepted for DAX files: the kernel's own answer. Mapping
  // beyond EOF is fine, nothing is touched.
  void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
  if (p != MAP_FAILED) {
    d.map_sync = true;
    ::munmap(p, 4096);
  }
  return d;
}

FsInfo fs_info(const std::string& dir) {
  FsInfo i;
  struct statfs sf {};
  if (::statfs(dir.c_str(), &sf) != 0) return i;
  switch (static_cast<unsigned long>(sf.f_type)) {
    case XFS_SUPER_MAGIC:
      i.type = "xfs";
      break;
    case EXT4_SUPER_MAGIC:
      i.type = "ext2/3/4";
      break;
    case TMPFS_MAGIC:
      i.type = "tmpfs";
      break;
    case BTRFS_SUPER_MAGIC:
      i.type = "btrfs";
      break;
    default:
      i.type = "other";
      break;
  }
  i.bsize = sf.f_bsize;
  i.total = uint64_t(sf.f_blocks) * sf.f_bsize;
  i.avail = uint64_t(sf.f_bavail) * sf.f_bsize;
  return i;
}

uint64_t fs_avail(int fd) {
  struct statvfs sv {};
  if (::fstatvfs(fd, &sv) != 0) return UINT64_MAX;
  return uint64_t(sv.f_bavail) * sv.f_frsize;
}

int do_fallocate(int fd, int mode, uint64_t off, uint64_t len) {
  return ::fallocate(fd, mode, off_t(off), off_t(len)) == 0 ? 0 : errno;
}

int do_ftruncate(int fd, uint64_t size) {
  return ::ftruncate(fd, off_t(size)) == 0 ? 0 : errno;
}

int pwrite_full(int fd, const void* buf, size_t len, uint64_t off) {
  const auto* p = static_cast<const char*>(buf);
  while (len > 0) {
    const ssize_t n = ::pwrite(fd, p, len, off_t(off));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return ENOSPC;
    p += n;
    len -= size_t(n);
    off += uint64_t(n);
  }
  return 0;
}

ReadResult pread_full(int fd, void* buf, size_t len, uint64_t off, PreadFn read) {
  ReadResult r;
  auto* p = static_cast<char*>(buf);
  while (r.bytes < len) {
    const ssize_t n = read(fd, p + r.bytes, len - r.bytes, off_t(off + r.bytes));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.error = errno;
      break;
    }
    if (n == 0) {
      r.eof = true;
      break;
    }
    r.bytes += size_t(n);
  }
  return r;
}

int clone_range(int dst, int src, uint64_t src_off, uint64_t len, uint64_t dst_off) {
  struct file_clone_range r {};
  r.src_fd = src;
  r.src_offset = src_off;
  r.src_length = len;
  r.dest_offset = dst_off;
  return ::ioctl(dst, FICLONERANGE, &r) == 0 ? 0 : errno;
}

int clone_file(int dst, int src) {
  return ::ioctl(dst, FICLONE, src) == 0 ? 0 : errno;
}

std::string errno_name(int e) {
  switch (e) {
    case EOPNOTSUPP:
      return "EOPNOTSUPP";
    case EINVAL:
      return "EINVAL";
    case EXDEV:
      return "EXDEV";
    case ENOSPC:
      return "ENOSPC";
    case EFAULT:
      return "EFAULT";
    case EIO:
      return "EIO";
    case EINTR:
      return "EINTR";
    case EBUSY:
      return "EBUSY";
    case EAGAIN:
      return "EAGAIN";
    case ENOENT:
      return "ENOENT";
    default:
      return "errno " + std::to_string(e) + " (" + std::strerror(e) + ")";
  }
}

}  // namespace dt::workload
