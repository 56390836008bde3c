// The small pieces: prefix stripping, line splitting, symbol parsing, title normalisation,
// frame picking, the formats table.
#include <gtest/gtest.h>

#include "console/formats.hpp"
#include "console/frame_picker.hpp"
#include "console/line_splitter.hpp"
#include "console/prefix.hpp"
#include "console/report.hpp"
#include "console/symbols.hpp"
#include "console/title.hpp"

namespace dt::console {
namespace {

TEST(Prefix, TimestampAndCaller) {
  auto p = strip_prefix("[   12.345678][  T123] XFS (pmem0): Mounting V5 Filesystem");
  EXPECT_EQ(p.body, "XFS (pmem0): Mounting V5 Filesystem");
  EXPECT_EQ(p.caller, "T123");
  p = strip_prefix("[    1.234567][    C1]  dax_fault+0x1a/0x40");
  EXPECT_EQ(p.body, " dax_fault+0x1a/0x40");  // frame indentation is kept
  EXPECT_EQ(p.caller, "C1");
  p = strip_prefix("[  C1] hello");
  EXPECT_EQ(p.body, "hello");
  EXPECT_EQ(p.caller, "C1");
  p = strip_prefix("<4>[   12.000000] WARNING: CPU: 0 PID: 1 at x");
  EXPECT_EQ(p.body, "WARNING: CPU: 0 PID: 1 at x");
  EXPECT_EQ(p.caller, "");
  p = strip_prefix("no prefix at all");
  EXPECT_EQ(p.body, "no prefix at all");
  p = strip_prefix("[ 12.3x] not a timestamp");
  EXPECT_EQ(p.body, "[ 12.3x] not a timestamp");
}

// How pasted reports reach us: logs, dmesg's own formats, mail quotes, indentation.
TEST(Prefix, SyslogDmesgAndMailPresentations) {
  const std::pair<const char*, const char*> bodies[] = {
      {"Nov 29 10:00:00 dax-vm kernel: [  123.456789] BUG: x", "BUG: x"},
      {"Nov  9 10:00:00 dax-vm kernel: BUG: x", "BUG: x"},
      {"Nov 29 10:00:00.123456 dax-vm kernel:  dax_fault+0x1a/0x40", " dax_fault+0x1a/0x40"},
      {"2026-11-29T10:00:00.123456+00:00 dax-vm kernel: [  1.000000] BUG: x", "BUG: x"},
      {"2026-11-29T10:00:00+0000 dax-vm kernel: BUG: x", "BUG: x"},
      {"2026-11-29T10:00:00,123456+00:00 BUG: x", "BUG: x"},
      {"[Sun Nov 29 10:00:00 2026] BUG: x", "BUG: x"},
      {"[Sun Nov  9 10:00:00 2026]  dax_fault+0x1a/0x40", " dax_fault+0x1a/0x40"},
      {"kern  :warn  : [  123.456789] BUG: x", "BUG: x"},
      {"> [  123.456789] BUG: x", "BUG: x"},
      {">> BUG: x", "BUG: x"},
      {"> > [  123.456789]  dax_fault+0x1a/0x40", " dax_fault+0x1a/0x40"},
      {">  dax_fault+0x1a/0x40", " dax_fault+0x1a/0x40"},
      {"    [  123.456789] BUG: x", "BUG: x"},
      {"\t[  123.456789]  [<ffffffff8123abcd>] f+0x1/0x2", " [<ffffffff8123abcd>] f+0x1/0x2"},
      // the message's own indentation, KASAN's shadow row and lockdep's brackets are kept
      {"     dax_fault+0x1a/0x40", "     dax_fault+0x1a/0x40"},
      {">ffff888012345600: fb fb fb fb", ">ffff888012345600: fb fb fb fb"},
      {"> >ffff888012345600: fb fb", ">ffff888012345600: fb fb"},
      {"[ INFO: possible circular locking dependency detected ]",
       "[ INFO: possible circular locking dependency detected ]"},
      {"Nov 29 10:00:00 dax-vm systemd[1]: Started x.",
       "Nov 29 10:00:00 dax-vm systemd[1]: Started x."},
  };
  for (const auto& [line, body] : bodies) EXPECT_EQ(strip_prefix(line).body, body) << line;
  // Caller ids survive every outer prefix, glued to the time or a column apart (dmesg).
  for (const char* line :
       {"Nov 29 10:00:00 h kernel: [  1.000000][ T1877] BUG: x", "[    1.000000] [ T1877] BUG: x",
        "> [  1.000000][ T1877] BUG: x", "[Sun Nov 29 10:00:00 2026] [ T1877] BUG: x"}) {
    const auto p = strip_prefix(line);
    EXPECT_EQ(p.body, "BUG: x") << line;
    EXPECT_EQ(p.caller, "T1877") << line;
  }
}

TEST(LineSplitter, SplitsAcrossFeedsWithOffsets) {
  LineSplitter s;
  std::vector<RawLine> out;
  s.feed("ab", out);
  s.feed("c\r\nde", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "abc");
  EXPECT_EQ(out[0].begin, 0u);
  EXPECT_EQ(out[0].end, 5u);
  s.feed("f\n", out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].text, "def");
  EXPECT_EQ(out[1].begin, 5u);
  EXPECT_EQ(out[1].end, 9u);
  s.feed("tail", out);
  s.finish(out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].text, "tail");
  EXPECT_EQ(out[2].end, 13u);
}

