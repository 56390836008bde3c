// Parser behaviour beyond single golden reports: streaming, interleaving, truncation,
// lockdep state, garbage and limits.
#include "console/parser.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "console/frame_picker.hpp"
#include "corpus.hpp"

namespace dt::console {
namespace {

using testing::load_corpus_file;
using testing::testdata_dir;

std::string corpus_log(const std::string& name) {
  return load_corpus_file(testdata_dir() / "reports" / (name + ".txt")).log;
}

// "[ts][caller] text" lines.
std::string lines(std::initializer_list<std::pair<const char*, const char*>> ls) {
  std::string out;
  int i = 0;
  for (const auto& [caller, text] : ls) {
    char prefix[64];
    std::snprintf(prefix, sizeof prefix, "[%5d.%06d][%6s] ", 100, ++i, caller);
    out += prefix;
    out += text;
    out += '\n';
  }
  return out;
}

std::string warning(const char* caller, const char* fn) {
  std::string f = std::string("WARNING: CPU: 0 PID: 7 at fs/dax.c:1 ") + fn + "+0x1/0x2";
  std::string rip = std::string("RIP: 0010:") + fn + "+0x1/0x2";
  std::string out;
  for (const std::string& l :
       {std::string("------------[ cut here ]------------"), f, std::string("Modules linked in:"),
        rip, std::string("Call Trace:"), std::string(" <TASK>"),
        std::string(" dax_iomap_fault+0x1a2/0x7f0"), std::string(" </TASK>"),
        std::string("---[ end trace 0000000000000000 ]---")}) {
    out += "[  200.000000][" + std::string(6 - std::string(caller).size(), ' ') + caller + "] " +
           l + "\n";
  }
  return out;
}

TEST(Parser, ByteByByteEqualsWhole) {
  const std::string log = corpus_log("lockdep_circular_ext4_jbd2_i_mmap_rwsem") +
                          corpus_log("warning_dax_insert_entry") +
                          corpus_log("xfs_internal_error_trans_cancel");
  const auto whole = parse_log(log);
  ASSERT_EQ(whole.size(), 3u);
  Parser p;
  std::vector<Report> streamed;
  for (char c : log) {
    p.feed(std::string_view(&c, 1));
    for (auto& r : p.take_reports()) streamed.push_back(std::move(r));
  }
  p.finish();
  for (auto& r : p.take_reports()) streamed.push_back(std::move(r));
  ASSERT_EQ(streamed.size(), whole.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(streamed[i].title, whole[i].title);
    EXPECT_EQ(streamed[i].text, whole[i].text);
    EXPECT_EQ(streamed[i].start_offset, whole[i].start_offset);
    EXPECT_EQ(streamed[i].end_offset, whole[i].end_offset);
  }
}

TEST(Parser, ReportsArriveBeforeFinish) {
  Parser p;
  p.feed(warning("T7", "dax_associate_entry"));
  auto r = p.take_reports();
  ASSERT_EQ(r.size(), 1u);  // the end marker closed it: no need to wait for more output
  EXPECT_EQ(r[0].title, "WARNING in dax_associate_entry");
  EXPECT_FALSE(r[0].corrupted);
  EXPECT_TRUE(p.take_reports().empty());
  p.finish();
  EXPECT_TRUE(p.take_reports().empty());
}

TEST(Parser, OffsetsCoverTheReport) {
  const std::string noise = "[  199.000000][    T1] hello\n";
  const std::string log = noise + warning("T7", "dax_associate_entry") + noise;
  const auto r = parse_log(log);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].start_offset, noise.size());  // includes the "cut here" header line
  EXPECT_EQ(r[0].end_offset, log.size() - noise.size());
  EXPECT_NE(log.substr(r[0].start_offset, 60).find("cut here"), std::string::npos);
  EXPECT_EQ(r[0].text.substr(0, 12), "------------");
  EXPECT_NE(r[0].text.find("fs/dax.c:1"), std::string::npos);  // file:line stays in the text
}

