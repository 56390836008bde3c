// The libvirt backend. One connection per URI, shared by the instances on that host; each
// instance is a transient domain created with VIR_DOMAIN_START_AUTODESTROY, so a harness that
// dies takes its VMs with it when the connection drops. QMP goes through libvirt-qemu's
// monitor passthrough; QMP events (GUEST_PANICKED) and lifecycle events arrive on libvirt's
// default event loop, run by one thread per process.
#include "vm/libvirt.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "qmp/qmp.hpp"
#include "util/error.hpp"
#include "util/hash.hpp"
#include "util/xml.hpp"
#include "vm/machine.hpp"
#include "vm/nvdimm.hpp"
#include "vm/qemu.hpp"  // kernel_cmdline(): one kernel command line for every backend

namespace dt::vm {
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Pure parts: XML, options, URIs.

std::string xml_escape(const std::string& s) {
  return xml::attr(s);  // the one escaper (util/xml.hpp)
}

std::string domain_xml(const Config& cfg, const LibvirtPaths& p, const DomainXmlOptions& opts) {
  if (p.nvdimm_files.size() != cfg.nvdimms.size())
    throw UsageError(fmt::format("{} NVDIMM backing files for {} NVDIMMs", p.nvdimm_files.size(),
                                 cfg.nvdimms.size()));
  const MachineShape m = machine_shape(cfg);  // the same machine as the QEMU backend's argv
  auto e = xml_escape;
  const std::uint64_t kib = 1024;
  const std::uint64_t mem_kib = m.memory_bytes / kib;
  const bool kvm = m.accel == Accel::Kvm;
  std::string cpus = m.vcpus == 1 ? "0" : fmt::format("0-{}", m.vcpus - 1);

  std::string x;
  x += fmt::format("<domain type='{}'>\n", kvm ? "kvm" : "qemu");
  x += fmt::format("  <name>{}</name>\n", e(p.name));
  x += "  <description>daxtorture test VM (transient, destroyed with its "
       "connection)</description>\n";
  x += fmt::format("  <maxMemory slots='{}' unit='KiB'>{}</maxMemory>\n", m.memory_slots,
                   m.max_memory_bytes / kib);
  x += fmt::format("  <memory unit='KiB'>{}</memory>\n", mem_kib);
  x += fmt::format("  <vcpu placement='static'>{}</vcpu>\n", m.vcpus);
  x += "  <os>\n";
  x += fmt::format("    <type arch='x86_64' machine='{}'>hvm</type>\n", m.machine);
  x += fmt::format("    <kernel>{}</kernel>\n", e(p.kernel.string()));
  x += fmt::format("    <initrd>{}</initrd>\n", e(p.initramfs.string()));
  x += fmt::format("    <cmdline>{}</cmdline>\n", e(kernel_cmdline(cfg)));
  x += "  </os>\n";
  x += "  <features>\n    <acpi/>\n  </features>\n";  // the NFIT that describes the NVDIMMs is ACPI
  // NVDIMMs are memory devices: they need a NUMA node to sit on.
  if (kvm)
    x += "  <cpu mode='host-passthrough' check='none'>\n";
  else if (opts.cpu_maximum)
    x += "  <cpu mode='maximum' check='none'>\n";  // = -cpu max
  else
    x += "  <cpu>\n";
  x += fmt::format(
      "    <numa>\n      <cell id='0' cpus='{}' memory='{}' unit='KiB'/>\n    </numa>\n", cpus,
      mem_kib);
  x += "  </cpu>\n";
  x += "  <clock offset='utc'/>\n";
  // -no-reboot: a panic (panic=-1 reboots at once) or a poweroff ends the domain.
  x += "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n  "
       "<on_crash>destroy</on_crash>\n";
  x += "  <devices>\n";
  x += "    <controller type='usb' model='none'/>\n";
  // Both character devices are read through libvirt streams, from wherever the host is: the
  // serial console on a pty (virDomainOpenConsole), the agent port on a unix socket whose path
  // libvirt chooses on the host (virDomainOpenChannel).
  x += "    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n";
  x += "    <channel type='unix'>\n";
  x += "      <source mode='bind'/>\n";
  x += fmt::format("      <target type='virtio' name='{}'/>\n", kAgentChannel);
  x += "    </channel>\n";
  x += "    <memballoon model='none'/>\n";
  if (m.pvpanic) x += "    <panic model='isa'/>\n";  // pvpanic: GUEST_PANICKED on the monitor
  for (std::size_t i = 0; i < m.nvdimms.size(); ++i) {
    const NvdimmShape& n = m.nvdimms[i];
    // share=on: stores reach the file. libvirt preallocates an NVDIMM's backing file unless the
    // source says <pmem/> (which would also switch QEMU to pmem=on), so unlike the QEMU
    // backend's sparse files these take their full size on disk; existing content is kept.
    x += "    <memory model='nvdimm' access='shared'>\n";
    x += "      <source>\n";
    x += fmt::format("        <path>{}</path>\n", e(p.nvdimm_files[i].string()));
    x += fmt::format("        <alignsize unit='KiB'>{}</alignsize>\n", n.align_bytes / kib);
    x += "      </source>\n";
    x += "      <target>\n";
    x += fmt::format("        <size unit='KiB'>{}</size>\n", n.bytes / kib);
    x += "        <node>0</node>\n";
    x += fmt::format("        <label>\n          <size unit='KiB'>{}</size>\n        </label>\n",
                     n.label_bytes / kib);
    x += "      </target>\n";
    x += "    </memory>\n";
  }
  x += "  </devices>\n";
  x += "</domain>\n";
  return x;
}

std::vector<std::string> connect_uris(const json& options) {
  std::vector<std::string> uris;
  if (!options.is_object() && !options.is_null())
    throw UsageError(
        "libvirt backend options must be a JSON object like {\"connect\": [\"qemu:///system\"]}");
  if (options.is_object() && options.contains("connect")) {
    const auto& c = options.at("connect");
    if (c.is_string())
      uris.push_back(c.get<std::string>());
    else if (c.is_array())
      for (const auto& u : c) {
        if (!u.is_string())
          throw UsageError("libvirt \"connect\" entries must be URI strings, got " + u.dump());
        uris.push_back(u.get<std::string>());
      }
    else
      throw UsageError("libvirt \"connect\" must be a URI or a list of URIs, got " + c.dump());
  }
  for (const auto& u : uris)
    if (u.find("://") == std::string::npos)
      throw UsageError("'" + u +
                       "' is not a libvirt URI (examples: qemu:///system, qemu+ssh://host/system)");
  if (uris.empty()) uris.push_back("qemu:///system");
  return uris;
}

bool uri_is_local(const std::string& uri) {
  auto pos = uri.find("://");
  if (pos == std::string::npos) return true;
  std::string rest = uri.substr(pos + 3);
  return rest.empty() || rest[0] == '/';
}

std::size_t pick_host(const std::vector<int>& load, std::size_t turn) {
  if (load.empty()) throw std::logic_error("pick_host: no hosts");
  std::size_t best = turn % load.size();
  for (std::size_t k = 1; k < load.size(); ++k) {
    std::size_t i = (turn + k) % load.size();
    if (load[i] < load[best]) best = i;
  }
  return best;
}

// ---------------------------------------------------------------------------------------
// libvirt plumbing.

namespace {

struct ConnCloser {
  void operator()(virConnectPtr c) const { virConnectClose(c); }
};
struct DomainFreer {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
struct CFree {
  void operator()(char* p) const { std::free(p); }
};
using DomainPtr = std::unique_ptr<virDomain, DomainFreer>;
using ConnShared = std::shared_ptr<virConnect>;
using CString = std::unique_ptr<char, CFree>;

struct LvError {
  int code = 0;
  std::string message;
};

LvError last_error() {
  LvError e;
  if (virErrorPtr p = virGetLastError()) {
    e.code = p->code;
    e.message = p->message ? p->message : "unknown libvirt error";
  } else {
    e.message = "unknown libvirt error";
  }
  return e;
}

void quiet_errors(void*, virErrorPtr) {}  // errors are reported through exceptions, not stderr

// libvirt's default event loop, on one detached thread for the whole process. Must be
// registered before the first connection is opened.
void init_libvirt() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (virInitialize() < 0)
      throw InfraError("libvirt: virInitialize failed: " + last_error().message);
    virSetErrorFunc(nullptr, quiet_errors);
    if (virEventRegisterDefaultImpl() < 0)
      throw InfraError("libvirt: cannot register the default event loop: " + last_error().message);
    std::thread([] {
      for (;;)
        if (virEventRunDefaultImpl() < 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }).detach();
  });
}

std::string connect_hint(const LvError& e, const std::string& uri) {
  const std::string& m = e.message;
  auto has = [&](const char* s) { return m.find(s) != std::string::npos; };
  if (has("Permission denied") || e.code == VIR_ERR_AUTH_FAILED ||
      e.code == VIR_ERR_AUTH_UNAVAILABLE || e.code == VIR_ERR_AUTH_CANCELLED)
    return "permission denied on " + uri +
           ": add your user to the 'libvirt' group and log in again, run as root, or use "
           "qemu:///session";
  if (has("No such file or directory") || has("Connection refused") ||
      has("Failed to connect socket"))
    return "no libvirt daemon answers at " + uri +
           ": start it (systemctl start libvirtd, or virtqemud on split-daemon hosts; for the "
           "tests: "
           "tests/integration/libvirt/start-libvirtd.sh)";
  if (has("ssh"))
    return "cannot reach " + uri +
           " over ssh: check `ssh <host> true` works without a password prompt";
  return "cannot connect to libvirt at " + uri;
}

ConnShared open_connection(const std::string& uri) {
  init_libvirt();
  virConnectPtr c = virConnectOpen(uri.c_str());
  if (!c) {
    auto e = last_error();
    throw InfraError(connect_hint(e, uri) + " (libvirt: " + e.message + ")");
  }
  // Keepalive notices a dead daemon or a cut ssh link instead of hanging on it.
  virConnectSetKeepAlive(c, 5, 6);
  return ConnShared(c, ConnCloser{});
}

std::string tail_file(const fs::path& p, std::size_t max) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(in.tellg());
  std::size_t off = size > max ? size - max : 0;
  in.seekg(static_cast<std::streamoff>(off));
  std::string s(size - off, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

std::string unique_name() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  char host[64] = {};
  gethostname(host, sizeof host - 1);
  std::string h = host;
  h = h.substr(0, h.find('.'));
  for (char& ch : h)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') ch = '-';
  return fmt::format("daxtorture-{}-{}-{}-{:04x}", h.substr(0, 20), getpid(), counter++,
                     rd() & 0xffff);
}

// What the event loop learns about one domain; shared with libvirt through the callbacks'
// opaque pointers (freed by libvirt's free callbacks).
struct Sink {
  std::mutex mu;
  std::deque<json> events;
  std::optional<Exit> exit;
};
using SinkRef = std::shared_ptr<Sink>;

void free_sink(void* opaque) {
  std::unique_ptr<SinkRef>(static_cast<SinkRef*>(opaque));
}

void on_qmp_event(virConnectPtr, virDomainPtr, const char* event, long long seconds,
                  unsigned int micros, const char* details, void* opaque) {
  auto& sink = *static_cast<SinkRef*>(opaque);
  json ev = {{"event", event ? event : ""},
             {"timestamp", {{"seconds", seconds}, {"microseconds", micros}}}};
  if (details) ev["data"] = json::parse(details, nullptr, false);
  std::lock_guard lk(sink->mu);
  if (sink->events.size() < 10000) sink->events.push_back(std::move(ev));
}

int on_lifecycle(virConnectPtr, virDomainPtr, int event, int detail, void* opaque) {
  if (event != VIR_DOMAIN_EVENT_STOPPED) return 0;
  auto& sink = *static_cast<SinkRef*>(opaque);
  Exit x;
  switch (detail) {
    case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:  // poweroff, or a reset under on_reboot=destroy
    case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
      x = {0, 0};
      break;
    case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
      x = {-1, SIGKILL};
      break;
    default:
      x = {1, 0};
      break;  // the emulator failed
  }
  std::lock_guard lk(sink->mu);
  if (!sink->exit) sink->exit = x;
  return 0;
}

// ---------------------------------------------------------------------------------------
// Streams: console and agent bytes over the libvirt connection.

struct StreamFreer {
  void operator()(virStreamPtr s) const { virStreamFree(s); }
};
using StreamPtr = std::unique_ptr<virStream, StreamFreer>;

StreamPtr new_stream(virConnectPtr c, unsigned flags) {
  StreamPtr st(virStreamNew(c, flags));
  if (!st) throw InfraError("libvirt: cannot create a stream: " + last_error().message);
  return st;
}

// Moves bytes between a non-blocking libvirt stream and a local fd, on libvirt's event loop
// thread: stream -> fd always; fd -> stream too for a socket (the agent channel). The
// callbacks hold weak references, so stop() (or the destructor) ends the pump at once.
class StreamPump : public std::enable_shared_from_this<StreamPump> {
 public:
  // `local` is a file to append to, or (bidirectional) our end of a socketpair.
  static std::shared_ptr<StreamPump> start(StreamPtr st, UniqueFd local, bool bidirectional) {
    auto p =
        std::shared_ptr<StreamPump>(new StreamPump(std::move(st), std::move(local), bidirectional));
    std::lock_guard lk(p->mu_);
    if (virStreamEventAddCallback(p->st_.get(), VIR_STREAM_EVENT_READABLE, on_stream,
                                  p->weak_opaque(), free_weak) < 0)
      throw InfraError("libvirt: cannot watch a stream: " + last_error().message);
    p->stream_cb_ = true;
    if (bidirectional) {
      p->watch_ = virEventAddHandle(p->fd_.get(), VIR_EVENT_HANDLE_READABLE, on_local,
                                    p->weak_opaque(), free_weak);
      if (p->watch_ < 0) throw InfraError("libvirt: cannot watch the agent socket");
    }
    return p;
  }
  StreamPump(const StreamPump&) = delete;
  StreamPump& operator=(const StreamPump&) = delete;
  ~StreamPump() { stop(); }

