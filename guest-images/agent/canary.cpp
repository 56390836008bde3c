// dt-canary: provoke a known kernel report on purpose, so a campaign can prove that console
// capture and report parsing are alive (a torture suite that sees nothing may be blind).
//
//   dt-canary hung-task DIR   freeze the filesystem at DIR, block a writer on it in D state
//                             with hung_task_timeout_secs=1 until the kernel reports
//                             "INFO: task dt-canary:PID blocked for more than 1 seconds",
//                             then thaw and restore the timeout. Needs no kernel module, so
//                             it works on any kernel the user brings.
//   dt-canary lockdep|warn|kasan|refcount|sleep|sched-atomic|kfence|ubsan|list
//                             load /lib/daxtorture/dt_canary.ko (built against the image's
//                             own kernel) with action=KIND: a deliberate lock inversion, WARN,
//                             use-after-free, refcount underflow, sleep in atomic context, ...
//                             Lockdep reports once per boot, so a lockdep canary must come last.
//   dt-canary late-hung-task
//                             load the module with action=hold in a detached child, which
//                             sleeps in D state for 45 s, and return at once: a hung-task
//                             report that fires after the cell's workload has ended.
//   dt-canary soft-lockup|rcu-stall
//                             spin in the module with preemption off, with
//                             kernel.watchdog_thresh=1 (soft lockup after 2 s) or
//                             rcu_cpu_stall_timeout=3 (RCU stall after 3 s); knobs restored.
//   dt-canary gpf|null|bug|divide|stack
//                             an oops in a kernel thread of the module (the thread dies, the
//                             guest goes on); `stack` overflows into the guard page and panics.
// As the `control` workload it is called dt-control --kind KIND --dir DIR [ignored args...].
// Prints one JSON line.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "protocol/exit_codes.hpp"

