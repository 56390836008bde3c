#include "metrics/push.hpp"

#include <gtest/gtest.h>

#include "metrics/metrics.hpp"
#include "metrics/tests/http_stub.hpp"
#include "metrics/tests/sample_runs.hpp"
#include "util/error.hpp"

using namespace dt::metrics;

TEST(Push, ParsesGatewayUrls) {
  auto t = parse_gateway_url("http://127.0.0.1:9091");
  EXPECT_EQ(t.host, "http://127.0.0.1");
  EXPECT_EQ(t.port, "9091");
  t = parse_gateway_url("127.0.0.1");
  EXPECT_EQ(t.port, "9091");
  t = parse_gateway_url("https://pgw.example.org/prefix/");
  EXPECT_EQ(t.host, "https://pgw.example.org");
  EXPECT_EQ(t.port, "443/prefix");
  t = parse_gateway_url("http://[::1]:9091");
  EXPECT_EQ(t.host, "http://[::1]");
  EXPECT_EQ(t.port, "9091");
  EXPECT_THROW(parse_gateway_url("ftp://x:1"), dt::UsageError);
  EXPECT_THROW(parse_gateway_url("http://x:port"), dt::UsageError);
}

TEST(Push, GroupingKeyEncodesSlashesAndEmptyValues) {
  EXPECT_EQ(grouping_label("campaign", "quick"),
            std::make_pair(std::string("campaign"), std::string("quick")));
  EXPECT_EQ(grouping_label("shard", "2/4"),
            std::make_pair(std::string("shard@base64"), std::string("Mi80")));
  EXPECT_EQ(grouping_label("shard", ""),
            std::make_pair(std::string("shard@base64"), std::string("=")));
  EXPECT_EQ(grouping_label("c", "a+b").second, "YSti");
}

TEST(Push, SuccessfulCampaignReplacesTheGroupWithPut) {
  fixtures::HttpStub gw(200);
  Metrics m({.campaign = "quick",
             .shard = "2/4",
             .pushgateway = "http://127.0.0.1:" + std::to_string(gw.port())});
  for (const auto& r : fixtures::quick_campaign_runs()) m.observe_run(r);
  m.campaign_finished(true);
  m.deliver();
  auto req = gw.wait();
  EXPECT_EQ(req.method, "PUT");
  EXPECT_EQ(req.path, "/metrics/job/daxtorture/campaign/quick/shard@base64/Mi80");
  EXPECT_NE(req.body.find("daxtorture_runs_total{"), std::string::npos);
  EXPECT_NE(req.body.find("daxtorture_last_success_timestamp_seconds "), std::string::npos);
  // The grouping key labels come from the path; repeating them in the body is what the
  // Pushgateway rejects when they disagree.
  EXPECT_EQ(req.body.find("campaign="), std::string::npos);
}

TEST(Push, FailedCampaignMergesWithPostAndKeepsTheLastSuccess) {
  fixtures::HttpStub gw(200);
  Metrics m({.campaign = "nightly", .pushgateway = "127.0.0.1:" + std::to_string(gw.port())});
  m.campaign_finished(false);
  m.deliver();
  auto req = gw.wait();
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/metrics/job/daxtorture/campaign/nightly");
  EXPECT_EQ(req.body.find("daxtorture_last_success_timestamp_seconds"), std::string::npos);
}

TEST(Push, RejectedPushIsAnInfraErrorWithTheStatus) {
  fixtures::HttpStub gw(400);
  Metrics m({.campaign = "quick", .pushgateway = "http://127.0.0.1:" + std::to_string(gw.port())});
  try {
    m.deliver();
    FAIL() << "expected InfraError";
  } catch (const dt::InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("HTTP 400"), std::string::npos) << e.what();
  }
}

TEST(Push, UnreachableGatewayIsAnInfraError) {
  int port = fixtures::free_port();
  Metrics m({.campaign = "quick", .pushgateway = "http://127.0.0.1:" + std::to_string(port)});
  try {
    m.deliver();
    FAIL() << "expected InfraError";
  } catch (const dt::InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("could not connect"), std::string::npos) << e.what();
  }
}
