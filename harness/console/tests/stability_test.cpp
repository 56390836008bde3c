// Title stability: the same bug gets the same title, kind, frame and text whatever else the
// console carries. The noise carries caller ids of its own (as every line does on our guests:
// CONFIG_PRINTK_CALLER), so a report's lines, with or without ids, stay apart from it. Every golden
// report is split into pieces and interleaved with other CPUs' and tasks' output (noise, and a
// whole second report), fed whole and in random chunks, and re-presented as people paste it.
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "console/parser.hpp"
#include "corpus.hpp"

namespace dt::console::testing {
namespace {

std::vector<std::string> split_lines(const std::string& log) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < log.size()) {
    auto nl = log.find('\n', pos);
    if (nl == std::string::npos) nl = log.size();
    out.push_back(log.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// What other tasks and CPUs print meanwhile: workload chatter, kernel info lines, and lines
// that look like pieces of reports but belong to nobody's report.
const std::vector<std::string>& noise() {
  static const std::vector<std::string> n = {
      "[  500.000001][ T9001] fsx: op 4242 mapwrite 0x3000 len 0x1000",
      "[  500.000002][ T9002] dt-write-vs-fau (9002) used greatest stack depth: 12104 bytes left",
      "[  500.000003][    C7] random: crng reseeded on system resumption",
      "[  500.000004][ T9003] XFS (pmem0): Ending clean mount",
      "[  500.000005][ T9001]  dax_iomap_fault+0x1a2/0x7f0",
      "[  500.000006][ T9004] Call Trace:",
      "[  500.000007][    C6] ------------[ cut here ]------------",
      "[  500.000008][ T9005] RIP: 0010:xfs_bogus_noise+0x1/0x2",
      "[  500.000009][ T9006] ",
      "[  500.000010][ T9007] EXT4-fs (pmem1): mounted filesystem with ordered data mode",
  };
  return n;
}

struct Seen {
  std::string title, kind, frame, text;
  bool corrupted;
};

std::vector<Seen> summary(const std::vector<Report>& rs) {
  std::vector<Seen> out;
  for (const auto& r : rs) {
    out.push_back({r.title, std::string(to_string(r.kind)), r.guilty_frame, r.text, r.corrupted});
  }
  return out;
}

void expect_same(const std::vector<Seen>& a, const std::vector<Seen>& b, const std::string& what,
                 bool text = true) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].title, b[i].title) << what;
    EXPECT_EQ(a[i].kind, b[i].kind) << what;
    EXPECT_EQ(a[i].frame, b[i].frame) << what;
    EXPECT_EQ(a[i].corrupted, b[i].corrupted) << what;
    if (text) EXPECT_EQ(a[i].text, b[i].text) << what;
  }
}

std::vector<Report> parse_chunked(const std::string& log, std::mt19937& rng) {
  Parser p;
  std::vector<Report> out;
  std::uniform_int_distribution<std::size_t> len(1, 200);
  for (std::size_t i = 0; i < log.size();) {
    const std::size_t n = std::min(len(rng), log.size() - i);
    p.feed(std::string_view(log).substr(i, n));
    i += n;
    for (auto& r : p.take_reports()) out.push_back(std::move(r));
  }
  p.finish();
  for (auto& r : p.take_reports()) out.push_back(std::move(r));
  std::stable_sort(out.begin(), out.end(), [](const Report& a, const Report& b) {
    return a.start_offset < b.start_offset;
  });
  return out;
}

class Stability : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(Stability, InterleavedWithOtherCpusOutput) {
  const CorpusFile c = load_corpus_file(GetParam());
  const auto lines = split_lines(c.log);
  const auto expected = summary(parse_log(c.log));
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(c.name)));
  std::uniform_int_distribution<int> gap(0, 3);
  std::uniform_int_distribution<std::size_t> pick(0, noise().size() - 1);
  for (int round = 0; round < 4; ++round) {
    std::string log;
    for (const auto& l : lines) {
      for (int k = gap(rng); k > 0; --k) log += noise()[pick(rng)] + "\n";
      log += l + "\n";
    }
    const std::string what = c.name + " round " + std::to_string(round);
    expect_same(expected, summary(parse_log(log)), what + " (whole)");
    expect_same(expected, summary(parse_chunked(log, rng)), what + " (chunked)");
  }
}

