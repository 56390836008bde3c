#pragma once
// A child process that cannot outlive us: its own process group (so QEMU's helpers die
// with it), PR_SET_PDEATHSIG so a SIGKILLed harness still takes it down, and a destructor
// that kills the group and reaps. Built on Boost.Process; waits poll waitpid because
// child::wait_for in Boost 1.74 does not return early (boostorg/process #69).
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/fd.hpp"

namespace dt {

struct SpawnOptions {
  enum class Stream { Pipe, Inherit, Null };
  Stream in = Stream::Null;
  Stream out = Stream::Pipe;
  Stream err = Stream::Pipe;
  std::filesystem::path cwd;
  bool new_process_group = true;  // false for interactive children that need the terminal
};

struct ExitStatus {
  int code = -1;   // exit code, or -1 if killed
  int signal = 0;  // terminating signal, or 0
  bool ok() const { return code == 0; }
  std::string str() const;
};

class Subprocess {
 public:
  Subprocess(const std::vector<std::string>& argv, const SpawnOptions& opts = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const;
  int stdin_fd() const { return in_.get(); }
  int stdout_fd() const { return out_.get(); }
  int stderr_fd() const { return err_.get(); }
  void close_stdin() { in_.reset(); }

  // Non-blocking: the exit status once the child has exited.
  std::optional<ExitStatus> poll();
  // Wait up to timeout; nullopt if still running.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
  ExitStatus wait();
  // SIGTERM to the group, then SIGKILL after grace. Returns the exit status.
  ExitStatus terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  void kill_group(int sig);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  UniqueFd in_, out_, err_;
  std::optional<ExitStatus> status_;
  bool own_group_ = true;
};

// Run to completion, capturing stdout+stderr; throws InfraError if the program is missing.
struct RunResult {
  ExitStatus status;
  std::string output;  // stdout and stderr interleaved
  bool timed_out = false;
};
RunResult run_capture(const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = std::chrono::minutes(10));

}  // namespace dt
