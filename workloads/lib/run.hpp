// One workload run: start/progress/result lines, stop conditions (duration or
// iterations), fill threads, the operation watchdog, the per-thread progress
// watchdog (stalled-thread), final verification of every file, cleanup and the
// exit code.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "fs.hpp"
#include "model.hpp"
#include "report.hpp"

namespace dt::workload {

class Filler;

// Progress watchdog. Every thread started by run_threads(), every fill thread and the
// main thread during the final verification is registered; each call of stopping()
// (every workload polls it once per operation) is a heartbeat. The watchdog is a separate
// process (forked by start(), heartbeats in shared memory): a thread stuck in a page fault
// holds its mm's mmap_lock, and once another thread waits to write-lock it (munmap, mmap,
// malloc growing the heap) every thread of the process that faults blocks too, a watchdog
// thread included. A thread whose heartbeat
// stops while the kernel shows it asleep without a single context switch (state D, or S
// in a kernel wait that no userspace event ends) for kStallSeconds of watchdog time is a
// stalled-thread verdict: a lost wakeup or a deadlock. Watchdog time only advances while
// the watchdog itself runs (each 100 ms tick counts at most 250 ms), so a guest starved
// by a loaded host does not make a slow thread look stuck. DT_STALL_SECONDS overrides
// the threshold (tests).
inline constexpr double kStallSeconds = 10;

// What /proc says about one thread (of this process).
struct ThreadSample {
  bool ok = false;  // the thread exists
  char state = '?';
  uint64_t switches = 0;  // voluntary + nonvoluntary context switches
  std::string wchan;
  std::vector<std::string> stack;  // kernel stack (root only), frames without "[<0>] "
};
ThreadSample sample_thread(pid_t tid, bool with_stack, pid_t pid = 0);  // pid 0: this process
// Asleep in a wait that only the kernel ends (a lost wakeup shows up here): D always, S
// unless the wait is a userspace one (futex, sleep, poll, pipe, wait4, ...). An S thread
// whose wait is unknown (no wchan, no stack) is not counted.
bool kernel_wait(const ThreadSample& s);

class Run {
 public:
  explicit Run(Options opt, std::FILE* out = stdout);
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  const Options& opt() const { return opt_; }
  Reporter& rep() { return rep_; }
  uint64_t nonce() const { return nonce_; }
  uint32_t new_file_id() { return next_id_++; }
  std::string file_path(const std::string& name) const;

  void set_dax(const DaxProbe& d) { dax_ = d; }
  bool dax() const { return dax_.dax(); }
  // Bytes the racing files may grow to: the fill leaves room for them.
  void set_hot_bytes(uint64_t n) { hot_bytes_ = n; }
  void disable_fill() { opt_.fill_files = 0; }
  uint64_t reserve() const;

  // Emits the start line, starts the heartbeat and the fill threads.
  void start(nlohmann::json params);
  bool stopping() const;
  void request_stop();
  void iteration() { ++rep_.iterations; }
  double elapsed() const;

  // Runs body(t) on n threads until they return (they poll stopping(), which is also
  // their heartbeat for the progress watchdog).
  void run_threads(unsigned n, const std::function<void(unsigned)>& body);
  // Registers the calling thread with the progress watchdog until the guard dies
  // (run_threads and the fill threads do this themselves). ctx_thread: OpCtx::thread.
  class Watched {
   public:
    Watched(Run& run, std::string name, int ctx_thread);
    ~Watched();
    Watched(const Watched&) = delete;
    Watched& operator=(const Watched&) = delete;

   private:
    Run& run_;
    void* prev_;
  };
  // An explicit heartbeat for a thread that does not poll stopping() for a while.
  void beat() const;

  // Files verified at the end (and removed unless --keep-files / keep).
  void track(FileModel& m, int fd, bool via_map = true, bool keep = false);
  void remove_at_end(const std::string& path) { extra_files_.push_back(path); }

  // Watchdog: an op slot running longer than --op-timeout is an op-timeout.
  void watch_begin(unsigned thread, const std::string& what, const OpCtx& ctx,
                   const std::string& file, uint64_t offset);
  void watch_end(unsigned thread);

