// daxtorture guest agent: PID 1 of the test initramfs.
//
// Sets up the minimal userspace (proc, sys, dev, debugfs, tracefs, tmp), then serves the
// harness over a virtio-serial port with JSON lines, one object per line: the messages of
// protocol/agent_messages.hpp (exec, kill, write, shell, poweroff in; hello, heartbeat,
// started, stdout/stderr, exit, exec-failed, written, error out). The kernel console stays on
// ttyS0 and is never used for the protocol, so a noisy kernel cannot corrupt it.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/agent_messages.hpp"
#include "protocol/exit_codes.hpp"
#include "protocol/unique_fd.hpp"

using json = nlohmann::json;
namespace proto = dt::protocol;

namespace {

constexpr const char* kPortName = "org.daxtorture.agent";
constexpr std::size_t kMaxLine = 64 * 1024;

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void log_console(const std::string& msg) {
  std::string line = "daxtorture-agent: " + msg + "\n";
  (void)!write(2, line.data(), line.size());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

void mount_fs(const char* src, const char* target, const char* type, unsigned long flags = 0,
              const char* data = nullptr) {
  mkdir(target, 0755);
  if (mount(src, target, type, flags, data) != 0 && errno != EBUSY)
    log_console(std::string("mount ") + target + ": " + strerror(errno));
}

void setup_userspace() {
  mount_fs("proc", "/proc", "proc");
  mount_fs("sysfs", "/sys", "sysfs");
  mount_fs("devtmpfs", "/dev", "devtmpfs");
  mount_fs("debugfs", "/sys/kernel/debug", "debugfs");
  mount_fs("tracefs", "/sys/kernel/tracing", "tracefs");
  mount_fs("tmpfs", "/tmp", "tmpfs");
  mount_fs("tmpfs", "/run", "tmpfs");
  mkdir("/mnt", 0755);
  mkdir("/mnt/dax", 0755);
  setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1);
  setenv("HOME", "/root", 1);
  // Torture runs want every oops to be a finding, not a dead agent: keep the kernel going.
  std::ofstream("/proc/sys/kernel/printk") << "7 4 1 7";
  // A lost wakeup leaves a task in D state for good, but the kernel's default 60 s hung-task
  // timeout (checked every 60 s) is longer than a short cell: report a task blocked for 30 s,
  // checked every 5 s. The workloads' own progress watchdog notices after 10 s of not being
  // scheduled and keeps the cell alive until this detector had its chance (workloads/lib/run).
  // 30 s is far beyond any legitimate uninterruptible wait of a clean kernel under TCG.
  std::ofstream("/proc/sys/kernel/hung_task_timeout_secs") << "30";
  std::ofstream("/proc/sys/kernel/hung_task_check_interval_secs") << "5";
}

// virtio-serial ports show up as /dev/vportNpM; the name is in sysfs (no udev here).
std::string find_port() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (DIR* d = opendir("/sys/class/virtio-ports")) {
      while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::string name =
            trim(read_file(std::string("/sys/class/virtio-ports/") + e->d_name + "/name"));
        if (name == kPortName) {
          std::string dev = std::string("/dev/") + e->d_name;
          closedir(d);
          return dev;
        }
      }
      closedir(d);
    }
    usleep(50000);
  }
  return {};
}

using dt::protocol::UniqueFd;

struct Pipe {
  UniqueFd read, write;
  bool open() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    read.reset(fds[0]);
    write.reset(fds[1]);
    return true;
  }
};

struct Child {
  pid_t pid = -1;
  UniqueFd out, err;
  std::string out_buf, err_buf;
  double started = 0;
  bool exited = false;
  int status = 0;
};

class Agent {
 public:
  explicit Agent(int port) : port_(port) {}

  void send(const proto::Reply& r) { send_json(proto::encode(r)); }

