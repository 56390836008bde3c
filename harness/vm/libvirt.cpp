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
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "qmp/qmp.hpp"
#include "util/error.hpp"
#include "util/tempdir.hpp"
#include "vm/nvdimm.hpp"
#include "vm/qemu.hpp"  // kernel_cmdline(): one kernel command line for every backend

namespace dt::vm {
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Pure parts: XML, options, URIs.

std::string xml_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '\'':
        o += "&apos;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string domain_xml(const Config& cfg, const LibvirtPaths& p, const DomainXmlOptions& opts) {
  if (p.nvdimm_files.size() != cfg.nvdimms.size())
    throw UsageError(fmt::format("{} NVDIMM backing files for {} NVDIMMs", p.nvdimm_files.size(),
                                 cfg.nvdimms.size()));
  if (cfg.vcpus < 1) throw UsageError("a VM needs at least one vCPU");
  auto e = xml_escape;
  const std::uint64_t kib = 1024;
  std::uint64_t nvdimm_total = 0;
  for (auto n : cfg.nvdimms) nvdimm_total += n;
  const std::uint64_t mem_kib = cfg.memory_bytes / kib;
  // Same headroom as the QEMU backend: maxmem = RAM + NVDIMMs + 1 GiB, one slot spare.
  const std::uint64_t max_kib = (cfg.memory_bytes + nvdimm_total) / kib + (1ull << 20);
  const bool kvm = cfg.accel == Accel::Kvm;
  std::string cpus = cfg.vcpus == 1 ? "0" : fmt::format("0-{}", cfg.vcpus - 1);