TEST(LineSplitter, CapsAndSanitises) {
  LineSplitter s;
  std::vector<RawLine> out;
  std::string big(100000, 'x');
  big[3] = '\x01';
  big[4] = '\xff';
  s.feed(big + "\n", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text.size(), LineSplitter::kMaxLineBytes);
  EXPECT_EQ(out[0].text.substr(0, 6), "xxx??x");
  EXPECT_EQ(out[0].end, big.size() + 1);
}

TEST(Symbols, Frames) {
  auto f = parse_frame(" dax_iomap_pte_fault.isra.0+0x3a1/0x9b0");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->symbol, "dax_iomap_pte_fault.isra.0");
  EXPECT_TRUE(f->reliable);
  f = parse_frame("  ? xfs_ilock+0x87/0x1e0 [xfs]");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->reliable);
  EXPECT_EQ(f->symbol, "xfs_ilock");
  f = parse_frame("[<ffffffff8123abcd>] ext4_dax_huge_fault+0x1c/0x2e0");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->symbol, "ext4_dax_huge_fault");
  EXPECT_FALSE(parse_frame("Call Trace:"));
  EXPECT_FALSE(parse_frame("RIP: 0010:dax_insert_entry+0x3c5/0x430"));
  EXPECT_FALSE(parse_frame("dax_fault+0x1a/0x40 trailing junk"));
  EXPECT_EQ(parse_rip("RIP: 0010:dax_insert_entry+0x3c5/0x430").value_or(""), "dax_insert_entry");
  EXPECT_FALSE(parse_rip("RIP: 0033:0x7f12a3b4c5d6"));
  EXPECT_EQ(clean_symbol("xfs_ilock+0x87/0x1e0 [xfs]"), "xfs_ilock");
}

