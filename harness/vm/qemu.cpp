// The direct QEMU backend: one qemu-system-x86_64 process per instance, console on a pipe
// (drained to disk by a thread so the guest never blocks on a full pipe), QMP and the agent
// port on unix sockets, NVDIMMs as sparse backing files.
#include "vm/qemu.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <thread>

#include "qmp/qmp.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/paths.hpp"
#include "util/process.hpp"
#include "util/tempdir.hpp"
#include "vm/machine.hpp"
#include "vm/nvdimm.hpp"

namespace dt::vm {
namespace fs = std::filesystem;

std::string kernel_cmdline(const Config& cfg) {
  // panic=-1 + -no-reboot: a panic ends the VM at once with the console kept.
  // no_timer_check: the early IO-APIC timer check measures ticks against a busy loop, which a
  // starved TCG vCPU fails ("IO-APIC + timer doesn't work!", a boot panic): 6 of 176 boots of
  // the clean-kernel nightly triage on a loaded 2-core host. Virtual machines skip it.
  std::string c =
      "console=ttyS0,115200 panic=-1 loglevel=7 printk.devkmsg=on no_hash_pointers "
      "rcupdate.rcu_cpu_stall_suppress_at_boot=1 hung_task_panic=0 softlockup_panic=0 "
      "no_timer_check "
      // Enabled once at boot, before the second CPU is up, so the writeback oracle never
      // toggles it: every enable or disable patches kernel text (text_poke_bp), and under
      // multi-threaded TCG that once left a CPU waiting forever for the other to ack the
      // patch IPI ("soft lockup in smp_call_function_many_cond" on the clean kernel).
      "trace_event=fs_dax:dax_writeback_one "
      "kasan_multi_shot";  // KASAN (kasan flavour) keeps reporting after the first bug
  if (!cfg.cmdline_extra.empty()) c += " " + cfg.cmdline_extra;
  return c;
}

std::vector<std::string> qemu_argv(const Config& cfg, const QemuPaths& p) {
  constexpr std::uint64_t mib = 1ull << 20, kib = 1ull << 10;
  const MachineShape m = machine_shape(cfg);
  std::vector<std::string> a = {"qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display",
                                "none"};
  const auto machine = qemu_machine_args(m);
  a.insert(a.end(), machine.begin(), machine.end());
  for (std::size_t i = 0; i < m.nvdimms.size(); ++i) {
    const NvdimmShape& n = m.nvdimms[i];
    a.insert(
        a.end(),
        {"-object",
         fmt::format("memory-backend-file,id=mem{0},share=on,mem-path={1},size={2}M,align={3}M", i,
                     p.nvdimm_files.at(i).string(), n.bytes / mib, n.align_bytes / mib),
         "-device",
         n.label_bytes ? fmt::format("nvdimm,id=nvdimm{0},memdev=mem{0},label-size={1}K", i,
                                     n.label_bytes / kib)
                       : fmt::format("nvdimm,id=nvdimm{0},memdev=mem{0}", i)});
  }
  a.insert(a.end(), {"-kernel", cfg.kernel.string(), "-initrd", cfg.initramfs.string(), "-append",
                     kernel_cmdline(cfg)});
  if (cfg.interactive)
    a.insert(a.end(), {"-serial", "mon:stdio"});
  else
    a.insert(a.end(), {"-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con"});
  a.insert(
      a.end(),
      {"-chardev", fmt::format("socket,id=qmp,path={},server=on,wait=off", p.qmp_socket.string()),
       "-mon", "chardev=qmp,mode=control", "-device", "virtio-serial-pci,id=vser0", "-chardev",
       fmt::format("socket,id=agent,path={},server=on,wait=off", p.agent_socket.string()),
       "-device", "virtserialport,bus=vser0.0,chardev=agent,name=org.daxtorture.agent"});
  // savevm needs a writable qcow2 node; attached to no device, the guest never sees it.
  if (cfg.snapshots)
    a.insert(a.end(), {"-drive", fmt::format("if=none,id=snapshots,format=qcow2,file={}",
                                             p.snapshot_image.string())});
  // A guest started from a saved state: no vCPU runs before the state is loaded (with the
  // agent's socket already connected, so the guest never sees its host port close).
  if (cfg.start_from) a.push_back("-S");
  return a;
}

namespace {

class QemuInstance : public Instance {
 public:
  explicit QemuInstance(const Config& cfg)
      : cfg_(cfg), sockdir_("/tmp", "dt-sock-"), started_(steady_now()) {
    if (cfg_.start_from && !cfg_.snapshots)
      throw UsageError("a VM started from a saved state needs a snapshot file (Config::snapshots)");
    fs::create_directories(cfg_.workdir);
    console_path_ = cfg_.workdir / "console.log";
    qemu_log_path_ = cfg_.workdir / "qemu.log";
    paths_.qmp_socket = sockdir_.path() / "qmp";
    paths_.agent_socket = sockdir_.path() / "agent";
    paths_.nvdimm_files = prepare_nvdimm_files(cfg_);
    require_boot_images(cfg_);
    if (cfg_.start_from) {
      // Its own copy: QEMU locks and writes the file it loads from.
      paths_.snapshot_image = cfg_.workdir / "snapshots.qcow2";
      copy_sparse(cfg_.start_from->file, paths_.snapshot_image);
    } else if (cfg_.snapshots) {
      paths_.snapshot_image = cfg_.workdir / "snapshots.qcow2";
      auto r = run_capture(
          {"qemu-img", "create", "-q", "-f", "qcow2", paths_.snapshot_image.string(), "64M"},
          std::chrono::seconds(30));
      if (!r.status.ok())
        throw InfraError("qemu-img create " + paths_.snapshot_image.string() + ": " + r.output);
    }

    console_fd_ =
        UniqueFd(::open(console_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    qemu_log_fd_ =
        UniqueFd(::open(qemu_log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!console_fd_ || !qemu_log_fd_)
      throw_errno("cannot create logs in " + cfg_.workdir.string());

    auto argv = qemu_argv(cfg_, paths_);
    {
      std::string line;
      for (auto& a : argv) line += (line.empty() ? "" : " ") + a;
      line += "\n";
      write_all(qemu_log_fd_.get(), line);
    }
    SpawnOptions so;
    if (cfg_.interactive) {
      so.in = so.out = SpawnOptions::Stream::Inherit;
      so.new_process_group = false;  // it needs the terminal's foreground group
    }
    proc_ = std::make_unique<Subprocess>(argv, so);
    reader_ = std::thread([this] { drain(); });
    try {
      qmp_ = std::make_unique<qmp::Client>(paths_.qmp_socket.string(), 15);
      agent_ = guest::Channel(connect_unix(paths_.agent_socket.string(), 5));
    } catch (const std::exception& e) {
      auto ex = proc_->wait_for(std::chrono::milliseconds(2000));
      stop_reader();
      std::string out = read_file_tail(qemu_log_path_, 4096);
      throw BootError(ex ? "boot failed: QEMU failed to start (" + ex->str() + ")"
                         : std::string("boot failed: QEMU monitor unreachable: ") + e.what(),
                      out);
    }
    if (cfg_.start_from) {
      try {
        load_snapshot(cfg_.start_from->tag);
        resume();
      } catch (const std::exception& e) {
        close();  // no process and no reader thread outlive a constructor that throws
        throw BootError(std::string("boot failed: loading the saved guest: ") + e.what(),
                        read_file_tail(qemu_log_path_, 4096));
      }
    }
  }

  ~QemuInstance() override { close(); }

  std::string read_console() override {
    std::lock_guard lk(mu_);
    std::string out;
    out.swap(pending_);
    return out;
  }
  fs::path console_log() const override { return console_path_; }
  guest::Channel& agent() override { return agent_; }

  json monitor(const std::string& cmd, const json& args) override {
    if (!qmp_) throw qmp::Error("no monitor");
    return qmp_->execute(cmd, args);
  }
  std::vector<json> monitor_events() override {
    if (!qmp_) return {};
    auto ev = qmp_->take_events();
    return {ev.begin(), ev.end()};
  }
  std::optional<Exit> exited() override {
    if (!proc_) return Exit{};
    auto s = proc_->poll();
    if (!s) return std::nullopt;
    return Exit{s->code, s->signal};
  }

  std::string diagnose() override {
    std::string d;
    if (!qmp_ || exited()) return d;
    auto try_hmp = [&](const std::string& cmd) {
      try {
        d += "(qemu) " + cmd + "\n" + qmp_->hmp(cmd, 5) + "\n";
      } catch (const std::exception& e) {
        d += "(qemu) " + cmd + ": " + e.what() + "\n";
      }
    };
    // sysrq through the emulated keyboard: works even when no guest process can run.
    try_hmp("sendkey alt-sysrq-w");
    try_hmp("sendkey alt-sysrq-t");
    std::this_thread::sleep_for(std::chrono::seconds(3));  // let the dumps reach the console
    try_hmp("info registers -a");
    try_hmp("info status");
    write_all(qemu_log_fd_.get(), "\n==== diagnosis ====\n" + d);
    return d;
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    if (proc_ && !proc_->poll()) {
      try {
        if (qmp_) qmp_->execute("quit", json::object(), 1);
      } catch (const std::exception&) {
      }
      if (!proc_->wait_for(std::chrono::milliseconds(1500)))
        proc_->terminate(std::chrono::milliseconds(1500));
    }
    stop_reader();
    qmp_.reset();
  }

  std::vector<fs::path> nvdimm_files() const override { return paths_.nvdimm_files; }
  bool kill_now() override {
    if (!proc_ || proc_->poll()) return false;
    proc_->kill_group(SIGKILL);
    return true;
  }
  double boot_started() const override { return started_; }
  fs::path snapshot_file() const override { return paths_.snapshot_image; }

 private:
  // Console and QEMU's own stderr go to disk the moment they arrive.
  void drain() {
    std::vector<pollfd> fds;
    if (proc_->stdout_fd() >= 0) fds.push_back({proc_->stdout_fd(), POLLIN, 0});
    if (proc_->stderr_fd() >= 0) fds.push_back({proc_->stderr_fd(), POLLIN, 0});
    std::size_t open_streams = fds.size();
    char buf[65536];
    while (open_streams > 0 && !stop_) {
      if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
      for (auto& f : fds) {
        if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n <= 0) {
          f.fd = -1, --open_streams;
          continue;
        }
        bool is_console = f.fd == proc_->stdout_fd();
        write_all(is_console ? console_fd_.get() : qemu_log_fd_.get(), std::string_view(buf, n));
        if (is_console) {
          std::lock_guard lk(mu_);
          if (pending_.size() < (64u << 20)) pending_.append(buf, static_cast<std::size_t>(n));
        }
      }
    }
  }

  void stop_reader() {
    if (reader_.joinable()) {
      // Give the reader a moment to drain what QEMU wrote before it exited.
      for (int i = 0; i < 20 && proc_ && !proc_->poll(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      stop_ = true;
      reader_.join();
    }
  }

  Config cfg_;
  TempDir sockdir_;
  QemuPaths paths_;
  fs::path console_path_, qemu_log_path_;
  UniqueFd console_fd_, qemu_log_fd_;
  std::unique_ptr<Subprocess> proc_;
  std::unique_ptr<qmp::Client> qmp_;
  guest::Channel agent_;
  std::thread reader_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string pending_;
  double started_ = 0;
  bool closed_ = false;
};

class QemuBackend : public Backend {
 public:
  std::string name() const override { return "qemu"; }
  Capabilities capabilities() const override {  // a local QEMU can do it all
    return {.reuse_nvdimm_files = true, .remote = false, .snapshots = true};
  }
  std::unique_ptr<Instance> create(const Config& cfg) override {
    if (find_program("qemu-system-x86_64").empty())
      throw InfraError("qemu-system-x86_64 not found (apt-get install qemu-system-x86)");
    return std::make_unique<QemuInstance>(cfg);
  }
};

}  // namespace

BackendFactory qemu_backend_factory() {
  return [](const json&) -> std::unique_ptr<Backend> { return std::make_unique<QemuBackend>(); };
}

}  // namespace dt::vm