TEST(Parser, InterleavedCallersKeepTheirLines) {
  // Two tasks print reports at the same time, line by line alternating.
  const std::string a = warning("T100", "dax_insert_entry");
  const std::string b = warning("T200", "dax_disassociate_entry");
  std::string log;
  std::size_t ia = 0, ib = 0;
  while (ia < a.size() || ib < b.size()) {
    for (std::string_view src : {std::string_view(a), std::string_view(b)}) {
      std::size_t& i = src.data() == a.data() ? ia : ib;
      if (i >= src.size()) continue;
      const auto nl = src.find('\n', i);
      log += src.substr(i, nl + 1 - i);
      i = nl + 1;
    }
  }
  const auto r = parse_log(log);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].title, "WARNING in dax_insert_entry");
  EXPECT_EQ(r[1].title, "WARNING in dax_disassociate_entry");
  for (const auto& rep : r) {
    EXPECT_FALSE(rep.corrupted);
    EXPECT_EQ(rep.text.find("WARNING", 40), std::string::npos) << rep.text;  // no foreign lines
  }
}

TEST(Parser, InterleavedNoiseDoesNotBreakLockdep) {
  const auto r = parse_log(corpus_log("lockdep_circular_interleaved_callers"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text.find("fsx: op"), std::string::npos);
  EXPECT_EQ(r[0].text.find("oops_in_another_task"), std::string::npos);
  EXPECT_EQ(r[0].text.find("writeback error"), std::string::npos);
}

TEST(Parser, NextReportCutsTheOpenOne) {
  std::string w = warning("T7", "dax_insert_entry");
  w.resize(w.find("Call Trace:"));  // the warning never reaches its end marker
  const auto r = parse_log(w + corpus_log("kasan_uaf_read_dax_iomap_iter").substr(0));
  // The KASAN excerpt is printed by T1533, the warning by T7: only the stream end cuts it.
  // parse_log() gives them back in console order (the warning started first).
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].title, "WARNING in dax_insert_entry");
  EXPECT_TRUE(r[0].corrupted);
  EXPECT_EQ(r[1].kind, Kind::Kasan);
  EXPECT_FALSE(r[1].corrupted);

  // Same task: the KASAN report begins while the warning is open.
  std::string same = w;
  same += lines({{"T7", "=================================================================="},
                 {"T7", "BUG: KASAN: use-after-free in dax_fault_iter+0x1/0x2"},
                 {"T7", "Read of size 8 at addr ffff88810a2c4e18 by task fsx/7"},
                 {"T7", "=================================================================="}});
  const auto s = parse_log(same);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].title, "WARNING in dax_insert_entry");
  EXPECT_TRUE(s[0].corrupted);
  EXPECT_EQ(s[1].title, "KASAN: use-after-free Read in dax_fault_iter");
  EXPECT_FALSE(s[1].corrupted);
}

TEST(Parser, TruncatedAtStreamEnd) {
  std::string log = corpus_log("hung_task_get_unlocked_entry");
  log.resize(log.find(" grab_mapping_entry"));
  const auto r = parse_log(log);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].title, "INFO: task hung in get_unlocked_entry");
  EXPECT_TRUE(r[0].corrupted);
}

TEST(Parser, LockdepDisabled) {
  Parser p;
  p.feed(
      lines({{"T1", "Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar"}}));
  EXPECT_FALSE(p.lockdep_disabled());
  p.feed(lines({{"T1", "BUG: MAX_LOCKDEP_CHAIN_HLOCKS too low!"}}));
  EXPECT_FALSE(p.lockdep_disabled());
  p.feed("[  100.000001][    T1] turning off the locking correctness vali");
  EXPECT_FALSE(p.lockdep_disabled());  // the line is not complete yet
  p.feed("dator.\n");
  EXPECT_TRUE(p.lockdep_disabled());
  p.finish();
  EXPECT_TRUE(p.take_reports().empty());
}