// Frames and RIPs as 3.x and 4.x printed them.
TEST(Symbols, OldKernelsFramesAndRips) {
  auto f = parse_frame(" [<ffffffff8123abcd>] ? dax_foo+0x12/0x340 [xfs]");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->symbol, "dax_foo");
  EXPECT_FALSE(f->reliable);
  f = parse_frame(" <IRQ>  [<ffffffff810a5c2d>] sched_show_task+0xbd/0x120");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->symbol, "sched_show_task");
  f = parse_frame(" <EOI>  [<ffffffff8123abcd>] ? dax_foo+0x12/0x340");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->reliable);
  // an address no symbol covers is a frame, but nothing to blame
  f = parse_frame(" [<ffffffffc007e000>] ? 0xffffffffc007e000");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->reliable);
  EXPECT_EQ(f->symbol, "");
  EXPECT_TRUE(parse_frame(" ? 0xffffffffc007e000"));
  EXPECT_FALSE(parse_frame(" ffff88003c6f3e48 ffffffff810a8a7c 0000000000000000"));
  // Symbolized traces, as syzbot mails them and decode_stacktrace.sh prints them.
  f = parse_frame(" dax_iomap_pte_fault+0x1b7/0x3b0 fs/dax.c:1043");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->symbol, "dax_iomap_pte_fault");
  EXPECT_TRUE(f->reliable);
  f = parse_frame(" __dump_stack lib/dump_stack.c:88 [inline]");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->reliable);  // inlined: its caller follows
  f = parse_frame(" dax_iomap_pte_fault (fs/dax.c:1043 (discriminator 3))");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->symbol, "dax_iomap_pte_fault");
  EXPECT_TRUE(f->reliable);
  f = parse_frame("[c00000000a2b3ca0] [c0000000004b09f0] dax_bar+0x34/0x100 [xfs] (unreliable)");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->symbol, "dax_bar");
  EXPECT_FALSE(f->reliable);
  f = parse_frame("[c00000000a2b3cf0] [c0000000004b1234] dax_baz+0x1/0x2");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->reliable);
  EXPECT_FALSE(parse_frame("Modules linked in: xfs libcrc32c"));
  EXPECT_FALSE(parse_frame("Hardware name: QEMU Standard PC (Q35 + ICH9, 2009)"));
  const std::pair<const char*, const char*> rips[] = {
      {"RIP: 0010:[<ffffffff8123abcd>]  [<ffffffff8123abcd>] dax_foo+0x12/0x340", "dax_foo"},
      {"RIP  [<ffffffff8123abcd>] dax_foo+0x12/0x340 [xfs]", "dax_foo"},
      {"IP: [<ffffffff8123abcd>] dax_foo+0x12/0x340", "dax_foo"},
      {"IP: dax_foo+0x12/0x340", "dax_foo"},
      {"RIP: dax_foo+0x12/0x340 RSP: ffffc90000a4fe90", "dax_foo"},
      {"RIP: 0010:dead_beef+0x1/0x2", "dead_beef"},
      {"pc : dax_foo+0x12/0x340 [xfs]", "dax_foo"},  // arm64
      {"PC is at dax_foo+0x12/0x340", "dax_foo"},
      {"NIP [c0000000004b0a2c] dax_foo+0x12/0x340", "dax_foo"},  // powerpc
  };
  for (const auto& [line, sym] : rips) EXPECT_EQ(parse_rip(line).value_or(""), sym) << line;
  for (const char* line : {"IP: [<          (null)>]           (null)", "IPv6: ADDRCONF(NETDEV_UP)",
                           "NIP:  c0000000004b0a2c LR: c0000000004b09f0 CTR: 0000000000000000",
                           "pci 0000:00:01.0: [8086:7000] type 00 class 0x060100",
                           "RIP: 0033:[<00007f3b8a91e2aa>]  [<00007f3b8a91e2aa>] 0x7f3b8a91e2aa"}) {
    EXPECT_FALSE(parse_rip(line)) << line;
  }
  EXPECT_EQ(clean_symbol("grab_mapping_entry.constprop.0"), "grab_mapping_entry");
}

TEST(Title, Normalise) {
  EXPECT_EQ(normalise_text("Attempted to kill init! exitcode=0x00000009"),
            "Attempted to kill init! exitcode=NUM");
  EXPECT_EQ(normalise_text("EXT4-fs (device pmem1): panic forced after error"),
            "EXT4-fs: panic forced after error");
  EXPECT_EQ(normalise_text("VFS: Unable to mount root fs on unknown-block(259,0)"),
            "VFS: Unable to mount root fs on unknown-block(NUM,NUM)");
  EXPECT_EQ(normalise_text("kasan.fault=panic set ..."), "kasan.fault=panic set");
  EXPECT_EQ(normalise_text("x86_64 ext4 at ffff888003a1b000"), "x86_64 ext4 at NUM");
  EXPECT_EQ(with_frame("WARNING", "dax_insert_entry"), "WARNING in dax_insert_entry");
  EXPECT_EQ(with_frame("possible deadlock", ""), "possible deadlock");
  EXPECT_EQ(compact_text("  a   ==\t b "), "a == b");
}

TEST(Report, KindNamesRoundTrip) {
  for (Kind k : {Kind::Lockdep, Kind::Warning, Kind::Bug, Kind::Kasan, Kind::GeneralProtection,
                 Kind::HungTask, Kind::RcuStall, Kind::SoftLockup, Kind::Panic, Kind::Xfs,
                 Kind::Ext4, Kind::Ext2}) {
    Kind back{};
    ASSERT_TRUE(kind_from_string(to_string(k), back));
    EXPECT_EQ(back, k);
  }
  EXPECT_EQ(to_string(Kind::GeneralProtection), "gpf");
  EXPECT_EQ(to_string(Kind::HungTask), "hung-task");
  EXPECT_EQ(title_hash("WARNING in dax_insert_entry").size(), 16u);
  EXPECT_EQ(title_hash("a"), title_hash("a"));
  EXPECT_NE(title_hash("a"), title_hash("b"));
}

