#include "report/classify.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

using namespace dt::report;
using namespace dt::report::fixtures;
using dt::results::RunRecord;
using dt::results::Status;

namespace {

using Bucket = std::vector<std::pair<const RunRecord*, const dt::oracle::Finding*>>;
std::vector<std::string> titles(const Bucket& b) {
  std::vector<std::string> out;
  for (auto& [r, f] : b) out.push_back(f->title);
  return out;
}

RunRecord run_with(dt::oracle::Finding f, const std::string& fs, const std::string& release) {
  RunRecord r;
  r.run_id = "r-" + fs + "-" + release;
  r.fs = fs;
  r.kernel_release = release;
  r.status = Status::Findings;
  r.findings.push_back(std::move(f));
  return r;
}

}  // namespace

TEST(Classify, NewKnownExpectedWithBaseline) {
  Baseline b = load_baseline(testdata("baseline-ok.yaml"));
  auto runs = nightly_runs();
  Classified c = classify(runs, &b);
  // The deadlock is known only on ext4; this one is on xfs.
  EXPECT_EQ(titles(c.fresh),
            (std::vector<std::string>{
                "possible deadlock in dax_iomap_fault", "DATA: stale-data in fault-vs-truncate",
                "no output from test machine", "boot failed: no DAX-capable pmem device"}));
  EXPECT_EQ(titles(c.known),
            (std::vector<std::string>{"WARNING in dax_associate_entry",
                                      "xfs_repair: data fork in ino N claims free block N"}));
  EXPECT_EQ(titles(c.expected), std::vector<std::string>{"WARNING in dt_canary_init"});
  EXPECT_EQ(c.fresh[0].first, &runs[0]);  // pointers into the caller's runs
}

TEST(Classify, WithoutBaselineEverythingUnexpectedIsNew) {
  auto runs = nightly_runs();
  Classified c = classify(runs, nullptr);
  EXPECT_EQ(c.fresh.size(), 6u);
  EXPECT_TRUE(c.known.empty());
  EXPECT_EQ(c.expected.size(), 1u);
}

TEST(Classify, KernelAndFsWildcards) {
  Baseline b = load_baseline(testdata("baseline-ok.yaml"));
  std::vector<RunRecord> runs = {
      run_with(warning_finding(), "xfs", "6.1.0-27-amd64"),    // known: 6.1
      run_with(warning_finding(), "xfs", "6.1.112"),           // known: 6.1.x
      run_with(warning_finding(), "xfs~2", "6.1.0-27-amd64"),  // known: repeated label
      run_with(warning_finding(), "xfs", "6.10.0"),            // new: another kernel
      run_with(warning_finding(), "ext4", "6.1.0-27-amd64"),   // new: another fs
      run_with(lockdep_finding(), "ext4", "6.12.0"),           // known: kernel "*"
  };
  Classified c = classify(runs, &b);
  ASSERT_EQ(c.known.size(), 4u);
  ASSERT_EQ(c.fresh.size(), 2u);
  EXPECT_EQ(c.fresh[0].first->kernel_release, "6.10.0");
  EXPECT_EQ(c.fresh[1].first->fs, "ext4");
}

TEST(Classify, KindMustMatchWhenGiven) {
  Baseline b = load_baseline(testdata("baseline-ok.yaml"));
  auto f = warning_finding();
  f.kind = "bug";
  std::vector<RunRecord> runs = {run_with(f, "xfs", "6.1.0-27-amd64")};
  EXPECT_EQ(classify(runs, &b).fresh.size(), 1u);
}

TEST(Classify, ExpectedStaysExpectedEvenIfBaselineKnowsIt) {
  Baseline b = load_baseline(testdata("baseline-ok.yaml"));
  auto f = warning_finding();
  f.expected = true;
  std::vector<RunRecord> runs = {run_with(f, "xfs", "6.1.0-27-amd64")};
  Classified c = classify(runs, &b);
  EXPECT_EQ(c.expected.size(), 1u);
  EXPECT_TRUE(c.known.empty());
}

TEST(Classify, ExitCodeCountsOnlyNewFindings) {
  Baseline b = load_baseline(testdata("baseline-ok.yaml"));
  auto runs = nightly_runs();
  EXPECT_EQ(exit_code(runs, classify(runs, &b)), 1);

  // Known + expected findings, plus an errored run: infrastructure, not findings.
  std::vector<RunRecord> known_only = {runs[1], runs[3], runs[7], runs[6]};
  known_only[2].findings.clear();
  EXPECT_EQ(exit_code(known_only, classify(known_only, &b)), 3);

  known_only.erase(known_only.begin() + 2);
  EXPECT_EQ(exit_code(known_only, classify(known_only, &b)), 0);

  // A new infrastructure finding alone is infrastructure too...
  std::vector<RunRecord> umount = {run_with(boot_failed_finding(), "ext2", "6.1.0-27-amd64")};
  EXPECT_EQ(exit_code(umount, classify(umount, &b)), 3);
  // ...but a guest that went silent is the kernel's problem.
  std::vector<RunRecord> silent = {run_with(no_output_finding(), "ext2", "6.1.0-27-amd64")};
  EXPECT_EQ(exit_code(silent, classify(silent, &b)), 1);
}
