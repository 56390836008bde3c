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
