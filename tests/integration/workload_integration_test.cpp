// Workloads on real VMs whose oracle needs a kernel to prove it sees: dt-partial-block stays
// clean on the clean kernel and kills the mutant that puts its bug class back
// (guest-images/mutants/dax-zero-partial-page-offset.patch), on every filesystem, while the
// block-aligned workloads never reach that code (guest-images/mutants/README.md).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "results/store.hpp"
#include "util/process.hpp"
#include "util/tempdir.hpp"

using namespace dt;
namespace fs = std::filesystem;

namespace {

struct Ran {
  int code;
  std::string output;
  std::vector<results::RunRecord> runs;
};

Ran run_partial(const fs::path& out, const std::string& kernel) {
  auto r =
      run_capture({DT_BIN, "run", std::string(DT_CAMPAIGNS) + "/partial.yaml", "--kernel", kernel,
                   "--out", out.string(), "--accel", "tcg", "--jobs", "2", "--no-canary"},
                  std::chrono::minutes(15));
  results::Store store(out);
  // The latest run of each cell: a boot that stalled under TCG is retried in a fresh VM and
  // stays on record as an infra finding of its own.
  std::map<std::string, results::RunRecord> latest;
  for (auto& run : store.runs()) latest[run.cell_id] = run;
  Ran ran{r.status.code, r.output, {}};
  for (auto& [id, run] : latest) ran.runs.push_back(run);
  return ran;
}

}  // namespace

TEST(PartialBlock, CleanKernelStaysCleanAndTheOffsetMutantDiesOnEveryFilesystem) {
  TempDir tmp("/tmp", "dt-it-partial-");
  const Ran clean = run_partial(tmp.path() / "clean", "default");
  // 0: nothing new (the ext4 stale-mapping finding is in the shipped 6.1 baseline).
  ASSERT_EQ(clean.code, 0) << clean.output;
  ASSERT_EQ(clean.runs.size(), 3u) << clean.output;
  for (const auto& run : clean.runs) {
    EXPECT_GT(run.iterations, 0u) << run.cell_id;
    EXPECT_GT(run.checks, 0u) << run.cell_id;
  }

  const Ran mutant = run_partial(tmp.path() / "mutant", "mutant:dax-zero-partial-page-offset");
  ASSERT_EQ(mutant.code, 1) << "the mutant must fail the campaign\n" << mutant.output;
  ASSERT_EQ(mutant.runs.size(), 3u) << mutant.output;
  const std::set<std::string> data = {"nonzero-hole", "lost-write", "stale-data"};
  for (const auto& run : mutant.runs) {
    bool seen = false;
    for (const auto& f : run.findings) seen |= data.count(f.kind) > 0 && !f.expected;
    EXPECT_TRUE(seen) << run.fs << ": no partial-zeroing data finding\n" << mutant.output;
  }
}
