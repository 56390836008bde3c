#include "run.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "fill.hpp"
#include "sigbus.hpp"
#include "spawn.hpp"
#include "verify.hpp"

namespace dt::workload {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;
// Above this the target is clearly not the small pmem test filesystem.
constexpr uint64_t kBigFs = 16 * kGiB;
constexpr uint64_t kBigFsFillCap = 256 * kMiB;

// The progress slot of the calling thread (set by Run::Watched).
thread_local void* tls_progress = nullptr;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

long read_long(const std::string& path, long fallback) {
  const std::string s = read_text(path);
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  return end == s.c_str() ? fallback : v;
}

// Waits that end by a userspace action (or a timer), never by a lost kernel wakeup.
bool userspace_wait(const std::string& where) {
  static const char* kUser[] = {"futex",        "nanosleep",   "hrtimer",  "pipe_",   "poll",
                                "select",       "epoll",       "wait4",    "do_wait", "sigsuspend",
                                "sigtimedwait", "unix_stream", "skb_wait", "pause"};
  for (const char* k : kUser)
    if (where.find(k) != std::string::npos) return true;
  return false;
}

uint64_t make_nonce() {
  // Not derived from the seed: it only separates this run's blocks from
  // leftovers of earlier runs, and must differ between runs with equal seeds.
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd() ^ uint64_t(::getpid()) ^
         uint64_t(Clock::now().time_since_epoch().count());
}

}  // namespace

ThreadSample sample_thread(pid_t tid, bool with_stack, pid_t pid) {
  ThreadSample s;
  const std::string dir = (pid > 0 ? "/proc/" + std::to_string(pid) : std::string("/proc/self")) +
                          "/task/" + std::to_string(tid) + "/";
  const std::string stat = read_text(dir + "stat");
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return s;
  s.ok = true;
  s.state = stat[paren + 2];
  std::istringstream status(read_text(dir + "status"));
  for (std::string line; std::getline(status, line);)
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
        line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
      s.switches += std::strtoull(line.c_str() + line.find(':') + 1, nullptr, 10);
  s.wchan = read_text(dir + "wchan");
  if (s.wchan == "0") s.wchan.clear();
  if (with_stack || s.state == 'S') {
    std::istringstream st(read_text(dir + "stack"));
    for (std::string line; std::getline(st, line);) {
      if (const size_t sp = line.find("] "); line.rfind("[<", 0) == 0 && sp != std::string::npos)
        line.erase(0, sp + 2);
      if (!line.empty()) s.stack.push_back(line);
    }
  }
  return s;
}

bool kernel_wait(const ThreadSample& s) {
  if (!s.ok) return false;
  if (s.state == 'D') return true;
  if (s.state != 'S') return false;
  if (s.wchan.empty() && s.stack.empty()) return false;
  if (userspace_wait(s.wchan)) return false;
  for (const auto& f : s.stack)
    if (userspace_wait(f)) return false;
  return true;
}

Run::Watched::Watched(Run& run, std::string name, int ctx_thread) : run_(run), prev_(tls_progress) {
  tls_progress = nullptr;
  if (!run_.shared_) return;
  const int i = run_.shared_->n.fetch_add(1);
  if (i >= Shared::kMax) return;
  Progress& p = run_.shared_->p[i];
  std::snprintf(p.name, sizeof p.name, "%s", name.c_str());
  p.ctx_thread = ctx_thread;
  p.tid = ::gettid();
  p.beat = Clock::now().time_since_epoch().count();
  p.state.store(1, std::memory_order_release);
  tls_progress = &p;
}

Run::Watched::~Watched() {
  if (tls_progress) static_cast<Progress*>(tls_progress)->state.store(2);
  tls_progress = prev_;
}

void Run::beat() const {
  if (tls_progress)
    static_cast<Progress*>(tls_progress)
        ->beat.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
}

Run::Run(Options opt, std::FILE* out)
    : opt_(std::move(opt)), rep_(out, opt_.seed, opt_.max_verdicts), nonce_(make_nonce()) {
  if (const char* e = std::getenv("DT_STALL_SECONDS"); e && std::atof(e) > 0)
    stall_seconds_ = std::atof(e);
  void* m =
      ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (m != MAP_FAILED) shared_ = new (m) Shared();
  t0_ = Clock::now();
  deadline_ = t0_ + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(opt_.duration));
}