TEST(Parser, LockdepDisabledBySplatOrTaint) {
  Parser a;
  a.feed(corpus_log("lockdep_recursive_xfs_reflink_invalidate_lock"));
  EXPECT_TRUE(a.lockdep_disabled());
  Parser b;
  b.feed(corpus_log("lockdep_suspicious_rcu_dax_lock_page"));
  EXPECT_FALSE(b.lockdep_disabled());  // RCU checks leave lockdep on
  Parser c;
  c.feed(corpus_log("bug_bad_page_state_truncate"));  // "Disabling lock debugging ..."
  EXPECT_TRUE(c.lockdep_disabled());
}

TEST(Parser, ConsequencePanicIsPartOfTheOops) {
  auto r = parse_log(corpus_log("bug_kernel_bug_dax_unlock_entry"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, Kind::Bug);
  r = parse_log(corpus_log("panic_fatal_exception_alone"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, Kind::Panic);
}

TEST(Parser, OneLinersAreDeliveredWithoutWaitingForFinish) {
  Parser p;
  p.feed(lines({{"T5", "EXT4-fs error (device pmem1): ext4_lookup:1807: inode #2: comm ls: x"}}));
  EXPECT_TRUE(p.take_reports().empty());  // continuation lines may still follow
  for (int i = 0; i < 100; ++i) p.feed(lines({{"T6", "fsx: op"}}));
  const auto r = p.take_reports();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].title, "EXT4-fs error in ext4_lookup");
}

TEST(Parser, WithoutAnyPrefix) {
  const std::string log =
      "BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
      "Oops: 0000 [#1] SMP PTI\n"
      "RIP: 0010:dax_iomap_pte_fault+0x2c9/0x9b0\n"
      "Call Trace:\n <TASK>\n ext4_dax_huge_fault+0x1b9/0x2e0\n </TASK>\n"
      "---[ end trace 0000000000000000 ]---\n";
  const auto r = parse_log(log);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].title,
            "BUG: unable to handle kernel NULL pointer dereference in dax_iomap_pte_fault");
  EXPECT_FALSE(r[0].corrupted);
}

// Traces without <TASK> markers (up to 4.x) end at their first non-frame line: also another
// report's first line or the end of a pasted log, which leave them whole.
TEST(Parser, UnmarkedTraceEndsAtNextReportOrEndOfLog) {
  const std::string hung =
      "INFO: task xfs_io:1234 blocked for more than 120 seconds.\n"
      "xfs_io          D ffff88003fc14380     0  1234   1200 0x00000000\n"
      "Call Trace:\n"
      " [<ffffffff81799855>] schedule+0x29/0x70\n"
      " [<ffffffff81799a00>] rwsem_down_write_failed+0x1f5/0x2f0\n"
      " [<ffffffffa03b2f1b>] xfs_ilock+0x122/0x250 [xfs]\n"
      " [<ffffffffa03a1c4e>] xfs_file_fallocate+0x8e/0x340 [xfs]\n";
  for (const std::string& log :
       {hung, hung + "BUG: soft lockup - CPU#0 stuck for 23s! [t_mmap:99]\n"}) {
    const auto r = parse_log(log);
    ASSERT_GE(r.size(), 1u);
    EXPECT_EQ(r[0].title, "INFO: task hung in xfs_ilock");
    EXPECT_FALSE(r[0].corrupted) << log;
  }
  // With markers, a missing </TASK> is a cut report.
  const auto cut = parse_log(
      "INFO: task xfs_io:1234 blocked for more than 120 seconds.\n"
      "Call Trace:\n <TASK>\n __schedule+0x330/0xa70\n xfs_ilock+0x87/0x1e0\n");
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_TRUE(cut[0].corrupted);
}

