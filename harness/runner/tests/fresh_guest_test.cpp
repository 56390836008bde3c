// How a fresh guest comes up, on a fake backend: a guest whose kernel reported something and
// died at boot stays in the caller's slot, so the report is read (a finding, never a quiet boot
// failure that gets retried); a ready state is loaded where there is one; one that does not load
// is dropped for a boot; a stopping harness keeps the state; the guest after a power cut boots.
#include "runner/fresh_guest.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "protocol/agent_messages.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/tempdir.hpp"
#include "vm/ready_state.hpp"

using namespace dt;
using namespace dt::runner;
namespace fs = std::filesystem;

namespace {

// A captured console (our own 6.1 guest's canary WARN), without the testdata header.
std::string captured_warning() {
  const std::string t =
      read_file(fs::path(DT_CONSOLE_TESTDATA) / "reports" / "real_warning_canary_module_xfs.txt");
  return t.substr(t.find("\n\n") + 2);
}

// A VM that prints `console` and then either has its agent say Hello or exits.
class FakeInstance : public vm::Instance {
 public:
  FakeInstance(std::string console, bool ready, fs::path log)
      : console_(std::move(console)), ready_(ready), log_(std::move(log)) {
    write_file_atomic(log_, console_);
    if (!ready_) return;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) throw_errno("socketpair");
    agent_ = guest::Channel(UniqueFd(sv[0]));
    peer_ = UniqueFd(sv[1]);
    const std::string hello =
        protocol::encode(protocol::Reply{protocol::Hello{.agent = "fake"}}).dump() + "\n";
    if (::write(peer_.get(), hello.data(), hello.size()) < 0) throw_errno("write");
  }
  std::string read_console() override { return std::exchange(console_, ""); }
  fs::path console_log() const override { return log_; }
  guest::Channel& agent() override { return agent_; }
  std::vector<nlohmann::json> monitor_events() override { return {}; }
  std::optional<vm::Exit> exited() override {
    if (ready_ || !console_.empty()) return std::nullopt;
    return vm::Exit{.code = 1};
  }
  std::string diagnose() override { return ""; }
  void close() override {}
  std::vector<fs::path> nvdimm_files() const override { return {}; }
  double boot_started() const override { return started_; }

 protected:
  nlohmann::json monitor(const std::string&, const nlohmann::json&) override { return {}; }

 private:
  std::string console_;
  bool ready_;
  fs::path log_;
  guest::Channel agent_;
  UniqueFd peer_;
  double started_ = vm::steady_now();
};

// Guests from a saved state fail to load (as QEMU does with a state it cannot read) unless
// `states_load`; booted guests print `boot_console` and come up unless `boots_die`.
struct FakeBackend : vm::Backend {
  fs::path dir;
  bool states_load = true, boots_die = false;
  std::string boot_console = "[    0.000000] Linux version 6.1\n";
  std::vector<std::string> started;  // "state" or "boot", in order
  std::string name() const override { return "fake"; }
  vm::Capabilities capabilities() const override { return {.snapshots = true}; }
  std::unique_ptr<vm::Instance> create(const vm::Config& cfg) override {
    const fs::path log = dir / ("console" + std::to_string(started.size()) + ".log");
    if (cfg.start_from) {
      started.push_back("state");
      if (!states_load) throw vm::BootError("loadvm failed: not a qcow2 image", "");
      return std::make_unique<FakeInstance>("", true, log);
    }
    started.push_back("boot");
    return std::make_unique<FakeInstance>(boot_console, !boots_die, log);
  }
};

struct Machine {
  TempDir dir{"/tmp", "dt-fresh-"};
  FakeBackend backend;
  vm::Config cfg;
  FreshGuestOptions opts;
  Machine() {
    backend.dir = dir.path();
    write_file_atomic(dir.path() / "bzImage", "kernel");
    write_file_atomic(dir.path() / "initrd", "initramfs");
    write_file_atomic(dir.path() / "template.img", "namespace");
    cfg.kernel = dir.path() / "bzImage";
    cfg.initramfs = dir.path() / "initrd";
    cfg.nvdimm_templates = {dir.path() / "template.img"};
    cfg.workdir = dir.path();
    cfg.snapshots = true;
    opts.ready_states = dir.path() / "ready-states";
    opts.session.ready_timeout_s = 10;
  }
  void save_state() {
    write_file_atomic(dir.path() / "saved.qcow2", "saved guest");
    ASSERT_TRUE(vm::ReadyStates(opts.ready_states)
                    .publish(cfg, dir.path() / "saved.qcow2", Session::kFreshSnapshot));
  }
};

}  // namespace

