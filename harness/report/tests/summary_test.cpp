#include "report/summary.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "report/html.hpp"
#include "report/overview.hpp"
#include "util/tempdir.hpp"

using namespace dt::report;
using namespace dt::report::fixtures;

namespace {

class Summary : public ::testing::Test {
 protected:
  Summary() : dir("/tmp", "dt-summary-"), store(dir.path()) {
    for (auto& r : nightly_runs()) store.add_run(r);
    store.set_meta("campaign", "nightly");
    baseline = load_baseline(testdata("baseline-ok.yaml"));
  }
  const dt::results::FindingSummary& finding(const std::string& title) {
    for (auto& f : findings)
      if (f.title == title) return f;
    throw std::runtime_error("no finding " + title);
  }
  void SetUp() override { findings = store.findings(); }

  dt::TempDir dir;
  dt::results::Store store;
  Baseline baseline;
  std::vector<dt::results::FindingSummary> findings;
};

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

TEST_F(Summary, FindingTextHasEverythingToActOn) {
  std::string t = finding_text(store, finding("possible deadlock in dax_iomap_fault"));
  EXPECT_EQ(t.rfind("possible deadlock in dax_iomap_fault\n", 0), 0u) << t;
  EXPECT_TRUE(has(t, "kind   lockdep (kernel)")) << t;
  EXPECT_TRUE(has(t, "frame  dax_iomap_fault"));
  EXPECT_TRUE(has(t, "rate   seen in 1 of 8 runs (12.5%)"));
  EXPECT_TRUE(has(t, "first  2026-11-21T22:10:00Z"));
  EXPECT_TRUE(has(t, "cells  xfs/fault-vs-truncate/none/default/r0"));
  EXPECT_TRUE(has(t, "    WARNING: possible circular locking dependency detected"));
  EXPECT_TRUE(has(t, "    frame_13+0xd0/0x200\n"));  // line 25 of the report
  EXPECT_FALSE(has(t, "frame_14+"));                 // line 26: cut
  EXPECT_TRUE(has(t, "[... 16 more lines]"));
  EXPECT_TRUE(has(t, "repro  daxtorture repro nightly-0000-a0 --from " + dir.path().string()));
}

TEST_F(Summary, StoreTextSeparatesNewFromKnown) {
  std::string t = store_text(store, &baseline);
  EXPECT_TRUE(has(t, "(campaign nightly)")) << t;
  EXPECT_TRUE(has(t, "runs: 8  pass 1, findings 5, error 1, skip 1"));
  EXPECT_TRUE(
      has(t, "error  xfs/pmd-vs-pte/none/default/r0  nightly-0007-a0: no DAX-capable pmem device"));
  EXPECT_TRUE(has(t, "findings: 4 new, 2 known, 1 expected"));
  EXPECT_TRUE(has(t, "WARNING in dax_associate_entry  (baseline rate 25.0%)"));
  EXPECT_TRUE(has(t, "new      "));
  EXPECT_TRUE(has(t, "known    "));
  EXPECT_TRUE(has(t, "expected "));
  EXPECT_TRUE(has(t, "\nnew findings:\n"));
  EXPECT_TRUE(has(t, "daxtorture repro nightly-0002-a0 --from " + dir.path().string()));
  EXPECT_FALSE(has(t, "daxtorture repro nightly-0001-a0"));  // known: no details
  EXPECT_TRUE(has(t,
                  "BUG: unable to handle page fault in dax_writeback_one  [fs *, kernel 6.1]  "
                  "last seen 2026-11-01  -> possibly fixed"));
  std::string patient = store_text(store, &baseline, 30);
  EXPECT_FALSE(has(patient, "2026-11-01  -> possibly fixed")) << patient;
  EXPECT_TRUE(has(patient, "2026-10-01  -> possibly fixed"));
}

TEST_F(Summary, StoreTextWithoutBaselineCallsEverythingNew) {
  std::string t = store_text(store, nullptr);
  EXPECT_TRUE(has(t, "findings: 6 new, 0 known, 1 expected")) << t;
  EXPECT_FALSE(has(t, "baseline entries"));
}

TEST_F(Summary, StoreTextTableKeepsColumnsWithALongKind) {
  auto runs = nightly_runs();
  auto r = runs.at(2);
  r.run_id = "nightly-0008-a0";
  r.cell_id = "ext4/map-sync/none/default/r1";
  dt::oracle::Finding f;
  f.category = dt::oracle::Category::Workload;
  f.kind = "missing-sigbus-after-truncate";
  f.title = "DATA: missing-sigbus in map-sync";
  r.findings = {f};
  store.add_run(r);
  const std::string t = store_text(store, nullptr);
  EXPECT_TRUE(has(t, "missing-sigbus-after-truncate  DATA: missing-sigbus in map-sync")) << t;
  // Every row of the table starts its title in the header's "title" column.
  const auto header = t.find("  status");
  ASSERT_NE(header, std::string::npos) << t;
  const auto header_end = t.find('\n', header);
  const auto title_col = t.find("title", header) - header;
  for (auto pos = header_end + 1; pos < t.size() && t.compare(pos, 2, "  ") == 0;) {
    const auto end = t.find('\n', pos);
    const std::string row = t.substr(pos, end - pos);
    if (row.empty() || row[2] == ' ') break;  // past the table
    ASSERT_GT(row.size(), title_col) << row;
    EXPECT_NE(row[title_col - 1], '-') << row;
    EXPECT_EQ(row[title_col - 1], ' ') << row;
    EXPECT_NE(row[title_col], ' ') << row;
    pos = end + 1;
  }
}

TEST_F(Summary, StoreJson) {
  auto j = store_json(store, &baseline);
  EXPECT_EQ(j["campaign"], "nightly");
  EXPECT_EQ(j["runs"]["total"], 8);
  EXPECT_EQ(j["runs"]["error"], 1);
  EXPECT_EQ(j["new"], 4);
  EXPECT_EQ(j["known"], 2);
  EXPECT_EQ(j["expected"], 1);
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["failed_runs"].size(), 1u);
  bool saw_known = false;
  for (auto& f : j["findings"]) {
    EXPECT_TRUE(f.contains("title") && f.contains("rate") && f.contains("repro"));
    if (f["title"] == "WARNING in dax_associate_entry") {
      saw_known = true;
      EXPECT_EQ(f["status"], "known");
      EXPECT_NEAR(f["rate"].get<double>(), 1.0 / 8, 1e-9);
      EXPECT_EQ(f["baseline"]["rate"], 0.25);
      EXPECT_EQ(f["repro"], "daxtorture repro nightly-0001-a0 --from " + dir.path().string());
    }
  }
  EXPECT_TRUE(saw_known);
  ASSERT_EQ(j["baseline"]["unseen"].size(), 2u);
  EXPECT_TRUE(j["baseline"]["unseen"][0]["possibly_fixed"].get<bool>());
}

