// Injectors against a fake guest (runner::GuestControl): what each one does to the machine and
// to the guest, and what it records as evidence, without booting anything.
#include <gtest/gtest.h>

#include <map>

#include "injector.hpp"

using namespace dt;

namespace {

class FakeGuest : public runner::GuestControl {
 public:
  std::vector<std::string> calls;  // "exec <argv0>", "write <path> <data>", "pause", ...
  std::map<std::string, std::vector<std::string>> stdout_of;  // argv[0] -> lines
  std::string console;
  bool paused = false;

  runner::ExecResult exec(const std::vector<std::string>& argv, double,
                          const std::function<void(const std::string&)>&) override {
    calls.push_back("exec " + argv.at(0));
    runner::ExecResult r;
    r.code = 0;
    r.out = stdout_of[argv.at(0)];
    return r;
  }
  bool write_file(const std::string& path, const std::string& data, double) override {
    calls.push_back("write " + path + " " + data);
    return true;
  }
  std::size_t console_size() const override { return console.size(); }
  std::string console_text(std::size_t from) const override {
    return from >= console.size() ? "" : console.substr(from);
  }
  bool fence(double) override { return true; }
  int guest_cpus() const override { return 2; }
  void pause_vm() override { calls.push_back("pause"), paused = true; }
  bool vm_paused() override { return paused; }
  void resume_vm() override { calls.push_back("resume"), paused = false; }
  void hard_reset() override { calls.push_back("reset"); }
  void pull_plug() override { calls.push_back("pull plug"); }
};

std::size_t count(const std::vector<std::string>& v, const std::string& s) {
  return static_cast<std::size_t>(std::count(v.begin(), v.end(), s));
}

}  // namespace

TEST(InjectorsOnAFakeGuest, PauseJitterPausesAndResumesTheVmAndSaysQmpConfirmedIt) {
  auto i = injectors::make(
      campaign::InjectorSpec{"pause-jitter", {{"interval", "0.1"}, {"pause", "0.001"}}}, "xfs", 1);
  FakeGuest g;
  i->arm(g);
  for (double t = 0; t < 2.0; t += 0.05) i->tick(g, t);
  i->disarm(g);
  const auto pauses = count(g.calls, "pause");
  EXPECT_GE(pauses, 5u);
  EXPECT_EQ(count(g.calls, "resume"), pauses);
  EXPECT_FALSE(g.paused);
  auto rec = i->record();
  EXPECT_TRUE(rec.value("fired", false));
  EXPECT_EQ(rec["evidence"].value("confirmed_paused_by_qmp", 0), static_cast<int>(pauses));
}

TEST(InjectorsOnAFakeGuest, UnbindTearsTheDeviceAwayAtItsTimeRebindsAndCountsTheKernelsWord) {
  auto i = injectors::make(campaign::InjectorSpec{"unbind", {{"at", "1.5"}}}, "xfs", 1);
  FakeGuest g;
  g.stdout_of["sh"] = {"pfn0.1"};
  g.console = "[    1.0] pmem0: detected capacity change\n";  // before arming: not evidence
  i->arm(g);
  i->tick(g, 1.0);
  EXPECT_EQ(count(g.calls, "write /sys/bus/nd/drivers/nd_pmem/unbind pfn0.1"), 0u);
  i->tick(g, 1.6);
  i->tick(g, 2.0);  // once only
  EXPECT_EQ(count(g.calls, "write /sys/bus/nd/drivers/nd_pmem/unbind pfn0.1"), 1u);
  g.console += "[    9.0] XFS (pmem0): log I/O error -5\n[    9.1] pmem0: gone\n";
  EXPECT_TRUE(i->skip_fsck());
  i->disarm(g);
  EXPECT_EQ(count(g.calls, "write /sys/bus/nd/drivers/nd_pmem/bind pfn0.1"), 1u);
  auto ev = i->record()["evidence"];
  EXPECT_EQ(ev.value("console_lines_after_unbind_mentioning_pmem0", 0), 2);
  EXPECT_TRUE(ev.value("rebound", false));
}

TEST(InjectorsOnAFakeGuest, PowerCutPullsThePlugOrResetsAsItsModeSays) {
  for (auto [mode, verb] : {std::pair{"kill", "pull plug"}, std::pair{"reset", "reset"}}) {
    auto i = injectors::make(campaign::InjectorSpec{"power-cut", {{"mode", mode}}}, "ext4", 3);
    FakeGuest g;
    i->arm(g);
    (void)i->wrap({"dt-fault-vs-truncate", "--dir", "/mnt/dax/work"});
    for (double t = 0; t < 10 && !i->cut_pending(); t += 0.25) i->tick(g, t);
    EXPECT_TRUE(i->cut_pending()) << mode;
    EXPECT_EQ(count(g.calls, verb), 1u) << mode;
    EXPECT_EQ(g.calls.size(), 1u) << mode;  // nothing else touched the guest
  }
}
