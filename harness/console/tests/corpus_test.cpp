// Every golden report parses to its expected kind, title, frame and corrupted flag, alone and
// when streamed in random chunks; clean boot logs yield nothing.
#include "corpus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "console/parser.hpp"

namespace dt::console::testing {

std::vector<std::filesystem::path> list_dir(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".txt") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CorpusFile load_corpus_file(const std::filesystem::path& p) {
  CorpusFile c;
  c.name = p.stem().string();
  const std::string all = read_file(p);
  std::size_t pos = 0;
  while (pos < all.size()) {
    const auto nl = all.find('\n', pos);
    const std::string line = all.substr(pos, nl == std::string::npos ? nl : nl - pos);
    pos = nl == std::string::npos ? all.size() : nl + 1;
    if (line.empty()) break;  // end of header
    const auto colon = line.find(':');
    const std::string key = line.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (key == "TITLE") c.title = value;
    if (key == "KIND") c.kind = value;
    if (key == "FRAME") c.frame = value;
    if (key == "CORRUPTED") c.corrupted = value == "Y";
  }
  c.log = all.substr(pos);
  return c;
}

namespace {

std::vector<Report> parse_in_chunks(std::string_view log, std::mt19937& rng) {
  Parser p;
  std::vector<Report> out;
  std::uniform_int_distribution<std::size_t> len(1, 97);
  for (std::size_t i = 0; i < log.size();) {
    const std::size_t n = std::min(len(rng), log.size() - i);
    p.feed(log.substr(i, n));
    i += n;
    for (auto& r : p.take_reports()) out.push_back(std::move(r));
  }
  p.finish();
  for (auto& r : p.take_reports()) out.push_back(std::move(r));
  return out;
}

class CorpusTest : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(CorpusTest, MatchesHeader) {
  const CorpusFile c = load_corpus_file(GetParam());
  ASSERT_FALSE(c.title.empty()) << "corpus file without TITLE: " << c.name;
  const auto reports = parse_log(c.log);
  ASSERT_EQ(reports.size(), 1u) << c.name << ": expected exactly one report";
  const Report& r = reports[0];
  EXPECT_EQ(r.title, c.title);
  EXPECT_EQ(to_string(r.kind), c.kind);
  EXPECT_EQ(r.guilty_frame, c.frame);
  EXPECT_EQ(r.corrupted, c.corrupted);
  EXPECT_LE(r.start_offset, r.end_offset);
  EXPECT_LE(r.end_offset, c.log.size());
  EXPECT_FALSE(r.text.empty());
}

TEST_P(CorpusTest, StreamingEqualsWhole) {
  const CorpusFile c = load_corpus_file(GetParam());
  const auto whole = parse_log(c.log);
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(c.name)));
  for (int round = 0; round < 5; ++round) {
    const auto streamed = parse_in_chunks(c.log, rng);
    ASSERT_EQ(streamed.size(), whole.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(streamed[i].title, whole[i].title);
      EXPECT_EQ(streamed[i].guilty_frame, whole[i].guilty_frame);
      EXPECT_EQ(streamed[i].text, whole[i].text);
      EXPECT_EQ(streamed[i].corrupted, whole[i].corrupted);
      EXPECT_EQ(streamed[i].start_offset, whole[i].start_offset);
      EXPECT_EQ(streamed[i].end_offset, whole[i].end_offset);
    }
  }
}

TEST_P(CorpusTest, CrlfAndNoTrailingNewlineGiveSameTitle) {
  const CorpusFile c = load_corpus_file(GetParam());
  std::string crlf;
  for (char ch : c.log) {
    if (ch == '\n') crlf += '\r';
    crlf += ch;
  }
  const auto a = parse_log(c.log);
  const auto b = parse_log(crlf);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].title, b[i].title);
    EXPECT_EQ(a[i].text, b[i].text);
  }
}

std::string param_name(const ::testing::TestParamInfo<std::filesystem::path>& info) {
  std::string n = info.param.stem().string();
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Reports, CorpusTest,
                         ::testing::ValuesIn(list_dir(testdata_dir() / "reports")), param_name);

TEST(Corpus, CoversEveryKindAndIsLargeEnough) {
  std::map<std::string, int> by_kind;
  const auto files = list_dir(testdata_dir() / "reports");
  for (const auto& f : files) ++by_kind[load_corpus_file(f).kind];
  EXPECT_GE(files.size(), 40u);
  for (const char* k : {"lockdep", "warning", "bug", "kasan", "gpf", "hung-task", "rcu-stall",
                        "soft-lockup", "panic", "xfs", "ext4", "ext2", "ubsan", "kfence"}) {
    EXPECT_GE(by_kind[k], 1) << "no corpus report of kind " << k;
  }
}

TEST(Corpus, CleanLogsYieldNothing) {
  const auto files = list_dir(testdata_dir() / "clean");
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    const std::string log = read_file(f);
    Parser p;
    p.feed(log);
    p.finish();
    const auto reports = p.take_reports();
    for (const auto& r : reports) ADD_FAILURE() << f.filename() << ": unexpected " << r.title;
    EXPECT_FALSE(p.lockdep_disabled()) << f.filename();
  }
}

// Reports without an end marker (RCU stall, Bad page state, EXT2-fs one-liners) close only
// when the next report starts, so the stream emits them late; parse_log() restores console
// order, and no report may swallow its neighbour.
TEST(Corpus, AllReportsConcatenatedParseIndividually) {
  // Back-to-back reports (as in one long boot) must not swallow each other.
  std::string log;
  std::vector<CorpusFile> expected;
  for (const auto& f : list_dir(testdata_dir() / "reports")) {
    CorpusFile c = load_corpus_file(f);
    if (c.corrupted || c.kind == "panic") continue;  // cut reports / halts end a boot
    log += c.log;
    // Another line of the same task, with and without caller id (older kernels have none).
    log += "[ 9999.000000][    T1] harness: next step\n[ 9999.000001] harness: next step\n";
    expected.push_back(std::move(c));
  }
  const auto reports = parse_log(log);
  ASSERT_EQ(reports.size(), expected.size());
  for (std::size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].title, expected[i].title) << expected[i].name;
    EXPECT_FALSE(reports[i].corrupted) << expected[i].name;
  }
}

}  // namespace
}  // namespace dt::console::testing