  // Wait until the far end closed the stream (the domain is gone), up to timeout_s.
  bool wait_eof(double timeout_s) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, std::chrono::duration<double>(timeout_s), [&] {
      return eof_ || stopped_;
    }) && eof_;
  }

  // Idempotent. No callback touches the stream after this returns.
  void stop() {
    StreamPtr st;
    bool finished = false;
    {
      std::lock_guard lk(mu_);
      if (stopped_) return;
      stopped_ = true;
      if (stream_cb_ && st_) virStreamEventRemoveCallback(st_.get());
      if (watch_ >= 0) virEventRemoveHandle(watch_);
      stream_cb_ = false;
      watch_ = -1;
      st = std::move(st_);
      finished = eof_;
      fd_.reset();  // the harness end of a channel now reads EOF
      cv_.notify_all();
    }
    if (st) {
      if (finished)
        virStreamFinish(st.get());
      else
        virStreamAbort(st.get());
    }
  }

 private:
  StreamPump(StreamPtr st, UniqueFd fd, bool bidir)
      : st_(std::move(st)), fd_(std::move(fd)), bidir_(bidir) {}

  using Weak = std::weak_ptr<StreamPump>;
  void* weak_opaque() { return std::make_unique<Weak>(weak_from_this()).release(); }
  static void free_weak(void* opaque) { std::unique_ptr<Weak>(static_cast<Weak*>(opaque)); }
  static void on_stream(virStreamPtr, int events, void* opaque) {
    if (auto p = static_cast<Weak*>(opaque)->lock()) p->stream_event(events);
  }
  static void on_local(int, int, int events, void* opaque) {
    if (auto p = static_cast<Weak*>(opaque)->lock()) p->local_event(events);
  }

  void stream_event(int events) {
    std::lock_guard lk(mu_);
    if (stopped_ || !st_) return;
    if (events & (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP | VIR_STREAM_EVENT_ERROR)) {
      char buf[65536];
      for (;;) {
        int n = virStreamRecv(st_.get(), buf, sizeof buf);
        if (n > 0) {
          deliver(buf, static_cast<std::size_t>(n));
          continue;
        }
        if (n == -2) break;  // nothing more for now
        input_ended();       // 0: EOF; -1: the stream broke (domain or connection gone)
        return;
      }
    }
    if (events & VIR_STREAM_EVENT_WRITABLE) flush_to_stream();
    update_events();
  }

  void local_event(int events) {
    std::lock_guard lk(mu_);
    if (stopped_ || !fd_) return;
    if (events & VIR_EVENT_HANDLE_WRITABLE) flush_to_local();
    if (events & (VIR_EVENT_HANDLE_READABLE | VIR_EVENT_HANDLE_HANGUP | VIR_EVENT_HANDLE_ERROR)) {
      char buf[65536];
      for (;;) {
        ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n > 0) {
          to_stream_.append(buf, static_cast<std::size_t>(n));
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        local_closed_ = true;  // the harness closed its end
        break;
      }
      flush_to_stream();
    }
    update_events();
  }

  void deliver(const char* data, std::size_t n) {
    if (!bidir_) {
      write_all(fd_.get(), std::string_view(data, n));  // console.log
      return;
    }
    to_local_.append(data, n);
    flush_to_local();
  }

  void flush_to_local() {
    while (!to_local_.empty() && fd_) {
      ssize_t n = ::write(fd_.get(), to_local_.data(), to_local_.size());
      if (n > 0) {
        to_local_.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      to_local_.clear();  // the harness end is gone: nobody to tell
      local_closed_ = true;
    }
    if (to_local_.empty() && eof_ && bidir_ && fd_) ::shutdown(fd_.get(), SHUT_WR);
  }

  void flush_to_stream() {
    while (!to_stream_.empty() && st_ && !eof_) {
      int n = virStreamSend(st_.get(), to_stream_.data(), to_stream_.size());
      if (n > 0) {
        to_stream_.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n == -2) return;  // would block: WRITABLE brings us back
      to_stream_.clear();
      return;
    }
  }

  void input_ended() {
    eof_ = true;
    if (stream_cb_) virStreamEventRemoveCallback(st_.get());
    stream_cb_ = false;
    flush_to_local();  // shuts our end down for writing once drained: the agent sees EOF
    update_events();
    cv_.notify_all();
  }

  void update_events() {
    if (stream_cb_)
      virStreamEventUpdateCallback(
          st_.get(),
          VIR_STREAM_EVENT_READABLE | (to_stream_.empty() ? 0 : VIR_STREAM_EVENT_WRITABLE));
    if (watch_ >= 0) {
      int ev = (local_closed_ || eof_ ? 0 : VIR_EVENT_HANDLE_READABLE) |
               (to_local_.empty() ? 0 : VIR_EVENT_HANDLE_WRITABLE);
      if (ev == 0) {
        virEventRemoveHandle(watch_);
        watch_ = -1;
      } else {
        virEventUpdateHandle(watch_, ev);
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  StreamPtr st_;
  UniqueFd fd_;
  bool bidir_;
  bool stream_cb_ = false, eof_ = false, stopped_ = false, local_closed_ = false;
  int watch_ = -1;
  std::string to_stream_, to_local_;
};

// ---------------------------------------------------------------------------------------
// Files on another host: a directory storage pool "daxtorture" there, the kernel and the
// initramfs uploaded once per content hash, one scratch volume per NVDIMM.

struct PoolFreer {
  void operator()(virStoragePoolPtr p) const { virStoragePoolFree(p); }
};
struct VolFreer {
  void operator()(virStorageVolPtr v) const { virStorageVolFree(v); }
};
using PoolPtr = std::unique_ptr<virStoragePool, PoolFreer>;
using VolPtr = std::unique_ptr<virStorageVol, VolFreer>;

std::string volume_xml(const std::string& name, std::uint64_t bytes, const char* mode) {
  return fmt::format(
      "<volume><name>{}</name><capacity unit='bytes'>{}</capacity>"
      "<allocation unit='bytes'>0</allocation><target><format type='raw'/>"
      "<permissions><mode>{}</mode></permissions></target></volume>",
      xml_escape(name), bytes, mode);
}

std::string vol_path(virStorageVolPtr v) {
  CString p(virStorageVolGetPath(v));
  if (!p) throw InfraError("libvirt: storage volume without a path: " + last_error().message);
  return p.get();
}

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

class HostFiles {
 public:
  HostFiles(virConnectPtr conn, std::string uri, std::string dir)
      : conn_(conn), uri_(std::move(uri)), dir_(std::move(dir)) {}

  // The path on the host of a copy of `local` (uploaded unless an identical copy is there).
  std::string upload(const fs::path& local) {
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
      if (info.capacity == size && info.allocation >= size)
        return uploaded_[key] = vol_path(v.get());
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (v) virStorageVolDelete(v.get(), 0);  // an upload that never finished
    v.reset(virStorageVolCreateXML(pool, volume_xml(name, size, "0644").c_str(), 0));
    if (!v)
      throw InfraError(fmt::format("cannot create volume {} in pool daxtorture ({}) on {}: {}",
                                   name, dir_, uri_, last_error().message));
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

  ScratchVolume scratch(const std::string& name, std::uint64_t bytes) {
    std::lock_guard lk(mu_);
    VolPtr v(virStorageVolCreateXML(pool(), volume_xml(name, bytes, "0600").c_str(), 0));
    if (!v)
      throw InfraError(fmt::format("cannot create NVDIMM volume {} ({} MiB) in {} on {}: {}", name,
                                   bytes >> 20, dir_, uri_, last_error().message));
    std::string path = vol_path(v.get());
    return ScratchVolume(std::move(v), path);
  }

 private:
  // Looked up, or created (transient, directory built) on first use.
  virStoragePoolPtr pool() {
    if (pool_) return pool_.get();
    PoolPtr p(virStoragePoolLookupByName(conn_, "daxtorture"));
    if (!p) {
      std::string xml = fmt::format(
          "<pool type='dir'><name>daxtorture</name><target><path>{}</path></target></pool>",
          xml_escape(dir_));
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

  virConnectPtr conn_;  // owned by the Host that owns this
  std::string uri_, dir_;
  std::mutex mu_;
  PoolPtr pool_;
  std::map<std::string, std::string> uploaded_;
};

// ---------------------------------------------------------------------------------------
// Hosts: one connection per URI, shared by its instances, and a count of running instances.

struct Host {
  std::string uri;
  std::mutex mu;
  ConnShared conn;
  bool cpu_maximum = true;
  std::unique_ptr<HostFiles> files;  // remote hosts only
  std::atomic<int> running{0};
};

// Counts one instance on a host for as long as it lives.
class HostSlot {
 public:
  explicit HostSlot(Host& h) : h_(&h) { ++h_->running; }
  HostSlot(const HostSlot&) = delete;
  HostSlot& operator=(const HostSlot&) = delete;
  ~HostSlot() { --h_->running; }

 private:
  Host* h_;
};

class LibvirtInstance : public Instance {
 public:
  LibvirtInstance(Host& host, ConnShared conn, const Config& cfg)
      : slot_(host), conn_(std::move(conn)), uri_(host.uri), cfg_(cfg) {
    if (cfg_.interactive)
      throw UsageError(
          "the libvirt backend has no interactive console; use --backend qemu (or `virsh "
          "console`)");
    fs::create_directories(cfg_.workdir);
    require_boot_images(cfg_);
    paths_.name = unique_name();
    console_log_ = cfg_.workdir / "console.log";
    log_path_ = cfg_.workdir / "libvirt.log";
    log(fmt::format("uri {}\ndomain {}\n", uri_, paths_.name));
    if (host.files) {
      remote_ = true;
      // Another host: the files it boots from live in its storage pool.
      paths_.kernel = host.files->upload(cfg_.kernel);
      paths_.initramfs = host.files->upload(cfg_.initramfs);
      if (!cfg_.nvdimm_files.empty())
        throw UsageError("reusing NVDIMM files is not supported on a remote libvirt host (" + uri_ +
                         ")");
      for (std::size_t i = 0; i < cfg_.nvdimms.size(); ++i) {
        scratch_.push_back(
            host.files->scratch(fmt::format("{}-nvdimm{}.img", paths_.name, i), cfg_.nvdimms[i]));
        paths_.nvdimm_files.push_back(scratch_.back().path());
      }
      log(fmt::format("staged in pool daxtorture: {} {}\n", paths_.kernel.string(),
                      paths_.initramfs.string()));
    } else {
      paths_.kernel = cfg_.kernel;
      paths_.initramfs = cfg_.initramfs;
      paths_.nvdimm_files = prepare_nvdimm_files(cfg_);
    }
    DomainXmlOptions xo;
    xo.cpu_maximum = host.cpu_maximum;
    std::string xml = domain_xml(cfg_, paths_, xo);
    std::ofstream(cfg_.workdir / "domain.xml") << xml;

    sink_ = std::make_shared<Sink>();
    started_ = steady_now();
    // Paused until the console and the agent streams are attached: no early byte is lost.
    virDomainPtr d = virDomainCreateXML(conn_.get(), xml.c_str(),
                                        VIR_DOMAIN_START_AUTODESTROY | VIR_DOMAIN_START_PAUSED);
    if (!d) {
      auto e = last_error();
      log("virDomainCreateXML: " + e.message + "\n");
      std::string qlog =
          tail_file(fs::path("/var/log/libvirt/qemu") / (paths_.name + ".log"), 4096);
      if (e.code == VIR_ERR_XML_ERROR || e.code == VIR_ERR_XML_DETAIL ||
          e.code == VIR_ERR_CONFIG_UNSUPPORTED || e.code == VIR_ERR_NO_SUPPORT ||
          e.code == VIR_ERR_INVALID_ARG)
        throw InfraError("libvirt at " + uri_ + " rejected the domain XML (" +
                         (cfg_.workdir / "domain.xml").string() + "): " + e.message);
      if (e.code == VIR_ERR_NO_CONNECT || e.code == VIR_ERR_SYSTEM_ERROR || e.code == VIR_ERR_RPC)
        throw InfraError("lost the libvirt connection to " + uri_ +
                         " while starting the domain: " + e.message);
      throw BootError("boot failed: libvirt could not start the domain: " + e.message,
                      e.message + "\n" + qlog);
    }
    dom_.reset(d);
    register_events();
    try {
      attach_streams();
      if (virDomainResume(dom_.get()) < 0)
        throw InfraError("cannot resume the domain: " + last_error().message);
    } catch (const std::exception& ex) {
      log(std::string("attaching console/agent: ") + ex.what() + "\n");
      close();
      throw BootError(std::string("boot failed: console or agent stream unavailable: ") + ex.what(),
                      tail_file(console_log_, 4096));
    }
  }

  ~LibvirtInstance() override { close(); }

  std::string read_console() override {
    if (!console_fd_) {
      console_fd_ = UniqueFd(::open(console_log_.c_str(), O_RDONLY | O_CLOEXEC));
      if (!console_fd_) return {};
    }
    std::string out;
    char buf[65536];
    while (out.size() < (64u << 20)) {
      ssize_t n = ::pread(console_fd_.get(), buf, sizeof buf, console_off_);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      console_off_ += n;
    }
    return out;
  }
  fs::path console_log() const override { return console_log_; }
  guest::Channel& agent() override { return agent_; }

  json monitor(const std::string& cmd, const json& args) override {
    if (!dom_ || closed_) throw qmp::Error("no monitor: the domain is closed");
    json req = {{"execute", cmd}};
    if (!args.is_null() && !args.empty()) req["arguments"] = args;
    char* raw = nullptr;
    if (virDomainQemuMonitorCommand(dom_.get(), req.dump().c_str(), &raw, 0) < 0)
      throw qmp::Error("QMP " + cmd + " through libvirt: " + last_error().message);
    CString res(raw);
    json r = json::parse(res.get(), nullptr, false);
    if (r.is_discarded()) throw qmp::Error("QMP " + cmd + ": unparsable reply");
    if (r.contains("error"))
      throw qmp::Error("QMP " + cmd + ": " + r["error"].value("desc", r["error"].dump()));
    return r.value("return", json::object());
  }

  std::vector<json> monitor_events() override {
    std::lock_guard lk(sink_->mu);
    std::vector<json> out(sink_->events.begin(), sink_->events.end());
    sink_->events.clear();
    return out;
  }

  std::optional<Exit> exited() override {
    if (!dom_ || closed_) return Exit{};
    auto seen = [&]() -> std::optional<Exit> {
      std::lock_guard lk(sink_->mu);
      return sink_->exit;
    };
    if (auto x = seen()) return drained(*x);
    // Events can be lost with the connection; ask now and then.
    double now = steady_now();
    if (now - last_state_poll_ < 1.0) return std::nullopt;
    last_state_poll_ = now;
    int state = 0, reason = 0;
    if (virDomainGetState(dom_.get(), &state, &reason, 0) < 0) {
      auto e = last_error();
      // A transient domain that stopped is gone. Give its stop event a moment to arrive.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      std::lock_guard lk(sink_->mu);
      if (!sink_->exit) sink_->exit = e.code == VIR_ERR_NO_DOMAIN ? Exit{0, 0} : Exit{-1, SIGKILL};
      return drained(*sink_->exit);
    }
    if (state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_CRASHED) {
      std::lock_guard lk(sink_->mu);
      if (!sink_->exit) sink_->exit = Exit{0, 0};
      return drained(*sink_->exit);
    }
    return std::nullopt;
  }

  std::string diagnose() override {
    std::string d;
    if (!dom_ || exited()) return d;
    auto hmp = [&](const std::string& cmd) {
      char* raw = nullptr;
      if (virDomainQemuMonitorCommand(dom_.get(), cmd.c_str(), &raw,
                                      VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0) {
        d += "(qemu) " + cmd + ": " + last_error().message + "\n";
        return;
      }
      CString res(raw);
      d += "(qemu) " + cmd + "\n" + res.get() + "\n";
    };
    hmp("sendkey alt-sysrq-w");
    hmp("sendkey alt-sysrq-t");
    std::this_thread::sleep_for(std::chrono::seconds(3));
    hmp("info registers -a");
    // A guest idle in HLT that never wakes (early-boot stalls under TCG on an overloaded
    // host) is told apart by its local APIC: timer armed or not, interrupt pending or not.
    for (int cpu = 0; cpu < cfg_.vcpus; ++cpu) hmp(fmt::format("info lapic {}", cpu));
    hmp("info status");
    log("\n==== diagnosis ====\n" + d);
    return d;
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    if (dom_) {
      int state = 0, reason = 0;
      if (virDomainGetState(dom_.get(), &state, &reason, 0) == 0 && state != VIR_DOMAIN_SHUTOFF) {
        // SIGTERM first (QEMU flushes and exits), then SIGKILL.
        if (virDomainDestroyFlags(dom_.get(), VIR_DOMAIN_DESTROY_GRACEFUL) < 0)
          virDomainDestroy(dom_.get());
      }
      if (qmp_cb_ >= 0) virConnectDomainQemuMonitorEventDeregister(conn_.get(), qmp_cb_);
      if (life_cb_ >= 0) virConnectDomainEventDeregisterAny(conn_.get(), life_cb_);
      qmp_cb_ = life_cb_ = -1;
      std::lock_guard lk(sink_->mu);
      if (!sink_->exit) sink_->exit = Exit{-1, SIGKILL};
    }
    // Everything the console stream still carries lands in console.log before we return.
    if (console_) console_->wait_eof(3);
    if (console_) console_->stop();
    if (channel_) channel_->stop();
    if (dom_) {
      // QEMU's own log (command line, stderr) next to the console, when it is on this host.
      std::error_code ec;
      fs::path qlog = fs::path("/var/log/libvirt/qemu") / (paths_.name + ".log");
      if (!remote_ && fs::exists(qlog, ec))
        fs::copy_file(qlog, cfg_.workdir / "qemu.log", fs::copy_options::overwrite_existing, ec);
    }
    dom_.reset();
    scratch_.clear();  // remote NVDIMM volumes
  }

  std::vector<fs::path> nvdimm_files() const override { return paths_.nvdimm_files; }
  double boot_started() const override { return started_; }

 private:
  // The exit, once the console stream has delivered its last bytes (bounded wait).
  std::optional<Exit> drained(Exit x) {
    if (console_ && !console_drained_) {
      console_->wait_eof(2);
      console_drained_ = true;
    }
    return x;
  }

  void attach_streams() {
    // Appended to, as the QEMU backend does (a power-cut reboot shares the run's console);
    // read_console() returns only what this instance adds.
    UniqueFd log(::open(console_log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!log) throw_errno("cannot create " + console_log_.string());
    struct stat sb {};
    if (::fstat(log.get(), &sb) == 0) console_off_ = sb.st_size;
    StreamPtr cst = new_stream(conn_.get(), VIR_STREAM_NONBLOCK);
    if (virDomainOpenConsole(dom_.get(), nullptr, cst.get(), VIR_DOMAIN_CONSOLE_FORCE) < 0)
      throw InfraError("virDomainOpenConsole: " + last_error().message);
    console_ = StreamPump::start(std::move(cst), std::move(log), false);

    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
      throw_errno("socketpair for the agent channel");
    UniqueFd ours(sv[0]), theirs(sv[1]);
    ::fcntl(ours.get(), F_SETFL, ::fcntl(ours.get(), F_GETFL) | O_NONBLOCK);
    StreamPtr ast = new_stream(conn_.get(), VIR_STREAM_NONBLOCK);
    if (virDomainOpenChannel(dom_.get(), kAgentChannel, ast.get(), VIR_DOMAIN_CHANNEL_FORCE) < 0)
      throw InfraError(std::string("virDomainOpenChannel ") + kAgentChannel + ": " +
                       last_error().message);
    channel_ = StreamPump::start(std::move(ast), std::move(ours), true);
    agent_ = guest::Channel(std::move(theirs));
  }

  void register_events() {
    auto make_opaque = [&] { return std::make_unique<SinkRef>(sink_).release(); };
    qmp_cb_ = virConnectDomainQemuMonitorEventRegister(conn_.get(), dom_.get(), nullptr,
                                                       on_qmp_event, make_opaque(), free_sink, 0);
    if (qmp_cb_ < 0) log("QMP event registration failed: " + last_error().message + "\n");
    life_cb_ = virConnectDomainEventRegisterAny(
        conn_.get(), dom_.get(), VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), make_opaque(), free_sink);
    if (life_cb_ < 0) log("lifecycle event registration failed: " + last_error().message + "\n");
  }

  void log(const std::string& s) { std::ofstream(log_path_, std::ios::app) << s; }

  HostSlot slot_;
  ConnShared conn_;
  std::string uri_;
  Config cfg_;
  LibvirtPaths paths_;
  std::vector<ScratchVolume> scratch_;
  fs::path console_log_, log_path_;
  DomainPtr dom_;
  SinkRef sink_;
  int qmp_cb_ = -1, life_cb_ = -1;
  std::shared_ptr<StreamPump> console_, channel_;
  guest::Channel agent_;
  UniqueFd console_fd_;
  off_t console_off_ = 0;
  double started_ = 0, last_state_poll_ = 0;
  bool closed_ = false, console_drained_ = false, remote_ = false;
};

class LibvirtBackend : public Backend {
 public:
  LibvirtBackend(const std::vector<std::string>& uris, std::string pool_dir) {
    for (const auto& u : uris) {
      auto h = std::make_unique<Host>();
      h->uri = u;
      hosts_.push_back(std::move(h));
    }
    pool_dir_ = std::move(pool_dir);
  }
  std::string name() const override { return "libvirt"; }
  Capabilities capabilities() const override {
    bool all_local = true;
    for (const auto& h : hosts_) all_local = all_local && uri_is_local(h->uri);
    // A remote host boots from scratch volumes of its own pool: no NVDIMM file outlives a VM.
    return Capabilities{.reuse_nvdimm_files = all_local,
                        .kill_now = false,
                        .interactive_console = false,
                        .remote = !all_local};
  }

  // The least loaded host first (ties in turn); a host whose daemon cannot be reached is
  // skipped for this VM while another one answers.
  std::unique_ptr<Instance> create(const Config& cfg) override {
    std::vector<int> load;
    for (auto& h : hosts_) load.push_back(h->running.load());
    std::size_t first = pick_host(load, turn_++);
    std::string errors;
    for (std::size_t k = 0; k < hosts_.size(); ++k) {
      Host& h = *hosts_[(first + k) % hosts_.size()];
      ConnShared conn;
      try {
        conn = connection(h);
      } catch (const InfraError& e) {
        errors += (errors.empty() ? "" : "; ") + std::string(e.what());
        continue;
      }
      return std::make_unique<LibvirtInstance>(h, std::move(conn), cfg);
    }
    throw InfraError(errors);
  }

 private:
  ConnShared connection(Host& h) {
    std::lock_guard lk(h.mu);
    if (h.conn && virConnectIsAlive(h.conn.get()) == 1) return h.conn;
    h.files.reset();
    h.conn = open_connection(h.uri);
    unsigned long ver = 0;
    // <cpu mode='maximum'> needs libvirt 7.1 on the host.
    h.cpu_maximum = virConnectGetLibVersion(h.conn.get(), &ver) == 0 && ver >= 7001000;
    if (!uri_is_local(h.uri)) h.files = std::make_unique<HostFiles>(h.conn.get(), h.uri, pool_dir_);
    return h.conn;
  }

  std::vector<std::unique_ptr<Host>> hosts_;
  std::string pool_dir_;
  std::atomic<std::size_t> turn_{0};
};

}  // namespace

BackendFactory libvirt_backend_factory() {
  return [](const json& options) -> std::unique_ptr<Backend> {
    std::string pool_dir = kDefaultPoolDir;
    if (options.is_object() && options.contains("pool_dir")) {
      if (!options["pool_dir"].is_string() || options["pool_dir"].get<std::string>().empty() ||
          options["pool_dir"].get<std::string>()[0] != '/')
        throw UsageError("libvirt \"pool_dir\" must be an absolute path, got " +
                         options["pool_dir"].dump());
      pool_dir = options["pool_dir"].get<std::string>();
    }
    return std::make_unique<LibvirtBackend>(connect_uris(options), pool_dir);
  };
}

}  // namespace dt::vm
