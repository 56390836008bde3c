#pragma once
// One guest, driven through the agent, with the kernel console watched all the time: every
// wait in here pumps the console (to the report parser) and the agent's messages, and turns
// silence, a dead connection or a dead VM into a typed GuestLost instead of a hang.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "console/parser.hpp"
#include "oracle/finding.hpp"
#include "protocol/agent_messages.hpp"
#include "runner/guest_control.hpp"
#include "vm/vm.hpp"

namespace dt::runner {

using json = nlohmann::json;

struct SessionOptions {
  double ready_timeout_s = 180;    // boot to agent hello (TCG on a loaded 2-core host is slow)
  double silence_timeout_s = 150;  // > the guest's hung-task timeout (60 s), as syzkaller does
};

// A VM process killed by SIGBUS: the host could not back a page of the guest's file-backed
// memory (the NVDIMM files), in practice a full disk under a sparse file. A host fault, never
// a kernel finding: throws DiskFullError when the disk under the VM's NVDIMM files has less
// free space than they may take (vm::nvdimm_space_short), InfraError otherwise. Returns for
// any other exit.
void throw_if_host_fault(const vm::Exit& ex, const vm::Config& cfg);

// The guest stopped answering: a synthetic finding ("no output", "lost connection",
// "VM crashed") with the console kept.
class GuestLost : public std::runtime_error {
 public:
  using Why = oracle::Lost;  // the finding it becomes (oracle::lost)
  GuestLost(Why why, const std::string& title) : std::runtime_error(title), why_(why) {}
  Why why() const { return why_; }
  // The VM process itself is gone or unreachable (not a silent but living guest).
  bool vm_died() const { return why_ == Why::VmCrash || why_ == Why::LostConnection; }
  static GuestLost no_output() { return {Why::NoOutput, "no output from test machine"}; }
  static GuestLost lost_connection() {
    return {Why::LostConnection, "lost connection to test machine"};
  }

 private:
  Why why_;
};

// The user interrupted the campaign (Ctrl-C, SIGTERM): the run is abandoned, not recorded.
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};

class Session : public GuestControl {
 public:
  Session(vm::Backend& backend, const vm::Config& cfg, SessionOptions opts = {});
  ~Session();

  // Blocks until the agent says hello. Throws vm::BootError (the runner decides on a retry).
  void wait_ready();
  double boot_to_ready_s() const { return boot_to_ready_; }
  const protocol::Hello& hello() const { return hello_; }

  // Run a command in the guest; on_line gets each stdout line as it arrives. A timeout kills
  // the command's process group (it is a result, not an exception); GuestLost if the guest dies.
  ExecResult exec(const std::vector<std::string>& argv, double timeout_s,
                  const std::function<void(const std::string&)>& on_line = {}) override;
  WriteResult write_file(const std::string& path, const std::string& data,
                         double timeout_s = 10) override;

  // Pump console and agent for a while (also after the workload, to catch late reports).
  void idle(double seconds);
  // A sync point in the console: writes a marker to /dev/kmsg and pumps until it comes out on
  // the console. printk keeps order, so everything the kernel printed before the call is then
  // parsed, and a report still open is closed as the guest's (a kept guest's next cell must
  // not inherit it). False if the marker did not arrive within timeout_s.
  bool fence(double timeout_s = 10) override;
  std::vector<console::Report> take_reports();
  bool has_reports() const { return !reports_.empty(); }
  bool lockdep_disabled() const { return parser_.lockdep_disabled(); }
  std::string console_text(std::size_t from = 0) const override;
  std::size_t console_size() const override;
  int guest_cpus() const override { return hello_.ncpus; }
  void pause_vm() override { inst_->pause(); }
  bool vm_paused() override { return inst_->paused(); }
  void resume_vm() override { inst_->resume(); }
  void hard_reset() override { inst_->reset(); }
  void pull_plug() override {
    if (!inst_->kill_now()) inst_->quit();
  }
  vm::Instance& instance() { return *inst_; }

  // Snapshot mode: save the guest as it is now (once, when it is fresh), and later put it back
  // in place of a guest a cell left unfit (a report, a taint, a damaging injector). After a
  // restore the console parser, reports and pending requests start afresh and the agent has
  // answered a command. Throws InfraError when the backend refuses.
  static constexpr const char* kFreshSnapshot = "dt-fresh";
  void save_snapshot();
  void restore_snapshot();
  bool has_snapshot() const { return has_snapshot_; }

  // Close the VM, after collecting diagnosis (sysrq, registers) if asked. Idempotent.
  std::string close(bool diagnose = false);
  void poweroff();
  // Between two cells on one kept guest: drop the previous cell's callbacks (they point into
  // its frame) and start the silence clock afresh (the guest sat idle meanwhile).
  void hand_over();
  bool closed() const { return closed_; }

  std::function<void(const json&)> on_event;  // every agent message (for progress displays)
  std::function<bool()> should_abort;         // polled while waiting; true -> Interrupted
  std::function<void()> on_tick;              // called on every pump (injectors); not re-entered

 private:
  void pump(double timeout_s);
  void handle(const json& msg);
  void on_reply(const protocol::Reply& reply);
  void check_alive();

  vm::Backend* backend_;
  vm::Config cfg_;
  std::unique_ptr<vm::Instance> inst_;
  SessionOptions opts_;
  console::Parser parser_;
  std::vector<console::Report> reports_;
  protocol::Hello hello_;
  bool ready_ = false;
  double boot_to_ready_ = 0;
  double last_console_ = 0, last_agent_ = 0;
  int next_id_ = 1;
  struct Pending {
    ExecResult result;
    bool done = false;
    std::function<void(const std::string&)> on_line;
  };
  std::map<int, Pending> pending_;
  std::map<int, WriteResult> writes_;  // request id -> the agent's answer
  bool panicked_ = false;
  std::string fence_marker_;  // the marker fence() waits for ("" when none)
  std::string fence_window_;  // console bytes searched for it (a marker may span two reads)
  bool fence_seen_ = false;
  bool has_snapshot_ = false;
  bool in_tick_ = false;
  bool closed_ = false;
};

}  // namespace dt::runner
