// Structure of the provisioned Grafana dashboards, and that they only query metrics the
// library exports. Whether the queries return data is the integration test's job.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "metrics/metrics.hpp"
#include "metrics/tests/sample_runs.hpp"
#include "util/file.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kDir = DT_DASHBOARDS_DIR;
const std::string kUid = "daxtorture-prometheus";

std::map<std::string, json> dashboards() {
  std::map<std::string, json> out;
  for (const auto& e : fs::directory_iterator(kDir / "grafana" / "dashboards"))
    if (e.path().extension() == ".json")
      out[e.path().stem()] = json::parse(dt::read_file(e.path()));
  return out;
}

// Every metric name the library exposes after a realistic campaign, with histogram suffixes.
std::set<std::string> exported_names() {
  dt::metrics::Metrics m({.campaign = "quick"});
  for (const auto& r : dt::metrics::fixtures::quick_campaign_runs()) m.observe_run(r);
  m.campaign_finished(true);
  std::set<std::string> names;
  std::istringstream in(m.exposition());
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') names.insert(line.substr(0, line.find_first_of("{ ")));
  return names;
}

std::vector<std::string> exprs(const json& panel) {
  std::vector<std::string> out;
  for (const auto& t : panel.at("targets")) out.push_back(t.at("expr"));
  return out;
}

}  // namespace

TEST(Dashboards, AllFourArePresent) {
  auto d = dashboards();
  for (const char* k : {"overview", "findings", "throughput", "kernels"}) {
    ASSERT_TRUE(d.count(k)) << k;
    EXPECT_EQ(d[k].at("uid"), std::string("daxtorture-") + k);
  }
}

TEST(Dashboards, TopLevelAndTemplating) {
  for (const auto& [name, d] : dashboards()) {
    SCOPED_TRACE(name);
    EXPECT_GE(d.at("schemaVersion").get<int>(), 36);
    EXPECT_FALSE(d.at("title").get<std::string>().empty());
    EXPECT_TRUE(d.at("id").is_null()) << "provisioned dashboards must not carry a database id";
    std::set<std::string> vars;
    for (const auto& v : d.at("templating").at("list")) {
      vars.insert(v.at("name"));
      EXPECT_EQ(v.at("type"), "query");
      EXPECT_EQ(v.at("datasource").at("uid"), kUid);
      EXPECT_NE(v.at("definition").get<std::string>().find("label_values("), std::string::npos);
      EXPECT_EQ(v.at("query").at("query"), v.at("definition"));
      EXPECT_TRUE(v.at("includeAll").get<bool>());
      EXPECT_EQ(v.at("allValue"), ".*");  // the integration test substitutes .* for All
    }
    for (const char* v : {"fs", "workload", "kernel"}) EXPECT_TRUE(vars.count(v)) << v;
    // Every $variable a query uses is defined (or one of Grafana's own).
    std::regex var_re(R"(\$(\w+))");
    for (const auto& p : d.at("panels"))
      for (const auto& e : exprs(p))
        for (std::sregex_iterator it(e.begin(), e.end(), var_re), end; it != end; ++it) {
          auto v = (*it)[1].str();
          EXPECT_TRUE(vars.count(v) || v.rfind("__", 0) == 0) << v << " in " << e;
        }
  }
}

TEST(Dashboards, PanelsHaveLayoutDatasourceAndTargets) {
  const std::set<std::string> kinds{"stat", "timeseries", "table", "bargauge", "barchart", "gauge"};
  for (const auto& [name, d] : dashboards()) {
    SCOPED_TRACE(name);
    ASSERT_FALSE(d.at("panels").empty());
    std::set<int> ids;
    std::vector<json> boxes;
    for (const auto& p : d.at("panels")) {
      SCOPED_TRACE(p.at("title").get<std::string>());
      EXPECT_TRUE(ids.insert(p.at("id").get<int>()).second) << "duplicate panel id";
      EXPECT_TRUE(kinds.count(p.at("type"))) << p.at("type");
      EXPECT_FALSE(p.at("title").get<std::string>().empty());
      const auto& g = p.at("gridPos");
      int x = g.at("x"), y = g.at("y"), w = g.at("w"), h = g.at("h");
      EXPECT_GE(x, 0);
      EXPECT_GE(y, 0);
      EXPECT_GT(w, 0);
      EXPECT_GT(h, 0);
      EXPECT_LE(x + w, 24) << "wider than Grafana's 24 columns";
      for (const auto& b : boxes) {
        int bx = b.at("x"), by = b.at("y"), bw = b.at("w"), bh = b.at("h");
        EXPECT_FALSE(x < bx + bw && bx < x + w && y < by + bh && by < y + h) << "panels overlap";
      }
      boxes.push_back(g);
      EXPECT_EQ(p.at("datasource").at("type"), "prometheus");
      EXPECT_EQ(p.at("datasource").at("uid"), kUid);
      ASSERT_FALSE(p.at("targets").empty());
      std::set<std::string> refs;
      for (const auto& t : p.at("targets")) {
        EXPECT_TRUE(refs.insert(t.at("refId")).second);
        EXPECT_EQ(t.at("datasource").at("uid"), kUid);
        EXPECT_FALSE(t.at("expr").get<std::string>().empty());
      }
    }
  }
}

TEST(Dashboards, QueriesOnlyNameExportedMetricsAndAreDocumented) {
  auto names = exported_names();
  auto readme = dt::read_file(kDir / "README.md");
  std::regex metric_re(R"(daxtorture_[a-z_]+)");
  std::set<std::string> used;
  for (const auto& [name, d] : dashboards()) {
    for (const auto& p : d.at("panels"))
      for (const auto& e : exprs(p)) {
        EXPECT_NE(readme.find(e), std::string::npos) << "README.md does not list " << e;
        for (std::sregex_iterator it(e.begin(), e.end(), metric_re), end; it != end; ++it) {
          used.insert(it->str());
          EXPECT_TRUE(names.count(it->str())) << it->str() << " is not exported (" << name << ")";
        }
      }
    for (const auto& v : d.at("templating").at("list"))
      EXPECT_NE(readme.find(v.at("definition").get<std::string>()), std::string::npos);
  }
  // Every family is documented.
  for (const auto& n : names) {
    auto family = std::regex_replace(n, std::regex("_(bucket|sum|count)$"), "");
    EXPECT_NE(readme.find("`" + family + "`"), std::string::npos) << family;
  }
  EXPECT_GE(used.size(), 12u);
}

TEST(Dashboards, ProvisioningMatchesTheDashboards) {
  auto ds = dt::read_file(kDir / "grafana" / "provisioning" / "datasources" / "prometheus.yml");
  EXPECT_NE(ds.find("uid: " + kUid), std::string::npos);
  EXPECT_NE(ds.find("type: prometheus"), std::string::npos);
  auto prov = dt::read_file(kDir / "grafana" / "provisioning" / "dashboards" / "daxtorture.yml");
  EXPECT_NE(prov.find("type: file"), std::string::npos);
  auto compose = dt::read_file(kDir / "docker-compose.yml");
  EXPECT_NE(compose.find("./grafana/dashboards:/var/lib/grafana/dashboards/daxtorture"),
            std::string::npos);
  EXPECT_NE(prov.find("path: /var/lib/grafana/dashboards/daxtorture"), std::string::npos);
  auto prom = dt::read_file(kDir / "prometheus" / "prometheus.yml");
  EXPECT_NE(prom.find("honor_labels: true"), std::string::npos);
}
