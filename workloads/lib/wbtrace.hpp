// Writeback oracle: did fsync flush every page stored since the previous fsync?
//
// Emulated pmem is coherent, so a DAX entry that is not write-protected after
// its flush (later stores take no write fault, the entry is never tagged dirty
// again, no fsync flushes it) loses no data a workload could read back. The
// kernel says what it flushed, though: fs_dax:dax_writeback_one names the
// inode, pgoff and pglen of every entry dax_writeback_mapping_range() wrote
// back. The oracle runs its own thread on its own file: it writes a marker to
// trace_marker, stores stamps through a shared mapping into a few pages, fsyncs
// and, once the next marker has come through trace_pipe, checks that each
// stored page was covered by a dax_writeback_one event between the two markers
// (any task's: a sync(2) elsewhere may flush it first). Pages stored in the
// previous interval are stored again (their PTEs are still mapped), which is
// where a missing write-protect shows. A page not written back is an
// `unflushed-store` verdict. Lost trace events or a marker that never arrives
// make the interval inconclusive (counted), never a verdict.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fs.hpp"
#include "report.hpp"

namespace dt::workload {

class Run;
class HotFile;

// One fs_dax:dax_writeback_one line of trace_pipe.
struct WbEvent {
  unsigned major = 0, minor = 0;
  uint64_t ino = 0, pgoff = 0, pglen = 0;
};

// What one trace_pipe line is, for the oracle.
struct WbLine {
  enum Kind { kOther, kWriteback, kMarker, kLost } kind = kOther;
  WbEvent ev;          // kWriteback
  std::string marker;  // kMarker: the text written to trace_marker
};
WbLine parse_wb_line(std::string_view line);

// Pages of `stored` that no event for inode `ino` covers (pgoff <= p < pgoff + pglen).
std::vector<uint64_t> unflushed_pages(const std::set<uint64_t>& stored,
                                      const std::vector<WbEvent>& events, uint64_t ino);

// Splits trace_pipe text into complete lines and files them by marker: events
// for the interval that starts at marker "<tag> <k>" are collected until the
// marker "<tag> <k+1>" arrives.
class WbIntervals {
 public:
  explicit WbIntervals(std::string tag) : tag_(std::move(tag)) {}
  // Feeds raw trace_pipe bytes.
  void feed(std::string_view bytes);
  // Interval k is complete once marker k+1 was seen.
  bool complete(uint64_t k) const { return seen_any_ && seen_ >= k + 2; }
  // Events of interval k (only while complete(k) and not yet taken), then forgets them.
  std::vector<WbEvent> take(uint64_t k);
  // Trace events were lost while interval k was open.
  bool lost(uint64_t k) const { return lost_.count(k) > 0; }

 private:
  void line(std::string_view l);
  std::string tag_, carry_;
  bool seen_any_ = false;
  uint64_t seen_ = 0;  // markers seen: the open interval is seen_-1
  std::vector<std::pair<uint64_t, WbEvent>> events_;
  std::set<uint64_t> lost_;
};

// The guest side: tracefs set-up, the storing/fsyncing thread, verdicts.
class WritebackOracle {
 public:
  // Creates its file ("wb", 16 blocks) and enables the tracepoint unless it is on already (the
  // harness enables it at boot); if tracefs, the event or
  // DAX is missing it emits a skip line and does nothing.
  explicit WritebackOracle(Run& run);
  ~WritebackOracle();
  void start();  // after run.start()
  void stop();   // before run.finish(): joins, checks the last interval, restores tracefs

 private:
  void loop();
  bool write_tracefs(const std::string& rel, const std::string& v);
  std::string read_tracefs(const std::string& rel) const;  // its text, trimmed; "" if none
  void restore_tracefs();
  bool marker(uint64_t k);
  bool pump_until(uint64_t k, double timeout_s);
  void check(uint64_t k, const std::set<uint64_t>& stored);

  Run& run_;
  std::string root_;
  std::unique_ptr<HotFile> file_;
  Fd pipe_, mark_;
  std::string old_clock_;
  bool was_enabled_ = false;  // the event was on before this run (enabled at boot)
  uint64_t ino_ = 0;
  bool on_ = false;
  std::atomic<bool> done_{false};
  std::thread thread_;
  WbIntervals intervals_;
  uint64_t intervals_checked_ = 0, pages_checked_ = 0, inconclusive_ = 0, events_ = 0;
};

}  // namespace dt::workload