TEST(FramePicker, GenericAndMachinery) {
  EXPECT_TRUE(is_machinery("dump_stack_lvl"));
  EXPECT_TRUE(is_machinery("asm_exc_page_fault"));
  EXPECT_TRUE(is_machinery("kasan_report"));
  EXPECT_FALSE(is_machinery("dt_canary_kasan"));  // sanitizer runtimes by prefix only
  EXPECT_TRUE(is_generic("lock_acquire"));
  EXPECT_TRUE(is_generic("down_write"));
  EXPECT_TRUE(is_generic("refcount_warn_saturate"));
  EXPECT_TRUE(is_generic("__list_del_entry_valid"));
  EXPECT_TRUE(is_generic("__x86_indirect_thunk_rax"));
  EXPECT_TRUE(is_generic("debug_print_object"));
  EXPECT_TRUE(is_generic("fortify_panic"));
  EXPECT_TRUE(is_generic("native_queued_spin_lock_slowpath"));
  EXPECT_FALSE(is_generic("dt_canary_lockdep"));
  // syzbot blames FS lock wrappers ("possible deadlock in xfs_ilock"): not helpers
  EXPECT_FALSE(is_generic("xfs_ilock"));
  EXPECT_FALSE(is_generic("dax_iomap_fault"));
  EXPECT_FALSE(is_generic("xfs_filemap_fault"));
  EXPECT_FALSE(is_machinery("ext4_dax_huge_fault"));
  EXPECT_EQ(strip_prefixes("__x64_sys_fallocate"), "sys_fallocate");
  EXPECT_EQ(strip_prefixes("__do_sys_finit_module"), "finit_module");
  EXPECT_EQ(strip_prefixes("ksys_write"), "write");
  EXPECT_EQ(strip_prefixes("dax_iomap_fault"), "dax_iomap_fault");
  const std::vector<std::string> lines = {"CPU: 0 PID: 1 Comm: t Not tainted 6.1.192 #1",
                                          "Call Trace:",
                                          " <TASK>",
                                          " dump_stack_lvl+0x5b/0x77",
                                          " ? xfs_bogus+0x1/0x2",
                                          " down_write+0x3e/0x140",
                                          " dax_iomap_fault+0x1a2/0x7f0",
                                          " </TASK>"};
  EXPECT_EQ(pick_frame(FrameRule{}, {}, lines, {}), "dax_iomap_fault");
  const std::vector<std::string> only_generic = {
      "Call Trace:", " <TASK>", " dump_stack_lvl+0x5b/0x77", " down_write+0x3e/0x140", " </TASK>"};
  EXPECT_EQ(pick_frame(FrameRule{}, {}, only_generic, {}), "down_write");
}

TEST(FramePicker, StallAnchorsAndStalledStack) {
  // A self-detected stall: the reporting timer interrupt's stack, then the stalled task's.
  const std::vector<std::string> lines = {"NMI backtrace for cpu 1",
                                          "Call Trace:",
                                          " <IRQ>",
                                          " dump_stack_lvl+0x5b/0x77",
                                          " nmi_cpu_backtrace.cold+0x30/0x70",
                                          " rcu_dump_cpu_stacks+0xf5/0x131",
                                          " __sysvec_apic_timer_interrupt+0x8a/0x240",
                                          " sysvec_apic_timer_interrupt+0x8d/0xb0",
                                          " </IRQ>",
                                          " <TASK>",
                                          " asm_sysvec_apic_timer_interrupt+0x16/0x20",
                                          "RIP: 0010:xas_find+0x1a6/0x2a0",
                                          " dax_layout_busy_page_range+0x1a6/0x2a0",
                                          " xfs_break_layouts+0x73/0x110",
                                          " xfs_file_fallocate+0x12f/0x5d0",
                                          " vfs_fallocate+0x14c/0x3c0",
                                          " __x64_sys_fallocate+0x44/0x70",
                                          " do_syscall_64+0x3a/0x90",
                                          " </TASK>"};
  const FrameRule stall{.stack = Stack::Stalled, .pick = Pick::Stall};
  EXPECT_EQ(pick_frame(stall, {}, lines, {}), "__x64_sys_fallocate");
  const FrameRule first{.stack = Stack::Stalled};
  EXPECT_EQ(pick_frame(first, {}, lines, {}), "dax_layout_busy_page_range");
  // Writes stop at the file operation: the frame above vfs_write.
  const std::vector<std::string> write = {"RIP: 0010:dax_iomap_rw+0x1/0x2",
                                          "Call Trace:",
                                          " <TASK>",
                                          " xfs_file_write_iter+0x1/0x2",
                                          " vfs_write+0x1/0x2",
                                          " ksys_write+0x1/0x2",
                                          " </TASK>"};
  EXPECT_EQ(pick_frame(stall, {}, write, {}), "xfs_file_write_iter");
}

