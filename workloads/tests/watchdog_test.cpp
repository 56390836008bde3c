// The progress watchdog of lib/run: a thread asleep in a kernel wait without being
// scheduled is a stalled-thread verdict; userspace waits (a mutex, a sleep) and busy threads
// are not.
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "run.hpp"
#include "run_output.hpp"
#include "tmpdir.hpp"

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

}  // namespace
}  // namespace dt::workload