namespace {

std::string read_trim(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

bool write_str(const std::string& path, const std::string& v) {
  std::ofstream out(path);
  out << v;
  out.flush();
  return static_cast<bool>(out);
}

double now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string g_kind = "hung-task";

int fail(const std::string& why) {
  std::printf("{\"type\":\"canary\",\"kind\":\"%s\",\"fired\":false,\"error\":\"%s\"}\n",
              g_kind.c_str(), why.c_str());
  return dt::protocol::kGuestFail;
}

int hung_task(const std::string& dir) {
  const std::string timeout_path = "/proc/sys/kernel/hung_task_timeout_secs";
  const std::string warnings_path = "/proc/sys/kernel/hung_task_warnings";
  std::string old_timeout = read_trim(timeout_path);
  if (old_timeout.empty()) return fail("no hung task detector (CONFIG_DETECT_HUNG_TASK off?)");
  long warnings_before =
      std::stol(read_trim(warnings_path).empty() ? "0" : read_trim(warnings_path));
  if (warnings_before == 0) return fail("hung_task_warnings exhausted");

  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd < 0) return fail("open " + dir + ": " + strerror(errno));
  std::string file = dir + "/.dt-canary";
  int wfd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (wfd < 0) return fail("create " + file + ": " + strerror(errno));

  if (!write_str(timeout_path, "1")) return fail("cannot set hung_task_timeout_secs");
  if (ioctl(dfd, FIFREEZE, 0) != 0) {
    write_str(timeout_path, old_timeout);
    return fail(std::string("FIFREEZE: ") + strerror(errno));
  }
  pid_t child = fork();
  if (child == 0) {
    char c = 'x';
    (void)!write(wfd, &c, 1);  // blocks in sb_start_write until thaw: uninterruptible
    _exit(0);
  }
  double start = now();
  bool fired = false;
  while (now() - start < 20) {
    long w = std::stol(read_trim(warnings_path));
    if (w < warnings_before) {
      fired = true;
      break;
    }
    usleep(100000);
  }
  // khungtaskd counts the warning down before it prints the report. Thawing at once woke the
  // writer while its stack was being dumped: an empty trace, and "INFO: task hung" instead of
  // "INFO: task hung in vfs_write". Keep it blocked until the stack is out (a few lines, well
  // under the 1 s check interval; a second report of the same task is harmless).
  if (fired) usleep(600000);
  ioctl(dfd, FITHAW, 0);
  // One canary, one warning of the budget, however many reports it took.
  if (fired && read_trim(warnings_path) != std::to_string(warnings_before - 1))
    write_str(warnings_path, std::to_string(warnings_before - 1));
  waitpid(child, nullptr, 0);
  write_str(timeout_path, old_timeout);
  close(wfd);
  unlink(file.c_str());
  close(dfd);
  std::printf(
      "{\"type\":\"canary\",\"kind\":\"hung-task\",\"fired\":%s,\"pid\":%d,\"seconds\":%.2f}\n",
      fired ? "true" : "false", static_cast<int>(child), now() - start);
  return fired ? 0 : 1;
}

constexpr const char* kModuleKinds[] = {
    "lockdep", "warn",  "kasan", "refcount", "sleep", "sched-atomic", "soft-lockup", "rcu-stall",
    "kfence",  "ubsan", "list",  "gpf",      "null",  "bug",          "divide",      "stack"};

std::string module_kinds() {
  std::string out;
  for (const char* k : kModuleKinds) out += std::string(out.empty() ? "" : ", ") + k;
  return out;
}

// The module does its damage in init and refuses to stay loaded (ECANCELED), so the same
// canary can fire again; any other outcome means the report cannot have happened.
int module_canary(const std::string& kind) {
  const char* path = "/lib/daxtorture/dt_canary.ko";
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(std::string(path) + ": " + strerror(errno) +
                " (image built without the canary module?)");
  // Knobs that make a class cheap to provoke, restored afterwards.
  std::string action = kind, params;
  std::vector<std::pair<std::string, std::string>> knobs;
  if (kind == "soft-lockup") {
    action = "spin", params = " secs=6";
    knobs = {{"/proc/sys/kernel/watchdog_thresh", "1"}};
  } else if (kind == "rcu-stall") {
    action = "spin", params = " secs=10";
    knobs = {{"/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout", "3"},
             {"/proc/sys/kernel/watchdog_thresh", "30"}};
  } else if (kind == "kfence") {
    knobs = {{"/sys/module/kfence/parameters/sample_interval", "1"}};
  }
  std::vector<std::pair<std::string, std::string>> saved;
  for (const auto& [path, value] : knobs) {
    std::string old = read_trim(path);
    if (old.empty() || !write_str(path, value)) {
      for (const auto& [p, v] : saved) write_str(p, v);
      close(fd);
      return fail("cannot set " + path);
    }
    saved.emplace_back(path, old);
  }
  params = "action=" + action + params;
  double start = now();
  long rc = syscall(SYS_finit_module, fd, params.c_str(), 0);
  int err = errno;
  close(fd);
  for (const auto& [p, v] : saved) write_str(p, v);
  if (rc == 0) return fail("module loaded but did not refuse: unknown result");
  if (err == EOPNOTSUPP) return fail("not supported by this kernel's configuration");
  if (err != ECANCELED) return fail(std::string("finit_module: ") + strerror(err));
  std::printf("{\"type\":\"canary\",\"kind\":\"%s\",\"fired\":true,\"seconds\":%.2f}\n",
              kind.c_str(), now() - start);
  return 0;
}

// The loading task sleeps in the module's init, in D state, long after this program returned:
// the harness must still give the report to the cell that left the task behind.
int late_hung_task() {
  pid_t child = fork();
  if (child < 0) return fail(std::string("fork: ") + strerror(errno));
  if (child == 0) {
    setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd <= 2; ++fd) dup2(null, fd);  // the agent waits for our output's EOF
    closefrom(3);
    int fd = open("/lib/daxtorture/dt_canary.ko", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) syscall(SYS_finit_module, fd, "action=hold secs=45", 0);
    _exit(0);
  }
  std::printf("{\"type\":\"canary\",\"kind\":\"late-hung-task\",\"fired\":true,\"pid\":%d}\n",
              static_cast<int>(child));
  return 0;
}

int run(const std::string& kind, const std::string& dir) {
  g_kind = kind;
  if (kind == "hung-task") return hung_task(dir);
  if (kind == "late-hung-task") return late_hung_task();
  for (const char* k : kModuleKinds) {
    if (kind == k) return module_canary(kind);
  }
  std::fprintf(stderr, "dt-canary: unknown kind '%s' (hung-task, late-hung-task, %s)\n",
               kind.c_str(), module_kinds().c_str());
  return dt::protocol::kGuestUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::string kind, dir;
  if (argc >= 2 && std::string(argv[1]).rfind("--", 0) == 0) {
    // Workload form: the harness passes --dir/--seed/--duration and flags such as --keep-files;
    // only --kind and --dir matter.
    for (int i = 1; i + 1 < argc; ++i) {
      const std::string k = argv[i];
      if (k == "--kind")
        kind = argv[++i];
      else if (k == "--dir")
        dir = argv[++i];
    }
    if (kind.empty()) kind = "warn";
    int rc = run(kind, dir);
    std::printf("{\"type\":\"result\",\"workload\":\"control\",\"kind\":\"%s\",\"ok\":%s}\n",
                kind.c_str(), rc == 0 ? "true" : "false");
    return rc;
  }
  if (argc < 2 || (std::string(argv[1]) == "hung-task" && argc < 3)) {
    std::fprintf(stderr, "usage: dt-canary hung-task DIR | KIND (%s)\n", module_kinds().c_str());
    return dt::protocol::kGuestUsage;
  }
  return run(argv[1], argc >= 3 ? argv[2] : "");
}
