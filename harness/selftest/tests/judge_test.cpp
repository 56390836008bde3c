#include "selftest/judge.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/baseline.hpp"
#include "util/paths.hpp"

namespace dt::selftest {
namespace {
using nlohmann::json;
using ::testing::HasSubstr;

json run_event(const std::string& fs, json findings) {
  return {{"event", "run"},
          {"cell", fs + "/reflink/none/mutant:x/r0"},
          {"fs", fs},
          {"workload", "reflink"},
          {"kernel_release", "6.1.192"},
          {"findings", findings}};
}

TEST(Judge, FirstNewFindingKills) {
  auto k =
      judge_run(run_event("xfs", json::array({{{"title", "DATA: stale-data in fault-vs-truncate"},
                                               {"kind", "stale-data"},
                                               {"expected", false}}})),
                nullptr, {"stale-data"});
  ASSERT_TRUE(k);
  EXPECT_EQ(k->title, "DATA: stale-data in fault-vs-truncate");
  EXPECT_TRUE(k->expected_kind);
  EXPECT_EQ(k->cell, "xfs/reflink/none/mutant:x/r0");
}

TEST(Judge, ExpectedInfraAndPhaseEventsDoNotKill) {
  EXPECT_FALSE(judge_run(run_event("xfs", json::array({{{"title", "INFO: task hung in vfs_write"},
                                                        {"kind", "hung-task"},
                                                        {"expected", true}}})),
                         nullptr, {}));
  EXPECT_FALSE(judge_run(
      run_event("xfs",
                json::array({{{"title", "boot failed"}, {"kind", "infra"}, {"expected", false}}})),
      nullptr, {}));
  EXPECT_FALSE(judge_run(json{{"event", "phase"}, {"cell", "x"}}, nullptr, {}));
  EXPECT_FALSE(judge_run(run_event("xfs", json::array()), nullptr, {}));
}

TEST(Judge, TheShippedBaselineIsPerFilesystem) {
  auto b = report::load_baseline((source_dir() / "baselines" / "6.1-clean.yaml").string());
  json warn = json::array(
      {{{"title", "WARNING in dax_insert_entry"}, {"kind", "warning"}, {"expected", false}}});
  EXPECT_FALSE(judge_run(run_event("xfs", warn), &b, {"warning"})) << "known on clean xfs";
  auto k = judge_run(run_event("ext4", warn), &b, {"bug"});
  ASSERT_TRUE(k) << "the same warning on ext4 is new";
  EXPECT_FALSE(k->expected_kind);
}

TEST(Judge, TableAndExitCode) {
  Outcome killed{"m1",       "mutant:m1",
                 "breaks a", 0,
                 300,        42,
                 3,          Kill{"WARNING in dax_disassociate_entry", "warning", "xfs/x", true},
                 2,          ""};
  Outcome survived{"m2", "mutant:m2", "breaks b", 0, 300, 300, 20, std::nullopt, 0, ""};
  Outcome clean{"clean", "default", "", 0, 300, 300, 20, std::nullopt, 0, ""};
  auto t = render_table({killed, survived}, clean);
  EXPECT_THAT(t, HasSubstr("m1"));
  EXPECT_THAT(t, HasSubstr("killed"));
  EXPECT_THAT(t, HasSubstr("42s"));
  EXPECT_THAT(t, HasSubstr("SURVIVED"));
  EXPECT_THAT(t, HasSubstr("kill rate: 1/2 (50%)"));
  EXPECT_THAT(t, HasSubstr("clean kernel: 20 runs in 300s, 0 new findings"));
  EXPECT_EQ(selftest_exit_code({killed, survived}, clean), 1);
  EXPECT_EQ(selftest_exit_code({killed}, clean), 0);
  Outcome dirty = clean;
  dirty.new_findings = 1;
  EXPECT_EQ(selftest_exit_code({killed}, dirty), 1) << "a clean kernel with findings is a failure";
  Outcome broken = killed;
  broken.kill.reset();
  broken.error = "image build failed";
  EXPECT_EQ(selftest_exit_code({killed, broken}, clean), 3);
  auto j = to_json(killed);
  EXPECT_EQ(j["kill"]["detection_s"], 42);
  EXPECT_TRUE(j["killed"]);
}

}  // namespace
}  // namespace dt::selftest

