#pragma once
// Files on another host: a directory storage pool "daxtorture" there, the kernel and the
// initramfs uploaded once per content hash, one scratch volume per NVDIMM.
#include <libvirt/libvirt.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace dt::vm::libvirt_detail {

struct PoolFreer {
  void operator()(virStoragePoolPtr p) const { virStoragePoolFree(p); }
};
struct VolFreer {
  void operator()(virStorageVolPtr v) const { virStorageVolFree(v); }
};
using PoolPtr = std::unique_ptr<virStoragePool, PoolFreer>;
using VolPtr = std::unique_ptr<virStorageVol, VolFreer>;

// A scratch volume deleted with the instance (NVDIMM backing file on the remote host).
class ScratchVolume {
 public:
  ScratchVolume(VolPtr v, std::string path) : vol_(std::move(v)), path_(std::move(path)) {}
  ScratchVolume(ScratchVolume&&) = default;
  ScratchVolume& operator=(ScratchVolume&&) = default;
  ~ScratchVolume() {
    if (vol_) virStorageVolDelete(vol_.get(), 0);
  }
  const std::string& path() const { return path_; }

 private:
  VolPtr vol_;
  std::string path_;
};

// The pool on one remote host; dir is the pool's directory there ("pool_dir").
class HostFiles {
 public:
  HostFiles(virConnectPtr conn, std::string uri, std::string dir)
      : conn_(conn), uri_(std::move(uri)), dir_(std::move(dir)) {}

  // The path on the host of a copy of `local` (uploaded unless an identical copy is there).
  std::string upload(const std::filesystem::path& local);

  ScratchVolume scratch(const std::string& name, std::uint64_t bytes);

 private:
  // Looked up, or created (transient, directory built) on first use.
  virStoragePoolPtr pool();

  virConnectPtr conn_;  // owned by the Host that owns this
  std::string uri_, dir_;
  std::mutex mu_;
  PoolPtr pool_;
  std::map<std::string, std::string> uploaded_;
};

}  // namespace dt::vm::libvirt_detail
