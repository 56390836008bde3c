// The VM pool on real VMs (run --reuse-vm): consecutive cells share a guest until one of them
// leaves it unfit (a kernel report, a damaging injector); a report belongs to the cell that
// caused it and to no other, each run directory holds its own slice of the console, and no
// QEMU outlives the campaign.
#include <gtest/gtest.h>

#include <algorithm>

#include "results/store.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/tempdir.hpp"

using namespace dt;
namespace fs = std::filesystem;

namespace {

// One worker keeping its guest for up to 8 cells; the runs in the order they started.
struct PoolRun {
  TempDir out{"/tmp", "dt-it-pool-"};
  fs::path o = out.path() / "o";
  RunResult result;
  std::vector<results::RunRecord> runs;
  explicit PoolRun(const std::string& campaign, int reuse = 8,
                   std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {DT_BIN,
                                     "run",
                                     std::string(DT_CAMPAIGNS) + "/" + campaign,
                                     "--out",
                                     o.string(),
                                     "--accel",
                                     "tcg",
                                     "--jobs",
                                     "1",
                                     "--reuse-vm",
                                     std::to_string(reuse),
                                     "--no-canary",
                                     "--baseline",
                                     "none"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    result = run_capture(argv, std::chrono::minutes(15));
    runs = results::Store(o).runs();
    std::sort(runs.begin(), runs.end(),
              [](auto& a, auto& b) { return a.started_at < b.started_at; });
  }
};

}  // namespace

// With snapshot mode off (--no-snapshot-reset, and any backend without snapshots) an unfit
// guest is rebooted.
TEST(VmPool, KeptGuestsAreReplacedAfterAReportOrADamagingInjector) {
  PoolRun p("pool.yaml", 8, {"--no-snapshot-reset"});
  auto& r = p.result;
  auto& o = p.o;
  auto& runs = p.runs;
  ASSERT_EQ(r.status.code, 1) << "the control's WARN is a new finding\n" << r.output;
  ASSERT_EQ(runs.size(), 12u) << r.output;
  bool prev_kept = false;
  int reused = 0, controls = 0;
  for (auto& run : runs) {
    SCOPED_TRACE(run.cell_id + " guest_cell " + std::to_string(run.guest_cell) + " retired '" +
                 run.guest_retired + "'");
    bool control = run.workload == "control";
    bool damaging = run.injectors == "failslab";
    // A cell runs on the guest the previous cell handed back, else on a fresh boot.
    if (prev_kept && !damaging)
      EXPECT_GE(run.guest_cell, 2);
    else
      EXPECT_EQ(run.guest_cell, 1);
    EXPECT_EQ(run.boot_to_ready_s > 0, run.guest_cell == 1);
    reused += run.guest_cell >= 2;
    std::string console = read_file(run.console_path);
    EXPECT_NE(console.find("(pmem0)"), std::string::npos) << "its own slice: its mount";
    if (control) {
      ++controls;
      ASSERT_FALSE(run.findings.empty());
      EXPECT_EQ(run.findings.front().title, "WARNING in dt_canary_warn");
      EXPECT_NE(run.guest_retired, "") << "a report retires the guest";
      EXPECT_NE(console.find("dt_canary_warn"), std::string::npos);
    } else {
      // The WARN of a control cell on the same guest is not this cell's.
      EXPECT_EQ(console.find("dt_canary_warn"), std::string::npos);
      if (!damaging) {
        EXPECT_EQ(run.status, results::Status::Pass) << r.output;
      }
    }
    if (damaging) {
      EXPECT_NE(run.guest_retired, "");
    }
    prev_kept = run.guest_retired.empty();
  }
  EXPECT_EQ(controls, 6);
  EXPECT_GE(reused, 3) << "cells after a clean cell without a damaging injector reuse its guest";
  // Every guest is gone, and so are their NVDIMM files.
  auto ps = run_capture({"pgrep", "-f", o.string()}, std::chrono::seconds(10));
  EXPECT_NE(ps.status.code, 0) << "a QEMU outlived the campaign: " << ps.output;
  for (auto& e : fs::recursive_directory_iterator(o))
    EXPECT_NE(e.path().extension(), ".img") << e.path();
}

// A task the cell left in D state reports itself after the cell's workload ended: the report
// is that cell's (not the next cell's, not lost with the VM), and the next cell gets a clean
// guest: rebooted, or (snapshot mode, the default) restored from the snapshot.
namespace {

void late_hung_task_is_the_late_cells(const std::vector<std::string>& flags, bool snapshots) {
  PoolRun p("late-hung.yaml", 8, flags);
  auto& r = p.result;
  auto& runs = p.runs;
  ASSERT_EQ(r.status.code, 1) << "the late hung task is a new finding\n" << r.output;
  ASSERT_EQ(runs.size(), 2u) << r.output;
  auto& late = runs[0];
  auto& next = runs[1];
  ASSERT_EQ(late.workload, "control");
  ASSERT_FALSE(late.findings.empty()) << r.output;
  EXPECT_EQ(late.findings.front().title, "INFO: task hung in dt_canary_hold");
  const std::string& why = snapshots ? late.guest_restored : late.guest_retired;
  EXPECT_NE(why.find("D state"), std::string::npos) << why;
  EXPECT_NE(read_file(late.console_path).find("dt_canary_hold"), std::string::npos);
  EXPECT_EQ(next.workload, "fault-vs-truncate");
  if (snapshots)
    EXPECT_EQ(next.guest_cell, 2) << "the restored guest, not a new boot";
  else
    EXPECT_EQ(next.guest_cell, 1) << "a fresh guest after the stuck one";
  EXPECT_EQ(next.status, results::Status::Pass) << r.output;
  EXPECT_TRUE(next.findings.empty());
  EXPECT_EQ(read_file(next.console_path).find("dt_canary_hold"), std::string::npos);
}

}  // namespace

TEST(VmPool, LateHungTaskBelongsToTheCellThatLeftTheTask) {
  late_hung_task_is_the_late_cells({}, true);
}

TEST(VmPool, LateHungTaskBelongsToTheCellThatLeftTheTaskWhenGuestsAreRebooted) {
  late_hung_task_is_the_late_cells({"--no-snapshot-reset"}, false);
}

// Snapshot mode (the default on the qemu backend, no flag): the same campaign on one boot. A
// guest left unfit by a report or by fault injection is put back from the snapshot taken after
// its first boot, and the next cell runs on it clean: no inherited WARN, no inherited taint.
TEST(VmPool, SnapshotModeRestoresTheGuestAfterAReportOrADamagingInjector) {
  PoolRun p("pool.yaml", 12);
  auto& r = p.result;
  auto& runs = p.runs;
  ASSERT_EQ(r.status.code, 1) << "the control's WARN is a new finding\n" << r.output;
  ASSERT_EQ(runs.size(), 12u) << r.output;
  int boots = 0, restored = 0;
  bool prev_restored = false;
  for (auto& run : runs) {
    SCOPED_TRACE(run.cell_id + " guest_cell " + std::to_string(run.guest_cell) + " restored '" +
                 run.guest_restored + "' retired '" + run.guest_retired + "'");
    boots += run.guest_cell == 1;
    const bool control = run.workload == "control";
    const std::string console = read_file(run.console_path);
    if (control) {
      ASSERT_FALSE(run.findings.empty());
      EXPECT_EQ(run.findings.front().title, "WARNING in dt_canary_warn");
      EXPECT_NE(run.guest_restored, "") << "a report puts the guest back";
    } else {
      EXPECT_EQ(console.find("dt_canary_warn"), std::string::npos) << "not this cell's WARN";
      EXPECT_EQ(run.status, results::Status::Pass) << r.output;
      // On the restored guest nothing of the last cell's is left: at most the expected
      // consequences of this cell's own fault injection.
      if (prev_restored) {
        EXPECT_EQ(run.new_findings(), 0u) << "the restored guest is clean";
      }
      if (run.injectors == "failslab") {
        EXPECT_NE(run.guest_restored, "") << "fault injection";
      }
    }
    restored += !run.guest_restored.empty();
    if (run.guest_cell < 12) {
      EXPECT_EQ(run.guest_retired, "") << "restored or kept, never rebooted";
    }
    prev_restored = !run.guest_restored.empty();
  }
  EXPECT_EQ(boots, 1) << "one boot for the whole campaign";
  EXPECT_EQ(restored, 8) << "six reports and two failslab cells";
  auto ps = run_capture({"pgrep", "-f", p.o.string()}, std::chrono::seconds(10));
  EXPECT_NE(ps.status.code, 0) << "a QEMU outlived the campaign: " << ps.output;
}

// Snapshot mode's fresh guests come from the image's ready state: the first clean boot of a
// machine saves it, and a later campaign's first guest is loaded from it instead of booting,
// with its namespace, a DAX proof and a clean cell. A state that no longer loads is dropped,
// and that guest boots and saves a new one.
TEST(VmPool, AFreshGuestStartsFromTheImagesReadyState) {
  auto path = run_capture({DT_BIN, "image", "path"}, std::chrono::seconds(60));
  ASSERT_EQ(path.status.code, 0) << path.output;
  std::string dir = path.output.substr(0, path.output.find_last_not_of("\n") + 1);
  dir = dir.substr(dir.rfind('\n') + 1);
  const fs::path states = fs::path(dir) / "ready-states";
  auto state_files = [&] {
    std::vector<fs::path> out;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(states, ec))
      if (e.path().extension() == ".qcow2") out.push_back(e.path());
    return out;
  };
  auto check = [](const PoolRun& p) {
    ASSERT_EQ(p.runs.size(), 2u) << p.result.output;
    for (auto& run : p.runs) EXPECT_NE(run.status, results::Status::Error) << p.result.output;
    EXPECT_EQ(p.runs[1].guest_cell, 2) << "the second cell runs on the kept guest";
    EXPECT_EQ(p.runs[1].guest_start, "");
  };

