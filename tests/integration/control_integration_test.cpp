// Positive controls on real VMs: deliberate kernel reports from dt_canary.ko (built against
// the image's own kernel) must come out of the whole pipeline (console -> parser -> finding ->
// store -> exit code) as exactly the expected findings, deduplicated across repetitions, and
// `repro` must bring the same title back.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "results/store.hpp"
#include "util/process.hpp"
#include "util/tempdir.hpp"

using namespace dt;
namespace fs = std::filesystem;

TEST(PositiveControl, DeliberateWarnAndLockInversionAreDedupedAndReproduce) {
  TempDir out("/tmp", "dt-it-control-");
  fs::path o = out.path() / "o";
  auto r = run_capture({DT_BIN, "run", std::string(DT_CAMPAIGNS) + "/control.yaml", "--out",
                        o.string(), "--accel", "tcg", "--jobs", "2", "--no-canary"},
                       std::chrono::minutes(10));
  ASSERT_EQ(r.status.code, 1) << "new findings must fail the campaign\n" << r.output;
  results::Store store(o);
  std::map<std::string, results::FindingSummary> by_title;
  // A boot that stalled in early init under TCG is retried by `run` in a fresh VM, and the
  // stalled attempt stays on record as an infra finding: not a kernel report.
  for (auto& f : store.findings())
    if (f.category != "infra") by_title[f.title] = f;
  ASSERT_EQ(by_title.size(), 2u) << "exactly the two controls, nothing else:\n" << r.output;
  auto& warn = by_title["WARNING in dt_canary_warn"];
  EXPECT_EQ(warn.kind, "warning");
  EXPECT_EQ(warn.frame, "dt_canary_warn");
  EXPECT_EQ(warn.count, 2) << "one finding, deduplicated across both repetitions";
  auto& dl = by_title["possible deadlock in dt_canary_lockdep"];
  EXPECT_EQ(dl.kind, "lockdep");
  EXPECT_EQ(dl.frame, "dt_canary_lockdep");
  EXPECT_EQ(dl.count, 2);
  // Lockdep reports once per boot: the runs that hit it must say it is now off.
  for (auto& run : store.runs())
    EXPECT_EQ(run.lockdep_disabled,
              run.workload == "control" && run.cell.dump().find("lockdep") != std::string::npos)
        << run.cell_id;

  auto rep = run_capture(
      {DT_BIN, "repro", dl.example_run, "--from", o.string(), "--count", "2", "--accel", "tcg"},
      std::chrono::minutes(10));
  EXPECT_NE(rep.output.find("2/2  " + dl.title), std::string::npos) << rep.output;

  // The image keeps its vmlinux with line tables: the mailing-list report decodes the stack's
  // vmlinux frames (the canary's own frames are in the module) to file:line.
  auto up = run_capture({DT_BIN, "report", "--from", o.string(), "--upstream", warn.hash},
                        std::chrono::minutes(2));
  ASSERT_EQ(up.status.code, 0) << up.output;
  EXPECT_NE(up.output.find("Stacks decoded to file:line with the image's vmlinux"),
            std::string::npos)
      << up.output;
  static const std::regex file_line(R"( (fs|kernel|arch/x86|mm|lib)/[a-z0-9_/-]+\.[ch]:[0-9]+)");
  EXPECT_TRUE(std::regex_search(up.output, file_line)) << up.output;
}
