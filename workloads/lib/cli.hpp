// Command line of every guest workload (the contract with the guest agent).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/exit_codes.hpp"

namespace dt::workload {

struct Options {
  std::string workload;
  std::string dir;
  uint64_t seed = 1;
  double duration = 10;
  uint64_t iterations = 0;  // 0: unlimited
  unsigned threads = 2;
  uint64_t file_size = 0;  // 0: the workload's default
  unsigned fill_files = 1;
  uint64_t fill_max = 0;  // 0: fill until nearly full (capped on big filesystems)
  std::vector<std::string> ops;
  int direct_io = 0;
  int sync_storm = 1;  // write-vs-fault: on by default (writeback waiters on the same entries)
  std::vector<std::string> pin;
  double op_timeout = 10;
  std::string ack_log;
  bool verify_only = false;
  bool ack_stdout = false;  // mirror each durable ack-log record to stdout (power-cut)
  bool keep_files = false;
  unsigned max_verdicts = 50;
};

// Workload-specific flags a program accepts on top of the common ones.
enum Extra : unsigned {
  kOps = 1u << 0,
  kDirectIo = 1u << 1,
  kSyncStorm = 1u << 2,
  kPin = 1u << 3,
  kOpTimeout = 1u << 4,
  kAckLog = 1u << 5,
  kVerifyOnly = 1u << 6,
};

struct Spec {
  std::string workload;  // e.g. "fault-vs-truncate"
  unsigned extras = 0;
  uint64_t default_file_size = 64 * 1024;
  std::vector<std::string> all_ops;  // valid --ops / --pin values
  unsigned default_threads = 2;      // --threads when not given
};

// Parses argv. On error prints one line to stderr and returns nullopt (the
// caller exits 2); --help prints usage and exits 0.
std::optional<Options> parse_cli(int argc, char** argv, const Spec& spec);

// protocol/exit_codes.hpp, under the names the workloads use.
constexpr int kExitPass = protocol::kGuestPass, kExitFail = protocol::kGuestFail,
              kExitUsage = protocol::kGuestUsage, kExitSkip = protocol::kGuestSkip;

}  // namespace dt::workload