  PoolRun first("pair.yaml");  // boots and saves the state, unless an earlier run did
  check(first);
  ASSERT_FALSE(state_files().empty()) << "no ready state saved in " << states;

  PoolRun second("pair.yaml");
  check(second);
  EXPECT_EQ(second.runs[0].guest_start, "ready state");
  EXPECT_EQ(second.runs[0].namespaces, "ready state");
  EXPECT_GT(second.runs[0].boot_to_ready_s, 0);

  // The image may hold states of other configurations (other tests, benches): corrupt them
  // all, and look for the one this configuration saves again.
  const auto corrupted = state_files();
  for (auto& f : corrupted) write_file_atomic(f, "not a qcow2 image\n");
  PoolRun third("pair.yaml");
  check(third);
  EXPECT_EQ(third.runs[0].guest_start.rfind("boot: the ready state did not load", 0), 0u)
      << third.runs[0].guest_start;
  EXPECT_EQ(third.runs[0].namespaces, "template");
  int resaved = 0;
  for (auto& f : state_files()) resaved += fs::file_size(f) > (1u << 20);
  EXPECT_EQ(resaved, 1) << "the guest that booted saved a new state, and only its own";
  auto ps = run_capture({"pgrep", "-f", third.o.string()}, std::chrono::seconds(10));
  EXPECT_NE(ps.status.code, 0) << "a QEMU outlived the campaign: " << ps.output;
}