Run::~Run() {
  request_stop();
  done_ = true;
  cv_.notify_all();
  for (auto& t : fill_threads_)
    if (t.joinable()) t.join();
  if (heartbeat_.joinable()) heartbeat_.join();
  stop_monitor();
  if (shared_) {
    shared_->~Shared();
    ::munmap(shared_, sizeof(Shared));
  }
}

uint64_t Run::stall_verdicts() const {
  return shared_ ? shared_->verdicts.load() : 0;
}

void Run::start_monitor() {
  if (!shared_ || monitor_ > 0) return;
  std::fflush(nullptr);  // no buffered output may be written twice
  parent_ = ::getpid();
  const pid_t c = ::fork();
  if (c == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent_) ::_exit(0);
    monitor_loop();
  }
  if (c > 0) monitor_ = c;
}

void Run::stop_monitor() {
  if (monitor_ <= 0) return;
  shared_->quit = 1;
  int st = 0;
  ::waitpid(monitor_, &st, 0);
  monitor_ = -1;
}

void Run::monitor_loop() {
  using namespace std::chrono_literals;
  auto prev = Clock::now();
  bool gave_up = false;
  while (!shared_->quit.load()) {
    std::this_thread::sleep_for(100ms);
    if (::getppid() != parent_) break;
    const auto now = Clock::now();
    // Watchdog time: a tick counts at most 250 ms, so a starved guest slows it down too.
    const double tick = std::min(0.25, std::chrono::duration<double>(now - prev).count());
    prev = now;
    check_progress(tick);
    // The run is over and a reported thread still sleeps: give the kernel's hung-task
    // detector its chance, then touch the files (a lost waiter wakes when someone else takes
    // and drops the same DAX entry), and if that does not help, say so with a result line.
    const int64_t stop = shared_->stop_ns.load();
    const bool over = now >= deadline_ || (stop && now.time_since_epoch().count() >= stop);
    if (!over || gave_up || !stuck_after_report()) continue;
    if (!rescued_) {
      if (hung_task_window_over(now)) rescue();
      continue;
    }
    if (now - rescued_at_ < 15s) continue;
    gave_up = true;
    if (!shared_->result_emitted.exchange(1))
      rep_.emit({{"type", "result"},
                 {"status", "fail"},
                 {"failed_checks", rep_.failed() + shared_->verdicts.load()},
                 {"stalled", true},
                 {"note", "emitted by the progress watchdog: a stalled thread never resumed"}});
  }
  std::fflush(nullptr);
  ::_exit(0);
}

std::string Run::file_path(const std::string& name) const {
  return opt_.dir + "/dt-" + opt_.workload + "-" + std::to_string(opt_.seed) + "-" + name;
}

uint64_t Run::reserve() const {
  return std::max<uint64_t>(16 * kMiB, 4 * hot_bytes_ + 8 * kMiB);
}

double Run::elapsed() const {
  return std::chrono::duration<double>(Clock::now() - t0_).count();
}

bool Run::stopping() const {
  const auto now = Clock::now();
  if (tls_progress)
    static_cast<Progress*>(tls_progress)
        ->beat.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  if (stop_.load(std::memory_order_relaxed)) return true;
  if (opt_.iterations && rep_.iterations.load(std::memory_order_relaxed) >= opt_.iterations)
    return true;
  return now >= deadline_;
}

void Run::request_stop() {
  if (!stop_.exchange(true)) {
    stop_at_ns_ = Clock::now().time_since_epoch().count();
    if (shared_) shared_->stop_ns = stop_at_ns_.load();
  }
}

uint64_t Run::faults() const {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return uint64_t(ru.ru_minflt + ru.ru_majflt);
}