TEST_P(Stability, SplitByAnotherTasksReport) {
  const CorpusFile c = load_corpus_file(GetParam());
  const auto lines = split_lines(c.log);
  // Another task's complete WARNING lands in the middle of this report.
  const std::string other =
      "[  600.000001][ T9100] ------------[ cut here ]------------\n"
      "[  600.000002][ T9100] WARNING: CPU: 1 PID: 9100 at fs/iomap/buffered-io.c:1 "
      "iomap_noise+0x1/0x2\n"
      "[  600.000003][ T9100] Modules linked in:\n"
      "[  600.000004][ T9100] RIP: 0010:iomap_noise+0x1/0x2\n"
      "[  600.000005][ T9100] Call Trace:\n"
      "[  600.000006][ T9100]  <TASK>\n"
      "[  600.000007][ T9100]  iomap_noise_caller+0x1/0x2\n"
      "[  600.000008][ T9100]  </TASK>\n"
      "[  600.000009][ T9100] ---[ end trace 0000000000000000 ]---\n";
  const auto alone = summary(parse_log(c.log));
  for (std::size_t cut : {lines.size() / 3, lines.size() / 2, 2 * lines.size() / 3}) {
    std::string log;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i == cut) log += other;
      log += lines[i] + "\n";
    }
    const auto got = summary(parse_log(log));
    std::vector<Seen> mine;
    int others = 0;
    for (const auto& s : got) {
      if (s.title == "WARNING in iomap_noise") {
        ++others;
      } else {
        mine.push_back(s);
      }
    }
    EXPECT_EQ(others, 1) << c.name << " cut at " << cut;
    expect_same(alone, mine, c.name + " cut at " + std::to_string(cut));
  }
}

// ---- presentations ---------------------------------------------------------------------------
// How reports reach us besides our own serial console: kern.log and the journal, dmesg's own time
// formats, quoted in a mail reply, pasted indented. Every line of a golden report is re-presented;
// the report must keep its title, kind, frame, flag and text.

// A corpus line: "[  812.330443][ T1801] message" -> time, caller, message.
struct Printk {
  std::string time, caller, body;
  std::string line() const { return time + caller + (time.empty() ? "" : " ") + body; }
};

Printk split_printk(std::string line) {
  static const std::regex re(R"(^(\[ *\d+\.\d+\])(\[ *[TC]\d+\])? ?(.*)$)");
  if (line.ends_with('\r')) line.pop_back();  // captured files keep the console's CRLF
  std::smatch m;
  if (!std::regex_match(line, m, re)) return {.body = line};
  return {.time = m[1], .caller = m[2], .body = m[3]};
}

struct Presentation {
  const char* name;
  std::string (*present)(const Printk&);
};

// Keep the kernel's own time and caller id: as in kern.log (klogd copies the printk prefix) or
// dmesg with PRINTK_CALLER.
const Presentation kWithPrintkPrefix[] = {
    {"syslog", [](const Printk& p) { return "Nov 29 10:00:00 dax-vm kernel: " + p.line(); }},
    {"rfc3339-syslog",
     [](const Printk& p) { return "2026-11-29T10:00:00.123456+00:00 dax-vm kernel: " + p.line(); }},
    {"dmesg-T",
     [](const Printk& p) {
       return "[Sun Nov 29 10:00:00 2026] " + (p.caller.empty() ? "" : p.caller + " ") + p.body;
     }},
    {"dmesg-x", [](const Printk& p) { return "kern  :warn  : " + p.line(); }},
    {"level", [](const Printk& p) { return "<4>" + p.line(); }},
    {"quoted", [](const Printk& p) { return "> " + p.line(); }},
    {"quoted-twice", [](const Printk& p) { return ">> " + p.line(); }},
    {"quoted-spaced", [](const Printk& p) { return "> > " + p.line(); }},
    {"indented", [](const Printk& p) { return "    " + p.line(); }},
    {"tab-indented", [](const Printk& p) { return "\t" + p.line(); }},
};