  void send_json(const json& j) {
    std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    std::size_t off = 0;
    while (off < line.size()) {
      ssize_t n = write(port_, line.data() + off, line.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
          pollfd p{port_, POLLOUT, 0};
          poll(&p, 1, 100);
          continue;
        }
        return;  // host went away; keep running, it may reconnect
      }
      off += static_cast<std::size_t>(n);
    }
  }

  void hello() {
    utsname u{};
    uname(&u);
    struct sysinfo si {};
    sysinfo(&si);
    send(proto::Hello{.agent = "2",
                      .kernel = u.release,
                      .version = u.version,
                      .cmdline = trim(read_file("/proc/cmdline")),
                      .ncpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)),
                      .mem_bytes = static_cast<std::uint64_t>(si.totalram) * si.mem_unit,
                      .uptime = uptime()});
  }

  void run() {
    hello();
    double next_beat = now_s() + 1;
    std::string inbuf;
    char buf[65536];
    for (;;) {
      std::vector<pollfd> fds{{port_, POLLIN, 0}};
      std::vector<std::pair<int, bool>> owners;  // (child id, is_stderr)
      for (auto& [id, c] : children_) {
        if (c.out) fds.push_back({c.out.get(), POLLIN, 0}), owners.push_back({id, false});
        if (c.err) fds.push_back({c.err.get(), POLLIN, 0}), owners.push_back({id, true});
      }
      int timeout = static_cast<int>(std::max(0.0, (next_beat - now_s()) * 1000));
      int n = poll(fds.data(), fds.size(), std::min(timeout, 200));
      if (n < 0 && errno != EINTR) break;
      if (fds[0].revents & POLLIN) {
        ssize_t r = read(port_, buf, sizeof buf);
        if (r > 0) {
          inbuf.append(buf, static_cast<std::size_t>(r));
          std::size_t nl;
          while ((nl = inbuf.find('\n')) != std::string::npos) {
            handle(inbuf.substr(0, nl));
            inbuf.erase(0, nl + 1);
          }
          if (inbuf.size() > kMaxLine) inbuf.clear();
        }
      } else if (fds[0].revents & POLLHUP) {
        usleep(50000);  // no host connected yet: virtio ports report HUP until it opens
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto [id, is_err] = owners[i - 1];
        pump(id, is_err);
      }
      reap();
      if (now_s() >= next_beat) {
        send(proto::Heartbeat{uptime(), static_cast<int>(children_.size())});
        next_beat = now_s() + 1;
      }
    }
  }

 private:
  static double uptime() {
    double up = 0;
    std::istringstream(read_file("/proc/uptime")) >> up;
    return up;
  }

  void handle(const std::string& line) {
    json j;
    proto::Request req;
    try {
      j = json::parse(line);
      req = proto::decode_request(j);
    } catch (const std::exception& e) {
      const int id = j.is_object() && j.contains("id") && j["id"].is_number_integer()
                         ? j["id"].get<int>()
                         : -1;
      send(proto::Error{id, std::string("bad request: ") + e.what()});
      return;
    }
    std::visit([this](const auto& m) { serve(m); }, req);
  }

  void serve(const proto::Kill& k) {
    auto it = children_.find(k.id);
    if (it != children_.end()) ::kill(-it->second.pid, k.signal);
  }

  void serve(const proto::Write& w) {
    int fd = open(w.path.c_str(), O_WRONLY | O_CLOEXEC);
    bool ok =
        fd >= 0 && write(fd, w.data.data(), w.data.size()) == static_cast<ssize_t>(w.data.size());
    std::string err = ok ? "" : strerror(errno);
    if (fd >= 0) close(fd);
    send(proto::Written{w.id, w.path, ok, err});
  }

  void serve(const proto::Shell&) { shell(); }
  void serve(const proto::Greet&) { hello(); }

  void serve(const proto::Poweroff&) {
    sync();
    reboot(RB_POWER_OFF);
  }

  // The child reports a failed execvp through a close-on-exec pipe: EOF means it ran.
  void serve(const proto::Exec& req) {
    Pipe out, err, status;
    if (!out.open() || !err.open() || !status.open()) {
      send(proto::ExecFailed{req.id, errno, std::string("pipe: ") + strerror(errno)});
      return;
    }
    pid_t pid = fork();
    if (pid == 0) {
      setsid();  // own group, so kill reaches the workload's threads' helpers too
      dup2(out.write.get(), 1);
      dup2(err.write.get(), 2);
      int null = open("/dev/null", O_RDONLY);
      dup2(null, 0);
      for (auto& [k, v] : req.env) setenv(k.c_str(), v.c_str(), 1);
      if (!req.cwd.empty()) (void)!chdir(req.cwd.c_str());
      std::vector<std::string> argv = req.argv;
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execvp(args[0], args.data());
      int e = errno;
      (void)!write(status.write.get(), &e, sizeof e);
      _exit(dt::protocol::kGuestExecFailed);
    }
    const int fork_errno = errno;
    out.write.reset();
    err.write.reset();
    status.write.reset();
    int exec_errno = 0;
    ssize_t n = pid < 0 ? 0 : read(status.read.get(), &exec_errno, sizeof exec_errno);
    while (n < 0 && errno == EINTR) n = read(status.read.get(), &exec_errno, sizeof exec_errno);
    if (pid < 0 || n == static_cast<ssize_t>(sizeof exec_errno)) {
      // (a child whose exec failed is reaped, and ignored, by reap())
      const int e = pid < 0 ? fork_errno : exec_errno;
      send(proto::ExecFailed{
          req.id, e,
          (pid < 0 ? std::string("fork: ") : "exec " + req.argv[0] + ": ") + strerror(e)});
      return;
    }
    Child& c = children_[req.id];
    c.pid = pid;
    c.out = std::move(out.read);
    c.err = std::move(err.read);
    c.started = now_s();
    send(proto::Started{req.id, pid});
  }

  void shell() {
    pid_t pid = fork();
    if (pid == 0) {
      setsid();
      int tty = open("/dev/ttyS0", O_RDWR);
      if (tty < 0) _exit(dt::protocol::kGuestExecFailed);
      ioctl(tty, TIOCSCTTY, 1);
      dup2(tty, 0), dup2(tty, 1), dup2(tty, 2);
      chdir("/mnt/dax");
      execl("/bin/sh", "-sh", static_cast<char*>(nullptr));
      _exit(dt::protocol::kGuestExecFailed);
    }
    send(proto::Started{-1, pid});
  }

  void flush_lines(int id, std::string& buf, bool is_err, bool all) {
    std::size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      send(proto::Output{id, is_err, buf.substr(0, nl)});
      buf.erase(0, nl + 1);
    }
    if ((all && !buf.empty()) || buf.size() > kMaxLine) {
      send(proto::Output{id, is_err, buf});
      buf.clear();
    }
  }

  void pump(int id, bool is_err) {
    Child& c = children_[id];
    UniqueFd& fd = is_err ? c.err : c.out;
    std::string& buf = is_err ? c.err_buf : c.out_buf;
    char tmp[16384];
    ssize_t n = read(fd.get(), tmp, sizeof tmp);
    if (n > 0) {
      buf.append(tmp, static_cast<std::size_t>(n));
      flush_lines(id, buf, is_err, false);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      flush_lines(id, buf, is_err, true);
      fd.reset();
    }
  }

  // PID 1 reaps everything; a child's exit is reported once its output is drained.
  void reap() {
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
      for (auto& [id, c] : children_)
        if (c.pid == p) c.exited = true, c.status = st;
    }
    for (auto it = children_.begin(); it != children_.end();) {
      Child& c = it->second;
      if (c.exited && !c.out && !c.err) {
        send(proto::Exited{it->first, WIFEXITED(c.status) ? WEXITSTATUS(c.status) : -1,
                           WIFSIGNALED(c.status) ? WTERMSIG(c.status) : 0, now_s() - c.started});
        it = children_.erase(it);
      } else {
        ++it;
      }
    }
  }

  int port_;
  std::map<int, Child> children_;
};

}  // namespace

int main() {
  if (getpid() == 1) setup_userspace();
  signal(SIGPIPE, SIG_IGN);
  std::string port = find_port();
  if (port.empty()) {
    log_console("no virtio port named org.daxtorture.agent; powering off");
    reboot(RB_POWER_OFF);
    return 1;
  }
  int fd = open(port.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    log_console("open " + port + ": " + strerror(errno));
    reboot(RB_POWER_OFF);
    return 1;
  }
  log_console("ready on " + port);
  Agent(fd).run();
  reboot(RB_POWER_OFF);
}
