#include "metrics/metrics.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "metrics/families.hpp"
#include "metrics/tests/exposition_parse.hpp"
#include "metrics/tests/http_stub.hpp"
#include "metrics/tests/sample_runs.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/tempdir.hpp"

using namespace dt::metrics;
using dt::metrics::fixtures::parse_exposition;
#include <fmt/format.h>

namespace {

const std::string kXfsFvt =
    R"(fs="xfs",injector="none",kernel="default",kernel_version="6.1.0-dt",status="findings",workload="fault-vs-truncate")";

std::map<std::string, double> observe_quick(Metrics& m) {
  for (const auto& r : fixtures::quick_campaign_runs()) {
    m.run_started(r.cell_id);
    m.observe_run(r);
  }
  return parse_exposition(m.exposition());
}

}  // namespace

TEST(Metrics, RunsByResultAndCellLabels) {
  Metrics m({.campaign = "quick"});
  auto s = observe_quick(m);
  EXPECT_EQ(s.at("daxtorture_runs_total{" + kXfsFvt + "}"), 1);
  EXPECT_EQ(
      s.at(
          R"(daxtorture_runs_total{fs="ext2",injector="none",kernel="default",kernel_version="unknown",status="error",workload="fault-vs-truncate"})"),
      1);
  EXPECT_EQ(
      s.at(
          R"(daxtorture_runs_total{fs="ext2",injector="pause-jitter",kernel="default",kernel_version="6.1.0-dt",status="pass",workload="write-vs-fault"})"),
      1);
  double total = 0;
  for (const auto& [k, v] : s)
    if (k.rfind("daxtorture_runs_total{", 0) == 0) total += v;
  EXPECT_EQ(total, 7);
  // Grouping labels are not in the raw exposition: the push adds them from the grouping key.
  EXPECT_EQ(m.exposition().find("campaign="), std::string::npos);
}

TEST(Metrics, CountersEndInTotalAndHaveHelpAndType) {
  Metrics m({.campaign = "quick"});
  observe_quick(m);
  auto text = m.exposition();
  std::istringstream in(text);
  std::string line;
  int counters = 0;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    std::istringstream f(line.substr(7));
    std::string name, type;
    f >> name >> type;
    EXPECT_EQ(name.rfind("daxtorture_", 0), 0u) << name;
    EXPECT_NE(text.find("# HELP " + name + " "), std::string::npos) << name;
    if (type == "counter") {
      ++counters;
      EXPECT_TRUE(name.ends_with("_total")) << name;
    } else {
      EXPECT_FALSE(name.ends_with("_total")) << name;
    }
  }
  EXPECT_EQ(counters, 7);
}

TEST(Metrics, FindingsByHashWithInfoAndNovelty) {
  Metrics m({.campaign = "quick"});
  auto runs = fixtures::quick_campaign_runs();
  for (const auto& r : runs) m.observe_run(r, /*known=*/r.fs == "ext4");
  auto s = parse_exposition(m.exposition());
  dt::oracle::Finding f;
  f.title = "WARNING in dax_disassociate_entry";
  const auto hash = f.hash();
  EXPECT_EQ(
      s.at(R"(daxtorture_findings_total{category="kernel",fs="xfs",hash=")" + hash +
           R"(",kernel="default",kind="warning",novelty="new",workload="fault-vs-truncate"})"),
      1);
  EXPECT_EQ(s.at(R"(daxtorture_finding_info{category="kernel",hash=")" + hash +
                 R"(",kind="warning",title="WARNING in dax_disassociate_entry"})"),
            1);
  int known = 0, expected = 0, fresh = 0;
  for (const auto& [k, v] : s) {
    if (k.rfind("daxtorture_findings_total{", 0) != 0) continue;
    known += k.find(R"(novelty="known")") != std::string::npos;
    expected += k.find(R"(novelty="expected")") != std::string::npos;
    fresh += k.find(R"(novelty="new")") != std::string::npos;
    EXPECT_EQ(k.find("title="), std::string::npos) << "the title must stay off the counter";
  }
  EXPECT_EQ(known, 2);     // ext4's two findings are in the baseline
  EXPECT_EQ(expected, 1);  // the canary
  EXPECT_EQ(fresh, 1);
  EXPECT_EQ(s.at(R"(daxtorture_finding_first_seen_timestamp_seconds{hash=")" + hash + "\"}"),
            1795298435);  // 2026-11-21T22:00:35Z
}

TEST(Metrics, HistogramsHaveTheDeclaredBuckets) {
  Metrics m({.campaign = "quick"});
  auto s = observe_quick(m);
  const std::string base =
      R"(daxtorture_vm_boot_to_ready_seconds_bucket{fs="xfs",kernel="default",le=")";
  for (double le : boot_buckets()) EXPECT_TRUE(s.count(base + fmt::format("{}", le) + "\"}")) << le;
  EXPECT_EQ(s.at(base + "+Inf\"}"), 2);
  EXPECT_EQ(s.at(base + "5\"}"), 0);
  EXPECT_EQ(s.at(base + "10\"}"), 2);  // 9.5 and 9.9 s
  // The error run never booted: ext2 has two boots, not three.
  EXPECT_EQ(s.at(R"(daxtorture_vm_boot_to_ready_seconds_count{fs="ext2",kernel="default"})"), 2);
  EXPECT_TRUE(s.count(
      R"(daxtorture_run_duration_seconds_bucket{fs="ext4",kernel="default",workload="write-vs-fault",le="60"})"));
  EXPECT_EQ(s.at(R"(daxtorture_workload_duration_seconds_sum{fs="xfs",workload="write-vs-fault"})"),
            20);
}