TEST_F(Summary, RunTextAndJson) {
  auto run = store.run("nightly-0002-a0");
  ASSERT_TRUE(run);
  std::string t = run_text(store, *run, &baseline);
  EXPECT_TRUE(has(t, "cell     ext4/fault-vs-truncate/pause-jitter/default/r0")) << t;
  EXPECT_TRUE(has(t, "new      "));
  EXPECT_TRUE(has(t, "expected "));
  EXPECT_TRUE(has(t, "(deliberate splat"));
  EXPECT_TRUE(has(t, "repro    daxtorture repro nightly-0002-a0 --from "));
  auto j = run_json(store, *run, &baseline);
  EXPECT_EQ(j["findings"][0]["status"], "new");
  EXPECT_EQ(j["findings"][1]["status"], "expected");
}

TEST_F(Summary, FallbackHtmlEscapes) {
  auto r = nightly_runs()[0];
  r.run_id = "nightly-0099-a0";
  r.findings[0].title = "WARNING in <script>alert(1)</script>";
  store.add_run(r);
  std::string h = html_page(store, &baseline);
  EXPECT_TRUE(has(h, "<table>"));
  EXPECT_TRUE(has(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_FALSE(has(h, "<script>"));
  EXPECT_TRUE(has(h, "daxtorture repro nightly-0000-a0"));
}

TEST(ShellQuote, OnlyWhenNeeded) {
  EXPECT_EQ(shell_quote("./daxtorture-out"), "./daxtorture-out");
  EXPECT_EQ(shell_quote("/tmp/my results"), "'/tmp/my results'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}
