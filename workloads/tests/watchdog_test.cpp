// The progress watchdog of lib/run: a thread asleep in a kernel wait without being
// scheduled is a stalled-thread verdict; userspace waits (a mutex, a sleep) and busy threads
// are not.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "run.hpp"
#include "run_output.hpp"
#include "spawn.hpp"
#include "tmpdir.hpp"
#include "workload.hpp"

namespace dt::workload {
namespace {

using namespace std::chrono_literals;

Options opts(const test::TmpDir& dir, double duration) {
  Options o;
  o.workload = "watchdog-test";
  o.dir = dir.path();
  o.duration = duration;
  o.fill_files = 0;
  o.threads = 2;
  return o;
}

// The stalled-thread verdicts a run printed (the monitor process prints them, so they are
// read back from the run's output).
std::vector<nlohmann::json> stalls(std::FILE* out) {
  std::vector<nlohmann::json> v;
  for (auto& j : test::verdicts(out))
    if (j.value("check", "") == "stalled-thread") v.push_back(j);
  return v;
}

class watchdog : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("DT_STALL_SECONDS", "1", 1); }
  void TearDown() override { ::unsetenv("DT_STALL_SECONDS"); }
};

TEST(watchdog_kernel_wait, KnowsKernelWaitsFromUserspaceWaits) {
  ThreadSample s;
  s.ok = true;
  s.state = 'D';
  EXPECT_TRUE(kernel_wait(s)) << "D is always a kernel wait";
  s.state = 'R';
  EXPECT_FALSE(kernel_wait(s));
  s.state = 'S';
  EXPECT_FALSE(kernel_wait(s)) << "S with no wchan and no stack: unknown, not counted";
  s.wchan = "futex_wait_queue";
  EXPECT_FALSE(kernel_wait(s));
  s.wchan = "hrtimer_nanosleep";
  EXPECT_FALSE(kernel_wait(s));
  s.wchan = "pipe_read";
  EXPECT_FALSE(kernel_wait(s));
  s.wchan = "xfs_break_dax_layouts";
  EXPECT_TRUE(kernel_wait(s));
  s.wchan.clear();
  s.stack = {"get_unlocked_entry+0x10e/0x1a0", "dax_iomap_pte_fault+0x1b4/0x860"};
  EXPECT_TRUE(kernel_wait(s));
  s.stack.push_back("futex_wait+0x16/0x20");
  EXPECT_FALSE(kernel_wait(s));
  s.ok = false;
  s.state = 'D';
  EXPECT_FALSE(kernel_wait(s)) << "a thread that is gone is not waiting";
}

TEST(watchdog_sample, ReadsThisThread) {
  const ThreadSample s = sample_thread(::gettid(), false);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.state, 'R');
  EXPECT_FALSE(sample_thread(0x7fffffff, false).ok);
}

// A thread blocked in flock() (an interruptible kernel wait no userspace event of its own
// ends) for 2.5 s with a 1 s threshold: one verdict naming it.
TEST_F(watchdog, ThreadAsleepInKernelWaitIsReported) {
  test::TmpDir dir;
  const std::string lock = dir.file("lock");
  const int holder = ::open(lock.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(holder, 0);
  ASSERT_EQ(::flock(holder, LOCK_EX), 0);
  std::FILE* out = std::tmpfile();
  dt::workload::Run run(opts(dir, 2.5), out);
  run.start(nlohmann::json::object());
  std::atomic<pid_t> waiter{0};
  bool probe_known = true;
  run.run_threads(2, [&](unsigned t) {
    if (t == 1) {
      waiter = ::gettid();
      const int fd = ::open(lock.c_str(), O_RDWR);
      ::flock(fd, LOCK_EX);  // blocks until thread 0 lets go
      ::close(fd);
      while (!run.stopping()) std::this_thread::sleep_for(10ms);
      return;
    }
    std::this_thread::sleep_for(300ms);
    const ThreadSample s = sample_thread(waiter, false);
    probe_known = kernel_wait(s);
    while (!run.stopping()) std::this_thread::sleep_for(10ms);
    ::flock(holder, LOCK_UN);
  });
  ::close(holder);
  EXPECT_EQ(run.finish(), kExitFail);
  if (!probe_known) GTEST_SKIP() << "no wchan or stack readable here: flock wait not classified";
  const auto v = stalls(out);
  std::fclose(out);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0]["thread"], 1);
  EXPECT_EQ(v[0]["found"]["thread"], "thread 1");
  EXPECT_EQ(v[0]["found"]["state"], "S");
}