TEST(FreshGuest, AKernelReportAtBootStaysWithTheGuestThatDied) {
  Machine m;
  m.backend.boots_die = true;
  m.backend.boot_console = captured_warning();
  std::unique_ptr<Session> slot;
  EXPECT_THROW(start_fresh_guest(m.backend, m.cfg, m.opts, slot), vm::BootError);
  ASSERT_TRUE(slot) << "the guest that died is the caller's to read";
  slot->close(true);
  auto reports = slot->take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].title, "WARNING in dt_canary_warn");
}

TEST(FreshGuest, AReadyStateIsLoadedInsteadOfABoot) {
  Machine m;
  m.save_state();
  std::unique_ptr<Session> slot;
  auto g = start_fresh_guest(m.backend, m.cfg, m.opts, slot);
  EXPECT_TRUE(g.from_ready_state);
  EXPECT_EQ(g.start, "ready state");
  EXPECT_EQ(m.backend.started, std::vector<std::string>{"state"});
  ASSERT_TRUE(slot);
  EXPECT_TRUE(slot->has_snapshot()) << "the loaded guest can be put back to fresh";

  m.cfg.snapshots = false;  // one boot per cell: no snapshots, no ready states
  g = load_ready_state(m.backend, m.cfg, m.opts, slot);
  EXPECT_FALSE(g.from_ready_state);
  EXPECT_EQ(g.start, "boot");
  EXPECT_EQ(m.backend.started, std::vector<std::string>{"state"}) << "no state tried";
}

// The guest after a power cut must see the device as the cut left it, so it boots even where
// the image has a ready state for its machine.
TEST(FreshGuest, AfterAPowerCutTheGuestBootsThoughAReadyStateExists) {
  Machine m;
  m.save_state();
  std::unique_ptr<Session> slot;
  auto g = restart_guest(m.backend, m.cfg, m.opts, slot);
  EXPECT_FALSE(g.from_ready_state);
  EXPECT_EQ(g.start, "boot");
  EXPECT_EQ(m.backend.started, std::vector<std::string>{"boot"});
  ASSERT_TRUE(slot);
  EXPECT_TRUE(vm::ReadyStates(m.opts.ready_states).find(m.cfg)) << "the state is left alone";
}

TEST(FreshGuest, AStateThatDoesNotLoadIsDroppedForABoot) {
  Machine m;
  m.save_state();
  m.backend.states_load = false;
  std::unique_ptr<Session> slot;
  auto g = load_ready_state(m.backend, m.cfg, m.opts, slot);
  EXPECT_FALSE(g.from_ready_state);
  EXPECT_EQ(g.start.rfind("boot: the ready state did not load (loadvm failed", 0), 0u) << g.start;
  EXPECT_EQ(m.backend.started, std::vector<std::string>{"state"});
  EXPECT_FALSE(vm::ReadyStates(m.opts.ready_states).find(m.cfg)) << "dropped";
  EXPECT_FALSE(slot) << "the caller boots in its place";
}

TEST(FreshGuest, AStoppingHarnessKeepsTheState) {
  Machine m;
  m.save_state();
  m.backend.states_load = false;
  m.opts.should_abort = [] { return true; };
  std::unique_ptr<Session> slot;
  EXPECT_THROW(start_fresh_guest(m.backend, m.cfg, m.opts, slot), vm::BootError);
  EXPECT_EQ(m.backend.started, std::vector<std::string>{"state"}) << "no boot after a stop";
  EXPECT_TRUE(vm::ReadyStates(m.opts.ready_states).find(m.cfg)) << "not the state's fault";
}
