// A guest lost after a report that stops tasks is that report's end, not a second finding; after
// a report the kernel survives (a WARNING) the loss stays a finding of its own. The reports are
// our own guests' consoles from the console corpus.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "console/parser.hpp"
#include "oracle/finding.hpp"

namespace dt::oracle {
namespace {

std::vector<Finding> findings_of(const std::string& corpus_file) {
  std::ifstream in(std::string(DT_CONSOLE_TESTDATA) + "/reports/" + corpus_file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  console::Parser p;
  p.feed(std::string_view(all).substr(all.find("\n\n") + 2));
  p.finish();
  std::vector<Finding> out;
  for (const auto& r : p.take_reports()) out.push_back(from_report(r));
  return out;
}

// xfs + unbind on clean 6.1: the Oops in dax_layout_busy_page_range kills a truncate holding the
// ILOCK, every fault then waits for it, and the guest falls silent.
TEST(LostGuest, AfterAnOopsIsTheOopsEndAndNotAFindingOfItsOwn) {
  auto f = findings_of("real_bug_paging_request_dax_layout_busy_xfs_unbind.txt");
  ASSERT_EQ(f.size(), 1u);
  f.push_back(lost(Lost::NoOutput, "no output from test machine", "console tail"));
  fold_lost_into_reports(f);
  EXPECT_FALSE(f[0].expected) << "the Oops stays the finding";
  EXPECT_TRUE(f[1].expected);
  EXPECT_NE(f[1].note.find("BUG: unable to handle kernel paging request"), std::string::npos)
      << f[1].note;
  EXPECT_EQ(f[1].category, Category::Kernel);
}

TEST(LostGuest, AfterAWarningAloneIsStillAFinding) {
  auto f = findings_of("real_warning_canary_module_xfs.txt");
  ASSERT_EQ(f.size(), 1u);
  f.push_back(lost(Lost::LostConnection, "lost connection to test machine", ""));
  fold_lost_into_reports(f);
  EXPECT_FALSE(f[1].expected);
}

// A report already explained (an injection's, the canary's) explains nothing further: the loss
// is judged as if it were alone.
TEST(LostGuest, AnExpectedReportDoesNotExplainTheLoss) {
  auto f = findings_of("real_hung_task_canary_xfs.txt");
  ASSERT_EQ(f.size(), 1u);
  f[0].expected = true;
  f.push_back(lost(Lost::NoOutput, "no output from test machine", ""));
  fold_lost_into_reports(f);
  EXPECT_FALSE(f[1].expected);
  f[0].expected = false;
  fold_lost_into_reports(f);
  EXPECT_TRUE(f[1].expected) << "a hung task wedges tasks";
}

}  // namespace
}  // namespace dt::oracle
