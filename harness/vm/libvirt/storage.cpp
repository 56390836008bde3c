// Staging a remote host's files in its "daxtorture" storage pool: content-addressed uploads of
// the kernel and initramfs, scratch volumes for the NVDIMMs.
#include "vm/libvirt/storage.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/hash.hpp"
#include "util/xml.hpp"
#include "vm/libvirt/connection.hpp"
#include "vm/libvirt/stream.hpp"

namespace dt::vm::libvirt_detail {
namespace fs = std::filesystem;
namespace {

std::string volume_xml(const std::string& name, std::uint64_t bytes, const char* mode) {
  return fmt::format(
      "<volume><name>{}</name><capacity unit='bytes'>{}</capacity>"
      "<allocation unit='bytes'>0</allocation><target><format type='raw'/>"
      "<permissions><mode>{}</mode></permissions></target></volume>",
      xml::attr(name), bytes, mode);
}

std::string vol_path(virStorageVolPtr v) {
  CString p(virStorageVolGetPath(v));
  if (!p) throw InfraError("libvirt: storage volume without a path: " + last_error().message);
  return p.get();
}

}  // namespace

std::string HostFiles::upload(const fs::path& local) {
  std::lock_guard lk(mu_);
  std::error_code ec;
  auto size = fs::file_size(local, ec);
  if (ec) throw InfraError("cannot read " + local.string() + ": " + ec.message());
  auto mtime = fs::last_write_time(local, ec).time_since_epoch().count();
  std::string key = fmt::format("{}:{}:{}", local.string(), size, mtime);
  if (auto it = uploaded_.find(key); it != uploaded_.end()) return it->second;
  std::string name = sha256_file(local).substr(0, 16) + "-" + local.filename().string();
  auto* pool = this->pool();
  VolPtr v(virStorageVolLookupByName(pool, name.c_str()));
  // Content-addressed: a complete copy is reused. One still being written (by another
  // daxtorture) has fewer bytes on disk than its size: wait for it a while, else replace it.
  for (int i = 0; v && i < 60; ++i) {
    virStorageVolInfo info{};
    if (virStorageVolGetInfo(v.get(), &info) != 0) break;
    if (info.capacity == size && info.allocation >= size) return uploaded_[key] = vol_path(v.get());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (v) virStorageVolDelete(v.get(), 0);  // an upload that never finished
  v.reset(virStorageVolCreateXML(pool, volume_xml(name, size, "0644").c_str(), 0));
  if (!v)
    throw InfraError(fmt::format("cannot create volume {} in pool daxtorture ({}) on {}: {}", name,
                                 dir_, uri_, last_error().message));
  UniqueFd fd(::open(local.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("cannot open " + local.string());
  StreamPtr st = new_stream(conn_, 0);
  auto fail = [&](const std::string& what) {
    auto m = last_error().message;
    virStreamAbort(st.get());
    virStorageVolDelete(v.get(), 0);
    throw InfraError(fmt::format("uploading {} to {}: {}: {}", local.string(), uri_, what, m));
  };
  if (virStorageVolUpload(v.get(), st.get(), 0, size, 0) < 0) fail("virStorageVolUpload");
  auto source = [](virStreamPtr, char* buf, size_t n, void* opaque) -> int {
    ssize_t r;
    do r = ::read(*static_cast<int*>(opaque), buf, n);
    while (r < 0 && errno == EINTR);
    return static_cast<int>(r);
  };
  int raw_fd = fd.get();
  if (virStreamSendAll(st.get(), source, &raw_fd) < 0) fail("sending");
  if (virStreamFinish(st.get()) < 0) fail("finishing");
  return uploaded_[key] = vol_path(v.get());
}

ScratchVolume HostFiles::scratch(const std::string& name, std::uint64_t bytes) {
  std::lock_guard lk(mu_);
  VolPtr v(virStorageVolCreateXML(pool(), volume_xml(name, bytes, "0600").c_str(), 0));
  if (!v)
    throw InfraError(fmt::format("cannot create NVDIMM volume {} ({} MiB) in {} on {}: {}", name,
                                 bytes >> 20, dir_, uri_, last_error().message));
  std::string path = vol_path(v.get());
  return ScratchVolume(std::move(v), path);
}

virStoragePoolPtr HostFiles::pool() {
  if (pool_) return pool_.get();
  PoolPtr p(virStoragePoolLookupByName(conn_, "daxtorture"));
  if (!p) {
    std::string xml = fmt::format(
        "<pool type='dir'><name>daxtorture</name><target><path>{}</path></target></pool>",
        xml::attr(dir_));
    p.reset(virStoragePoolCreateXML(conn_, xml.c_str(), VIR_STORAGE_POOL_CREATE_WITH_BUILD));
    if (!p) p.reset(virStoragePoolLookupByName(conn_, "daxtorture"));  // lost a race
    if (!p)
      throw InfraError(fmt::format(
          "cannot create the storage pool 'daxtorture' at {} on {} (set \"pool_dir\" or "
          "define the pool there: virsh pool-define-as daxtorture dir --target DIR): {}",
          dir_, uri_, last_error().message));
  } else if (virStoragePoolIsActive(p.get()) != 1 &&
             virStoragePoolCreate(p.get(), VIR_STORAGE_POOL_CREATE_WITH_BUILD) < 0) {
    throw InfraError("cannot start the storage pool 'daxtorture' on " + uri_ + ": " +
                     last_error().message);
  }
  virStoragePoolRefresh(p.get(), 0);
  pool_ = std::move(p);
  return pool_.get();
}

}  // namespace dt::vm::libvirt_detail
