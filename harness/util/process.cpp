#include "util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/posix.hpp>
#include <thread>

#include "util/error.hpp"
#include "util/paths.hpp"

namespace bp = boost::process;

namespace dt {

std::string ExitStatus::str() const {
  if (signal) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(code);
}

struct Subprocess::Impl {
  bp::child child;
};

namespace {

struct Pipe {
  UniqueFd r, w;
};

Pipe make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

ExitStatus decode(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) s.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) s.signal = WTERMSIG(status);
  return s;
}

}  // namespace

Subprocess::Subprocess(const std::vector<std::string>& argv, const SpawnOptions& opts)
    : own_group_(opts.new_process_group) {
  if (argv.empty()) throw UsageError("empty command");
  auto exe = find_program(argv[0]);
  if (exe.empty())
    throw InfraError(argv[0] + " not found (is it installed? scripts/install-deps.sh)");

  UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  Pipe pin, pout, perr;
  int child_in = devnull.get(), child_out = devnull.get(), child_err = devnull.get();
  using S = SpawnOptions::Stream;
  if (opts.in == S::Pipe) pin = make_pipe(), child_in = pin.r.get();
  if (opts.in == S::Inherit) child_in = 0;
  if (opts.out == S::Pipe) pout = make_pipe(), child_out = pout.w.get();
  if (opts.out == S::Inherit) child_out = 1;
  if (opts.err == S::Pipe) perr = make_pipe(), child_err = perr.w.get();
  if (opts.err == S::Inherit) child_err = 2;

  std::vector<std::string> args(argv.begin() + 1, argv.end());
  bool group = opts.new_process_group;
  pid_t parent = getpid();
  auto setup = [group, parent](auto&) {
    if (group) setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the harness died before we got here
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
  };
  std::error_code ec;
  auto start_dir = opts.cwd.empty() ? std::filesystem::current_path() : opts.cwd;
  impl_ = std::make_unique<Impl>(
      Impl{bp::child(bp::exe = exe.string(), bp::args = args, bp::start_dir = start_dir.string(),
                     bp::posix::fd.bind(0, child_in), bp::posix::fd.bind(1, child_out),
                     bp::posix::fd.bind(2, child_err), bp::extend::on_exec_setup = setup, ec)});
  if (ec) throw InfraError("cannot start " + argv[0] + ": " + ec.message());
  in_ = std::move(pin.w);
  out_ = std::move(pout.r);
  err_ = std::move(perr.r);
}

Subprocess::~Subprocess() {
  if (!impl_ || status_) return;
  kill_group(SIGKILL);
  wait();
}

pid_t Subprocess::pid() const {
  return impl_->child.id();
}

void Subprocess::kill_group(int sig) {
  if (status_) return;
  pid_t p = pid();
  if (own_group_) ::kill(-p, sig);
  ::kill(p, sig);
}

std::optional<ExitStatus> Subprocess::poll() {
  if (status_) return status_;
  int st = 0;
  pid_t r = ::waitpid(pid(), &st, WNOHANG);
  if (r == pid()) {
    status_ = decode(st);
    impl_->child.detach();                    // reaped by us; keep Boost from waiting again
    if (own_group_) ::kill(-pid(), SIGKILL);  // leftovers in its group go too
  } else if (r < 0 && errno == ECHILD) {
    status_ = ExitStatus{};  // reaped elsewhere; status unknown
    impl_->child.detach();
  }
  return status_;
}

std::optional<ExitStatus> Subprocess::wait_for(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto s = poll()) return s;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

ExitStatus Subprocess::wait() {
  while (!poll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return *status_;
}

ExitStatus Subprocess::terminate(std::chrono::milliseconds grace) {
  if (status_) return *status_;
  kill_group(SIGTERM);
  if (auto s = wait_for(grace)) return *s;
  kill_group(SIGKILL);
  return wait();
}

RunResult run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  SpawnOptions o;
  o.err = SpawnOptions::Stream::Pipe;
  Subprocess p(argv, o);
  RunResult r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<pollfd> fds = {{p.stdout_fd(), POLLIN, 0}, {p.stderr_fd(), POLLIN, 0}};
  int open_streams = 2;
  char buf[65536];
  while (open_streams > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    if (::poll(fds.data(), fds.size(), static_cast<int>(std::min<long>(left.count(), 1000))) < 0 &&
        errno != EINTR)
      break;
    for (auto& f : fds) {
      if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(f.fd, buf, sizeof buf);
      if (n > 0) {
        r.output.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        f.fd = -1;
        --open_streams;
      }
    }
  }
  r.status = r.timed_out ? p.terminate() : p.wait();
  return r;
}

}  // namespace dt