void Run::start(nlohmann::json params) {
  start_monitor();
  faults0_ = faults();
  params["threads"] = opt_.threads;
  params["file_size"] = opt_.file_size;
  params["fill_files"] = opt_.fill_files;
  params["duration"] = opt_.duration;
  params["iterations"] = opt_.iterations;
  params["dir"] = opt_.dir;
  const FsInfo fs = fs_info(opt_.dir);
  params["fs"] = fs.type;
  params["statx_dax"] = dax_.statx_dax;
  params["map_sync"] = dax_.map_sync;
  rep_.emit({{"type", "start"},
             {"workload", opt_.workload},
             {"seed", opt_.seed},
             {"params", params},
             {"dax", dax_.dax()}});
  started_ = true;
  rep_.release_skips();
  if (!dax_.dax())
    rep_.skip("file is not DAX (statx_dax=" + std::string(dax_.statx_dax ? "1" : "0") +
              ", map_sync=" + (dax_.map_sync ? "1" : "0") +
              "): DAX-only behaviour is not exercised, model checks still run");
  heartbeat_ = spawn_thread([this] { heartbeat_loop(); });

  if (opt_.fill_files == 0) return;
  uint64_t budget = fs.avail > reserve() ? fs.avail - reserve() : 0;
  if (opt_.fill_max) {
    budget = std::min(budget, opt_.fill_max);
  } else if (fs.total > kBigFs && budget > kBigFsFillCap) {
    budget = kBigFsFillCap;
    rep_.skip("filesystem is " + std::to_string(fs.total / kGiB) +
              " GiB, not a small test filesystem: fill capped at 256 MiB (--fill-max)");
  }
  const uint64_t per = budget / opt_.fill_files;
  for (unsigned i = 0; i < opt_.fill_files; ++i)
    fillers_.push_back(std::make_unique<Filler>(*this, i, per));
  for (unsigned i = 0; i < fillers_.size(); ++i)
    fill_threads_.push_back(spawn_thread([this, i, f = fillers_[i].get()] {
      Watched w(*this, "fill " + std::to_string(i), int(1000 + i));
      f->loop();
    }));
}

void Run::run_threads(unsigned n, const std::function<void(unsigned)>& body) {
  std::vector<std::thread> ts;
  running_threads_ += n;
  for (unsigned t = 0; t < n; ++t)
    ts.push_back(spawn_thread([this, &body, t] {
      Watched w(*this, "thread " + std::to_string(t), int(t));
      body(t);
    }));
  for (auto& t : ts) t.join();
  running_threads_ -= n;
}

void Run::track(FileModel& m, int fd, bool via_map, bool keep) {
  std::lock_guard lk(mu_);
  tracked_.push_back({&m, fd, via_map, keep});
}

void Run::watch_begin(unsigned thread, const std::string& what, const OpCtx& ctx,
                      const std::string& file, uint64_t offset) {
  std::lock_guard lk(mu_);
  Slot& s = slots_[thread];
  s = Slot{what, file, offset, ctx, Clock::now(), true, false};
}

void Run::watch_end(unsigned thread) {
  std::lock_guard lk(mu_);
  slots_[thread].active = false;
}

bool Run::space_low(int fd) const {
  return fs_avail(fd) < reserve() / 2;
}

void Run::emit_progress() {
  rep_.emit({{"type", "progress"},
             {"iterations", rep_.iterations.load()},
             {"faults", faults() - faults0_},
             {"checks", rep_.checks.load()},
             {"failed_checks", rep_.failed() + stall_verdicts()},
             {"elapsed", std::round(elapsed() * 1000) / 1000}});
}

