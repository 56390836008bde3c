// Streaming console parser: bytes from the serial port in, kernel-bug reports out.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "console/report.hpp"

namespace dt::console {

class Parser {
 public:
  Parser();
  ~Parser();
  Parser(Parser&&) noexcept;
  Parser& operator=(Parser&&) noexcept;

  // Feed the next chunk; lines may be split across chunks anywhere.
  void feed(std::string_view chunk);
  // End of stream: closes open reports (corrupted if they had not reached their end).
  void finish();
  // Everything printed so far is known to be complete (a fence line the guest wrote after it
  // has arrived): close the open reports as the end of the stream would, and keep reading.
  void close_open();
  // A report has started and not yet been closed (its end, or enough other lines, not seen).
  bool has_open() const;
  // Reports completed since the last call, in completion order.
  std::vector<Report> take_reports();
  // Lockdep stopped validating this boot, so later lock splats cannot appear: it printed
  // "turning off the locking correctness validator", "Disabling lock debugging due to kernel
  // taint" / "INFO: lockdep is turned off", or one of its own splats (it reports once per boot;
  // "suspicious RCU usage" is the exception and leaves it on).
  bool lockdep_disabled() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: feed + finish + take.
std::vector<Report> parse_log(std::string_view whole_log);

}  // namespace dt::console