TEST(Formats, TableIsConsistent) {
  for (const auto& c : formats()) {
    EXPECT_FALSE(c.f->name.empty());
    EXPECT_FALSE(c.f->needle.empty()) << c.f->name;
    EXPECT_NE(c.f->title, nullptr) << c.f->name;
    if (c.f->end == End::Marker) {
      EXPECT_TRUE(c.has_end) << c.f->name;
    }
  }
  auto m = match_start("WARNING: CPU: 1 PID: 345 at fs/dax.c:1043 dax_insert_entry+0x3c5/0x430");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->fmt->f->name, "warning");
  EXPECT_EQ(m->groups.at(2), "dax_insert_entry+0x3c5/0x430");
  // Headers of later kernels and the classes issue 14 found missing.
  const std::pair<const char*, const char*> starts[] = {
      {"WARNING: fs/dax.c:380 at dax_insert_entry+0x2c4/0x3c0, CPU#1: dt-reflink/123",
       "warning-cpu-last"},
      {"WARNING: lib/refcount.c:25 at refcount_warn_saturate+0x9e/0x110, CPU#0: a/1",
       "warning-refcount"},
      {"WARNING: CPU: 0 PID: 81 at lib/refcount.c:25 refcount_warn_saturate+0x9e/0x110",
       "warning-refcount"},
      {"WARNING: CPU: 0 PID: 0 at lib/debugobjects.c:509 debug_print_object+0x80/0xb0",
       "warning-odebug"},
      {"Oops: general protection fault, probably for non-canonical address 0xdffffc0000000002: "
       "0000 [#1] PREEMPT SMP KASAN NOPTI",
       "gpf"},
      {"Oops: divide error: 0000 [#1] PREEMPT SMP NOPTI", "trap"},
      {"Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI", "trap"},
      {"Oops: stack segment: 0000 [#1] PREEMPT SMP NOPTI", "trap"},
      {"Kernel panic - not syncing: panic_on_warn set ...", "panic-consequence"},
      {"Kernel panic - not syncing: scheduling while atomic", "panic-consequence"},
      {"Kernel panic - not syncing: KASAN: panic_on_warn set ...", "panic-consequence"},
      {"UBSAN: array-index-out-of-bounds in fs/dax.c:1779:31", "ubsan"},
      {"UBSAN: Undefined behaviour in fs/dax.c:1779:31", "ubsan"},
      {"BUG: KFENCE: out-of-bounds write in dax_fault_iter+0x1/0x2", "kfence"},
      {"BUG: KFENCE: invalid free in dax_fault_iter+0x1/0x2", "kfence"},
      {"BUG: using smp_processor_id() in preemptible [00000000] code: fsx/1877", "preemptible"},
      {"BUG: using __this_cpu_read() in preemptible [00000000] code: fsx/1877", "preemptible"},
      {"BUG: TASK stack guard page was hit at ffffc90000af7ff8 (stack is "
       "ffffc90000af8000..ffffc90000afc000)",
       "stack-guard"},
      {"BUG: KASAN: double-free or invalid-free in kfree+0xd6/0x2f0", "kasan-invalid-free"},
      {"BUG: KASAN: double-free in ext4_ext_remove_space+0x1a31/0x2a90", "kasan-invalid-free"},
      {"BUG: KASAN: slab-use-after-free in dax_fault_iter+0x1/0x2", "kasan"},
      {"mm/pgtable-generic.c:53: bad pmd 00000000b57e2c1a(80000001062009e7)", "bad-pgtable"},
      {"BUG: Bad page map in process fsx  pte:8000000107a00225 pmd:10a9e1067", "bad-page-map"},
      {"BUG: Bad page state in process fsx  pfn:107a00", "bad-page-state"},
      {"BUG: Bad page cache in process fsx  pfn:107a00", "bad-page-state"},
      {"BUG: Bad rss-counter state mm:00000000f5d3c0a1 type:MM_FILEPAGES val:-1",
       "bad-rss-counter"},
      {"INFO: task fsx:1234 blocked in I/O wait for more than 120 seconds.", "hung-task"},
      {"rcu: INFO: rcu_sched detected expedited stalls on CPUs/tasks: {", "rcu-stall"},
      // older kernels' wordings
      {"WARNING: CPU: 1 PID: 2 at fs/dax.c:100 dax_foo+0x10/0x20()", "warning"},
      {"WARNING: at fs/dax.c:100 dax_foo+0x10/0x20()", "warning-no-cpu"},
      {"WARNING: at lib/list_debug.c:59 __list_del_entry+0xa1/0xd0()", "warning-no-cpu"},
      {"NMI watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [xfs_io:1234]", "soft-lockup"},
      {"BUG: soft lockup - CPU#0 stuck for 23s! [t_mmap:99]", "soft-lockup"},
      {"INFO: rcu_sched detected stalls on CPUs/tasks:", "rcu-stall"},
      {"INFO: rcu_sched self-detected stall on CPU { 1}  (t=21000 jiffies g=1 c=0 q=5)",
       "rcu-stall"},
      {"INFO: rcu_sched_state detected stall on CPU 0 (t=15000 jiffies)", "rcu-stall"},
      {"[ INFO: possible circular locking dependency detected ]", "lockdep-circular"},
      {"[ INFO: possible recursive locking detected ]", "lockdep-recursive"},
      {"[ INFO: inconsistent lock state ]", "lockdep-inconsistent"},
      {"[ INFO: suspicious RCU usage. ]", "lockdep-rcu"},
      {"[ BUG: bad unlock balance detected! ]", "lockdep-unlock-balance"},
      {"[ BUG: held lock freed! ]", "lockdep-held-lock-freed"},
      {"[ BUG: xfs_io/1234 still has locks held! ]", "lockdep-locks-held"},
      {"BUG: KASAN: use-after-free in dax_foo+0x12/0x340 at addr ffff880012345678", "kasan"},
      {"BUG: KASan: out of bounds access in dax_foo+0x12/0x340 at addr ffff880012345678", "kasan"},
      {"BUG: KASAN: null-ptr-deref on address 0000000000000008", "kasan-on-address"},
      {"general protection fault: 0000 [#1] SMP KASAN PTI", "gpf"},
      {"BUG: unable to handle kernel NULL pointer dereference at           (null)", "null-deref"},
      {"BUG: unable to handle kernel paging request at ffff880012345678", "paging-request"},
      {"Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008",
       "null-deref"},
      {"Unable to handle kernel paging request at virtual address ffff800012345678",
       "paging-request"},
      {"BUG: Kernel NULL pointer dereference on read at 0x00000008", "null-deref"},
      {"BUG: Unable to handle kernel data access on write at 0xc00800000a000000", "paging-request"},
      {"invalid opcode: 0000 [#1] SMP ", "trap"},
      {"Assertion failed: ip->i_d.di_nextents > 0, file: fs/xfs/xfs_bmap.c, line: 4512",
       "xfs-assert"},
  };
  for (const auto& [line, name] : starts) {
    auto sm = match_start(line);
    ASSERT_TRUE(sm) << line;
    EXPECT_EQ(sm->fmt->f->name, name) << line;
  }
  EXPECT_FALSE(
      match_start("XFS (pmem0): DAX enabled. Warning: EXPERIMENTAL, use at your own risk"));
  EXPECT_FALSE(match_start("ACPI Warning: SystemIO range 0x600-0x63f conflicts with OpRegion"));
  EXPECT_FALSE(match_start("kasan: KernelAddressSanitizer initialized"));
}

}  // namespace
}  // namespace dt::console
