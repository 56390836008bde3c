// Debian's 6.12 LTS as the second built-in kernel (issue #15): the DAX proof on every
// filesystem it supports, then the quick campaign. The image is built on demand when missing
// (linux-source-6.12 installed from Debian's archive, a cold kernel build), so on a fresh
// machine the first run includes that build.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "boot_json.hpp"
#include "results/store.hpp"
#include "util/process.hpp"
#include "util/tempdir.hpp"

using namespace dt;

namespace {

// A cold 6.12 build on 2 loaded cores is ~40 min; a cached image boots at once.
constexpr auto kBuildAndRun = std::chrono::minutes(75);

bool is_612(const std::string& release) {
  return release.rfind("6.12.", 0) == 0 || release.rfind("6.12-", 0) == 0;
}

}  // namespace

TEST(Kernel612, EveryFilesystemProvesDax) {
  auto r = run_capture(
      {DT_BIN, "boot", "--kernel", "6.12", "--fs", "xfs,ext4,ext2", "--json", "--accel", "tcg"},
      kBuildAndRun);
  ASSERT_EQ(r.status.code, 0) << r.output;
  auto by_fs = test::boot_results_by_fs(r.output);
  // ext2 keeps DAX on 6.12 (campaigns/README.md, "Kernel names").
  for (std::string fsname : {"xfs", "ext4", "ext2"}) {
    ASSERT_TRUE(by_fs.count(fsname)) << r.output;
    auto& j = by_fs[fsname];
    EXPECT_TRUE(j["dax"].get<bool>()) << j.dump(2);
    EXPECT_TRUE(j["check"]["dax_mount"].get<bool>()) << fsname;
    EXPECT_TRUE(j["check"]["statx_dax"].get<bool>()) << fsname;
    if (fsname != "ext2") {
      EXPECT_TRUE(j["check"]["map_sync"].get<bool>()) << fsname;
    }
    EXPECT_TRUE(is_612(j["kernel"].get<std::string>())) << j["kernel"];
  }
}

TEST(Kernel612, QuickCampaignRunsClean) {
  TempDir out("/tmp", "dt-it-612-");
  auto o = out.path() / "o";
  auto r = run_capture({DT_BIN, "run", std::string(DT_PRESETS) + "/quick.yaml", "--kernel", "6.12",
                        "--accel", "tcg", "--jobs", "1", "--out", o.string()},
                       kBuildAndRun);
  // 0: clean; findings the shipped 6.12 baseline knows do not fail the run.
  ASSERT_EQ(r.status.code, 0) << r.output;
  results::Store store(o);
  auto runs = store.runs();
  ASSERT_EQ(runs.size(), 6u);
  for (auto& run : runs) {
    EXPECT_NE(run.cell_id.find("/6.12/"), std::string::npos) << run.cell_id;
    EXPECT_TRUE(is_612(run.kernel_release)) << run.cell_id << " " << run.kernel_release;
    EXPECT_TRUE(run.dax_proof.value("ok", false)) << run.cell_id;
    EXPECT_GT(run.iterations, 0u) << run.cell_id;
  }
}