  // True when the filesystem is so full that an ENOSPC SIGBUS is plausible.
  bool space_low(int fd) const;

  void add_result(const std::string& key, nlohmann::json v) { result_extra_[key] = std::move(v); }
  // Stops everything, verifies all files, prints the result; returns the exit code.
  int finish();
  // Nothing could run: skip line + result "skip"; returns 4.
  int skip_all(const std::string& reason);
  // The work files could not be made (errno says why): one stderr line; returns the usage exit
  // code, because a directory the workload cannot write in is the caller's mistake.
  int cannot_create(const std::string& what) const;

 private:
  struct Tracked {
    FileModel* model;
    int fd;
    bool via_map;
    bool keep;
  };
  // One registered thread, in memory shared with the monitor process.
  struct Progress {
    char name[48] = {};
    int ctx_thread = 0;
    pid_t tid = 0;
    std::atomic<int64_t> beat{0};  // steady_clock ns of the last heartbeat
    std::atomic<int> state{0};     // 0 registering, 1 active, 2 gone
    // Monitor-private:
    int64_t seen_beat = 0;
    std::chrono::steady_clock::time_point since;  // real time of the last heartbeat seen
    double stalled = 0;                           // watchdog seconds without a heartbeat
    double unscheduled = 0;  // ... of those asleep in a kernel wait without a switch
    uint64_t switches = 0;
    bool sampled = false, reported = false;
    double max_gap = 0, max_unscheduled = 0;  // real seconds; watchdog seconds
  };
  struct Slot {
    std::string what, file;
    uint64_t offset = 0;
    OpCtx ctx;
    std::chrono::steady_clock::time_point since;
    bool active = false, reported = false;
  };

  void heartbeat_loop();
  void emit_progress();
  void stop_heartbeat();  // idempotent: joins the progress/watchdog thread
  void check_watchdog(double tick);
  // The monitor process.
  void start_monitor();
  void stop_monitor();
  [[noreturn]] void monitor_loop();
  void check_progress(double tick);
  bool stuck_after_report();  // a reported stalled thread is still stalled
  bool hung_task_window_over(std::chrono::steady_clock::time_point now) const;
  void rescue();
  void exit_stuck(const std::string& why);
  uint64_t stall_verdicts() const;
  nlohmann::json result_line(const std::string& status);
  uint64_t faults() const;

  Options opt_;
  Reporter rep_;
  uint64_t nonce_;
  std::atomic<uint32_t> next_id_{1};
  DaxProbe dax_;
  uint64_t hot_bytes_ = 0;
  std::chrono::steady_clock::time_point t0_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<int64_t> stop_at_ns_{0};
  std::atomic<unsigned> running_threads_{0};
  uint64_t faults0_ = 0;
  bool started_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<unsigned, Slot> slots_;
  // Shared with the monitor (MAP_SHARED anonymous): the registered threads and what the
  // monitor found.
  struct Shared {
    static constexpr int kMax = 256;
    std::atomic<int> n{0};
    std::atomic<int> quit{0};
    std::atomic<int64_t> stop_ns{0};
    std::atomic<uint64_t> verdicts{0};
    std::atomic<int> result_emitted{0};
    Progress p[kMax];
  };
  Shared* shared_ = nullptr;
  pid_t monitor_ = -1, parent_ = -1;
  double stall_seconds_ = kStallSeconds;
  // Monitor side, after a stalled-thread verdict: the kernel's hung-task detector gets its
  // chance, then the files are touched (a fault on the same entry wakes a lost waiter).
  bool stall_reported_ = false;
  std::chrono::steady_clock::time_point stall_since_{}, rescued_at_{};
  bool rescued_ = false;
  long hung_warnings_at_report_ = -1;
  std::atomic<bool> in_finish_{false};
  std::atomic<bool> result_emitted_{false};
  std::vector<Tracked> tracked_;
  std::vector<std::string> extra_files_;
  std::vector<std::unique_ptr<Filler>> fillers_;
  std::vector<std::thread> fill_threads_;
  std::thread heartbeat_;
  nlohmann::json result_extra_ = nlohmann::json::object();
};

}  // namespace dt::workload