// A kept guest's cell ends at a console fence: a report whose lines are all out (an unmarked
// hung-task trace waits for the next report to end it) is closed there, whole and the cell's,
// and the stream goes on for the next cell.
TEST(Parser, CloseOpenAtAFenceDeliversTheWaitingReport) {
  Parser p;
  p.feed(
      "INFO: task xfs_io:1234 blocked for more than 120 seconds.\n"
      "Call Trace:\n"
      " [<ffffffff81799855>] schedule+0x29/0x70\n"
      " [<ffffffffa03b2f1b>] xfs_ilock+0x122/0x250 [xfs]\n"
      "daxtorture: console fence 12\n");
  EXPECT_TRUE(p.take_reports().empty());
  EXPECT_TRUE(p.has_open());
  p.close_open();
  EXPECT_FALSE(p.has_open());
  auto r = p.take_reports();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].title, "INFO: task hung in xfs_ilock");
  EXPECT_FALSE(r[0].corrupted);
  // The stream goes on: the next cell's report is its own.
  p.feed(warning("T7", "dax_associate_entry"));
  r = p.take_reports();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].title, "WARNING in dax_associate_entry");
  p.close_open();  // nothing open: nothing happens
  EXPECT_TRUE(p.take_reports().empty());
}

// Traces symbolized by syzbot or decode_stacktrace.sh, as they are pasted in mails: inlined
// frames are part of the trace but never blamed (their caller follows).
TEST(Parser, SymbolizedTraces) {
  const auto r = parse_log(
      "==================================================================\n"
      "BUG: KASAN: use-after-free in dax_fault_iter+0x1b7/0x3b0 fs/dax.c:1043\n"
      "Read of size 8 by task xfs_io/1234\n"
      "Call Trace:\n"
      " __dump_stack lib/dump_stack.c:17 [inline]\n"
      " dump_stack+0x94/0xce lib/dump_stack.c:53\n"
      " kasan_report+0x3e/0x40 mm/kasan/report.c:409\n"
      " dax_fault_iter fs/dax.c:1043 [inline]\n"
      " dax_iomap_pte_fault+0x1b7/0x3b0 fs/dax.c:1450\n"
      " xfs_filemap_fault+0x8e/0x340 fs/xfs/xfs_file.c:1201\n"
      "==================================================================\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].title, "KASAN: use-after-free Read in dax_fault_iter");
  const std::vector<std::string> decoded = {
      "Call Trace:", " <TASK>", " dump_stack_lvl (lib/dump_stack.c:107)",
      " dax_insert_entry (fs/dax.c:893 (discriminator 1))", " </TASK>"};
  EXPECT_EQ(pick_frame(FrameRule{}, {}, decoded, {}), "dax_insert_entry");
}

// A syzbot mail: panic_on_warn, a symbolized trace without markers, and no end marker (panic()
// ends with "Kernel Offset:"): a whole report.
TEST(Parser, PanicOnWarnEndsAtKernelOffset) {
  const auto r = parse_log(
      "------------[ cut here ]------------\n"
      "WARNING: CPU: 0 PID: 9012 at fs/dax.c:380 dax_insert_entry+0x2c4/0x3c0 fs/dax.c:380\n"
      "Kernel panic - not syncing: panic_on_warn set ...\n"
      "\n"
      "CPU: 0 PID: 9012 Comm: syz-executor.3 Not tainted 4.19.211-syzkaller #0\n"
      "Call Trace:\n"
      " __dump_stack lib/dump_stack.c:77 [inline]\n"
      " dump_stack+0x1fc/0x2ef lib/dump_stack.c:118\n"
      " panic+0x26a/0x50e kernel/panic.c:186\n"
      " __warn.cold+0x20/0x5a kernel/panic.c:541\n"
      " invalid_op+0x14/0x20 arch/x86/entry/entry_64.S:1037\n"
      "RIP: 0010:dax_insert_entry+0x2c4/0x3c0 fs/dax.c:380\n"
      " dax_fault_iter fs/dax.c:1420 [inline]\n"
      " dax_iomap_pte_fault+0xa1b/0x1c20 fs/dax.c:1480\n"
      "Kernel Offset: disabled\n"
      "Rebooting in 86400 seconds..\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].title, "WARNING in dax_insert_entry");
  EXPECT_FALSE(r[0].corrupted);
}

// 4.x KASAN reports of wild and NULL accesses name no function: the trace does, so the title is
// the one later kernels' "null-ptr-deref in f" header gives.
TEST(Parser, KasanOnAddressIsBlamedOnTheTrace) {
  const auto r = parse_log(
      "==================================================================\n"
      "BUG: KASAN: null-ptr-deref on address 0000000000000008\n"
      "Read of size 8 by task xfs_io/1234\n"
      "CPU: 1 PID: 1234 Comm: xfs_io Not tainted 4.9.0 #1\n"
      "Call Trace:\n"
      " [<ffffffff81c1eac0>] dump_stack+0x63/0x8b\n"
      " [<ffffffff8153cbde>] kasan_report+0x3e/0x40\n"
      " [<ffffffff8153b344>] __asan_load8+0x64/0x70\n"
      " [<ffffffff8123abcd>] dax_iomap_pte_fault+0x1b7/0x3b0\n"
      "==================================================================\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].title, "KASAN: null-ptr-deref Read in dax_iomap_pte_fault");
  EXPECT_FALSE(r[0].corrupted);
}

TEST(Parser, SameBugSameTitleAcrossRuns) {
  // Different pids, CPUs, addresses, line numbers, devices and timestamps.
  const auto a = parse_log(lines({{"T11",
                                   "EXT4-fs error (device pmem1): ext4_lookup:1807: inode #2: comm "
                                   "ls: deleted inode referenced: 13"}}));
  const auto b = parse_log(lines({{"T99",
                                   "EXT4-fs error (device pmem7): ext4_lookup:1811: inode #9: comm "
                                   "find: deleted inode referenced: 4411"}}));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].title, b[0].title);
  EXPECT_EQ(title_hash(a[0].title), title_hash(b[0].title));
  const auto w1 = parse_log(warning("T1", "dax_insert_entry"));
  std::string other = warning("C1", "dax_insert_entry");
  other.replace(other.find("fs/dax.c:1"), 10, "fs/dax.c:943");
  const auto w2 = parse_log(other);
  EXPECT_EQ(w1.at(0).title, w2.at(0).title);
}

TEST(Parser, HungTaskSkipsTheWaitingAndLockingPath) {
  // The xfs memory-failure deadlock of baselines/6.1-clean.yaml: syzbot's hang rule skips
  // *wait* and *_lock* frames, so the title names the memory-failure step, not the DAX wait
  // helper ("INFO: task hung in wait_entry_unlocked" before issue 14).
  const auto r = parse_log(lines(
      {{"T23", "INFO: task dt-poison:90 blocked for more than 61 seconds."},
       {"T23", "      Not tainted 6.1.192 #1"},
       {"T23", "task:dt-poison       state:D stack:13592 pid:90    ppid:85     flags:0x00004002"},
       {"T23", "Call Trace:"},
       {"T23", " <TASK>"},
       {"T23", " __schedule+0x330/0xa70"},
       {"T23", " schedule+0x52/0xa0"},
       {"T23", " wait_entry_unlocked+0xf4/0x140"},
       {"T23", " ? wake_up_q+0x90/0x90"},
       {"T23", " dax_lock_mapping_entry+0x1a3/0x1f0"},
       {"T23", " mf_dax_kill_procs+0x63/0x140"},
       {"T23", " xfs_dax_failure_fn+0x1f4/0x260"},
       {"T23", " xfs_rmap_query_range+0xc2/0x110"},
       {"T23", " xfs_dax_notify_failure+0x393/0x4b0"},
       {"T23", " dax_holder_notify_failure+0x49/0x70"},
       {"T23", " memory_failure+0x1d5/0x7d0"},
       {"T23", " hard_offline_page_store+0x4f/0x70"},
       {"T23", " kernfs_fop_write_iter+0x11e/0x1f0"},
       {"T23", " vfs_write+0x2b1/0x3d0"},
       {"T23", " ksys_write+0x6c/0xf0"},
       {"T23", " do_syscall_64+0x3a/0x90"},
       {"T23", " entry_SYSCALL_64_after_hwframe+0x64/0xce"},
       {"T23", " </TASK>"}}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].title, "INFO: task hung in mf_dax_kill_procs");
  EXPECT_FALSE(r[0].corrupted);
  // Waiting for a grace period is one bucket, wherever it was called from.
  const auto g = parse_log(lines({{"T23", "INFO: task fsx:12 blocked for more than 61 seconds."},
                                  {"T23", "Call Trace:"},
                                  {"T23", " <TASK>"},
                                  {"T23", " __schedule+0x330/0xa70"},
                                  {"T23", " schedule+0x52/0xa0"},
                                  {"T23", " synchronize_rcu_expedited+0x1f4/0x260"},
                                  {"T23", " xfs_inodegc_flush+0x1/0x2"},
                                  {"T23", " </TASK>"}}));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].title, "INFO: task hung in synchronize_rcu");
}

