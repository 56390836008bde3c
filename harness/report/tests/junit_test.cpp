#include "report/junit.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "fixtures.hpp"
#include "util/tempdir.hpp"

using namespace dt::report;
using namespace dt::report::fixtures;

namespace {

bool have_xmllint() {
  return std::system("command -v xmllint >/dev/null 2>&1") == 0;
}

// Runs xmllint on the document; returns its exit status (0 = well-formed and, with a
// schema, valid).
int xmllint(const std::string& xml, const std::string& schema = "") {
  dt::TempDir d("/tmp", "dt-junit-");
  auto file = d.path() / "junit.xml";
  std::ofstream(file, std::ios::binary) << xml;
  std::string cmd = "xmllint --noout " + (schema.empty() ? "" : "--schema '" + schema + "' ") +
                    "'" + file.string() + "' 2>&1";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The <testcase> element whose name is `cell`.
std::string testcase(const std::string& xml, const std::string& cell) {
  auto start = xml.find("name=\"" + cell + "\"");
  if (start == std::string::npos) return "";
  start = xml.rfind("<testcase ", start);
  auto end = xml.find("</testcase>", start);
  return xml.substr(start, end - start);
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

class Junit : public ::testing::Test {
 protected:
  void SetUp() override {
    baseline = load_baseline(testdata("baseline-ok.yaml"));
    runs = nightly_runs();
    xml = junit_xml("nightly", runs, &baseline);
  }
  Baseline baseline;
  std::vector<dt::results::RunRecord> runs;
  std::string xml;
};

}  // namespace

TEST_F(Junit, IsWellFormedAndValidAgainstTheSchema) {
  if (!have_xmllint()) GTEST_SKIP() << "xmllint missing: bash scripts/install-deps.sh";
  EXPECT_EQ(xmllint(xml), 0) << xml;
  EXPECT_EQ(xmllint(xml, testdata("junit.xsd")), 0) << xml;
  EXPECT_EQ(xmllint(junit_xml("empty", {}, nullptr), testdata("junit.xsd")), 0);
}

TEST_F(Junit, SchemaRejectsWrongElementOrder) {
  if (!have_xmllint()) GTEST_SKIP() << "xmllint missing";
  // The schema is not a rubber stamp: failure before error is invalid.
  std::string bad =
      "<testsuites><testsuite name=\"x\" tests=\"1\"><testcase name=\"a\" classname=\"b\">"
      "<failure/><error/></testcase></testsuite></testsuites>";
  EXPECT_EQ(xmllint(bad), 0);
  EXPECT_NE(xmllint(bad, testdata("junit.xsd")), 0);
}

TEST_F(Junit, OneTestcasePerRunWithItsOutcome) {
  EXPECT_EQ(count(xml, "<testsuite "), 1u);
  EXPECT_EQ(count(xml, "<testcase "), runs.size());
  EXPECT_NE(xml.find("<testsuite name=\"nightly\" id=\"0\" tests=\"8\" failures=\"5\" errors=\"1\" "
                     "skipped=\"1\" time=\"392.000\" timestamp=\"2026-11-21T22:10:00\">"),
            std::string::npos)
      << xml;

  auto lockdep = testcase(xml, "xfs/fault-vs-truncate/none/default/r0");
  EXPECT_NE(lockdep.find("classname=\"daxtorture.xfs\""), std::string::npos) << lockdep;
  EXPECT_NE(lockdep.find("time=\"45.500\""), std::string::npos);
  EXPECT_NE(
      lockdep.find("<failure type=\"lockdep\" message=\"possible deadlock in dax_iomap_fault\">"),
      std::string::npos);
  EXPECT_NE(lockdep.find("WARNING: possible circular locking dependency detected"),
            std::string::npos);

  auto known = testcase(xml, "xfs/reflink/none/default/r0");
  EXPECT_NE(
      known.find(
          "<failure type=\"known\" message=\"WARNING in dax_associate_entry\">known in baseline"),
      std::string::npos)
      << known;
  EXPECT_NE(known.find("expected rate 25.0%"), std::string::npos);

  auto stale = testcase(xml, "ext4/fault-vs-truncate/pause-jitter/default/r0");
  EXPECT_NE(stale.find("<failure type=\"stale-data\""), std::string::npos);
  EXPECT_EQ(count(stale, "<failure "), 1u);  // the canary is expected: not a failure
  EXPECT_NE(stale.find("expected: WARNING in dt_canary_init (deliberate splat"), std::string::npos);

  auto silent = testcase(xml, "ext2/write-vs-fault/none/default/r0");
  EXPECT_NE(silent.find("<failure type=\"no-output\" message=\"no output from test machine\">"),
            std::string::npos)
      << silent;

  auto error = testcase(xml, "xfs/pmd-vs-pte/none/default/r0");
  EXPECT_NE(
      error.find("<error type=\"infra\" message=\"boot failed: no DAX-capable pmem device\">"),
      std::string::npos)
      << error;
  EXPECT_EQ(count(error, "<error "), 1u);  // the run's error is that finding
  EXPECT_EQ(count(error, "<failure "), 0u);
  EXPECT_NE(error.find("(console log /nonexistent/daxtorture/console.log not available)"),
            std::string::npos);

  auto bare = runs[7];
  bare.findings.clear();
  std::string doc = junit_xml("nightly", {bare}, nullptr);
  EXPECT_NE(doc.find("<error type=\"infra\" message=\"no DAX-capable pmem device\">"),
            std::string::npos)
      << doc;

  auto skip = testcase(xml, "ext2/fault-vs-layout/none/default/r0");
  EXPECT_NE(skip.find("<skipped message=\"fault-vs-layout cannot run on ext2 (no fallocate)\"/>"),
            std::string::npos);

  auto pass = testcase(xml, "ext4/map-sync/none/default/r0");
  EXPECT_EQ(pass.find("<failure"), std::string::npos);
  EXPECT_EQ(pass.find("<error"), std::string::npos);
  EXPECT_EQ(pass.find("<skipped"), std::string::npos);
  EXPECT_NE(pass.find("repro: daxtorture repro nightly-0006-a0"), std::string::npos);
}

TEST_F(Junit, ConsoleExcerptIsTheEscapedTail) {
  auto silent = testcase(xml, "ext2/write-vs-fault/none/default/r0");
  auto out = silent.substr(silent.find("<system-out>"));
  EXPECT_NE(out.find("last line before silence"), std::string::npos);
  EXPECT_NE(out.find("iteration 249 ok"), std::string::npos);
  EXPECT_EQ(out.find("iteration 40 ok"), std::string::npos);  // only the last 200 lines
  EXPECT_NE(out.find("cdata end ]]&gt; and &lt;tag&gt; &amp; \"quotes\""), std::string::npos);
  EXPECT_EQ(out.find("]]>"), std::string::npos);
  EXPECT_NE(out.find("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x90\xA7"), std::string::npos);
  EXPECT_NE(out.find("invalid utf8: \xEF\xBF\xBD\xEF\xBF\xBD"), std::string::npos);
  EXPECT_NE(out.find("colour escape and NUL  and BEL  and ESC[0m"), std::string::npos);
  for (char c : xml) {
    auto u = static_cast<unsigned char>(c);
    ASSERT_TRUE(u >= 0x20 || u == '\n' || u == '\t') << "raw control byte " << int(u);
  }
}

TEST_F(Junit, NastyFindingTextStaysValid) {
  auto r = runs[0];
  r.findings[0].title = "WARNING in \"x\" <]]> \x01\xFF";
  using namespace std::string_literals;
  r.findings[0].text = "splat\0with nul ]]> & \x1b[1m\xC3"s;
  std::string doc = junit_xml("nightly", {r}, nullptr);
  EXPECT_NE(doc.find("message=\"WARNING in &quot;x&quot; &lt;]]&gt; \xEF\xBF\xBD\""),
            std::string::npos)
      << doc;
  if (have_xmllint()) {
    EXPECT_EQ(xmllint(doc, testdata("junit.xsd")), 0) << doc;
  }
}

TEST_F(Junit, OneSuitePerCampaign) {
  auto more = runs;
  more[5].campaign = "soak";
  more[6].campaign = "";  // falls back to the name given
  std::string doc = junit_xml("nightly", more, &baseline);
  EXPECT_EQ(count(doc, "<testsuite "), 2u);
  EXPECT_NE(doc.find("<testsuite name=\"soak\" id=\"1\" tests=\"1\""), std::string::npos) << doc;
  EXPECT_NE(doc.find("<testsuite name=\"nightly\" id=\"0\" tests=\"7\""), std::string::npos);
  if (have_xmllint()) {
    EXPECT_EQ(xmllint(doc, testdata("junit.xsd")), 0);
  }
}

TEST_F(Junit, WriteIsAtomic) {
  dt::TempDir d("/tmp", "dt-junit-");
  std::string path = (d.path() / "junit.xml").string();
  write_junit(path, "nightly", runs, &baseline);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::ifstream in(path, std::ios::binary);
  std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(back, xml);
}
