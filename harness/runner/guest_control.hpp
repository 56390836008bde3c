#pragma once
// What an injector (and the filesystem setup a power cut repeats) may do with a guest: run
// commands, write files, read and fence the console, and act on the machine the way a hand on
// its switches would (pause, hard reset, pull the plug). Not the session's lifecycle (boot,
// close, reports), not raw QMP. Session implements it; unit tests use a fake.
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace dt::runner {

struct ExecResult {
  int code = -1, signal = 0;
  double elapsed = 0;
  std::vector<std::string> out, err;
  bool timed_out = false;
  std::string not_run;  // why the agent could not start it (exec failed, bad request); "" if it ran
  bool ok() const { return code == 0 && signal == 0 && !timed_out && not_run.empty(); }
  std::string output() const;  // stdout + stderr, for messages
};

// What became of a write: the guest wrote it, refused it (its errno text), or never answered
// within the timeout. A write to sysfs that never returns is the kernel still acting on it (an
// unbind blocked in the device's teardown), which is not the same as a refusal.
struct WriteResult {
  enum class Outcome { written, refused, no_reply };
  Outcome outcome = Outcome::no_reply;
  std::string error;  // the guest's reason when refused
  bool ok() const { return outcome == Outcome::written; }
  static WriteResult written() { return {Outcome::written, {}}; }
  static WriteResult refused(std::string why) { return {Outcome::refused, std::move(why)}; }
  static WriteResult no_reply() { return {}; }
};
const char* to_string(WriteResult::Outcome o);

class GuestControl {
 public:
  virtual ~GuestControl() = default;

  // Run a command in the guest; on_line gets each stdout line as it arrives. A timeout kills
  // the command's process group (a result, not an exception).
  virtual ExecResult exec(const std::vector<std::string>& argv, double timeout_s,
                          const std::function<void(const std::string&)>& on_line = {}) = 0;
  // The same, throwing InfraError (with the command and its output) unless it succeeded.
  ExecResult exec_checked(const std::vector<std::string>& argv, double timeout_s);
  virtual WriteResult write_file(const std::string& path, const std::string& data,
                                 double timeout_s = 10) = 0;

  // The kernel console: its length so far, its text from a byte offset, and a fence (returns
  // once everything printed before the call is in; false on timeout).
  virtual std::size_t console_size() const = 0;
  virtual std::string console_text(std::size_t from = 0) const = 0;
  virtual bool fence(double timeout_s = 10) = 0;
  virtual int guest_cpus() const = 0;  // CPUs the guest reported at boot

  // The machine. pause/resume stop and restart every vCPU (console and agent fall silent);
  // hard_reset resets without a guest shutdown (RAM lost); pull_plug ends the VM at once
  // (SIGKILL where the backend can, QMP quit otherwise).
  virtual void pause_vm() = 0;
  virtual bool vm_paused() = 0;
  virtual void resume_vm() = 0;
  virtual void hard_reset() = 0;
  virtual void pull_plug() = 0;
};

}  // namespace dt::runner
