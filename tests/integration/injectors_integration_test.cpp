// Real VMs: the poison and power-cut injectors fire on xfs, ext4 and ext2 with the kernel's own
// evidence, and clean 6.1 behaves as measured (injectors/README.md) without false findings.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "keep_on_failure.hpp"
#include "results/store.hpp"
#include "util/process.hpp"
#include "util/tempdir.hpp"

using namespace dt;
namespace fs = std::filesystem;

namespace {

std::vector<results::RunRecord> run_campaign(const std::string& file, const fs::path& out, int jobs,
                                             std::chrono::minutes limit, RunResult* res = nullptr) {
  auto r = run_capture(
      {DT_BIN, "run", std::string(DT_CAMPAIGNS) + "/" + file, "--out", out.string(), "--accel",
       "tcg", "--jobs", std::to_string(jobs), "--no-canary", "--silence-timeout", "90"},
      limit);
  if (res) *res = r;
  // 0 clean, 1 findings (reported by the checks below with their titles); never 2 or 3.
  EXPECT_TRUE(r.status.code == 0 || r.status.code == 1) << r.output;
  return results::Store(out).runs();
}

using test::keep_on_failure;
using test::KeepOnFailure;

// Clean 6.1, xfs: corrupt-pfn vs an allocating pwrite vs a read fault (see the baseline).
const std::string kXfsMfDeadlock = "INFO: task hung in mf_dax_kill_procs";

std::string unexpected(const results::RunRecord& run) {
  std::string s;
  for (auto& f : run.findings)
    if (!f.expected) s += "\n  " + f.title + (f.note.empty() ? "" : " [" + f.note + "]");
  return s;
}

}  // namespace

TEST(Poison, FiresOnEveryFilesystemAndEveryMapperGetsItsSigbus) {
  TempDir out("/tmp", "dt-it-poison-");
  KeepOnFailure keep{out.path(), "poison"};
  // One VM at a time (2-core hosts); the xfs cell takes about 3 min when it hits the deadlock.
  auto runs = run_campaign("poison.yaml", out.path() / "o", 1, std::chrono::minutes(12));
  ASSERT_EQ(runs.size(), 3u);
  std::set<std::string> seen;
  for (auto& run : runs) {
    seen.insert(run.fs);
    ASSERT_EQ(run.injections.size(), 1u) << run.cell_id << " " << run.error;
    auto inj = run.injections[0];
    auto ev = inj["evidence"];
    EXPECT_TRUE(inj.value("fired", false)) << run.cell_id << " " << inj.dump();
    ASSERT_TRUE(ev.is_object()) << run.cell_id
                                << ": the guest died under poison:" << unexpected(run);
    if (run.fs == "xfs" && ev.value("xfs_mf_deadlock", false)) {
      // The known clean-6.1 deadlock (baselines/6.1-clean.yaml, injectors/poison.cpp): the
      // memory-failure task's hung-task report is the one counted finding, everything else in
      // the cycle is marked expected. Anything more is new.
      EXPECT_GT(ev.value("kernel_dax_recovered", 0), 0) << run.cell_id << " " << ev.dump();
      int primary = 0;
      for (auto& f : run.findings) {
        if (f.expected) continue;
        bool known =
            f.title == kXfsMfDeadlock && f.text.find("xfs_dax_notify_failure") != std::string::npos;
        EXPECT_TRUE(known) << run.cell_id << ": new finding beside the known deadlock: " << f.title;
        primary += known;
      }
      EXPECT_GT(primary, 0) << run.cell_id << unexpected(run);
      std::cout << run.cell_id << ": known xfs memory-failure deadlock (" << kXfsMfDeadlock
                << ")\n";
      continue;
    }
    EXPECT_FALSE(ev.contains("guest_lost"))
        << run.cell_id << ": the guest died under poison: " << ev.value("guest_lost", "")
        << unexpected(run);
    // The kernel's word: one "recovery action for dax page: Recovered" per checked madvise.
    EXPECT_GT(ev.value("kernel_dax_recovered", 0), 0) << run.cell_id << " " << ev.dump();
    EXPECT_EQ(ev.value("kernel_other_recovery_actions", -1), 0)
        << run.cell_id << ": a non-DAX page (zero page?) was poisoned " << ev.dump();
    int checked = ev.value("checked_poisons", 0);
    EXPECT_GT(checked, 0) << run.cell_id << " " << ev.dump();
    auto d = ev["delivery"];
    EXPECT_EQ(d.value("expected", -1), 2 * checked) << run.cell_id;
    EXPECT_EQ(d.value("delivered", -1), d.value("expected", -2)) << run.cell_id << " " << ev.dump();
    for (auto& m : ev["mappers"]) EXPECT_GE(m.value("ao", 0) + m.value("ar", 0), checked);
    EXPECT_EQ(run.status, results::Status::Pass) << run.cell_id << unexpected(run);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"xfs", "ext4", "ext2"}));
}

