#pragma once
// Exit codes: one vocabulary for the daxtorture CLI and for the programs that run in the
// guest (workloads, dt-canary, dt-daxcheck, dt-agent's children), which the runner reads.
// Header-only and dependency-free: the static guest programs include it too.
namespace dt::protocol {

// daxtorture's own exit status (README.md, "Exit codes").
enum CliExit : int {
  kClean = 0,
  kFindings = 1,       // new findings (not expected, not in the baseline)
  kUsage = 2,          // usage or configuration error
  kInfra = 3,          // infrastructure failure: no boot, DAX off, canary unseen
  kInterrupted = 130,  // SIGINT/SIGTERM, as a shell reports 128 + SIGINT
};

// A guest program's exit status.
enum GuestExit : int {
  kGuestPass = 0,
  kGuestFail = 1,          // the program's own oracle failed (verdicts on stdout)
  kGuestUsage = 2,         // bad arguments: the host built a command line it does not take
  kGuestSkip = 4,          // this kernel or filesystem cannot run it (e.g. no MAP_SYNC)
  kGuestExecFailed = 127,  // the agent could not exec it (as a shell's "command not found")
};

}  // namespace dt::protocol
