#pragma once
// What one run (one campaign cell in one VM) produced. Written to the store the moment the
// run ends, so an interrupted campaign keeps everything it found.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oracle/finding.hpp"

namespace dt::results {

enum class Status { Pass, Findings, Error, Skip };
std::string to_string(Status);
Status status_from_string(const std::string&);

struct RunRecord {
  std::string run_id;    // unique: campaign + cell + attempt
  std::string campaign;  // campaign name
  std::string cell_id;   // "xfs/fault-vs-truncate/none/default/r0"
  std::size_t cell_index = 0;
  std::string fs, workload, injectors, kernel;  // cell labels (kernel: flavour or path)
  nlohmann::json cell;  // full cell spec (fs opts, params, vm shape, seed) for repro
  std::uint64_t seed = 0;
  int repetition = 0;
  std::string image_key, kernel_release, accel, backend;
  Status status = Status::Pass;
  std::string error;  // infrastructure error, when status == Error
  double boot_to_ready_s = 0, setup_s = 0, workload_s = 0, total_s = 0;
  // After the workload: unmount + fsck, then the rest (console fence, reuse checks, power-off).
  double fsck_s = 0, end_s = 0;
  std::uint64_t iterations = 0, faults = 0, checks = 0, failed_checks = 0;
  nlohmann::json dax_proof;        // dt-daxcheck output
  nlohmann::json workload_result;  // the workload's final {"type":"result"} line
  nlohmann::json injections = nlohmann::json::array();  // what was injected, when
  std::vector<oracle::Finding> findings;
  bool lockdep_disabled = false;  // lockdep switched itself off during the run
  int guest_cell = 1;             // this run was the Nth cell on its guest (1: fresh boot)
  std::string guest_retired;      // why the guest was not kept for another cell ("" kept)
  std::string guest_restored;     // snapshot mode: why the guest was put back from its snapshot
  // A freshly booted guest's fsdax namespaces: "template" (they came up at boot from the
  // image's namespace template) or "ndctl" (made in this guest); "" on a kept guest.
  std::string namespaces;
  // How a fresh guest came up: "boot", or "ready state" (loaded from the image's saved fresh
  // guest, vm/ready_state.hpp); a state that failed to load says so after "boot: ". "" kept.
  std::string guest_start;
  // After each power cut, how the next guest came up (the same words as guest_start).
  std::vector<std::string> cut_restarts;
  bool canary_seen = false;             // the deliberate splat was seen (or not requested: true)
  std::string started_at, finished_at;  // UTC ISO 8601
  std::string workdir, console_path;

  std::size_t new_findings() const;  // findings that are not expected
  // A fresh VM that never reached the agent and whose kernel reported nothing: the only run
  // `run` retries (a kernel report during boot is a finding; a kept guest did boot).
  bool boot_failed_quietly() const;
};

nlohmann::json to_json(const RunRecord&);
// The one-line summary of a finished run that `run --json` prints and selftest judges:
// {"event":"run", cell, fs, workload, kernel_release, status, times,
// findings:[{title,kind,expected}]}.
nlohmann::json run_event(const RunRecord&);
RunRecord record_from_json(const nlohmann::json&);
std::string utc_now();

}  // namespace dt::results