TEST(PowerCut, EveryFilesystemRecoversWithEveryAcknowledgedWrite) {
  TempDir out("/tmp", "dt-it-cut-");
  KeepOnFailure keep{out.path(), "power-cut"};
  auto runs = run_campaign("power-cut.yaml", out.path() / "o", 2, std::chrono::minutes(15));
  ASSERT_EQ(runs.size(), 3u);
  std::set<std::string> seen;
  for (auto& run : runs) {
    seen.insert(run.fs);
    ASSERT_EQ(run.injections.size(), 1u) << run.cell_id << " " << run.error;
    auto inj = run.injections[0];
    auto ev = inj["evidence"];
    EXPECT_TRUE(inj.value("fired", false)) << run.cell_id << " " << inj.dump();
    EXPECT_EQ(ev.value("cuts_done", 0), 2) << run.cell_id << " " << ev.dump();
    EXPECT_GT(ev.value("acked_ops_verified", 0), 0) << run.cell_id << " " << ev.dump();
    EXPECT_EQ(ev.value("lost_log_records", -1), 0) << run.cell_id;
    EXPECT_EQ(ev.value("verify_failed_checks", -1), 0) << run.cell_id << unexpected(run);
    for (auto& c : ev["cuts"]) {
      EXPECT_TRUE(c.value("mount", false)) << run.cell_id << " " << c.dump();
      EXPECT_GT(c["verify"].value("checks", 0), 0) << run.cell_id << " " << c.dump();
      // Journalled filesystems come back consistent; ext2's e2fsck complaints are expected.
      if (run.fs != "ext2") {
        EXPECT_EQ(c.value("fsck", -1), 0) << run.cell_id << " " << c.dump();
      }
    }
    // The kernel replayed a dirty log after the cut (journalled filesystems).
    if (run.fs == "xfs") {
      EXPECT_GT(ev.value("kernel_xfs_recovery", 0), 0) << ev.dump();
    } else if (run.fs == "ext4") {
      EXPECT_GT(ev.value("kernel_ext4_recovery", 0), 0) << ev.dump();
    } else {
      EXPECT_GT(ev.value("kernel_ext2_unchecked", 0), 0) << ev.dump();
    }
    EXPECT_EQ(run.status, results::Status::Pass) << run.cell_id << unexpected(run);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"xfs", "ext4", "ext2"}));
}

TEST(PowerCut, TwentyConsecutiveCutsLoseNoAcknowledgedWrite) {
  TempDir out("/tmp", "dt-it-cut20-");
  KeepOnFailure keep{out.path(), "power-cut-20"};
  auto t0 = std::chrono::steady_clock::now();
  auto runs = run_campaign("power-cut-20.yaml", out.path() / "o", 1, std::chrono::minutes(12));
  ASSERT_EQ(runs.size(), 1u);
  auto& run = runs[0];
  ASSERT_EQ(run.injections.size(), 1u) << run.error;
  auto ev = run.injections[0]["evidence"];
  EXPECT_EQ(ev.value("cuts_done", 0), 20) << ev.dump();
  EXPECT_EQ(ev["cuts"].size(), 20u);
  EXPECT_GT(ev.value("acked_ops_verified", 0), 20) << ev.dump();
  EXPECT_EQ(ev.value("lost_log_records", -1), 0);
  EXPECT_EQ(ev.value("verify_failed_checks", -1), 0) << unexpected(run);
  for (auto& c : ev["cuts"]) EXPECT_EQ(c.value("fsck", -1), 0) << c.dump();
  EXPECT_EQ(run.status, results::Status::Pass) << unexpected(run);
  // Snapshot mode (the default): the cell's first guest may be the image's ready state, but
  // every guest after a cut boots on what the cut left (a loadvm would put the saved NVDIMM
  // contents back over it).
  EXPECT_EQ(run.cut_restarts, std::vector<std::string>(20, "boot"));
  std::cout << "20 cuts took "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
            << " s, " << ev.value("acked_ops_verified", 0) << " acknowledged ops verified\n";
}