void Run::check_watchdog(double tick) {
  const auto now = Clock::now();
  const auto limit = std::chrono::duration<double>(opt_.op_timeout);
  bool hung = false;
  std::vector<Verdict> late;
  {
    std::lock_guard lk(mu_);
    for (auto& [t, s] : slots_) {
      if (!s.active || now - s.since < limit) continue;
      hung = true;
      if (s.reported) continue;
      s.reported = true;
      Verdict v;
      v.check = "op-timeout";
      v.file = s.file;
      v.offset = s.offset;
      v.ctx = s.ctx;
      v.expected = {{"max_seconds", opt_.op_timeout}};
      v.found = {{"op", s.what}, {"seconds", std::chrono::duration<double>(now - s.since).count()}};
      v.message = s.what + " on " + s.file + " has waited longer than " +
                  std::to_string(opt_.op_timeout) +
                  " s (interruptible wait: invisible to the "
                  "hung-task detector)";
      late.push_back(std::move(v));
    }
  }
  for (const auto& v : late) rep_.verdict(v);
  (void)tick;
  // A stuck syscall never returns: once the run is well past its end, report and leave
  // rather than wait forever (process exit tears the other threads down; the stuck one
  // stays). A stalled thread the monitor reported is its business (hung-task report,
  // rescue) until this grace is over.
  if (!stopping() || running_threads_.load() == 0) return;
  auto end = deadline_;
  if (const int64_t ns = stop_at_ns_.load())
    end = std::min(end, Clock::time_point(Clock::duration(ns)));
  const double stall_grace = stall_verdicts() ? 90.0 : 30.0;
  const auto grace = std::chrono::duration<double>(std::max(stall_grace, 3 * opt_.op_timeout));
  if (now - end < grace) return;
  if (!hung && !stall_verdicts()) {
    Verdict v;
    v.check = "op-timeout";
    v.ctx = OpCtx{-1, 0};
    v.message = "workload threads did not stop within " + std::to_string(grace.count()) +
                " s of the end of the run (stuck in the kernel?)";
    rep_.verdict(v);
  }
  exit_stuck("threads did not stop");
}

void Run::check_progress(double tick) {
  const auto now = Clock::now();
  std::vector<std::pair<Progress*, ThreadSample>> stalled;
  {
    const int n = std::min(shared_->n.load(), Shared::kMax);
    for (int i = 0; i < n; ++i) {
      Progress& p = shared_->p[i];
      const int state = p.state.load(std::memory_order_acquire);
      if (state == 0) continue;
      const int64_t b = p.beat.load(std::memory_order_relaxed);
      if (b != p.seen_beat || state != 1) {
        const auto at = Clock::time_point(Clock::duration(b));
        if (p.seen_beat != 0)
          p.max_gap = std::max(p.max_gap, std::chrono::duration<double>(at - p.since).count());
        p.seen_beat = b;
        p.since = at;
        p.stalled = p.unscheduled = 0;
        p.sampled = false;
        continue;
      }
      p.stalled += tick;
      // Cheap until a thread has been quiet for a while: /proc only for quiet ones.
      if (p.stalled < 0.2) continue;
      const ThreadSample ts = sample_thread(p.tid, false, parent_);
      if (!kernel_wait(ts) || !p.sampled || ts.switches != p.switches) {
        p.unscheduled = 0;
        p.switches = ts.switches;
        p.sampled = kernel_wait(ts);
        continue;
      }
      p.unscheduled += tick;
      p.max_unscheduled = std::max(p.max_unscheduled, p.unscheduled);
      if (p.reported || p.unscheduled < stall_seconds_) continue;
      p.reported = true;
      stalled.emplace_back(&p, ts);
    }
  }
  for (auto& [pp, first] : stalled) {
    Progress& p = *pp;
    ThreadSample ts = sample_thread(p.tid, true, parent_);
    if (ts.stack.size() > 24) ts.stack.resize(24);  // one verdict line stays well under 4 KiB
    const double quiet = std::chrono::duration<double>(now - p.since).count();
    std::string top = ts.stack.empty() ? ts.wchan : ts.stack.front();
    if (const size_t plus = top.find('+'); plus != std::string::npos) top.resize(plus);
    Verdict v;
    v.check = "stalled-thread";
    v.ctx = OpCtx{p.ctx_thread, 0};
    v.expected = {{"max_unscheduled_seconds", stall_seconds_}};
    v.found = {{"thread", p.name},
               {"tid", p.tid},
               {"state", std::string(1, ts.state)},
               {"seconds_without_progress", std::round(quiet * 10) / 10},
               {"seconds_unscheduled", std::round(p.unscheduled * 10) / 10},
               {"wchan", ts.wchan},
               {"stack", ts.stack}};
    v.message = std::string(p.name) + " (tid " + std::to_string(p.tid) + ") has slept in state " +
                std::string(1, ts.state) + (top.empty() ? "" : " in " + top) +
                " without being scheduled once for " + std::to_string(int(p.unscheduled)) +
                " s while the run went on: a lost wakeup or a deadlock";
    rep_.verdict(v);
    ++shared_->verdicts;
    if (!stall_reported_) {
      stall_reported_ = true;
      stall_since_ = p.since;
      hung_warnings_at_report_ = read_long("/proc/sys/kernel/hung_task_warnings", -1);
      // Every blocked task's stack on the console, next to the verdict (root only).
      if (int fd = ::open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC); fd >= 0) {
        (void)!::write(fd, "w", 1);
        ::close(fd);
      }
    }
  }
}

