#include "wbtrace.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "hotfile.hpp"
#include "prng.hpp"
#include "run.hpp"
#include "spawn.hpp"

namespace dt::workload {

WbLine parse_wb_line(std::string_view line) {
  WbLine out;
  static constexpr std::string_view kEvent = "dax_writeback_one: ";
  static constexpr std::string_view kMark = "tracing_mark_write: ";
  if (line.find("[LOST ") != std::string_view::npos &&
      line.find(" EVENTS]") != std::string_view::npos) {
    out.kind = WbLine::kLost;
    return out;
  }
  if (auto p = line.find(kEvent); p != std::string_view::npos) {
    const std::string rest(line.substr(p + kEvent.size()));
    WbEvent e;
    unsigned long ino = 0, pgoff = 0, pglen = 0;
    if (std::sscanf(rest.c_str(), "dev %u:%u ino %lx pgoff %lx pglen %lx", &e.major, &e.minor, &ino,
                    &pgoff, &pglen) == 5) {
      e.ino = ino, e.pgoff = pgoff, e.pglen = pglen;
      out.kind = WbLine::kWriteback;
      out.ev = e;
    }
    return out;
  }
  if (auto p = line.find(kMark); p != std::string_view::npos) {
    std::string_view m = line.substr(p + kMark.size());
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ' || m.back() == '\r'))
      m.remove_suffix(1);
    out.kind = WbLine::kMarker;
    out.marker = std::string(m);
  }
  return out;
}

std::vector<uint64_t> unflushed_pages(const std::set<uint64_t>& stored,
                                      const std::vector<WbEvent>& events, uint64_t ino) {
  std::vector<uint64_t> out;
  for (const uint64_t p : stored) {
    const bool covered = std::any_of(events.begin(), events.end(), [&](const WbEvent& e) {
      return e.ino == ino && e.pgoff <= p && p < e.pgoff + std::max<uint64_t>(e.pglen, 1);
    });
    if (!covered) out.push_back(p);
  }
  return out;
}

void WbIntervals::feed(std::string_view bytes) {
  carry_.append(bytes);
  size_t start = 0, nl;
  while ((nl = carry_.find('\n', start)) != std::string::npos) {
    line(std::string_view(carry_).substr(start, nl - start));
    start = nl + 1;
  }
  carry_.erase(0, start);
}

void WbIntervals::line(std::string_view l) {
  const WbLine w = parse_wb_line(l);
  if (w.kind == WbLine::kMarker) {
    const std::string prefix = tag_ + " ";
    if (w.marker.rfind(prefix, 0) != 0) return;
    const uint64_t k = std::strtoull(w.marker.c_str() + prefix.size(), nullptr, 10);
    seen_any_ = true;
    seen_ = std::max(seen_, k + 1);
    return;
  }
  if (!seen_any_) return;  // before our first marker: not ours to judge
  if (w.kind == WbLine::kWriteback) events_.push_back({seen_ - 1, w.ev});
  // Events were dropped somewhere around here: the open interval and the one
  // before it cannot be judged.
  if (w.kind == WbLine::kLost) {
    lost_.insert(seen_ - 1);
    if (seen_ >= 2) lost_.insert(seen_ - 2);
  }
}

std::vector<WbEvent> WbIntervals::take(uint64_t k) {
  std::vector<WbEvent> out;
  std::vector<std::pair<uint64_t, WbEvent>> keep;
  for (auto& [i, e] : events_) {
    if (i == k)
      out.push_back(e);
    else if (i > k)
      keep.push_back({i, e});
  }
  events_ = std::move(keep);
  return out;
}

namespace {
constexpr uint64_t kWbBlocks = 16;
constexpr uint32_t kWbWriter = 0xb0;  // stamp writer id of the oracle's stores
constexpr int kWbThread = 900;        // thread number in its verdicts
}  // namespace

WritebackOracle::WritebackOracle(Run& run)
    : run_(run), intervals_("dt-wb-" + std::to_string(run.nonce())) {
  for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    const std::string enable = std::string(root) + "/events/fs_dax/dax_writeback_one/enable";
    if (::access(enable.c_str(), W_OK) == 0) {
      root_ = root;
      break;
    }
  }
  if (root_.empty()) {
    run.rep().skip("tracefs or fs_dax:dax_writeback_one absent: fsync writeback not checked");
    return;
  }
  file_ = std::make_unique<HotFile>(run, "wb", kWbBlocks * kBlockSize);
  struct stat st {};
  if (!file_->ok() || ::fstat(file_->fd(), &st) != 0) {
    run.rep().skip("cannot create the writeback oracle's file: fsync writeback not checked");
    file_.reset();
    return;
  }
  // DAX by statx alone: ext2 refuses MAP_SYNC but its fsync goes through the same
  // dax_writeback_mapping_range().
  if (!probe_dax(file_->fd()).statx_dax) {
    run.rep().skip("not DAX: fsync writeback not checked (fs_dax:dax_writeback_one)");
    ::unlink(file_->path().c_str());
    file_.reset();
    return;
  }
  run.track(file_->model(), file_->fd());
  ::fsync(file_->fd());
  ino_ = st.st_ino;
  // Cross-CPU order of events and markers in trace_pipe needs one clock for all CPUs.
  {
    const std::string clocks = read_tracefs("/trace_clock");  // "local [global] counter ..."
    const auto l = clocks.find('['), r = clocks.find(']', l);
    if (l != std::string::npos && r != std::string::npos)
      old_clock_ = clocks.substr(l + 1, r - l - 1);
  }
  write_tracefs("/trace_clock", "global");
  // Left as found: the harness enables the event at boot (trace_event=), and toggling it here
  // would patch kernel text at every run.
  was_enabled_ = read_tracefs("/events/fs_dax/dax_writeback_one/enable") == "1";
  mark_.reset(::open((root_ + "/trace_marker").c_str(), O_WRONLY | O_CLOEXEC));
  pipe_.reset(::open((root_ + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!mark_ || !pipe_ ||
      !write_tracefs("/events/fs_dax/dax_writeback_one/filter", "ino == " + std::to_string(ino_)) ||
      (!was_enabled_ && !write_tracefs("/events/fs_dax/dax_writeback_one/enable", "1"))) {
    run.rep().skip(
        "cannot set up trace_marker/trace_pipe/the event filter: fsync writeback not "
        "checked");
    restore_tracefs();
    return;
  }
  on_ = true;
}

WritebackOracle::~WritebackOracle() {
  stop();
}

std::string WritebackOracle::read_tracefs(const std::string& rel) const {
  Fd fd(::open((root_ + rel).c_str(), O_RDONLY | O_CLOEXEC));
  char buf[512] = {};
  if (!fd || ::read(fd.get(), buf, sizeof buf - 1) <= 0) return "";
  std::string v(buf);
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

// What this run changed, put back. An event enabled at boot stays on and matches no inode
// between runs; one this run enabled is switched off again.
void WritebackOracle::restore_tracefs() {
  if (was_enabled_) {
    write_tracefs("/events/fs_dax/dax_writeback_one/filter", "ino == 0");
  } else {
    write_tracefs("/events/fs_dax/dax_writeback_one/enable", "0");
    write_tracefs("/events/fs_dax/dax_writeback_one/filter", "0");
  }
  if (!old_clock_.empty()) write_tracefs("/trace_clock", old_clock_);
}

bool WritebackOracle::write_tracefs(const std::string& rel, const std::string& v) {
  Fd fd(::open((root_ + rel).c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  return fd && ::write(fd.get(), v.data(), v.size()) == ssize_t(v.size());
}

void WritebackOracle::start() {
  if (on_) thread_ = spawn_thread([this] { loop(); });
}

bool WritebackOracle::marker(uint64_t k) {
  const std::string m = "dt-wb-" + std::to_string(run_.nonce()) + " " + std::to_string(k) + "\n";
  return ::write(mark_.get(), m.data(), m.size()) == ssize_t(m.size());
}

bool WritebackOracle::pump_until(uint64_t k, double timeout_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  char buf[16384];
  while (!intervals_.complete(k)) {
    const ssize_t n = ::read(pipe_.get(), buf, sizeof buf);
    if (n > 0) {
      intervals_.feed(std::string_view(buf, size_t(n)));
      continue;
    }
    if (std::chrono::steady_clock::now() >= end) return false;
    pollfd p{pipe_.get(), POLLIN, 0};
    ::poll(&p, 1, 20);
  }
  return true;
}

void WritebackOracle::check(uint64_t k, const std::set<uint64_t>& stored) {
  const bool lost = intervals_.lost(k);
  const std::vector<WbEvent> ev = intervals_.take(k);
  events_ += ev.size();
  if (lost) {
    ++inconclusive_;
    return;
  }
  ++intervals_checked_;
  pages_checked_ += stored.size();
  run_.rep().checks += stored.size();
  for (const uint64_t p : unflushed_pages(stored, ev, ino_)) {
    Verdict v;
    v.check = "unflushed-store";
    v.file = file_->path();
    v.offset = p * kBlockSize;
    nlohmann::json seen = nlohmann::json::array();
    for (const WbEvent& e : ev) seen.push_back({{"pgoff", e.pgoff}, {"pglen", e.pglen}});
    v.expected = {{"dax_writeback_one", {{"ino", ino_}, {"covering_pgoff", p}}}};
    v.found = {{"events", seen}, {"interval", k}};
    v.ctx = OpCtx{kWbThread, k};
    v.message = "page " + std::to_string(p) + " was stored through a shared mapping in interval " +
                std::to_string(k) +
                " but the fsync that ended it wrote it back nowhere (no fs_dax:dax_writeback_one "
                "covers it): the DAX entry was not write-protected after its previous flush, or "
                "its store was never tagged dirty";
    run_.rep().verdict(v);
  }
}

void WritebackOracle::loop() {
  HotFile& f = *file_;
  Mapping map(f.fd(), 0, kWbBlocks * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED);
  if (!map.ok()) return;
  Prng rng(run_.opt().seed, 0xb0b0);
  std::set<uint64_t> prev, cur;
  uint64_t k = 0;
  if (!marker(0)) return;
  while (!done_ && !run_.stopping()) {
    // Stores of interval k: most pages of the previous interval again (mapped, and
    // write-protected by its fsync if all is well) plus a few new ones.
    cur.clear();
    for (const uint64_t p : prev)
      if (rng.chance(75)) cur.insert(p);
    const uint64_t extra = rng.range(cur.empty() ? 1 : 0, 3);
    for (uint64_t i = 0; i < extra; ++i) cur.insert(rng.below(kWbBlocks));
    std::set<uint64_t> stored;
    for (const uint64_t p : cur) {
      bool ok = false;
      f.map_write(map.data(), p, kWbWriter, OpCtx{kWbThread, k}, false, &ok);
      if (ok) stored.insert(p);
    }
    const bool synced = ::fsync(f.fd()) == 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(rng.range(5, 30)));
    if (!marker(k + 1)) break;
    if (!pump_until(k, 10.0)) {
      ++inconclusive_;
      break;  // the markers do not come through: stop checking
    }
    if (synced)
      check(k, stored);
    else {
      ++inconclusive_;
      intervals_.take(k);
    }
    prev = stored;
    ++k;
  }
}

void WritebackOracle::stop() {
  if (!on_) return;
  on_ = false;
  done_ = true;
  if (thread_.joinable()) thread_.join();
  restore_tracefs();
  run_.add_result("wb_intervals", intervals_checked_);
  run_.add_result("wb_pages_checked", pages_checked_);
  run_.add_result("wb_events", events_);
  run_.add_result("wb_inconclusive", inconclusive_);
}

}  // namespace dt::workload