TEST(Parser, HungTaskWokenDuringItsDumpKeepsItsTitle) {
  // The task ran again while khungtaskd dumped its stack: the unwinder only guesses, but the
  // guesses are the same stack, so the title is the same as a clean run's.
  const auto r =
      parse_log(lines({{"T23", "INFO: task dt-canary:81 blocked for more than 1 seconds."},
                       {"T23", "task:dt-canary       state:R  running task     stack:14792 pid:81"},
                       {"T23", "Call Trace:"},
                       {"T23", " <TASK>"},
                       {"T23", " ? __schedule+0x330/0xa70"},
                       {"T23", " ? percpu_rwsem_wait+0x11d/0x150"},
                       {"T23", " ? __percpu_down_read+0x7c/0x170"},
                       {"T23", " ? vfs_write+0x4db/0x520"},
                       {"T23", " ? ksys_write+0x6c/0xf0"},
                       {"T23", " </TASK>"}}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].title, "INFO: task hung in vfs_write");
  EXPECT_FALSE(r[0].corrupted);
}

TEST(Parser, GarbageAndHugeLinesAreSurvived) {
  std::mt19937 rng(1234);
  std::string junk;
  for (int i = 0; i < 200000; ++i) junk.push_back(static_cast<char>(rng()));
  std::string log =
      junk + "\n" + warning("T3", "dax_insert_entry") + std::string(1 << 20, 'A') + "\n" + junk;
  const auto r = parse_log(log);
  ASSERT_GE(r.size(), 1u);
  bool found = false;
  for (const auto& x : r) found |= x.title == "WARNING in dax_insert_entry" && !x.corrupted;
  EXPECT_TRUE(found);
}

TEST(Parser, RunawayReportIsCapped) {
  std::string log = lines({{"T3", "WARNING: CPU: 0 PID: 3 at fs/dax.c:1 dax_insert_entry+0x1/0x2"},
                           {"T3", "Call Trace:"}});
  for (int i = 0; i < 5000; ++i) log += "[  100.000000][    T3]  dax_iomap_fault+0x1a2/0x7f0\n";
  const auto r = parse_log(log);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].corrupted);
  EXPECT_LT(r[0].text.size(), 64u * 1024);
}

TEST(Parser, ManyCallerIdsStayBounded) {
  Parser p;
  for (int i = 0; i < 5000; ++i) {
    const std::string c = "T" + std::to_string(i);
    p.feed(lines({{c.c_str(), "======================================================"}}));
    p.feed(lines({{c.c_str(), "WARNING: possible circular locking dependency detected"}}));
  }
  p.finish();
  const auto r = p.take_reports();
  EXPECT_EQ(r.size(), 5000u);
  for (const auto& x : r) EXPECT_TRUE(x.corrupted);
}

}  // namespace
}  // namespace dt::console
