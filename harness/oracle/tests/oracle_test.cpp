#include <gtest/gtest.h>

#include "oracle/finding.hpp"

using namespace dt::oracle;

TEST(Fsck, CleanXfsRepairIsNoFinding) {
  // xfs_repair -n on a clean filesystem (xfsprogs 6.1 wording, exit 0)
  std::string out =
      "Phase 1 - find and verify superblock...\nPhase 2 - using internal log\n        - zero "
      "log...\n"
      "No modify flag set, skipping phase 5\nPhase 7 - verify link counts...\nNo modify flag set, "
      "skipping filesystem flush and exiting.\n";
  EXPECT_TRUE(from_fsck("xfs", 0, out).empty());
}

TEST(Fsck, XfsComplaintGetsANumberFreeTitle) {
  std::string out =
      "Phase 1 - find and verify superblock...\nPhase 3 - for each AG...\n        - scan (but "
      "don't clear) agi unlinked lists...\n"
      "data fork in ino 131 claims free block 4096\nWould have reset inode 131 nlinks from 0 to "
      "1\n";
  auto f = from_fsck("xfs", 1, out);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].title, "xfs_repair: data fork in ino N claims free block N");
  EXPECT_EQ(f[0].category, Category::Fsck);
}

TEST(Fsck, E2fsckExitCodes) {
  EXPECT_TRUE(from_fsck("ext4", 0, "pmem0: 11/32768 files (0.0% non-contiguous)\n").empty());
  auto f = from_fsck("ext2", 4,
                     "e2fsck 1.47.0 (5-Feb-2023)\nPass 1: Checking inodes, blocks, and sizes\n"
                     "Inode 12, i_blocks is 16, should be 8.  Fix? no\n");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].title, "e2fsck: Inode N, i_blocks is N, should be N.  Fix? no");
}

TEST(Verdict, TitleIsStableAcrossOffsetsAndSeeds) {
  auto a =
      from_verdict("fault-vs-truncate", {{"check", "stale-data"}, {"offset", 4096}, {"seed", 1}});
  auto b =
      from_verdict("fault-vs-truncate", {{"check", "stale-data"}, {"offset", 8192}, {"seed", 7}});
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.title, "DATA: stale-data in fault-vs-truncate");
  EXPECT_EQ(a.hash(), b.hash());
}

// The kind says why the guest was lost, and reads back from a stored finding; the console's
// own panic report (kind "panic") is not a lost guest's.
TEST(Finding, LostGuestKindsReadBack) {
  for (Lost why : {Lost::NoOutput, Lost::LostConnection, Lost::VmCrash, Lost::WorkloadTimeout})
    EXPECT_EQ(lost_kind(finding_from_json(to_json(lost(why, "title", "tail")))), why);
  EXPECT_EQ(lost(Lost::KernelPanic, "kernel panic", "tail").kind, "panic");
  EXPECT_EQ(lost_kind(lost(Lost::KernelPanic, "kernel panic", "tail")), std::nullopt);
  Finding report;
  report.kind = "hung-task";
  EXPECT_EQ(lost_kind(report), std::nullopt);
  // A stuck workload is not a crashed VM, whatever its title says.
  EXPECT_EQ(lost(Lost::WorkloadTimeout, "workload timed out (stuck operation?)", "").kind,
            "workload-timeout");
}

// One retry, and only for a boot nothing but infrastructure failed.
TEST(Finding, BootRetryPolicy) {
  const std::vector<Finding> quiet = {infra("boot failed: QEMU exited", "")};
  EXPECT_TRUE(retry_boot(1, quiet));
  EXPECT_FALSE(retry_boot(2, quiet)) << "a second quiet failure is the cell's";
  const std::vector<Finding> loud = {infra("boot failed", ""),
                                     lost(Lost::NoOutput, "no output from test machine", "")};
  EXPECT_FALSE(retry_boot(1, loud)) << "the kernel went silent: a finding, not a retry";
}

TEST(Finding, JsonRoundTrip) {
  auto f = lost(Lost::NoOutput, "no output from test machine", "tail");
  auto g = finding_from_json(to_json(f));
  EXPECT_EQ(g.title, f.title);
  EXPECT_EQ(g.kind, "no-output");
  EXPECT_EQ(g.category, f.category);
}