TEST(Metrics, ChecksInjectionsAndBuildInfo) {
  Metrics m({.campaign = "quick"});
  auto s = observe_quick(m);
  EXPECT_EQ(
      s.at(
          R"(daxtorture_injections_total{fs="ext4",injector="pause-jitter",workload="write-vs-fault"})"),
      5);
  EXPECT_EQ(
      s.at(
          R"(daxtorture_oracle_checks_total{fs="ext4",kernel="default",workload="write-vs-fault"})"),
      12);
  EXPECT_EQ(
      s.at(
          R"(daxtorture_oracle_checks_failed_total{fs="ext4",kernel="default",workload="write-vs-fault"})"),
      1);
  EXPECT_EQ(s.at(std::string("daxtorture_build_info{version=\"") + DAXTORTURE_VERSION + "\"}"), 1);
  EXPECT_EQ(s.at("daxtorture_vms_running"), 0);
}

TEST(Metrics, ProgressIsNotCountedTwice) {
  Metrics m({.campaign = "quick"});
  auto r = fixtures::quick_campaign_runs().front();  // xfs fault-vs-truncate, 40000 iterations
  m.run_started(r.cell_id);
  m.run_started("other");
  m.progress("xfs", "fault-vs-truncate", 10000, 30000);
  m.progress("xfs", "fault-vs-truncate", 5000, 15000);
  auto live = parse_exposition(m.exposition());
  EXPECT_EQ(
      live.at(R"(daxtorture_workload_iterations_total{fs="xfs",workload="fault-vs-truncate"})"),
      15000);
  EXPECT_EQ(live.at("daxtorture_vms_running"), 2);
  m.observe_run(r);
  auto s = parse_exposition(m.exposition());
  EXPECT_EQ(s.at(R"(daxtorture_workload_iterations_total{fs="xfs",workload="fault-vs-truncate"})"),
            40000);
  EXPECT_EQ(s.at(R"(daxtorture_workload_faults_total{fs="xfs",workload="fault-vs-truncate"})"),
            120000);
  EXPECT_EQ(s.at("daxtorture_vms_running"), 1);
}

TEST(Metrics, LastSuccessOnlyOnSuccess) {
  Metrics failed({.campaign = "quick"});
  failed.campaign_finished(false);
  EXPECT_EQ(failed.exposition().find("daxtorture_last_success_timestamp_seconds"),
            std::string::npos);
  Metrics ok({.campaign = "quick"});
  ok.campaign_finished(true);
  auto s = parse_exposition(ok.exposition());
  EXPECT_GT(s.at("daxtorture_last_success_timestamp_seconds"), 1.7e9);
}

TEST(Metrics, TextfileIsWrittenAtomicallyWithCampaignLabels) {
  dt::TempDir d("/tmp", "dt-metrics-");
  auto path = d.path() / "daxtorture.prom";
  Metrics m({.campaign = "nightly", .shard = "2/4", .textfile = path.string()});
  observe_quick(m);
  m.deliver();
  auto text = dt::read_file(path);
  EXPECT_NE(text.find(R"(daxtorture_build_info{version=")"), std::string::npos);
  EXPECT_NE(text.find(R"(campaign="nightly",shard="2/4"})"), std::string::npos);
  std::size_t files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(d.path())) ++files;
  EXPECT_EQ(files, 1u) << "no temporary file left behind";
}

TEST(Metrics, TextfileFailureIsAnInfraError) {
  Metrics m({.campaign = "quick", .textfile = "/nonexistent-dir/daxtorture.prom"});
  try {
    m.deliver();
    FAIL() << "expected InfraError";
  } catch (const dt::InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/daxtorture.prom"), std::string::npos);
  }
}

TEST(Metrics, LiveEndpointServesLabelledMetrics) {
  int port = fixtures::free_port();
  Metrics m({.campaign = "quick", .listen = std::to_string(port)});  // bare port: loopback
  m.run_started("xfs/fault-vs-truncate/none/default/r0");
  auto body = fixtures::http_get(port, "/metrics");
  EXPECT_NE(body.find("200 OK"), std::string::npos) << body;
  EXPECT_NE(body.find(R"(daxtorture_vms_running{campaign="quick"} 1)"), std::string::npos) << body;
  // A second exporter on the same port is a clear error, not a silent no-op.
  EXPECT_THROW(Metrics({.campaign = "quick", .listen = "127.0.0.1:" + std::to_string(port)}),
               dt::InfraError);
}

TEST(Metrics, SaveToStoreKeepsEverySample) {
  dt::TempDir d("/tmp", "dt-metrics-");
  Metrics m({.campaign = "quick"});
  auto samples = observe_quick(m);
  {
    dt::results::Store store(d.path());
    m.save_to(store, "quick");
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((d.path() / "results.sqlite").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT count(*), sum(name = 'daxtorture_vm_boot_to_ready_seconds_bucket' AND "
                     "labels LIKE '%\"le\":\"+Inf\"%') FROM metrics WHERE run_id = 'quick'",
                     -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(static_cast<std::size_t>(sqlite3_column_int64(st, 0)), samples.size());
  EXPECT_EQ(sqlite3_column_int64(st, 1), 3);  // one +Inf bucket per filesystem
  sqlite3_finalize(st);
  sqlite3_close(db);
}