namespace dt::selftest {
namespace {

json finding(const std::string& title, const std::string& kind) {
  return {{"title", title}, {"kind", kind}, {"expected", false}};
}

json run_in(const std::string& cell, json findings) {
  return {{"event", "run"},
          {"cell", cell},
          {"fs", cell.substr(0, cell.find('/'))},
          {"workload", "mixed"},
          {"kernel_release", "6.1.192"},
          {"findings", findings}};
}

TEST(CleanEvidence, CellKeyDropsKernelAndRepetition) {
  EXPECT_EQ(CleanEvidence::cell_key("ext2/mixed/none/mutant:x/r3"), "ext2/mixed/none");
  EXPECT_EQ(CleanEvidence::cell_key("xfs/reflink/pause-jitter/default/r0"),
            "xfs/reflink/pause-jitter");
}

// Issue 13's false kills: a finding the clean kernel raises in the same cell is the clean
// kernel's, whatever the baseline says; in another cell it still kills, and the verdict says
// the clean kernel has shown that title elsewhere.
TEST(Judge, DifferentialAgainstTheCleanKernel) {
  CleanEvidence clean;
  clean.add_run(run_in("ext2/mixed/none/default/r1",
                       json::array({finding("DATA: torn-block in mixed", "torn-block")})));
  clean.add_run(run_in("xfs/mixed/none/default/r0", json::array()));
  EXPECT_EQ(clean.runs(), 2);

  auto same_cell = judge(run_in("ext2/mixed/none/mutant:m/r0",
                                json::array({finding("DATA: torn-block in mixed", "torn-block")})),
                         nullptr, {"torn-block"}, &clean);
  EXPECT_FALSE(same_cell.kill) << "the clean kernel shows it in this very cell";
  ASSERT_EQ(same_cell.also_on_clean.size(), 1u);
  EXPECT_EQ(same_cell.also_on_clean[0], "DATA: torn-block in mixed");

  auto other_cell = judge(run_in("xfs/mixed/none/mutant:m/r0",
                                 json::array({finding("DATA: torn-block in mixed", "torn-block")})),
                          nullptr, {"torn-block"}, &clean);
  ASSERT_TRUE(other_cell.kill) << "never seen on clean xfs/mixed";
  EXPECT_FALSE(other_cell.kill->clean_never) << "but the clean kernel showed the title on ext2";
  EXPECT_TRUE(other_cell.kill->clean_ran_cell);

  auto unseen = judge(run_in("ext4/mixed/none/mutant:m/r0",
                             json::array({finding("DATA: torn-block in mixed", "torn-block"),
                                          finding("WARNING in dax_insert_entry", "warning")})),
                      nullptr, {"warning"}, &clean);
  ASSERT_TRUE(unseen.kill);
  EXPECT_EQ(unseen.kill->title, "DATA: torn-block in mixed") << "the first new finding kills";
  EXPECT_FALSE(unseen.kill->clean_ran_cell) << "the clean kernel never reached ext4/mixed";

  auto with_clean_first =
      judge(run_in("ext2/mixed/none/mutant:m/r0",
                   json::array({finding("DATA: torn-block in mixed", "torn-block"),
                                finding("DATA: stale-data in mixed", "stale-data")})),
            nullptr, {"stale-data"}, &clean);
  ASSERT_TRUE(with_clean_first.kill) << "a clean-kernel finding does not hide a new one beside it";
  EXPECT_EQ(with_clean_first.kill->title, "DATA: stale-data in mixed");
  EXPECT_TRUE(with_clean_first.kill->clean_never);
}

TEST(Judge, TableShowsTheCleanComparisonAndInterruptions) {
  Outcome killed{
      "m1", "mutant:m1",
      "b",  0,
      300,  42,
      3,    Kill{"WARNING in dax_insert_entry", "warning", "xfs/x/none/mutant:m1/r0", true},
      1,    ""};
  killed.kill->clean_never = false;
  Outcome survived{"m2", "mutant:m2", "b", 0, 300, 300, 20, std::nullopt, 0, ""};
  survived.also_on_clean = {"DATA: torn-block in mixed"};
  Outcome clean{"clean", "default", "", 0, 300, 300, 20, std::nullopt, 0, ""};
  auto t = render_table({killed, survived}, clean);
  EXPECT_THAT(t, HasSubstr("other cells"));
  EXPECT_THAT(t,
              HasSubstr("not counted, the clean kernel shows it too: DATA: torn-block in mixed"));

  Outcome stopped = clean;
  stopped.interrupted = true;
  EXPECT_THAT(render_table({}, stopped), HasSubstr("INTERRUPTED"));
  Outcome never = clean;
  never.ran = false;
  EXPECT_THAT(render_table({}, never), HasSubstr("DID NOT RUN"));
  EXPECT_THAT(render_table({killed}, std::nullopt), HasSubstr("not compared"));
  Outcome not_started{"m3", "mutant:m3", "b", 0, 300, 0, 0, std::nullopt, 0, ""};
  not_started.ran = false;
  EXPECT_EQ(selftest_exit_code({killed, not_started}, clean), 0)
      << "a mutant that never started is not a survivor";
  Outcome cut_short{"m4", "mutant:m4", "b", 0, 300, 120, 4, std::nullopt, 0, ""};
  cut_short.interrupted = true;
  auto t2 = render_table({killed, not_started, cut_short}, clean);
  EXPECT_THAT(t2, HasSubstr("kill rate: 1/1")) << "only verdicts count:\n" << t2;
  EXPECT_THAT(t2, HasSubstr("interrupted after 120s"));
}

}  // namespace
}  // namespace dt::selftest
