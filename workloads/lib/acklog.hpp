// The acknowledgement log of map-sync: what a power cut must not lose.
//
// Before an operation the workload appends an intent record, after it is
// durable (MAP_SYNC store + cache flush, or fsync) an ack record; each record
// is fdatasync'ed. A record may instead be host-only (durable = false): it is
// not written to the file (no fdatasync, so no journal or log force that would
// commit other pending metadata with it) and only passed to the mirror, the
// harness's copy. Every record carries a sequence number ("seq"), so the
// harness can merge its host-only records with the guest's file after a crash.
// After a crash and reboot, verify_ack_log() checks the files
// against the log: for every block, an acknowledged operation may only be
// superseded by operations that were not yet known durable when it was (no
// ack, or acked after the last acked op on that block had started). Anything
// else is a lost write (zeros), stale data (older generation) or garbage.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fs.hpp"
#include "report.hpp"

namespace dt::workload {

class AckLog {
 public:
  bool open(const std::string& path);  // truncates
  void record(nlohmann::json rec);     // header/file/state records
  // Returns the op id to ack. durable = false: host-only (see above).
  uint64_t intent(nlohmann::json rec, bool durable = true);
  void ack(uint64_t op, bool durable = true);
  // Every record, once it is durable (after its fdatasync), is also passed to mirror: the
  // harness keeps its own copy of what was acknowledged, so a power cut cannot take the
  // evidence with it. Records logged before the mirror is set are passed at once, in order.
  void set_mirror(std::function<void(const nlohmann::json&)> mirror);

 private:
  void append(nlohmann::json rec, bool durable = true);
  std::mutex mu_;
  Fd fd_;
  uint64_t next_op_ = 1;
  uint64_t next_seq_ = 1;
  std::function<void(const nlohmann::json&)> mirror_;
  std::vector<nlohmann::json> early_;  // before set_mirror
};

// Checks every file named in the log; verdicts go to rep. Returns the number
// of files checked, or -1 if the log is missing or has no header. log_paths
// may name several logs separated by commas (the guest's file and the host-only
// records the harness kept): their records are merged by "seq" (duplicates
// dropped) before anything is judged.
int verify_ack_log(const std::string& log_paths, Reporter& rep);

}  // namespace dt::workload