bool Run::stuck_after_report() {
  if (!stall_reported_) return false;
  // Still asleep right now, not merely between two heartbeats of a thread that resumed.
  const int n = std::min(shared_->n.load(), Shared::kMax);
  for (int i = 0; i < n; ++i) {
    const Progress& p = shared_->p[i];
    if (p.state.load() == 1 && p.reported && p.unscheduled >= stall_seconds_) return true;
  }
  return false;
}

bool Run::hung_task_window_over(Clock::time_point now) const {
  // The kernel's own report names the waiter and its stack as a kernel finding: wait for it
  // when its detector is short enough to fire within the cell (the guest agent sets it so).
  const long timeout = read_long("/proc/sys/kernel/hung_task_timeout_secs", 0);
  if (timeout <= 0 || timeout > 60) return true;
  long interval = read_long("/proc/sys/kernel/hung_task_check_interval_secs", 0);
  if (interval <= 0) interval = timeout;
  const long warnings = read_long("/proc/sys/kernel/hung_task_warnings", -1);
  if (hung_warnings_at_report_ > 0 && warnings >= 0 && warnings < hung_warnings_at_report_)
    return now - stall_since_ > std::chrono::seconds(1);  // its stack trace follows the line
  return now - stall_since_ > std::chrono::seconds(timeout + interval + 5);
}

void Run::rescue() {
  rescued_ = true;
  rescued_at_ = Clock::now();
  std::vector<int> fds;
  for (const auto& t : tracked_) fds.push_back(t.fd);
  // Detached: if the rescue blocks too, the monitor still gets to give up. Each pass maps the
  // files afresh, so every page faults again: each fault takes and drops the page's entry,
  // and an entry unlock wakes one waiter.
  spawn_thread([fds] {
    for (int pass = 0; pass < 4; ++pass)
      for (int fd : fds) {
        struct stat st {};
        if (::fstat(fd, &st) != 0 || st.st_size <= 0) continue;
        const size_t len = size_t(st.st_size);
        void* m = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
        if (m != MAP_FAILED) {
          char byte;
          for (size_t off = 0; off < len; off += kBlockSize)
            (void)guarded_copy(&byte, static_cast<const char*>(m) + off, 1);
          ::munmap(m, len);
        }
        ::fsync(fd);
      }
  }).detach();
}

void Run::exit_stuck(const std::string& why) {
  (void)why;
  if (!result_emitted_.exchange(true) && !(shared_ && shared_->result_emitted.exchange(1)))
    rep_.emit(result_line("fail"));
  std::fflush(nullptr);
  ::_exit(kExitFail);
}

void Run::heartbeat_loop() {
  using namespace std::chrono_literals;
  auto last = Clock::now(), prev = last;
  std::unique_lock lk(mu_);
  while (!done_) {
    cv_.wait_for(lk, 100ms, [this] { return done_.load(); });
    if (done_) break;
    lk.unlock();
    const auto now = Clock::now();
    // Watchdog time: a tick counts at most 250 ms, so a starved guest slows it down too.
    const double tick = std::min(0.25, std::chrono::duration<double>(now - prev).count());
    prev = now;
    check_watchdog(tick);
    if (Clock::now() - last >= 500ms) {
      emit_progress();
      last = Clock::now();
    }
    lk.lock();
  }
}

