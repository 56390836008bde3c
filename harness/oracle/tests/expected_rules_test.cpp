// The shipped expected-consequence rules (baselines/expected/rules.yaml): each marks the
// findings its injection explains and leaves every other one a finding. Kernel findings come
// from real console captures (harness/console/testdata) through the console parser.
#include "oracle/expected_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "console/parser.hpp"

using namespace dt::oracle;
using json = nlohmann::json;

namespace {

const std::vector<std::string> kFaultInjectors = {"failslab", "fail-page-alloc", "fail-function"};

json injection(const std::string& name, std::optional<bool> fired, json evidence = json::object()) {
  json j = {{"injector", name},
            {"params", json::object()},
            {"events", json::array()},
            {"evidence", evidence}};
  if (fired) j["fired"] = *fired;
  return j;
}

// The one report of a console log.
Finding from_log(const std::string& log) {
  auto reports = dt::console::parse_log(log);
  EXPECT_EQ(reports.size(), 1u) << log;
  return reports.empty() ? Finding{} : from_report(reports.front());
}

// A capture of the corpus: its console excerpt follows the header's blank line.
std::string capture(const std::string& name) {
  std::ifstream in(std::filesystem::path(DT_CONSOLE_TESTDATA) / "reports" / (name + ".txt"));
  std::stringstream s;
  s << in.rdbuf();
  const std::string all = s.str();
  auto body = all.find("\n\n");
  EXPECT_NE(body, std::string::npos) << name;
  return body == std::string::npos ? "" : all.substr(body + 2);
}

Finding report(const std::string& name) {
  return from_log(capture(name));
}

Finding verdict(const std::string& check) {
  return from_verdict("fault-vs-truncate", {{"type", "verdict"}, {"check", check}});
}

Finding died() {
  Finding f;
  f.category = Category::Workload;
  f.kind = "workload-died";
  f.title = "DATA: fault-vs-truncate died without a result";
  f.text = "exit 0 signal 7";
  return f;
}

Finding e2fsck() {
  return from_fsck("ext2", 4,
                   "e2fsck 1.47.0 (5-Feb-2023)\nPass 1: Checking inodes, blocks, and sizes\n"
                   "Pass 5: Checking group summary information\n"
                   "Block bitmap differences:  -(1544--1551)\nFix? no\n")
      .at(0);
}

// Real e2fsck output of an ext4 the kernel had marked in error after an injected ENOMEM.
Finding e2fsck_after_enomem() {
  std::ifstream in(std::filesystem::path(DT_SOURCE_DIR) / "harness/oracle/testdata" /
                   "e2fsck_orphan_in_use_after_enomem.txt");
  std::stringstream s;
  s << in.rdbuf();
  const std::string all = s.str();
  const auto body = all.find("\n\n");
  EXPECT_NE(body, std::string::npos);
  return from_fsck("ext4", 4, body == std::string::npos ? "" : all.substr(body + 2)).at(0);
}

// ext4_std_error's -ENOMEM wording, in the line of the real ext4_reserve_inode_write capture.
Finding ext4_out_of_memory() {
  std::string log = capture("ext4_error_reserve_inode_write");
  log.replace(log.find("Journal has aborted"), 19, "Out of memory");
  return from_log(log);
}

// The real xfs "log mount/recovery failed: error -117" capture, with -ENOMEM.
Finding xfs_error_enomem() {
  std::string log = capture("xfs_log_recovery_failed");
  log.replace(log.find("error -117"), 10, "error -12");
  return from_log(log);
}

// "[ts][T23] text" console lines.
std::string lines(const std::vector<std::string>& ls) {
  std::string out;
  int i = 0;
  for (const auto& l : ls)
    out += "[  100." + std::to_string(100000 + ++i) + "][   T23] " + l + "\n";
  return out;
}

// The memory-failure task of the known xfs deadlock (the counted finding), under 6.1's
// handler name or 6.12's.
Finding mf_task(const std::string& handler) {
  return from_log(lines(
      {"INFO: task dt-poison:90 blocked for more than 61 seconds.", "      Not tainted 6.1.192 #1",
       "task:dt-poison       state:D stack:13592 pid:90    ppid:85", "Call Trace:", " <TASK>",
       " __schedule+0x330/0xa70", " schedule+0x52/0xa0", " wait_entry_unlocked+0xf4/0x140",
       " dax_lock_mapping_entry+0x1a3/0x1f0", " mf_dax_kill_procs+0x63/0x140",
       " xfs_dax_failure_fn+0x1f4/0x260", " xfs_rmap_query_range+0xc2/0x110",
       " " + handler + "+0x393/0x4b0", " dax_holder_notify_failure+0x49/0x70",
       " memory_failure+0x1d5/0x7d0", " hard_offline_page_store+0x4f/0x70",
       " vfs_write+0x2b1/0x3d0", " </TASK>"}));
}

// A mapper of dt-poison, its read fault holding the DAX entry, waiting for the ILOCK.
Finding mapper_task() {
  return from_log(
      lines({"INFO: task dt-poison:92 blocked for more than 61 seconds.",
             "task:dt-poison       state:D stack:0     pid:92    ppid:90", "Call Trace:", " <TASK>",
             " __schedule+0x330/0xa70", " schedule+0x52/0xa0",
             " rwsem_down_read_slowpath+0x29e/0x4f0", " xfs_ilock+0x87/0x1e0",
             " xfs_read_iomap_begin+0x9e/0x2a0", " dax_iomap_pte_fault+0x1d6/0x9b0",
             " __xfs_filemap_fault+0x1b8/0x2f0", " __do_fault+0x31/0x130", " </TASK>"}));
}

// Any task stuck behind the AGF the memory-failure task holds.
Finding agf_waiter() {
  return from_log(
      lines({"INFO: task kworker/1:2:311 blocked for more than 61 seconds.",
             "task:kworker/1:2     state:D stack:0     pid:311   ppid:2", "Call Trace:", " <TASK>",
             " __schedule+0x330/0xa70", " schedule+0x52/0xa0", " xfs_buf_lock+0x35/0x110",
             " xfs_buf_find_lock+0x4a/0x110", " xfs_buf_read_map+0x5a/0x2e0",
             " xfs_trans_read_buf_map+0x140/0x2f0", " xfs_read_agf+0x94/0x130",
             " xfs_alloc_read_agf+0x52/0x230", " </TASK>"}));
}

// Which of `fs` the shipped rules mark for these injections.
std::vector<bool> marks(std::vector<Finding> findings, const std::vector<json>& injections,
                        const std::string& fs = "xfs") {
  mark_expected(findings, injections, fs);
  std::vector<bool> out;
  for (auto& f : findings) out.push_back(f.expected);
  return out;
}

bool marked(const Finding& f, const json& inj, const std::string& fs = "xfs") {
  return marks({f}, {inj}, fs).at(0);
}

// Every kind of finding a cell can have: none is any injector's business unless it fired.
std::vector<Finding> everything() {
  return {verdict("stale-data"),
          verdict("unexpected-sigbus"),
          verdict("stalled-thread"),
          died(),
          e2fsck(),
          e2fsck_after_enomem(),
          ext4_out_of_memory(),
          xfs_error_enomem(),
          report("xfs_internal_error_trans_cancel"),
          report("ext4_error_block_bitmap"),
          report("ext2_error_check_page"),
          report("warning_dax_insert_entry"),
          report("kasan_uaf_read_dax_iomap_iter"),
          report("hung_task_get_unlocked_entry"),
          mapper_task(),
          agf_waiter(),
          lost(Lost::NoOutput, "no output from test machine", "tail"),
          lost(Lost::LostConnection, "lost connection to test machine", "tail"),
          infra("run failed", "x")};
}

std::string where(const std::string& yaml) {
  try {
    parse_expected_rules(yaml, "bad.yaml");
  } catch (const ExpectedRulesError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(ExpectedRules, TheShippedRulesAreTheFileCompiledIn) {
  const auto& shipped = shipped_expected_rules();
  EXPECT_EQ(shipped.source, "baselines/expected/rules.yaml");
  auto file = load_expected_rules(std::string(DT_SOURCE_DIR) + "/baselines/expected/rules.yaml");
  ASSERT_EQ(shipped.rules.size(), file.rules.size());
  EXPECT_EQ(shipped.rules.size(), 11u);
  for (std::size_t i = 0; i < file.rules.size(); ++i) {
    EXPECT_EQ(shipped.rules[i].note, file.rules[i].note);
    EXPECT_FALSE(shipped.rules[i].note.empty());
  }
}

TEST(ExpectedRules, TheRealCapturesAreWhatTheTestsSayTheyAre) {
  EXPECT_EQ(ext4_out_of_memory().kind, "ext4");
  EXPECT_NE(ext4_out_of_memory().text.find("Out of memory"), std::string::npos);
  EXPECT_EQ(xfs_error_enomem().kind, "xfs");
  EXPECT_NE(xfs_error_enomem().text.find("error -12"), std::string::npos);
  EXPECT_EQ(report("warning_dax_insert_entry").kind, "warning");
  EXPECT_EQ(report("kasan_uaf_read_dax_iomap_iter").kind, "kasan");
  EXPECT_EQ(mf_task("xfs_dax_notify_failure").title, "INFO: task hung in mf_dax_kill_procs");
  EXPECT_EQ(mapper_task().kind, "hung-task");
  EXPECT_EQ(agf_waiter().kind, "hung-task");
  EXPECT_EQ(e2fsck().category, Category::Fsck);
  EXPECT_EQ(e2fsck_after_enomem().category, Category::Fsck);
  EXPECT_NE(e2fsck_after_enomem().text.find("corrupted orphan linked list"), std::string::npos);
}

TEST(ExpectedRules, AnInjectorThatDidNotFireMarksNothing) {
  for (auto name : {"failslab", "fail-page-alloc", "fail-function", "unbind", "poison", "power-cut",
                    "pause-jitter", "cpu-hotplug"})
    for (auto fired : {std::optional<bool>(false), std::optional<bool>()})
      for (auto fs : {"xfs", "ext4", "ext2"}) {
        auto m = marks(everything(), {injection(name, fired)}, fs);
        EXPECT_EQ(std::count(m.begin(), m.end(), true), 0) << name << " on " << fs;
      }
  // Injectors without rules explain nothing even when they fired.
  for (auto name : {"pause-jitter", "cpu-hotplug"}) {
    auto m = marks(everything(), {injection(name, true)});
    EXPECT_EQ(std::count(m.begin(), m.end(), true), 0) << name;
  }
}

TEST(ExpectedRules, FaultInjectionExplainsItsEnomemAndNothingElse) {
  for (const auto& name : kFaultInjectors) {
    const json inj = injection(name, true);
    EXPECT_TRUE(marked(died(), inj)) << name;
    EXPECT_TRUE(marked(verdict("unexpected-sigbus"), inj)) << name;
    EXPECT_TRUE(marked(ext4_out_of_memory(), inj, "ext4")) << name;
    EXPECT_TRUE(marked(xfs_error_enomem(), inj)) << name;
    // Not caused by ENOMEM, or not the filesystem's word: still findings.
    EXPECT_FALSE(marked(report("warning_dax_insert_entry"), inj)) << name;
    EXPECT_FALSE(marked(report("ext4_error_block_bitmap"), inj, "ext4")) << name;
    EXPECT_FALSE(marked(report("xfs_internal_error_trans_cancel"), inj)) << name;
    EXPECT_FALSE(marked(report("kasan_uaf_read_dax_iomap_iter"), inj)) << name;
    EXPECT_FALSE(marked(verdict("stale-data"), inj)) << name;
    EXPECT_FALSE(marked(e2fsck(), inj, "ext2")) << name;
    // e2fsck after the kernel itself declared the filesystem in error: the declaration is
    // judged (above), its damage is not; xfs_repair has no such line.
    EXPECT_TRUE(marked(e2fsck_after_enomem(), inj, "ext4")) << name;
    EXPECT_FALSE(marked(e2fsck_after_enomem(), inj, "xfs")) << name;
    EXPECT_FALSE(marked(lost(Lost::NoOutput, "no output from test machine", "Out of memory"), inj))
        << name;
  }
  std::vector<Finding> f = {ext4_out_of_memory()};
  mark_expected(f, {injection("failslab", true)}, "ext4");
  EXPECT_EQ(f[0].note.rfind("expected consequence of failslab: a filesystem error caused by", 0),
            0u)
      << f[0].note;
}

TEST(ExpectedRules, UnbindExplainsTheLostDeviceButNotKernelBugs) {
  const json inj = injection("unbind", true);
  EXPECT_TRUE(marked(verdict("stale-data"), inj));
  EXPECT_TRUE(marked(verdict("unexpected-sigbus"), inj));
  EXPECT_TRUE(marked(died(), inj));
  EXPECT_TRUE(marked(e2fsck(), inj, "ext2"));
  EXPECT_TRUE(marked(report("xfs_internal_error_trans_cancel"), inj));
  EXPECT_TRUE(marked(report("xfs_shutdown_log_io_error"), inj));
  EXPECT_TRUE(marked(report("ext4_error_block_bitmap"), inj, "ext4"));
  EXPECT_TRUE(marked(report("ext2_error_check_page"), inj, "ext2"));
  // ext2's superblock re-dirtied after the vanished device failed its write: on ext2 only, and
  // only with the device gone.
  const Finding sb = report("real_warning_mark_buffer_dirty_ext2_unbind");
  EXPECT_TRUE(marked(sb, inj, "ext2"));
  EXPECT_FALSE(marked(sb, inj, "ext4"));
  EXPECT_FALSE(marked(sb, injection("failslab", true), "ext2"));
  EXPECT_FALSE(marked(report("kasan_uaf_read_dax_iomap_iter"), inj));
  EXPECT_FALSE(marked(report("warning_dax_insert_entry"), inj));
  EXPECT_FALSE(marked(report("bug_paging_request_memcpy_flushcache"), inj));
  EXPECT_FALSE(marked(report("hung_task_get_unlocked_entry"), inj));
  EXPECT_FALSE(marked(lost(Lost::NoOutput, "no output from test machine", "tail"), inj));
  EXPECT_FALSE(marked(infra("umount failed after the workload", "busy"), inj));
}

TEST(ExpectedRules, PoisonExplainsSigbusOnlyOnceItFired) {
  const json fired = injection("poison", true, {{"xfs_mf_deadlock", false}});
  EXPECT_TRUE(marked(verdict("unexpected-sigbus"), fired));
  EXPECT_TRUE(marked(died(), fired));
  EXPECT_FALSE(marked(verdict("stale-data"), fired));
  EXPECT_FALSE(marked(report("hung_task_get_unlocked_entry"), fired));
  EXPECT_FALSE(marked(report("warning_dax_insert_entry"), fired));
  // Without the deadlock's own report a hang or a lost guest is a finding.
  EXPECT_FALSE(marked(mapper_task(), fired));
  EXPECT_FALSE(marked(lost(Lost::NoOutput, "no output from test machine", "tail"), fired));
}

TEST(ExpectedRules, PoisonXfsDeadlockVictimsNeedItsEvidenceAndNeverHideItsReport) {
  // Recorded once the memory-failure task's report was on the console, fired or not.
  for (auto fired : {true, false}) {
    const json inj = injection("poison", fired, {{"xfs_mf_deadlock", true}});
    EXPECT_TRUE(marked(lost(Lost::NoOutput, "no output from test machine", "tail"), inj)) << fired;
    EXPECT_TRUE(marked(lost(Lost::LostConnection, "lost connection to test machine", "tail"), inj))
        << fired;
    EXPECT_TRUE(marked(verdict("stalled-thread"), inj)) << fired;
    EXPECT_TRUE(marked(mapper_task(), inj)) << fired;
    EXPECT_TRUE(marked(agf_waiter(), inj)) << fired;
    // The memory-failure task's report is the finding, under both handler names.
    EXPECT_FALSE(marked(mf_task("xfs_dax_notify_failure"), inj)) << fired;
    EXPECT_FALSE(marked(mf_task("xfs_dax_notify_ddev_failure"), inj)) << fired;
    // A hang outside the cycle, and kernel bugs, stay findings.
    EXPECT_FALSE(marked(report("hung_task_get_unlocked_entry"), inj)) << fired;
    EXPECT_FALSE(marked(report("hung_task_xfs_fallocate_invalidate_lock"), inj)) << fired;
    EXPECT_FALSE(marked(report("kasan_uaf_read_dax_iomap_iter"), inj)) << fired;
    EXPECT_EQ(marked(verdict("unexpected-sigbus"), inj), fired);
  }
  // The evidence is the injector's: absent, nothing of the cycle is excused.
  const json none = injection("poison", false);
  EXPECT_FALSE(marked(mapper_task(), none));
  EXPECT_FALSE(marked(lost(Lost::NoOutput, "no output from test machine", "tail"), none));
}

TEST(ExpectedRules, PowerCutExplainsExt2FsckAfterACutOnly) {
  const json inj = injection("power-cut", true);
  EXPECT_TRUE(marked(e2fsck(), inj, "ext2"));
  EXPECT_TRUE(marked(e2fsck(), inj, "ext2~2"));  // a campaign label of ext2
  EXPECT_FALSE(marked(e2fsck(), inj, "ext4"));
  EXPECT_FALSE(marked(e2fsck(), inj, "xfs"));
  EXPECT_FALSE(marked(verdict("lost-write"), inj, "ext2"));
  EXPECT_FALSE(marked(infra("power-cut: umount failed after the cut", "x"), inj, "ext2"));
  EXPECT_FALSE(marked(report("ext2_error_check_page"), inj, "ext2"));
  EXPECT_FALSE(marked(e2fsck(), injection("power-cut", false), "ext2"));
}

TEST(ExpectedRules, TheFirstInjectionNamesTheNoteAndExpectedFindingsStayAsTheyAre) {
  Finding canary = report("hung_task_get_unlocked_entry");
  canary.expected = true;
  canary.note = "canary";
  Finding sigbus = verdict("unexpected-sigbus");
  sigbus.note = "offset 4096";
  std::vector<Finding> f = {canary, sigbus, report("warning_dax_insert_entry")};
  EXPECT_EQ(mark_expected(f, {injection("unbind", true), injection("poison", true)}, "xfs"), 1);
  EXPECT_EQ(f[0].note, "canary");
  EXPECT_TRUE(f[1].expected);
  EXPECT_EQ(f[1].note.rfind("expected consequence of unbind: the data went with the device", 0), 0u)
      << f[1].note;
  EXPECT_NE(f[1].note.find("; offset 4096"), std::string::npos) << f[1].note;
  EXPECT_FALSE(f[2].expected);
  EXPECT_TRUE(f[2].note.empty());
}

TEST(ExpectedRules, RecordConditionsCompareTypedValues) {
  auto rules = parse_expected_rules(
      "rules:\n"
      "  - injector: x\n"
      "    fired: any\n"
      "    record: {evidence.n: 3, evidence.s: \"true\", evidence.b: false}\n"
      "    kind: k\n"
      "    note: n\n",
      "r.yaml");
  ASSERT_EQ(rules.rules.size(), 1u);
  const auto& r = rules.rules[0];
  EXPECT_EQ(r.where, "r.yaml:2");
  EXPECT_TRUE(
      r.applies({{"injector", "x"}, {"evidence", {{"n", 3}, {"s", "true"}, {"b", false}}}}, "xfs"));
  EXPECT_FALSE(
      r.applies({{"injector", "x"}, {"evidence", {{"n", 3}, {"s", true}, {"b", false}}}}, "xfs"));
  EXPECT_FALSE(r.applies({{"injector", "x"}, {"evidence", {{"n", 3}, {"s", "true"}}}}, "xfs"));
  EXPECT_FALSE(
      r.applies({{"injector", "y"}, {"evidence", {{"n", 3}, {"s", "true"}, {"b", false}}}}, "xfs"));
}

TEST(ExpectedRules, AMalformedFileIsOneLineNamingTheLineAndTheKey) {
  EXPECT_EQ(where("version: 1\nrules:\n  - injector: unbind\n    kind: {a: 1}\n    note: n\n"),
            "bad.yaml:4:11: rules[0].kind: expected a string or a list of strings");
  EXPECT_EQ(where("rules:\n  - injector: unbind\n    kinds: [xfs]\n    note: n\n"),
            "bad.yaml:3:5: rules[0].kinds: unknown key (expected injector, fired, record, fs, "
            "category, kind, text, text_not, note)");
  EXPECT_EQ(where("rules:\n  - injector: unbind\n    category: kernal\n    note: n\n"),
            "bad.yaml:3:15: rules[0].category: unknown category 'kernal' (expected kernel, "
            "workload, fsck, infra)");
  EXPECT_EQ(where("rules:\n  - injector: poison\n    fired: false\n    kind: x\n    note: n\n"),
            "bad.yaml:3:12: rules[0].fired: 'false' is not true or any");
  EXPECT_EQ(where("rules:\n  - injector: poison\n    kind: x\n"),
            "bad.yaml:2:5: rules[0]: missing 'note' (say why the finding is expected)");
  EXPECT_EQ(where("rules:\n  - injector: poison\n    note: n\n"),
            "bad.yaml:2:5: rules[0]: needs 'category' or 'kind': a rule over every finding "
            "would hide real reports");
  EXPECT_EQ(where("rules:\n  - injector: poison\n    kind: []\n    note: n\n"),
            "bad.yaml:3:11: rules[0].kind: must not be empty (leave the key out to match any)");
  EXPECT_EQ(where("rules:\n  - injector: poison\n    record: [a]\n    kind: x\n    note: n\n"),
            "bad.yaml:3:13: rules[0].record: expected a map of record fields to values, e.g. "
            "{evidence.x: true}");
  EXPECT_EQ(where("version: 2\nrules: []\n"), "bad.yaml:1:10: version: only version 1 is known");
  EXPECT_EQ(where("rule:\n  - injector: poison\n"),
            "bad.yaml:1:1: rule: unknown key (expected version, rules)");
  // A YAML syntax error: yaml-cpp's message, with the file and its position.
  const std::string syntax = where("rules:\n  - injector: [poison\n    note: n\n");
  EXPECT_EQ(syntax.rfind("bad.yaml:", 0), 0u) << syntax;
  EXPECT_EQ(syntax.find('\n'), std::string::npos) << syntax;
  // Every problem at once, one per line.
  EXPECT_EQ(where("rules:\n  - injector: a\n    kind: x\n  - injector: b\n    kind: y\n"),
            "bad.yaml:2:5: rules[0]: missing 'note' (say why the finding is expected)\n"
            "bad.yaml:4:5: rules[1]: missing 'note' (say why the finding is expected)");
  EXPECT_TRUE(parse_expected_rules("", "empty.yaml").rules.empty());
}

TEST(ExpectedRules, AMissingFileIsAnErrorNamingIt) {
  try {
    load_expected_rules("/nonexistent/rules.yaml");
    FAIL() << "accepted a missing file";
  } catch (const ExpectedRulesError& e) {
    EXPECT_STREQ(e.what(), "cannot read expected-rules file /nonexistent/rules.yaml");
  }
}

// Shared with baselines (report::fs_matches is this function).
TEST(ExpectedRules, FilesystemPatterns) {
  EXPECT_TRUE(fs_matches("*", "xfs"));
  EXPECT_TRUE(fs_matches("ext2", "ext2"));
  EXPECT_TRUE(fs_matches("ext*", "ext4"));
  EXPECT_TRUE(fs_matches("ext2", "ext2~3"));
  EXPECT_FALSE(fs_matches("ext2", "ext4"));
  EXPECT_FALSE(fs_matches("ext2", ""));
  EXPECT_FALSE(fs_matches("ext*", "xfs"));
}
