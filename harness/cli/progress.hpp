#pragma once
// Live progress for long campaigns: an updating status line on a terminal, plain lines when
// not a TTY (CI logs), JSON lines with --json.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "results/record.hpp"
#include "runner/cell.hpp"

namespace dt::cli {

class Progress {
 public:
  Progress(std::size_t total, bool json);
  void update(const runner::CellProgress& p);
  void finished(const results::RunRecord& r);
  void message(const std::string& line);
  void tick();  // redraw (called about once a second)
  void done();
  std::size_t findings() const { return new_findings_; }
  double vm_seconds() const { return vm_seconds_; }  // summed wall time of finished runs

 private:
  void draw_locked(bool force);
  std::string status_line_locked() const;
  std::mutex mu_;
  std::size_t total_, done_ = 0, new_findings_ = 0, errors_ = 0;
  bool json_, tty_;
  std::map<std::string, runner::CellProgress> running_;
  std::uint64_t iterations_ = 0;
  double vm_seconds_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_plain_ = start_;
  bool line_open_ = false;
};

}  // namespace dt::cli