nlohmann::json Run::result_line(const std::string& status) {
  nlohmann::json r = {{"type", "result"},
                      {"status", status},
                      {"iterations", rep_.iterations.load()},
                      {"faults", faults() - faults0_},
                      {"checks", rep_.checks.load()},
                      {"failed_checks", rep_.failed() + stall_verdicts()},
                      {"elapsed", std::round(elapsed() * 1000) / 1000}};
  r["inconclusive"] = rep_.inconclusive.load();
  r["printed_verdicts"] = std::min<uint64_t>(rep_.failed(), opt_.max_verdicts);
  {
    // Calibration of the progress watchdog: the longest time any thread went without a
    // heartbeat, and the longest it slept unscheduled in a kernel wait.
    double gap = 0, unsched = 0;
    const auto now = Clock::now();
    const int n = shared_ ? std::min(shared_->n.load(), Shared::kMax) : 0;
    for (int i = 0; i < n; ++i) {
      const Progress& p = shared_->p[i];
      gap = std::max(gap, p.max_gap);
      if (p.state.load() == 1 && p.seen_beat)
        gap = std::max(gap, std::chrono::duration<double>(now - p.since).count());
      unsched = std::max(unsched, p.max_unscheduled);
    }
    r["max_quiet_s"] = std::round(gap * 100) / 100;
    r["max_unscheduled_s"] = std::round(unsched * 100) / 100;
  }
  for (auto& [k, v] : result_extra_.items()) r[k] = v;
  return r;
}

int Run::finish() {
  const auto finish_start = Clock::now();
  request_stop();
  for (auto& t : fill_threads_) t.join();
  fill_threads_.clear();
  Watched self(*this, "main thread (final verification)", -1);
  // Final verification with every model stable: exact checks only.
  const OpCtx final_ctx{-1, 0};
  std::vector<Tracked> tracked;
  {
    std::lock_guard lk(mu_);
    tracked = tracked_;
  }
  for (const auto& t : tracked) verify_file(*t.model, t.fd, rep_, final_ctx, t.via_map);
  for (auto& f : fillers_) f->verify_all();
  uint64_t fill_bytes = 0;
  for (auto& f : fillers_) fill_bytes += f->bytes();
  result_extra_["fill_bytes"] = fill_bytes;
  // Where the time past the deadline goes (the harness's per-cell overhead): stopping the
  // racing threads, then the final check.
  auto secs = [](Clock::duration d) {
    return std::round(std::chrono::duration<double>(d).count() * 1000) / 1000;
  };
  result_extra_["stop_s"] = secs(std::max(Clock::duration{}, finish_start - deadline_));
  result_extra_["final_check_s"] = secs(Clock::now() - finish_start);
  stop_monitor();  // the last verdict it prints comes before the result line
  const bool failed = rep_.failed() > 0 || stall_verdicts() > 0;
  stop_heartbeat();  // the result line must be the last line: no progress after it
  if (!result_emitted_.exchange(true) && !(shared_ && shared_->result_emitted.exchange(1)))
    rep_.emit(result_line(failed ? "fail" : "pass"));
  if (!opt_.keep_files) {
    for (const auto& t : tracked)
      if (!t.keep) ::unlink(t.model->path().c_str());
    for (auto& f : fillers_) ::unlink(f->path().c_str());
    for (const auto& p : extra_files_) ::unlink(p.c_str());
  }
  return failed ? kExitFail : kExitPass;
}

int Run::cannot_create(const std::string& what) const {
  const int err = errno;
  std::fprintf(stderr, "dt-%s: cannot create %s: %s\n", opt_.workload.c_str(), what.c_str(),
               std::strerror(err));
  return kExitUsage;
}

int Run::skip_all(const std::string& reason) {
  request_stop();
  stop_monitor();
  for (auto& t : fill_threads_) t.join();
  fill_threads_.clear();
  if (!started_)
    rep_.emit({{"type", "start"},
               {"workload", opt_.workload},
               {"seed", opt_.seed},
               {"params", nlohmann::json::object()},
               {"dax", dax_.dax()}});
  rep_.release_skips();
  rep_.skip(reason);
  stop_heartbeat();
  rep_.emit(result_line("skip"));
  if (!opt_.keep_files) {
    for (const auto& t : tracked_)
      if (!t.keep) ::unlink(t.model->path().c_str());
    for (auto& f : fillers_) ::unlink(f->path().c_str());
    for (const auto& p : extra_files_) ::unlink(p.c_str());
  }
  return kExitSkip;
}

void Run::stop_heartbeat() {
  done_ = true;
  cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

}  // namespace dt::workload
