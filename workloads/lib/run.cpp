#include "run.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "fill.hpp"
#include "verify.hpp"

namespace dt::workload {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;
// Above this the target is clearly not the small pmem test filesystem.
constexpr uint64_t kBigFs = 16 * kGiB;
constexpr uint64_t kBigFsFillCap = 256 * kMiB;

uint64_t make_nonce() {
  // Not derived from the seed: it only separates this run's blocks from
  // leftovers of earlier runs, and must differ between runs with equal seeds.
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd() ^ uint64_t(::getpid()) ^
         uint64_t(Clock::now().time_since_epoch().count());
}

}  // namespace

Run::Run(Options opt, std::FILE* out)
    : opt_(std::move(opt)), rep_(out, opt_.seed, opt_.max_verdicts), nonce_(make_nonce()) {
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
  if (stop_.load(std::memory_order_relaxed)) return true;
  if (opt_.iterations && rep_.iterations.load(std::memory_order_relaxed) >= opt_.iterations)
    return true;
  return Clock::now() >= deadline_;
}

void Run::request_stop() {
  if (!stop_.exchange(true)) stop_at_ns_ = Clock::now().time_since_epoch().count();
}

uint64_t Run::faults() const {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return uint64_t(ru.ru_minflt + ru.ru_majflt);
}

void Run::start(nlohmann::json params) {
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
  heartbeat_ = std::thread([this] { heartbeat_loop(); });

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
  for (auto& f : fillers_) fill_threads_.emplace_back([f = f.get()] { f->loop(); });
}

void Run::run_threads(unsigned n, const std::function<void(unsigned)>& body) {
  std::vector<std::thread> ts;
  running_threads_ += n;
  for (unsigned t = 0; t < n; ++t) ts.emplace_back(body, t);
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
             {"failed_checks", rep_.failed()},
             {"elapsed", std::round(elapsed() * 1000) / 1000}});
}

void Run::check_watchdog() {
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
  // A stuck syscall never returns: once the run is well past its end, report
  // and leave rather than wait forever (process exit tears the waiter down).
  if (running_threads_.load() == 0 || !stopping()) return;
  auto end = deadline_;
  if (const int64_t ns = stop_at_ns_.load())
    end = std::min(end, Clock::time_point(Clock::duration(ns)));
  const auto grace = std::chrono::duration<double>(std::max(30.0, 3 * opt_.op_timeout));
  if (now - end < grace) return;
  if (!hung) {
    Verdict v;
    v.check = "op-timeout";
    v.ctx = OpCtx{-1, 0};
    v.message = "workload threads did not stop within " + std::to_string(grace.count()) +
                " s of the end of the run (stuck in the kernel?)";
    rep_.verdict(v);
  }
  rep_.emit(result_line("fail"));
  std::fflush(nullptr);
  ::_exit(kExitFail);
}

void Run::heartbeat_loop() {
  using namespace std::chrono_literals;
  auto last = Clock::now();
  std::unique_lock lk(mu_);
  while (!done_) {
    cv_.wait_for(lk, 100ms, [this] { return done_.load(); });
    if (done_) break;
    lk.unlock();
    check_watchdog();
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
                      {"failed_checks", rep_.failed()},
                      {"elapsed", std::round(elapsed() * 1000) / 1000}};
  r["inconclusive"] = rep_.inconclusive.load();
  r["printed_verdicts"] = std::min<uint64_t>(rep_.failed(), opt_.max_verdicts);
  for (auto& [k, v] : result_extra_.items()) r[k] = v;
  return r;
}

int Run::finish() {
  request_stop();
  for (auto& t : fill_threads_) t.join();
  fill_threads_.clear();
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
  const bool failed = rep_.failed() > 0;
  stop_heartbeat();  // the result line must be the last line: no progress after it
  rep_.emit(result_line(failed ? "fail" : "pass"));
  if (!opt_.keep_files) {
    for (const auto& t : tracked)
      if (!t.keep) ::unlink(t.model->path().c_str());
    for (auto& f : fillers_) ::unlink(f->path().c_str());
    for (const auto& p : extra_files_) ::unlink(p.c_str());
  }
  return failed ? kExitFail : kExitPass;
}

int Run::skip_all(const std::string& reason) {
  request_stop();
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
