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
  std::map<std::string, int> code_of;                         // argv[0] -> exit code (else 0)
  std::string console;
  bool paused = false;
  std::map<std::string, runner::WriteResult> write_of;  // path -> outcome (else written)

  runner::ExecResult exec(const std::vector<std::string>& argv, double,
                          const std::function<void(const std::string&)>&) override {
    calls.push_back("exec " + argv.at(0));
    runner::ExecResult r;
    r.code = code_of.count(argv.at(0)) ? code_of[argv.at(0)] : 0;
    r.out = stdout_of[argv.at(0)];
    return r;
  }
  runner::WriteResult write_file(const std::string& path, const std::string& data,
                                 double) override {
    calls.push_back("write " + path + " " + data);
    auto it = write_of.find(path);
    return it == write_of.end() ? runner::WriteResult::written() : it->second;
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

// The cell's one oracle pass over these findings with this injector's record: which it marks.
std::vector<bool> expected(std::vector<oracle::Finding> findings, const injectors::Injector& i,
                           const std::string& fs) {
  oracle::mark_expected(findings, {i.record()}, fs);
  std::vector<bool> out;
  for (auto& f : findings) out.push_back(f.expected);
  return out;
}

oracle::Finding finding(oracle::Category category, const std::string& kind,
                        const std::string& text = "") {
  oracle::Finding f;
  f.category = category;
  f.kind = kind;
  f.title = kind;
  f.text = text;
  return f;
}

// Hung-task reports of the known xfs memory-failure deadlock (injectors/poison.cpp): the
// memory-failure task (holding the AGF, waiting for the DAX entry) and a mapper of dt-poison.
const std::string kMemoryFailureTask =
    "[  100.1][   T23] INFO: task dt-poison:90 blocked for more than 61 seconds.\n"
    "[  100.1][   T23] Call Trace:\n[  100.1][   T23]  <TASK>\n"
    "[  100.1][   T23]  wait_entry_unlocked+0xf4/0x140\n"
    "[  100.1][   T23]  dax_lock_mapping_entry+0x1a3/0x1f0\n"
    "[  100.1][   T23]  mf_dax_kill_procs+0x63/0x140\n"
    "[  100.1][   T23]  xfs_dax_failure_fn+0x1f4/0x260\n"
    "[  100.1][   T23]  xfs_dax_notify_failure+0x393/0x4b0\n"
    "[  100.1][   T23]  memory_failure+0x1d5/0x7d0\n[  100.1][   T23]  </TASK>\n";
const std::string kMapperTask =
    "[  100.2][   T23] INFO: task dt-poison:92 blocked for more than 61 seconds.\n"
    "[  100.2][   T23] Call Trace:\n[  100.2][   T23]  <TASK>\n"
    "[  100.2][   T23]  xfs_ilock+0x87/0x1e0\n[  100.2][   T23]  xfs_read_iomap_begin+0x9e/0x2a0\n"
    "[  100.2][   T23]  dax_iomap_pte_fault+0x1d6/0x9b0\n[  100.2][   T23]  </TASK>\n";

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

TEST(InjectorsOnAFakeGuest, UnbindThatFiredExplainsTheLostDeviceButNotAKernelBug) {
  auto i = injectors::make(campaign::InjectorSpec{"unbind", {{"at", "1"}}}, "xfs", 1);
  FakeGuest g;
  g.stdout_of["sh"] = {"pfn0.1"};
  i->arm(g);
  i->tick(g, 1.5);
  i->disarm(g);
  EXPECT_TRUE(i->record().value("fired", false));
  using oracle::Category;
  EXPECT_EQ(expected({finding(Category::Kernel, "xfs", "XFS (pmem0): log I/O error -5"),
                      finding(Category::Workload, "stale-data"), finding(Category::Fsck, "fsck"),
                      finding(Category::Kernel, "kasan"), finding(Category::Kernel, "warning"),
                      finding(Category::Kernel, "no-output")},
                     *i, "xfs"),
            (std::vector<bool>{true, true, true, false, false, false}));
}

// Clean 6.1 xfs: a truncate oopses with the mapping's lock held while the unbind is inside the
// teardown, so the agent's write never answers. The kernel took the unbind all the same.
TEST(InjectorsOnAFakeGuest, UnbindWhoseWriteNeverReturnedStillFiredAndIsNotRebound) {
  auto i = injectors::make(campaign::InjectorSpec{"unbind", {{"at", "1"}}}, "xfs", 1);
  FakeGuest g;
  g.stdout_of["sh"] = {"pfn0.1"};
  g.write_of["/sys/bus/nd/drivers/nd_pmem/unbind"] = runner::WriteResult::no_reply();
  i->arm(g);
  i->tick(g, 1.5);
  auto rec = i->record();  // what survives a guest that never reaches disarm
  EXPECT_TRUE(rec.value("fired", false)) << rec.dump();
  EXPECT_FALSE(rec["evidence"].value("unbind_returned", true));
  EXPECT_EQ(rec["events"][0].value("write", ""), "no reply");
  i->disarm(g);
  EXPECT_EQ(count(g.calls, "write /sys/bus/nd/drivers/nd_pmem/bind pfn0.1"), 0u);
  EXPECT_TRUE(i->record().value("fired", false));
  EXPECT_TRUE(i->skip_fsck());
}

TEST(InjectorsOnAFakeGuest, UnbindTheKernelRefusedDidNotFireAndExplainsNothing) {
  auto i = injectors::make(campaign::InjectorSpec{"unbind", {{"at", "1"}}}, "xfs", 1);
  FakeGuest g;
  g.stdout_of["sh"] = {"pfn0.1"};
  g.write_of["/sys/bus/nd/drivers/nd_pmem/unbind"] = runner::WriteResult::refused("No such device");
  i->arm(g);
  i->tick(g, 1.5);
  i->disarm(g);
  auto rec = i->record();
  EXPECT_FALSE(rec.value("fired", true)) << rec.dump();
  EXPECT_EQ(rec["events"][0].value("error", ""), "No such device");
  EXPECT_FALSE(i->skip_fsck());
  EXPECT_EQ(expected({finding(oracle::Category::Kernel, "xfs", "XFS (pmem0): log I/O error -5")},
                     *i, "xfs"),
            (std::vector<bool>{false}));
}

TEST(InjectorsOnAFakeGuest, PoisonRecordsTheXfsDeadlockSoOnlyItsVictimsAreExpected) {
  for (std::string fs : {"xfs", "ext4"}) {
    auto i = injectors::make(campaign::InjectorSpec{"poison", {}}, fs, 1);
    FakeGuest g;
    i->arm(g);
    g.console +=
        "[   99.0][ T90] Memory failure: 0x21f3a: recovery action for dax page: Recovered\n";
    g.console += kMemoryFailureTask + kMapperTask;
    i->tick(g, 1.0);  // dt-poison runs (and, here, prints no result)
    i->disarm(g);
    auto rec = i->record();
    EXPECT_TRUE(rec.value("fired", false)) << fs;  // the kernel's "Recovered"
    EXPECT_EQ(rec["evidence"].value("xfs_mf_deadlock", false), fs == "xfs") << fs;
    using oracle::Category;
    std::vector<oracle::Finding> findings = {
        finding(Category::Kernel, "no-output"), finding(Category::Kernel, "hung-task", kMapperTask),
        finding(Category::Kernel, "hung-task", kMemoryFailureTask),
        finding(Category::Workload, "unexpected-sigbus")};
    auto own = i->take_findings();  // "dt-poison died without a result": a finding
    ASSERT_EQ(own.size(), 1u) << fs;
    findings.push_back(own[0]);
    const bool xfs = fs == "xfs";
    EXPECT_EQ(expected(findings, *i, fs), (std::vector<bool>{xfs, xfs, false, true, false})) << fs;
  }
}

TEST(InjectorsOnAFakeGuest, PowerCutOnExt2MakesE2fsckAfterTheCutExpected) {
  for (std::string fs : {"ext2", "ext4"}) {
    auto i = injectors::make(campaign::InjectorSpec{"power-cut", {}}, fs, 3);
    FakeGuest g;
    g.stdout_of["dt-daxcheck"] = {R"({"ok": true})"};
    g.stdout_of["e2fsck"] = {"Block bitmap differences:  -(1544--1551)", "Fix? no"};
    g.code_of["e2fsck"] = 4;
    i->arm(g);
    (void)i->wrap({"dt-fault-vs-truncate", "--dir", "/mnt/dax/work"});
    for (double t = 0; t < 10 && !i->cut_pending(); t += 0.25) i->tick(g, t);
    ASSERT_TRUE(i->cut_pending()) << fs;
    EXPECT_FALSE(i->recover(g, campaign::FsSpec{fs, {}, "dax", fs}));  // one cut: done
    i->disarm(g);
    EXPECT_TRUE(i->record().value("fired", false)) << fs;
    auto findings = i->take_findings();
    ASSERT_EQ(findings.size(), 1u) << fs;
    EXPECT_EQ(findings[0].category, oracle::Category::Fsck);
    EXPECT_FALSE(findings[0].expected);  // the oracle pass decides, not the injector
    oracle::mark_expected(findings, {i->record()}, fs);
    EXPECT_EQ(findings[0].expected, fs == "ext2") << fs;
    if (fs == "ext2") {
      EXPECT_EQ(findings[0].note.rfind("expected consequence of power-cut: ext2 has no journal", 0),
                0u)
          << findings[0].note;
      EXPECT_NE(findings[0].note.find("after power cut 1 of 1"), std::string::npos)
          << findings[0].note;
    }
  }
}
