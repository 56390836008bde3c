// The emulator-artifact list against every real and derived report of the console corpus: the
// captures marked "EMULATOR: tcg" are artifacts under TCG, no other report is, and under KVM
// nothing is.
#include "oracle/emulator.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "console/parser.hpp"

namespace dt::oracle {
namespace {

TEST(EmulatorArtifact, OnlyTheMarkedCapturesAndOnlyUnderTcg) {
  int marked = 0, reports = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(DT_CONSOLE_TESTDATA) + "/reports")) {
    if (e.path().extension() != ".txt") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string all = ss.str();
    const auto body = all.find("\n\n");
    ASSERT_NE(body, std::string::npos) << e.path();
    const bool is_artifact = all.substr(0, body).find("\nEMULATOR: tcg") != std::string::npos;
    marked += is_artifact;
    console::Parser p;
    p.feed(std::string_view(all).substr(body + 2));
    p.finish();
    for (const auto& r : p.take_reports()) {
      ++reports;
      const EmulatorArtifact* a = emulator_artifact(r, true);
      EXPECT_EQ(a != nullptr, is_artifact) << e.path().filename() << ": " << r.title;
      if (a) {
        EXPECT_FALSE(a->why.empty());
      }
      EXPECT_EQ(emulator_artifact(r, false), nullptr) << e.path().filename();
    }
  }
  EXPECT_EQ(marked, 2);
  EXPECT_GT(reports, 100);
}

// The hung reboot of a power-cut cell, as the cell sees it: the stall is infrastructure, the
// lost guest after it too, so the boot is a quiet failure to retry; under KVM both stay
// kernel findings.
TEST(EmulatorArtifact, AHungBootUnderTcgIsAQuietInfrastructureFailure) {
  std::ifstream in(
      std::string(DT_CONSOLE_TESTDATA) + "/reports/real_rcu_stall_idle_timer_lost_tcg.txt",
      std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  console::Parser p;
  p.feed(ss.str());
  p.finish();
  const auto reports = p.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  for (const bool tcg : {true, false}) {
    std::vector<Finding> findings{from_report(reports[0])};
    const bool marked = mark_emulator_artifact(findings[0], reports[0], tcg);
    EXPECT_EQ(marked, tcg);
    findings.push_back(lost(Lost::NoOutput, "no output from test machine", ""));
    if (marked) blame_emulator(findings, findings[0].note);
    EXPECT_EQ(only_infrastructure(findings), tcg);
    EXPECT_EQ(findings[1].category, tcg ? Category::Infra : Category::Kernel);
  }
}

}  // namespace
}  // namespace dt::oracle
