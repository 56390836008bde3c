// The libvirt backend's instances. One connection per URI, shared by the instances on that
// host; each instance is a transient domain created with VIR_DOMAIN_START_AUTODESTROY, so a
// harness that dies takes its VMs with it when the connection drops. QMP goes through
// libvirt-qemu's monitor passthrough.
#include <fcntl.h>
#include <fmt/format.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "qmp/qmp.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "vm/libvirt.hpp"
#include "vm/libvirt/connection.hpp"
#include "vm/libvirt/storage.hpp"
#include "vm/libvirt/stream.hpp"
#include "vm/machine.hpp"
#include "vm/nvdimm.hpp"

namespace dt::vm {
namespace fs = std::filesystem;
namespace {
using namespace libvirt_detail;

struct DomainFreer {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
using DomainPtr = std::unique_ptr<virDomain, DomainFreer>;

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
        scratch_.push_back(host.files->scratch(fmt::format("{}-nvdimm{}.img", paths_.name, i),
                                               nvdimm_region_bytes(cfg_.nvdimms[i])));
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
          read_file_tail(fs::path("/var/log/libvirt/qemu") / (paths_.name + ".log"), 4096);
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
                      read_file_tail(console_log_, 4096));
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
    return Capabilities{.reuse_nvdimm_files = all_local, .remote = !all_local};
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
