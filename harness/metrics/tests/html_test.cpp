#include "metrics/html.hpp"

#include <gtest/gtest.h>

#include "metrics/tests/sample_runs.hpp"
#include "util/tempdir.hpp"

TEST(Html, SelfContainedSummaryWithCharts) {
  dt::TempDir d("/tmp", "dt-metrics-html-");
  dt::results::Store store(d.path());
  auto runs = dt::metrics::fixtures::quick_campaign_runs();
  runs[0].findings[0].title = "WARNING <script>alert(1)</script> in dax";  // escaped, not run
  for (const auto& r : runs) store.add_run(r);
  auto html = dt::metrics::render_html(store);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos) << "no external resources";
  EXPECT_EQ(html.find("href="), std::string::npos);
  for (const char* s : {"Runs by status per filesystem", "Findings by title",
                        "Workload iterations per second", "VM boot to ready", "pass rate",
                        "possible deadlock in dax_iomap_fault", "fault-vs-truncate", "ext2"})
    EXPECT_NE(html.find(s), std::string::npos) << s;
  std::size_t svgs = 0;
  for (auto p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 4u);
  EXPECT_NE(html.find("<polyline"), std::string::npos);  // the boot-time line chart
}

TEST(Html, EmptyStoreStillRenders) {
  dt::TempDir d("/tmp", "dt-metrics-html-");
  dt::results::Store store(d.path());
  auto html = dt::metrics::render_html(store);
  EXPECT_NE(html.find("no data"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

// report --html --baseline: a title the baseline knows is shown as known, not as new.
TEST(Html, VerdictsFromTheBaselineMarkEachTitle) {
  dt::TempDir d("/tmp", "dt-metrics-html-");
  dt::results::Store store(d.path());
  for (const auto& r : dt::metrics::fixtures::quick_campaign_runs()) store.add_run(r);
  const std::string title = "possible deadlock in dax_iomap_fault";
  auto plain = dt::metrics::render_html(store);
  EXPECT_NE(plain.find("<td class=\"new\">" + title), std::string::npos) << "no baseline: new";
  dt::metrics::Verdicts v{{title, "known"}};
  auto html = dt::metrics::render_html(store, &v);
  EXPECT_NE(html.find("<td class=\"known\">" + title + "</td><td>known</td>"), std::string::npos);
  EXPECT_EQ(html.find("<td class=\"new\">" + title), std::string::npos);
}
