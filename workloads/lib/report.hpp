// JSON-lines reporting: one object per line, flushed per line, thread-safe.
// Verdicts are counted always but printed only up to a cap so a systematic
// failure cannot flood the harness.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace dt::workload {

// Who did what when a check failed: thread and its operation index.
struct OpCtx {
  int thread = 0;
  uint64_t op = 0;
};

struct Verdict {
  std::string check;  // stale-data, misplaced-stamp, nonzero-hole, ...
  std::string file;
  uint64_t offset = 0;
  nlohmann::json expected = nlohmann::json::object();
  nlohmann::json found = nlohmann::json::object();
  OpCtx ctx;
  std::string message;
  // The block's last operations as the oracle saw them (omitted when empty).
  nlohmann::json recent_ops = nlohmann::json::array();
};

class Reporter {
 public:
  // out may be nullptr (tests collect verdicts without printing).
  explicit Reporter(std::FILE* out, uint64_t seed = 0, unsigned max_printed = 50);

  void emit(const nlohmann::json& line);
  void verdict(const Verdict& v);
  // Emits each distinct reason once. Until release_skips() they are queued,
  // so that the start line is always the first line of a run.
  void skip(const std::string& reason);
  void release_skips();

  uint64_t failed() const { return failed_.load(); }
  std::vector<Verdict> verdicts() const;  // the first max_printed, for tests
  uint64_t seed() const { return seed_; }

  std::atomic<uint64_t> iterations{0};
  std::atomic<uint64_t> checks{0};
  std::atomic<uint64_t> inconclusive{0};  // accesses not judged (history overflow)

 private:
  std::FILE* out_;
  const uint64_t seed_;
  const unsigned max_printed_;
  mutable std::mutex mu_;
  std::atomic<uint64_t> failed_{0};
  std::vector<Verdict> kept_;
  std::set<std::string> skips_;
  std::vector<std::string> queued_;
  bool hold_ = true;
};

}  // namespace dt::workload