  std::string x;
  x += fmt::format("<domain type='{}'>\n", kvm ? "kvm" : "qemu");
  x += fmt::format("  <name>{}</name>\n", e(p.name));
  x += "  <description>daxtorture test VM (transient, destroyed with its "
       "connection)</description>\n";
  x += fmt::format("  <maxMemory slots='{}' unit='KiB'>{}</maxMemory>\n", cfg.nvdimms.size() + 1,
                   max_kib);
  x += fmt::format("  <memory unit='KiB'>{}</memory>\n", mem_kib);
  x += fmt::format("  <vcpu placement='static'>{}</vcpu>\n", cfg.vcpus);
  x += "  <os>\n";
  x += "    <type arch='x86_64' machine='q35'>hvm</type>\n";
  x += fmt::format("    <kernel>{}</kernel>\n", e(cfg.kernel.string()));
  x += fmt::format("    <initrd>{}</initrd>\n", e(cfg.initramfs.string()));
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
  x += "    <serial type='file'>\n";
  x += fmt::format("      <source path='{}'/>\n", e(p.console_log.string()));
  x += "      <target port='0'/>\n";
  x += "    </serial>\n";
  x += "    <channel type='unix'>\n";
  x += fmt::format("      <source mode='bind' path='{}'/>\n", e(p.agent_socket.string()));
  x += "      <target type='virtio' name='org.daxtorture.agent'/>\n";
  x += "    </channel>\n";
  x += "    <memballoon model='none'/>\n";
  x += "    <panic model='isa'/>\n";  // pvpanic: GUEST_PANICKED on the monitor
  for (std::size_t i = 0; i < cfg.nvdimms.size(); ++i) {
    // share=on: stores reach the file. libvirt preallocates an NVDIMM's backing file unless the
    // source says <pmem/> (which would also switch QEMU to pmem=on), so unlike the QEMU
    // backend's sparse files these take their full size on disk; existing content is kept.
    x += "    <memory model='nvdimm' access='shared'>\n";
    x += "      <source>\n";
    x += fmt::format("        <path>{}</path>\n", e(p.nvdimm_files[i].string()));
    x += "        <alignsize unit='KiB'>2048</alignsize>\n";  // align=2M: PMD faults possible
    x += "      </source>\n";
    x += "      <target>\n";
    x += fmt::format("        <size unit='KiB'>{}</size>\n", cfg.nvdimms[i] / kib);
    x += "        <node>0</node>\n";
    x +=
        "        <label>\n          <size unit='KiB'>128</size>\n        </label>\n";  // label-size=128K
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
  if (rest.empty() || rest[0] == '/') return true;
  std::string host = rest.substr(0, rest.find_first_of("/?"));
  if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (auto colon = host.rfind(':');
      colon != std::string::npos && host.find(']') == std::string::npos)
    host = host.substr(0, colon);
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
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

class LibvirtInstance : public Instance {
 public:
  LibvirtInstance(ConnShared conn, std::string uri, const Config& cfg, bool cpu_maximum)
      : conn_(std::move(conn)), uri_(std::move(uri)), cfg_(cfg), sockdir_("/tmp", "dt-lv-") {
    if (cfg_.interactive)
      throw UsageError(
          "the libvirt backend has no interactive console; use --backend qemu (or `virsh "
          "console`)");
    fs::create_directories(cfg_.workdir);
    if (!fs::exists(cfg_.kernel))
      throw InfraError("kernel image missing: " + cfg_.kernel.string() +
                       " (run: daxtorture image build)");
    if (!fs::exists(cfg_.initramfs))
      throw InfraError("initramfs missing: " + cfg_.initramfs.string() +
                       " (run: daxtorture image build)");
    paths_.name = unique_name();
    paths_.console_log = cfg_.workdir / "console.log";
    paths_.agent_socket = sockdir_.path() / "agent";
    log_path_ = cfg_.workdir / "libvirt.log";
    paths_.nvdimm_files = prepare_nvdimm_files(cfg_);
    DomainXmlOptions xo;
    xo.cpu_maximum = cpu_maximum;
    std::string xml = domain_xml(cfg_, paths_, xo);
    {
      std::ofstream(cfg_.workdir / "domain.xml") << xml;
      log(fmt::format("uri {}\ndomain {}\n", uri_, paths_.name));
    }

    sink_ = std::make_shared<Sink>();
    started_ = steady_now();
    virDomainPtr d = virDomainCreateXML(conn_.get(), xml.c_str(), VIR_DOMAIN_START_AUTODESTROY);
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
      throw BootError("libvirt could not start the domain: " + e.message, e.message + "\n" + qlog);
    }
    dom_.reset(d);
    register_events();
    try {
      agent_ = guest::Channel(connect_unix(paths_.agent_socket.string(), 15));
    } catch (const std::exception& ex) {
      std::string out = tail_file(paths_.console_log, 4096);
      close();
      throw BootError(std::string("agent socket unreachable: ") + ex.what(), out);
    }
  }

  ~LibvirtInstance() override { close(); }

  std::string read_console() override {
    if (!console_fd_) {
      console_fd_ = UniqueFd(::open(paths_.console_log.c_str(), O_RDONLY | O_CLOEXEC));
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
  fs::path console_log() const override { return paths_.console_log; }
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
    {
      std::lock_guard lk(sink_->mu);
      if (sink_->exit) return sink_->exit;
    }
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
      return sink_->exit;
    }
    if (state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_CRASHED) {
      std::lock_guard lk(sink_->mu);
      if (!sink_->exit) sink_->exit = Exit{0, 0};
      return sink_->exit;
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
    hmp("info status");
    log("\n==== diagnosis ====\n" + d);
    return d;
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    if (!dom_) return;
    int state = 0, reason = 0;
    if (virDomainGetState(dom_.get(), &state, &reason, 0) == 0 && state != VIR_DOMAIN_SHUTOFF) {
      // SIGTERM first (QEMU flushes and exits), then SIGKILL.
      if (virDomainDestroyFlags(dom_.get(), VIR_DOMAIN_DESTROY_GRACEFUL) < 0)
        virDomainDestroy(dom_.get());
    }
    if (qmp_cb_ >= 0) virConnectDomainQemuMonitorEventDeregister(conn_.get(), qmp_cb_);
    if (life_cb_ >= 0) virConnectDomainEventDeregisterAny(conn_.get(), life_cb_);
    qmp_cb_ = life_cb_ = -1;
    {
      std::lock_guard lk(sink_->mu);
      if (!sink_->exit) sink_->exit = Exit{-1, SIGKILL};
    }
    // QEMU's own log (command line, stderr) next to the console, when it is on this host.
    std::error_code ec;
    fs::path qlog = fs::path("/var/log/libvirt/qemu") / (paths_.name + ".log");
    if (fs::exists(qlog, ec))
      fs::copy_file(qlog, cfg_.workdir / "qemu.log", fs::copy_options::overwrite_existing, ec);
    dom_.reset();
  }

  std::vector<fs::path> nvdimm_files() const override { return paths_.nvdimm_files; }
  double boot_started() const override { return started_; }

 private:
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

  ConnShared conn_;
  std::string uri_;
  Config cfg_;
  TempDir sockdir_;
  LibvirtPaths paths_;
  fs::path log_path_;
  DomainPtr dom_;
  SinkRef sink_;
  int qmp_cb_ = -1, life_cb_ = -1;
  guest::Channel agent_;
  UniqueFd console_fd_;
  off_t console_off_ = 0;
  double started_ = 0, last_state_poll_ = 0;
  bool closed_ = false;
};

class LibvirtBackend : public Backend {
 public:
  explicit LibvirtBackend(std::vector<std::string> uris) : uris_(std::move(uris)) {
    for (const auto& u : uris_)
      if (!uri_is_local(u))
        throw UsageError(
            "libvirt URI " + u +
            " names another host: the libvirt backend reads the console file and the agent socket "
            "locally, so remote hosts are not supported yet (run daxtorture on that host with "
            "--connect qemu:///system, or shard the campaign across hosts: see ci/README.md)");
  }
  std::string name() const override { return "libvirt"; }

  std::unique_ptr<Instance> create(const Config& cfg) override {
    std::string uri = uris_[next_++ % uris_.size()];  // round-robin across hosts
    auto [conn, cpu_max] = connection(uri);
    return std::make_unique<LibvirtInstance>(std::move(conn), uri, cfg, cpu_max);
  }

 private:
  std::pair<ConnShared, bool> connection(const std::string& uri) {
    std::lock_guard lk(mu_);
    auto it = conns_.find(uri);
    if (it != conns_.end() && virConnectIsAlive(it->second.first.get()) == 1) return it->second;
    ConnShared c = open_connection(uri);
    unsigned long ver = 0;
    bool cpu_max =
        virConnectGetLibVersion(c.get(), &ver) == 0 && ver >= 7001000;  // mode='maximum' in 7.1
    conns_[uri] = {c, cpu_max};
    return {c, cpu_max};
  }

  std::vector<std::string> uris_;
  std::atomic<std::size_t> next_{0};
  std::mutex mu_;
  std::map<std::string, std::pair<ConnShared, bool>> conns_;
};

}  // namespace

BackendFactory libvirt_backend_factory() {
  return [](const json& options) -> std::unique_ptr<Backend> {
    return std::make_unique<LibvirtBackend>(connect_uris(options));
  };
}

}  // namespace dt::vm
