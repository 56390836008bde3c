#include "console/formats.hpp"

#include <utility>

#include "console/prefix.hpp"
#include "console/title.hpp"

namespace dt::console {

namespace {

// ---- title builders -------------------------------------------------------------------------

std::string g(const TitleContext& c, std::size_t i) {
  return i < c.groups.size() ? c.groups[i] : std::string();
}

template <const char* Base>
std::string titled(const TitleContext& c) {
  return with_frame(Base, c.frame);
}

constexpr char kDeadlock[] = "possible deadlock";
constexpr char kInconsistent[] = "inconsistent lock state";
constexpr char kRcuUsage[] = "WARNING: suspicious RCU usage";
constexpr char kUnlockBalance[] = "WARNING: bad unlock balance";
constexpr char kHeldLockFreed[] = "WARNING: held lock freed";
constexpr char kLocksHeld[] = "WARNING: still has locks held";
constexpr char kLockHeldReturning[] = "WARNING: lock held when returning to user space";
constexpr char kNestedLock[] = "WARNING: nested lock was not taken";
constexpr char kLockingBug[] = "WARNING: locking bug";
constexpr char kNonStaticKey[] = "INFO: trying to register non-static key";
constexpr char kWarning[] = "WARNING";
constexpr char kRefcountBug[] = "WARNING: refcount bug";
constexpr char kOdebugBug[] = "WARNING: ODEBUG bug";
constexpr char kBadUsercopyWarn[] = "WARNING: bad usercopy";
constexpr char kKmallocBug[] = "WARNING: kmalloc bug";
constexpr char kKernelBug[] = "kernel BUG";
constexpr char kCorruptedList[] = "BUG: corrupted list";
constexpr char kBadUsercopy[] = "BUG: bad usercopy";
constexpr char kNullDeref[] = "BUG: unable to handle kernel NULL pointer dereference";
constexpr char kPagingRequest[] = "BUG: unable to handle kernel paging request";
constexpr char kGpf[] = "general protection fault";
constexpr char kStackGuard[] = "BUG: stack guard page was hit";
constexpr char kDoubleFault[] = "PANIC: double fault";
constexpr char kBadPageMap[] = "BUG: Bad page map";
constexpr char kRssCounter[] = "BUG: Bad rss-counter state";
constexpr char kSleepInAtomic[] = "BUG: sleeping function called from invalid context";
constexpr char kSchedAtomic[] = "BUG: scheduling while atomic";
constexpr char kKasanInvalidFree[] = "KASAN: invalid-free";
constexpr char kSoftLockup[] = "BUG: soft lockup";
constexpr char kHungTask[] = "INFO: task hung";
constexpr char kCantDie[] = "INFO: task can't die";
constexpr char kRcuStall[] = "INFO: rcu detected stall";
constexpr char kKillInit[] = "kernel panic: Attempted to kill init!";
constexpr char kStackOverflow[] = "kernel stack overflow";
constexpr char kStackCorrupted[] = "kernel panic: stack is corrupted";
constexpr char kStackEnd[] = "kernel panic: corrupted stack end";
constexpr char kXfsInternal[] = "XFS: Internal error";
constexpr char kXfsCorruption[] = "XFS: Corruption detected";
constexpr char kXfsIoError[] = "XFS: metadata I/O error";
constexpr char kExt4Error[] = "EXT4-fs error";
constexpr char kExt2Error[] = "EXT2-fs error";

// A title with no frame at all.
template <const char* Base>
std::string fixed(const TitleContext&) {
  return Base;
}

// "divide error: 0000 [#1]" and friends: the trap name is the title, as syzbot spells it.
std::string trap_title(const TitleContext& c) {
  std::string name = g(c, 1);
  if (name == "stack segment") name = "stack segment fault";
  if (name == "divide_error") name = "divide error";
  if (name == "stack guard page") name = kStackGuard;
  return with_frame(name, c.frame);
}

// KASAN: "KASAN: use-after-free Read in dax_fault"; frees have no access direction.
std::string kasan_title(const TitleContext& c) {
  // "Read of size 8 at addr ..." (4.14 on), "Read of size 8 by task ..." (up to 4.13),
  // "Read at addr ..." (tag-based modes).
  static const std::regex access("^(Read|Write) (?:of size|at addr) ");
  // 4.0-4.3 named the bug types in words.
  static constexpr std::pair<std::string_view, std::string_view> kOldTypes[] = {
      {"use after free", "use-after-free"}, {"out of bounds access", "out-of-bounds"}};
  std::string type = g(c, 1);
  for (const auto& [old_name, name] : kOldTypes) {
    if (type == old_name) type = name;
  }
  std::string t = "KASAN: " + type;
  for (const auto& l : c.lines) {
    std::smatch m;
    if (std::regex_search(l, m, access)) {
      t += " " + m[1].str();
      break;
    }
  }
  return with_frame(t, c.frame);
}

// "KFENCE: use-after-free read in f", "KFENCE: invalid free in f", ...
std::string kfence_title(const TitleContext& c) {
  return with_frame("KFENCE: " + g(c, 1), c.frame);
}

// "UBSAN: shift-out-of-bounds in f"; old kernels' "Undefined behaviour in" is syzbot's
// "undefined-behaviour".
std::string ubsan_title(const TitleContext& c) {
  std::string what = g(c, 1);
  if (what == "Undefined behaviour") what = "undefined-behaviour";
  return with_frame("UBSAN: " + what, c.frame);
}

// "BUG: using smp_processor_id() in preemptible code in f"
std::string preemptible_title(const TitleContext& c) {
  return with_frame("BUG: using " + g(c, 1) + "() in preemptible code", c.frame);
}

std::string bad_page_title(const TitleContext& c) {
  return with_frame("BUG: Bad page " + g(c, 1), c.frame);
}

std::string spinlock_title(const TitleContext& c) {
  return with_frame("BUG: " + g(c, 1) + " " + g(c, 2), c.frame);
}

std::string bad_pgtable_title(const TitleContext& c) {
  return "BUG: bad " + g(c, 2);
}

std::string nr_pgtables_title(const TitleContext& c) {
  return "BUG: non-zero " + g(c, 1) + " on freeing mm";
}

std::string panic_title(const TitleContext& c) {
  return "kernel panic: " + normalise_text(g(c, 1));
}

// A consequence panic printed without its cause (syzbot's wording for the lost report).
std::string consequence_title(const TitleContext& c) {
  const std::string msg = g(c, 1);
  if (msg.starts_with("Fatal exception")) return "kernel panic: Fatal exception";
  if (msg.find("panic_on_warn set") != std::string::npos) return "kernel panic: panic_on_warn set";
  return "kernel panic: " + normalise_text(msg);
}

std::string xfs_metadata_title(const TitleContext& c) {
  return with_frame("XFS: Metadata " + g(c, 1) + " detected", c.frame);
}

std::string xfs_shutdown_title(const TitleContext& c) {
  return with_frame("XFS: filesystem shutdown: " + g(c, 1), c.frame);
}

// Up to 5.x a shutdown took two lines: "xfs_do_force_shutdown(0x2) called from line ...", then
// what happened, in the words the one-line form of later kernels still uses ("I/O Error" being
// "Metadata I/O Error").
std::string xfs_shutdown_old_title(const TitleContext& c) {
  static const std::regex what(
      R"(: (Log I/O Error|Corruption of in-memory data|Corruption of on-disk metadata|(?:Metadata )?I/O Error) [Dd]etected\.)");
  for (const auto& l : c.lines) {
    std::smatch m;
    if (!std::regex_search(l, m, what)) continue;
    const std::string w = m[1] == "I/O Error" ? "Metadata I/O Error" : m[1].str();
    return with_frame("XFS: filesystem shutdown: " + w, c.frame);
  }
  return with_frame("XFS: filesystem shutdown", c.frame);
}

// An assertion is named by the trap it ends in, as syzbot would name it were assfail() and
// asswarn() not in the way: "kernel BUG in xfs_foo" (bug_on_assert, XFS_DEBUG's default) or
// "WARNING in xfs_foo" (XFS_WARN), blamed on the function that asserted. Cut short before its
// trap, the assertion's own words (source text, stable: numbers kept) are all there is.
std::string xfs_assert_title(const TitleContext& c) {
  static const std::regex trap(R"(^(kernel BUG at|WARNING: ))");
  for (const auto& l : c.lines) {
    std::smatch m;
    if (std::regex_search(l, m, trap)) {
      return with_frame(m[1] == "WARNING: " ? kWarning : kKernelBug, c.frame);
    }
  }
  return "XFS: Assertion failed: " + compact_text(g(c, 1));
}

std::string xfs_log_title(const TitleContext& c) {
  return "XFS: " + g(c, 1);
}

// ---- shared regex fragments -------------------------------------------------------------

constexpr std::string_view kEndTrace = R"(^---\[ end trace [0-9a-f]+ \]---)";
// KASAN's and KFENCE's closing rule is 66 '=' in every version: up to 4.x SLUB's own report
// (77 '=', "BUG kmalloc-64 (...): kasan error") sits inside a KASAN report and must not end it.
constexpr std::string_view kEndKasan = R"(^={66}$)";
constexpr std::string_view kEndUbsan = R"(^={20,}$)";
constexpr std::string_view kEndPanic = R"(^---\[ end Kernel panic - not syncing)";

// After a finished call trace: lock listings (hung tasks print "Showing all locks held"),
// taint notes and irq-trace stamps.
constexpr std::string_view kTraceTail =
    R"(^(|Showing all locks held in the system:|\d+ locks? held by .*|no locks held by .*|)"
    R"(\s*#\d+: .*|={10,}|INFO: lockdep is turned off\.|Disabling lock debugging due to kernel taint|)"
    R"(irq event stamp: \d+|(hard|soft)irqs last\s+(en|dis)abled at .*)$)";

// RCU stalls go on with per-CPU lines and the NMI backtraces of the stalled CPUs.
constexpr std::string_view kRcuTail =
    R"(^(|rcu: (?!INFO: ).*|\s.*|Sending NMI from CPU .*|CPU: \d+ PID: .*|)"
    R"(Hardware name: .*|RIP: .*|Code: .*|RSP: .*|R[A-Z0-9]{2}: .*|FS: .*|CS: .*|CR2: .*|)"
    R"(DR[0-7]: .*|Call Trace:|Task dump for CPU \d+:|task:.*|Modules linked in:.*|)"
    R"(irq event stamp: \d+|(hard|soft)irqs last\s+(en|dis)abled at .*|)"
    R"(\(detected by \d+, .*|All QSes seen.*|Stack dump where RCU GP kthread last ran:|)"
    R"(\t.*)$)";

// What follows an XFS error line: the advice, a hex dump of the bad buffer, the shutdown it
// caused, and the stack xfs_stack_trace() prints at high error levels.
constexpr std::string_view kXfsTail =
    R"(^(XFS \([^)]*\): (Corruption detected\. Unmount and run xfs_repair|Unmount and run xfs_repair|)"
    R"(First \d+ bytes of corrupted metadata buffer:|)"
    R"(Please un?mount the filesystem and rectify the problem\(s\)|)"
    R"((Log I/O Error|Corruption of in-memory data|Corruption of on-disk metadata|Metadata I/O Error) )"
    R"(\(0x[0-9a-f]+\) detected at .*|log I/O error -?\d+|Failed to recover intents|)"
    R"(log mount failed|log mount finish failed|metadata I/O error in .*|)"
    // up to 5.x: the shutdown in two lines, and the older I/O error wording
    R"(xfs_do_force_shutdown\(0x[0-9a-f]+\) called from line .*|metadata I/O error: block .*|)"
    R"((Log I/O Error|Corruption of in-memory data|Corruption of on-disk metadata|I/O Error) )"
    R"([Dd]etected\.\s+Shutting down filesystem\.?)|)"
    R"([0-9a-f]{8}: .*|CPU: \d+ PID: \d+ .*|Hardware name: .*|Workqueue: .*|Call Trace:|\s*<.+>|)"
    R"(\s+(?:<\w+>\s+)?(?:\[<?[0-9a-f]+>?\]\s+)?(?:\? )?\S+\+0x[0-9a-f]+/0x[0-9a-f]+.*|)"
    // up to 4.x dump_stack() printed raw stack words before the trace
    R"(\s+[0-9a-f]{16}(?: [0-9a-f]{16})*)$)";

constexpr std::string_view kExt4Tail =
    R"(^(EXT4-fs \([^)]*\): (Remounting filesystem read-only|Delayed block allocation failed.*|)"
    R"(This should not happen!!.*|Total free blocks count \d+|Free/Dirty block details|)"
    R"(free_blocks=\d+|dirty_blocks=\d+|Block reservation details|i_reserved_data_blocks=\d+|)"
    R"(previous I/O error to superblock detected|I/O error while writing superblock)|)"
    R"(Aborting journal on device .*|JBD2: .*)$)";

constexpr std::string_view kExt2Tail =
    R"(^EXT2-fs \([^)]*\): error: remounting filesystem read-only$)";

// Panics that only follow through on a report already printed (oops, panic_on_warn in its
// 6.1 "ORIGIN: panic_on_warn set" and older bare wordings, hung task or soft lockup panics,
// errors=panic mounts, a stack overflow's die()).
constexpr std::string_view kConsequencePanic =
    R"(^Kernel panic - not syncing: (Fatal exception( in interrupt)?|(.*: )?panic_on_warn set.*|)"
    R"(.*system warned too often.*|hung_task: blocked tasks|softlockup: hung tasks|RCU Stall|)"
    R"(scheduling while atomic|kasan\.fault=panic set.*|kfence\.fault=panic set.*|)"
    R"(EXT4-fs \(device [^)]*\): panic forced after error|EXT2-fs: panic from previous error|)"
    R"(Fatal machine check|Aiee, killing interrupt handler!|)"
    R"(\w+ stack guard hit|Machine halted\.?))";

// "..., at: xfs_ilock+0x87/0x1e0" in lockdep's lock listings.
constexpr std::string_view kAtSite = R"(, at: (?:\[<[0-9a-f]+>\] )?([A-Za-z_][\w.]*)\+0x)";
// print_ip_sym()'s "[<ffffffff8123abcd>] xfs_iunlock+0x51/0x100"
constexpr std::string_view kIpSym = R"(^\s*\[<[0-9a-f]+>\] ([A-Za-z_][\w.]*)\+0x)";

// ---- frame rules ------------------------------------------------------------------------

constexpr FrameRule kLockdepFrame{.after = "stack backtrace:"};
constexpr FrameRule kTraceFrame{};
constexpr FrameRule kRipFrame{.rip = true};
constexpr FrameRule kStallFrame{.stack = Stack::Stalled, .pick = Pick::Stall};
// A WARN's own function, then RIP, then the trace.
constexpr FrameRule kWarnFrame{.group = 2, .rip = true};
// The lock site the splat is about ("at:" lines), then the stack.
constexpr FrameRule kLockSiteFrame{.at = kAtSite, .at_count = 1, .after = "stack backtrace:"};

// WARNING line of any age: "WARNING: CPU: 1 PID: 9 at fs/dax.c:380 f+0x1/0x2" (3.11 to 6.18),
// "WARNING: at fs/dax.c:380 f+0x1/0x2()" (before), or "WARNING: fs/dax.c:380 at f+0x1/0x2, CPU#1:
// comm/9" (later kernels).
#define DT_WARN_AT(file) R"(^WARNING: (?:CPU: \d+ PID: \d+ at |at )?)" file R"(:\d+ )"

// A lockdep splat's header: "WARNING: possible recursive locking detected" since 4.11, before
// that "[ INFO: possible recursive locking detected ]" and "[ BUG: held lock freed! ]" (between
// "=====" lines).
#define DT_LOCKDEP(what) R"(^(?:WARNING: |\[ INFO: |\[ BUG: |INFO: |BUG: ))" what

// ---- the table --------------------------------------------------------------------------

// clang-format off
const Format kFormats[] = {
    // lockdep: titled by the lock site ("at:") as syzbot does, or by the splat's own stack
    {.kind = Kind::Lockdep, .name = "lockdep-circular", .needle = "circular locking",
     .start = DT_LOCKDEP(R"(possible circular locking dependency detected)"),
     .title = titled<kDeadlock>,
     .frame = {.at = kAtSite, .at_count = 2, .after = "stack backtrace:",
               .skip = skip::kLockdepWorkqueue},
     .end = End::Trace, .trace_after = "stack backtrace:", .tail = kTraceTail,
     .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-recursive", .needle = "recursive locking",
     .start = DT_LOCKDEP(R"(possible recursive locking detected)"),
     .title = titled<kDeadlock>, .frame = kLockSiteFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-irq-inversion", .needle = "irq lock inversion",
     .start = DT_LOCKDEP(R"(possible irq lock inversion dependency detected)"),
     .title = titled<kDeadlock>, .frame = kLockSiteFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-irq-order", .needle = "lock order detected",
     .start = DT_LOCKDEP(R"([A-Z_]+-safe -> [A-Z_]+-unsafe lock order detected)"),
     .title = titled<kDeadlock>, .frame = {.after = "which became", .stack = Stack::AfterLine},
     .end = End::Trace, .trace_after = "stack backtrace:", .tail = kTraceTail,
     .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-inconsistent", .needle = "inconsistent lock state",
     .start = DT_LOCKDEP(R"(inconsistent lock state)"),
     .title = titled<kInconsistent>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-rcu", .needle = "suspicious RCU usage",
     .start = DT_LOCKDEP(R"(suspicious RCU usage)"),
     .title = titled<kRcuUsage>,
     .frame = {.after = "stack backtrace:", .skip = skip::kRcuUsage}, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail},
    {.kind = Kind::Lockdep, .name = "lockdep-unlock-balance", .needle = "bad unlock balance",
     .start = DT_LOCKDEP(R"(bad unlock balance detected!)"),
     .title = titled<kUnlockBalance>,
     .frame = {.at = kIpSym, .at_count = 1, .after = "stack backtrace:"}, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-held-lock-freed", .needle = "held lock freed",
     .start = DT_LOCKDEP(R"(held lock freed!)"),
     .title = titled<kHeldLockFreed>, .frame = kLockSiteFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-locks-held", .needle = "still has locks held",
     .start = DT_LOCKDEP(R"(\S+ still has locks held!)"),
     .title = titled<kLocksHeld>, .frame = kLockSiteFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-lock-held-returning",
     .needle = "lock held when returning to user space",
     .start = DT_LOCKDEP(R"(lock held when returning to user space!)"),
     .title = titled<kLockHeldReturning>,
     .frame = {.at = kAtSite, .at_count = 1, .stack = Stack::None}, .end = End::Lines,
     .tail = R"(^(-+|\S+ #\d+.*[Tt]ainted.*|\S+ is leaving the kernel with locks still held!|\d+ locks? held by .*|\s*#\d+: .*)$)",
     .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-nested", .needle = "Nested lock was not taken",
     .start = DT_LOCKDEP(R"(Nested lock was not taken)"),
     .title = titled<kNestedLock>, .frame = kRipFrame, .end = End::Trace, .tail = kTraceTail,
     .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-wait-context", .needle = "Invalid wait context",
     .start = R"(^\[ BUG: Invalid wait context \])",
     .title = titled<kLockingBug>,
     .frame = {.after = "stack backtrace:", .skip = skip::kLockingWarn}, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-non-static-key", .needle = "non-static key",
     .start = R"(^INFO: trying to register non-static key\.)",
     .title = titled<kNonStaticKey>, .frame = {.skip = skip::kNonStaticKey}, .end = End::Trace,
     .tail = kTraceTail, .disables_lockdep = true},

    // WARN*(): warnings from reporting helpers are titled after syzbot's buckets and blamed on
    // the helper's caller; the rest by the warning's own function, then RIP, then the trace.
    {.kind = Kind::Warning, .name = "warning-refcount", .needle = "lib/refcount.c:",
     .start = DT_WARN_AT(R"(lib/refcount\.c)"), .title = titled<kRefcountBug>,
     .frame = {.rip = true, .skip = skip::kRefcountWarn}, .end = End::Marker,
     .end_re = kEndTrace},
    {.kind = Kind::Warning, .name = "warning-odebug", .needle = "lib/debugobjects.c:",
     .start = DT_WARN_AT(R"(lib/debugobjects\.c)"), .title = titled<kOdebugBug>,
     .frame = {.rip = true, .skip = skip::kOdebugWarn}, .end = End::Marker,
     .end_re = kEndTrace},
    {.kind = Kind::Warning, .name = "warning-usercopy", .needle = "mm/usercopy.c:",
     .start = DT_WARN_AT(R"(mm/usercopy\.c)"), .title = titled<kBadUsercopyWarn>,
     .frame = {.rip = true, .skip = skip::kUsercopyWarn}, .end = End::Marker,
     .end_re = kEndTrace},
    {.kind = Kind::Warning, .name = "warning-locking", .needle = "kernel/locking/lockdep.c:",
     .start = DT_WARN_AT(R"(kernel/locking/lockdep\.c)"), .title = titled<kLockingBug>,
     .frame = {.rip = true, .skip = skip::kLockingWarn}, .end = End::Marker,
     .end_re = kEndTrace},
    {.kind = Kind::Warning, .name = "warning-kmalloc", .needle = "alloc",
     .start = DT_WARN_AT(R"(mm/\S+\.c)") R"((?:at )?\S*malloc)",
     .title = titled<kKmallocBug>, .frame = {.rip = true, .skip = skip::kKmallocWarn},
     .end = End::Marker, .end_re = kEndTrace},
    // (up to 4.x the function is followed by "()")
    {.kind = Kind::Warning, .name = "warning", .needle = "WARNING: CPU: ",
     .start = R"(^WARNING: CPU: \d+ PID: \d+ at (?:(\S+):\d+ )?([^\s(]+))",
     .title = titled<kWarning>, .frame = kWarnFrame, .end = End::Marker, .end_re = kEndTrace},
    {.kind = Kind::Warning, .name = "warning-no-cpu", .needle = "WARNING: at ",
     .start = R"(^WARNING: at (?:(\S+):\d+ )?([^\s(]+))",
     .title = titled<kWarning>, .frame = kWarnFrame, .end = End::Marker, .end_re = kEndTrace},
    {.kind = Kind::Warning, .name = "warning-cpu-last", .needle = ", CPU#",
     .start = R"(^WARNING: (?:(\S+):\d+ )?at ([^\s,]+), CPU#\d+)",
     .title = titled<kWarning>, .frame = kWarnFrame, .end = End::Marker, .end_re = kEndTrace},

    // oopses
    {.kind = Kind::Bug, .name = "kernel-bug-list", .needle = "lib/list_debug.c",
     .start = R"(^[Kk]ernel BUG at lib/list_debug\.c)", .title = titled<kCorruptedList>,
     .frame = kTraceFrame, .end = End::Marker, .end_re = kEndTrace},
    {.kind = Kind::Bug, .name = "kernel-bug-usercopy", .needle = "mm/usercopy.c",
     .start = R"(^[Kk]ernel BUG at mm/usercopy\.c)", .title = titled<kBadUsercopy>,
     .frame = {.skip = skip::kUsercopyWarn}, .end = End::Marker, .end_re = kEndTrace},
    {.kind = Kind::Bug, .name = "kernel-bug", .needle = "ernel BUG at ",
     .start = R"(^[Kk]ernel BUG at \S+)", .title = titled<kKernelBug>, .frame = kRipFrame,
     .end = End::Marker, .end_re = kEndTrace},
    // (arm64: "Unable to handle kernel NULL pointer dereference at virtual address ...",
    // powerpc: "BUG: Kernel NULL pointer dereference on read at ...")
    {.kind = Kind::Bug, .name = "null-deref", .needle = "NULL pointer dereference",
     .start = R"(^(?:BUG: (?:unable to handle )?[Kk]ernel|Unable to handle kernel) NULL pointer dereference)",
     .title = titled<kNullDeref>, .frame = kRipFrame, .end = End::Marker, .end_re = kEndTrace},
    // (arm64: "Unable to handle kernel paging request at virtual address ...", powerpc: "BUG:
    // Unable to handle kernel data access on read at ...")
    {.kind = Kind::Bug, .name = "paging-request", .needle = "nable to handle ",
     .start = R"(^(?:BUG: unable to handle (?:page fault for address|kernel paging request)|BUG: Unable to handle kernel (?:data access|instruction fetch)|Unable to handle kernel paging request))",
     .title = titled<kPagingRequest>, .frame = kRipFrame, .end = End::Marker,
     .end_re = kEndTrace},
    {.kind = Kind::GeneralProtection, .name = "gpf", .needle = "general protection fault",
     .start = R"(^(?:Oops: )?(?:segment-related )?general protection fault(?:,|:))",
     .title = titled<kGpf>, .frame = kRipFrame, .end = End::Marker, .end_re = kEndTrace},
    {.kind = Kind::Bug, .name = "stack-guard", .needle = "stack guard page was hit",
     .start = R"(^BUG: (?:\w+ )?stack guard page was hit at)", .title = titled<kStackGuard>,
     .frame = {.rip = true, .pick = Pick::Stall, .skip = skip::kStackGuard},
     .end = End::Marker, .end_re = kEndTrace},
    {.kind = Kind::Bug, .name = "double-fault", .needle = "PANIC: double fault",
     .start = R"(^PANIC: double fault)", .title = titled<kDoubleFault>,
     .frame = {.rip = true, .stack = Stack::None}, .end = End::Marker, .end_re = kEndTrace},
    // a die() header: part of the BUG/fault report above it, a report of its own otherwise
    // (6.12 and later put "Oops: " in front of every one of them)
    {.kind = Kind::Bug, .name = "trap", .needle = ": 0",
     .start = R"(^(?:Oops: )?(invalid opcode|divide error|divide_error|stack segment|double fault|int3|bounds|stack guard page|kernel stack overflow \(double-fault\)|Oops): [0-9a-f]{4} \[#\d+\])",
     .title = trap_title, .frame = kRipFrame, .end = End::Marker, .end_re = kEndTrace,
     .secondary = true},

    // sanitizers
    {.kind = Kind::Kasan, .name = "kasan-invalid-free", .needle = "free in ",
     .start = R"(^BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in (\S+))",
     .title = titled<kKasanInvalidFree>,
     .frame = {.group = 1, .skip = skip::kKasanInvalidFree}, .end = End::Marker,
     .end_re = kEndKasan},
    // (4.0-4.3: "BUG: KASan: use after free in f+0x1/0x2 at addr ...")
    {.kind = Kind::Kasan, .name = "kasan", .needle = "BUG: KAS",
     .start = R"(^BUG: KAS(?:AN|an): ([a-z0-9 -]+?) in (\S+))", .title = kasan_title,
     .frame = {.group = 2}, .end = End::Marker, .end_re = kEndKasan},
    // (up to 4.16 wild and NULL accesses named no function: "BUG: KASAN: null-ptr-deref on
    // address 0000000000000008"; blamed on the trace, as later kernels' "null-ptr-deref in f")
    {.kind = Kind::Kasan, .name = "kasan-on-address", .needle = " on address ",
     .start = R"(^BUG: KAS(?:AN|an): ([a-z-]+) on address )", .title = kasan_title,
     .frame = {}, .end = End::Marker, .end_re = kEndKasan},
    {.kind = Kind::Kfence, .name = "kfence", .needle = "BUG: KFENCE: ",
     .start = R"(^BUG: KFENCE: ([a-z -]+?) in (\S+))", .title = kfence_title,
     .frame = {.group = 2, .after = "BUG: KFENCE: ", .stack = Stack::AfterLine},
     .end = End::Marker, .end_re = kEndKasan},
    {.kind = Kind::Ubsan, .name = "ubsan", .needle = "UBSAN: ",
     .start = R"(^UBSAN: ([A-Za-z -]+?) in \S+)", .title = ubsan_title,
     .frame = {.skip = skip::kUbsan}, .end = End::Marker, .end_re = kEndUbsan},

    // mm state checks: report, then dump_stack()
    {.kind = Kind::Bug, .name = "bad-page-state", .needle = "BUG: Bad page ",
     .start = R"(^BUG: Bad page (state|cache) in process )", .title = bad_page_title,
     .frame = {.skip = skip::kBadPageState}, .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::Bug, .name = "bad-page-map", .needle = "Bad page map in process",
     .start = R"(^BUG: Bad page map in process )", .title = fixed<kBadPageMap>,
     .frame = {.required = false, .skip = skip::kBadPageMap, .fallback = " fault:(\\w+)"},
     .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::Bug, .name = "bad-rss-counter", .needle = "Bad rss-counter state",
     .start = R"(^BUG: Bad rss-counter state mm:)", .title = fixed<kRssCounter>,
     .frame = {.stack = Stack::None, .required = false}, .end = End::Lines,
     .tail = R"(^BUG: Bad rss-counter state mm:.*)", .repeats = true},
    {.kind = Kind::Bug, .name = "nr-pgtables", .needle = "on freeing mm",
     .start = R"(^BUG: non-zero (pgtables_bytes|nr_ptes|nr_pmds) on freeing mm)",
     .title = nr_pgtables_title, .frame = {.stack = Stack::None, .required = false},
     .end = End::Lines},
    {.kind = Kind::Bug, .name = "bad-pgtable", .needle = ": bad p",
     .start = R"(^(\S+\.[ch]):\d+: bad (pmd|pud|pgd|p4d|pte) )", .title = bad_pgtable_title,
     .frame = {.stack = Stack::None, .required = false}, .end = End::Lines,
     .tail = R"(^\S+\.[ch]:\d+: bad (pmd|pud|pgd|p4d|pte) .*)", .repeats = true},
    {.kind = Kind::Bug, .name = "sleep-in-atomic", .needle = "sleeping function called",
     .start = R"(^BUG: sleeping function called from invalid context at )",
     .title = titled<kSleepInAtomic>, .frame = kTraceFrame, .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::Bug, .name = "sched-atomic", .needle = "scheduling while atomic",
     .start = R"(^BUG: scheduling while atomic: )", .title = titled<kSchedAtomic>,
     .frame = {.skip = skip::kSchedAtomic}, .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::Bug, .name = "preemptible", .needle = "in preemptible",
     .start = R"(^BUG: using ([A-Za-z_]+)\(\) in preemptible)", .title = preemptible_title,
     .frame = {.skip = skip::kPreemptible}, .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::Bug, .name = "spinlock", .needle = "lock ",
     .start = R"(^BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP))",
     .title = spinlock_title, .frame = kTraceFrame, .end = End::Trace, .tail = kTraceTail},

    // stalls: blamed on the stalled context's dispatching frame
    {.kind = Kind::SoftLockup, .name = "soft-lockup", .needle = "soft lockup",
     .start = R"(^(?:NMI watchdog: |watchdog: )?BUG: soft lockup - CPU#\d+ stuck for \d+s!)",
     .title = titled<kSoftLockup>, .frame = kStallFrame, .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::HungTask, .name = "hung-task", .needle = "blocked ",
     .start = R"(^INFO: task .*:\d+ blocked (?:in I/O wait )?for more than \d+ seconds\.)",
     .title = titled<kHungTask>,
     .frame = {.pick = Pick::Hang, .guesses = true, .skip = skip::kHungTask},
     .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::HungTask, .name = "cant-die", .needle = "can't die",
     .start = R"(^INFO: task .*:\d+ can't die for more than \d+ seconds\.)",
     .title = titled<kCantDie>, .frame = {.skip = skip::kSchedAtomic}, .end = End::Trace,
     .tail = kTraceTail},
    {.kind = Kind::RcuStall, .name = "rcu-stall", .needle = "stall",
     .start = R"(^(?:rcu: )?INFO: rcu\w* (?:detected (?:expedited )?stalls? on CPU|self-detected stall on CPU))",
     .title = titled<kRcuStall>,
     // (up to 4.x "Task dump for CPU n" of a remote running task has only "? " guesses)
     .frame = {.stack = Stack::Stalled, .pick = Pick::Stall, .guesses = true,
               .skip = skip::kRcuStall},
     .end = End::Trace, .tail = kRcuTail, .adopt_nmi = true},

    // panics
    {.kind = Kind::Panic, .name = "panic-stack-overflow", .needle = "kernel stack overflow",
     .start = R"(^Kernel panic - not syncing: kernel stack overflow)",
     .title = titled<kStackOverflow>, .frame = {.pick = Pick::Stall, .skip = skip::kStackGuard},
     .end = End::Marker, .end_re = kEndPanic, .secondary = true, .consequence = true},
    {.kind = Kind::Panic, .name = "panic-kill-init", .needle = "Attempted to kill init!",
     .start = R"(^Kernel panic - not syncing: Attempted to kill init!)",
     .title = fixed<kKillInit>, .frame = {.required = false}, .end = End::Marker,
     .end_re = kEndPanic, .secondary = true, .consequence = true},
    {.kind = Kind::Panic, .name = "panic-consequence", .needle = "Kernel panic - not syncing: ",
     .start = kConsequencePanic, .title = consequence_title, .frame = {.required = false},
     .end = End::Marker, .end_re = kEndPanic, .secondary = true, .consequence = true,
     .corrupted_alone = true},
    {.kind = Kind::Panic, .name = "panic-stack-protector", .needle = "stack-protector",
     .start = R"(^Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ([A-Za-z_][\w.]*))",
     .title = titled<kStackCorrupted>, .frame = {.group = 1, .stack = Stack::None},
     .end = End::Marker, .end_re = kEndPanic},
    {.kind = Kind::Panic, .name = "panic-stack-end", .needle = "corrupted stack end",
     .start = R"(^Kernel panic - not syncing: corrupted stack end)", .title = titled<kStackEnd>,
     .frame = {.pick = Pick::Stall, .skip = skip::kSchedAtomic}, .end = End::Marker,
     .end_re = kEndPanic},
    {.kind = Kind::Panic, .name = "panic", .needle = "Kernel panic - not syncing: ",
     .start = R"(^Kernel panic - not syncing: (.*))", .title = panic_title,
     .frame = {.required = false}, .end = End::Marker, .end_re = kEndPanic},

    // XFS
    {.kind = Kind::Xfs, .name = "xfs-user-shutdown", .needle = "User initiated shutdown",
     .start = R"(^XFS \([^)]*\): User initiated shutdown received\.)", .title = xfs_log_title,
     .frame = {.required = false}, .end = End::Lines, .tail = kXfsTail, .silent = true},
    {.kind = Kind::Xfs, .name = "xfs-internal-error", .needle = "Internal error",
     .start = R"(^XFS \([^)]*\): Internal error (.+) at line \d+ of file \S+\.\s+Caller (\S+))",
     .title = titled<kXfsInternal>, .frame = {.group = 1, .alt_group = 2}, .end = End::Lines,
     .tail = kXfsTail},
    {.kind = Kind::Xfs, .name = "xfs-metadata-corruption", .needle = "detected at ",
     .start = R"(^XFS \([^)]*\): Metadata (corruption|CRC error) detected at ([A-Za-z_][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+))",
     .title = xfs_metadata_title, .frame = {.group = 2}, .end = End::Lines, .tail = kXfsTail},
    {.kind = Kind::Xfs, .name = "xfs-corruption", .needle = "Corruption detected. Unmount",
     .start = R"(^XFS \([^)]*\): Corruption detected\. Unmount and run xfs_repair)",
     .title = titled<kXfsCorruption>, .frame = {.required = false}, .end = End::Lines,
     .tail = kXfsTail},
    {.kind = Kind::Xfs, .name = "xfs-shutdown", .needle = "Shutting down filesystem",
     .start = R"(^XFS \([^)]*\): (Log I/O Error|Corruption of in-memory data|Corruption of on-disk metadata|Metadata I/O Error) \(0x[0-9a-f]+\) detected at ([A-Za-z_][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+))",
     .title = xfs_shutdown_title, .frame = {.group = 2}, .end = End::Lines, .tail = kXfsTail},
    {.kind = Kind::Xfs, .name = "xfs-shutdown-old", .needle = "xfs_do_force_shutdown(",
     .start = R"(^XFS \([^)]*\): xfs_do_force_shutdown\(0x[0-9a-f]+\) called from line \d+ of file \S+\.\s+Return address = (\S+))",
     .title = xfs_shutdown_old_title, .frame = {.group = 1, .required = false}, .end = End::Lines,
     .tail = kXfsTail},
    // (up to 4.x: "metadata I/O error: block 0x1a2b ("xlog_iodone") error 5 numblks 64")
    {.kind = Kind::Xfs, .name = "xfs-io-error", .needle = "metadata I/O error",
     .start = R"re(^XFS \([^)]*\): metadata I/O error(?: in "([^"]+)" at daddr|: block 0x[0-9a-f]+ \("([^"]+)"\)))re",
     .title = titled<kXfsIoError>, .frame = {.group = 1, .alt_group = 2}, .end = End::Lines,
     .tail = kXfsTail},
    {.kind = Kind::Xfs, .name = "xfs-assert", .needle = "Assertion failed: ",
     .start = R"(^(?:XFS(?: \([^)]*\))?: )?Assertion failed: (.+), file: \S+, line: \d+)",
     .title = xfs_assert_title, .frame = kRipFrame, .end = End::Marker, .end_re = kEndTrace,
     .absorb = DT_WARN_AT(R"(fs/xfs/xfs_message\.c)") R"(|^kernel BUG at fs/xfs/xfs_message\.c:\d+!)"},
    {.kind = Kind::Xfs, .name = "xfs-log-recovery", .needle = "ailed",
     .start = R"(^XFS \([^)]*\): (log mount/recovery failed|Failed to recover intents))",
     .title = xfs_log_title, .frame = {.required = false}, .end = End::Lines, .tail = kXfsTail},

    // ext4 / ext2 error one-liners: the function is printed by the error macro itself
    {.kind = Kind::Ext4, .name = "ext4-error", .needle = "EXT4-fs error (device ",
     .start = R"(^EXT4-fs error \(device [^)]*\):? (?:in )?(\w+)(?::\d+)?: )",
     .title = titled<kExt4Error>, .frame = {.group = 1}, .end = End::Lines, .tail = kExt4Tail},
    // (up to 2.6.37: "EXT2-fs error (device sda1): ext2_check_page: ...")
    {.kind = Kind::Ext2, .name = "ext2-error", .needle = "EXT2-fs ",
     .start = R"(^EXT2-fs (?:\([^)]*\): error|error \(device [^)]*\)): (\w+): )", .title = titled<kExt2Error>,
     .frame = {.group = 1}, .end = End::Lines, .tail = kExt2Tail},
};
// clang-format on

std::regex compile(std::string_view re) {
  return std::regex(re.begin(), re.end(), std::regex::ECMAScript | std::regex::optimize);
}

}  // namespace

bool search(const std::regex& re, std::string_view s) {
  return std::regex_search(s.begin(), s.end(), re);
}

bool full(const std::regex& re, std::string_view s) {
  return std::regex_match(s.begin(), s.end(), re);
}

const std::vector<CompiledFormat>& formats() {
  static const std::vector<CompiledFormat> table = [] {
    std::vector<CompiledFormat> t;
    for (const auto& f : kFormats) {
      CompiledFormat c{.f = &f, .start = compile(f.start)};
      if (!f.end_re.empty()) c.end_re = compile(f.end_re), c.has_end = true;
      if (!f.tail.empty()) c.tail = compile(f.tail), c.has_tail = true;
      if (!f.absorb.empty()) c.absorb = compile(f.absorb), c.has_absorb = true;
      if (!f.frame.skip.empty()) c.skip = skip::compile(f.frame.skip), c.has_skip = true;
      if (!f.frame.at.empty()) c.at = compile(f.frame.at), c.has_at = true;
      if (!f.frame.fallback.empty()) c.fallback = compile(f.frame.fallback), c.has_fallback = true;
      t.push_back(std::move(c));
    }
    return t;
  }();
  return table;
}

std::optional<StartMatch> match_start(std::string_view trimmed) {
  for (const auto& c : formats()) {
    if (trimmed.find(c.f->needle) == std::string_view::npos) continue;
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_search(trimmed.begin(), trimmed.end(), m, c.start)) continue;
    StartMatch s{.fmt = &c};
    for (const auto& sub : m) s.groups.push_back(sub.str());
    return s;
  }
  return std::nullopt;
}

}  // namespace dt::console