// The message alone, as journalctl -k and dmesg -t show it (no caller ids either).
const Presentation kMessageOnly[] = {
    {"journal", [](const Printk& p) { return "Nov 29 10:00:00 dax-vm kernel: " + p.body; }},
    {"journal-precise",
     [](const Printk& p) { return "Nov  9 10:00:00.123456 dax-vm kernel: " + p.body; }},
    {"journal-iso",
     [](const Printk& p) { return "2026-11-29T10:00:00+0000 dax-vm kernel: " + p.body; }},
    {"dmesg-iso", [](const Printk& p) { return "2026-11-29T10:00:00,123456+00:00 " + p.body; }},
    {"dmesg-T", [](const Printk& p) { return "[Sun Nov  9 10:00:00 2026] " + p.body; }},
    {"quoted", [](const Printk& p) { return "> " + p.body; }},
    {"quoted-twice", [](const Printk& p) { return "> > " + p.body; }},
    {"indented", [](const Printk& p) { return "    " + p.body; }},
    {"tab-indented", [](const Printk& p) { return "\t" + p.body; }},
    {"quoted-indented", [](const Printk& p) { return ">   " + p.body; }},
};

std::string present(const std::vector<Printk>& lines, const Presentation& how) {
  std::string log;
  for (const auto& p : lines) log += how.present(p) + "\n";
  return log;
}

TEST_P(Stability, PresentationsKeepTheReport) {
  const CorpusFile c = load_corpus_file(GetParam());
  std::vector<Printk> lines;
  std::set<std::string> callers;
  for (const auto& l : split_lines(c.log)) {
    lines.push_back(split_printk(l));
    if (!lines.back().caller.empty()) callers.insert(lines.back().caller);
  }
  const auto expected = summary(parse_log(c.log));
  for (const auto& how : kWithPrintkPrefix) {
    expect_same(expected, summary(parse_log(present(lines, how))), c.name + " as " + how.name);
  }
  // Without caller ids the lines of different tasks can no longer be told apart: the message-only
  // forms must agree with the bare messages, and those with the original when one task printed it.
  Presentation bare{"bare", [](const Printk& p) { return p.body; }};
  const auto bare_log = summary(parse_log(present(lines, bare)));
  if (callers.size() <= 1) expect_same(expected, bare_log, c.name + " without prefixes", false);
  for (const auto& how : kMessageOnly) {
    expect_same(bare_log, summary(parse_log(present(lines, how))),
                c.name + " as " + how.name + " (message only)");
  }
}

std::string param_name(const ::testing::TestParamInfo<std::filesystem::path>& info) {
  std::string n = info.param.stem().string();
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Reports, Stability,
                         ::testing::ValuesIn(list_dir(testdata_dir() / "reports")), param_name);

// The hung-task canary, in two runs that differ in everything but the bug: pids, timestamps,
// CPU, addresses, stack offsets, the locks other tasks hold, and other tasks' chatter.
TEST(StabilityHungTask, CanaryTitleIsTheSameAcrossRuns) {
  const CorpusFile c =
      load_corpus_file(testdata_dir() / "reports" / "real_hung_task_canary_xfs.txt");
  std::string other = c.log;
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (auto p = other.find(from); p != std::string::npos; p = other.find(from, p + to.size()))
      other.replace(p, from.size(), to);
  };
  replace_all("dt-canary:81", "dt-canary:4711");
  replace_all("pid:81 ", "pid:4711 ");
  replace_all("[   T23]", "[   T31]");
  replace_all("0x4db/0x520", "0x4e1/0x530");
  replace_all("ff378e5f81b8f430", "ffff88810b2c1e60");
  const auto a = parse_log(c.log);
  const auto b = parse_log(other);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].title, "INFO: task hung in vfs_write");
  EXPECT_EQ(b[0].title, a[0].title);
  EXPECT_FALSE(b[0].corrupted);
}

}  // namespace
}  // namespace dt::console::testing