// Waiting on a userspace lock held by another thread, sleeping, and spinning are progress
// problems of the program, not of the kernel: no verdict.
TEST_F(watchdog, UserspaceWaitsAndBusyThreadsAreNotReported) {
  test::TmpDir dir;
  std::FILE* out = std::tmpfile();
  dt::workload::Run run(opts(dir, 2.5), out);
  run.start(nlohmann::json::object());
  std::mutex m;
  std::condition_variable cv;
  bool go = false;
  run.run_threads(4, [&](unsigned t) {
    if (t == 1) {
      std::unique_lock lk(m);
      cv.wait(lk, [&] { return go; });  // futex wait for 2.5 s
    } else if (t == 2) {
      std::this_thread::sleep_for(2500ms);
    } else if (t == 3) {
      const auto until = std::chrono::steady_clock::now() + 2500ms;
      std::atomic<uint64_t> x{0};
      while (std::chrono::steady_clock::now() < until) ++x;
    } else {
      while (!run.stopping()) std::this_thread::sleep_for(10ms);
      std::lock_guard lk(m);
      go = true;
      cv.notify_all();
    }
  });
  EXPECT_EQ(run.finish(), kExitPass);
  EXPECT_TRUE(stalls(out).empty());
  std::fclose(out);
}

// glibc munmaps cached thread stacks beyond 40 MiB when a thread is joined and aborts if that
// fails, as it does under failslab: every workload thread gets a stack small enough that a run's
// threads stay within the cache (8 MiB default stacks killed most failslab cells at their end).
TEST(WorkloadThreads, StacksStayWithinGlibcsStackCache) {
  limit_thread_stacks();
  size_t size = 0;
  std::thread t([&] {
    pthread_attr_t a;
    ASSERT_EQ(pthread_getattr_np(pthread_self(), &a), 0);
    pthread_attr_getstacksize(&a, &size);
    pthread_attr_destroy(&a);
  });
  t.join();
  EXPECT_GT(size, 64u * 1024);
  EXPECT_LE(size * 32, 40u * 1024 * 1024) << "32 threads' stacks must fit glibc's 40 MiB cache";
}

// A thread start that fails for want of memory (what an injected ENOMEM in clone() looks like to
// pthread_create) is retried. Run in a child whose address space limit leaves no room for a new
// stack; with `relief`, a timer lifts the limit 100 ms later, as a fault injection stops failing.
int spawn_under_a_tight_address_space(bool relief) {
  const pid_t pid = ::fork();
  if (pid != 0) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
  }
  // A stack size no cached stack of earlier tests fits, so the start must map a new one.
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, 1088 * 1024);
  pthread_setattr_default_np(&a);
  long vm_kb = 0;
  std::ifstream in("/proc/self/status");
  for (std::string l; std::getline(in, l);)
    if (l.rfind("VmSize:", 0) == 0) vm_kb = std::stol(l.substr(7));
  rlimit lim{static_cast<rlim_t>(vm_kb + 512) * 1024, RLIM_INFINITY};
  if (vm_kb == 0 || ::setrlimit(RLIMIT_AS, &lim) != 0) ::_exit(2);
  if (relief) {
    std::signal(SIGALRM, [](int) {
      rlimit off{RLIM_INFINITY, RLIM_INFINITY};
      ::setrlimit(RLIMIT_AS, &off);
    });
    ::ualarm(100000, 0);
  }
  try {
    std::thread t = spawn_thread([] {});
    t.join();
    ::_exit(0);
  } catch (const std::system_error&) {
    ::_exit(1);
  }
}

TEST(WorkloadThreads, AStartThatFailedForWantOfMemoryIsRetried) {
  EXPECT_EQ(spawn_under_a_tight_address_space(false), 1) << "the limit must stop a thread start";
  EXPECT_EQ(spawn_under_a_tight_address_space(true), 0);
}

}  // namespace
}  // namespace dt::workload
