#include "console/formats.hpp"

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
constexpr char kRcuUsage[] = "suspicious RCU usage";
constexpr char kUnlockBalance[] = "WARNING: bad unlock balance";
constexpr char kHeldLockFreed[] = "WARNING: held lock freed";
constexpr char kLocksHeld[] = "WARNING: still has locks held";
constexpr char kNestedLock[] = "WARNING: nested lock was not taken";
constexpr char kWaitContext[] = "BUG: Invalid wait context";
constexpr char kNonStaticKey[] = "INFO: trying to register non-static key";
constexpr char kWarning[] = "WARNING";
constexpr char kKernelBug[] = "kernel BUG";
constexpr char kNullDeref[] = "BUG: unable to handle kernel NULL pointer dereference";
constexpr char kPagingRequest[] = "BUG: unable to handle kernel paging request";
constexpr char kGpf[] = "general protection fault";
constexpr char kBadPageState[] = "BUG: Bad page state";
constexpr char kBadPageMap[] = "BUG: Bad page map";
constexpr char kSleepInAtomic[] = "BUG: sleeping function called from invalid context";
constexpr char kSchedAtomic[] = "BUG: scheduling while atomic";
constexpr char kSoftLockup[] = "BUG: soft lockup";
constexpr char kHungTask[] = "INFO: task hung";
constexpr char kRcuStall[] = "INFO: rcu detected stall";
constexpr char kXfsInternal[] = "XFS: Internal error";
constexpr char kXfsCorruption[] = "XFS: Corruption detected";
constexpr char kXfsIoError[] = "XFS: metadata I/O error";
constexpr char kExt4Error[] = "EXT4-fs error";
constexpr char kExt2Error[] = "EXT2-fs error";

// "divide error: 0000 [#1]" and friends: the trap name is the title.
std::string trap_title(const TitleContext& c) {
  return with_frame(g(c, 1), c.frame);
}

// KASAN: "KASAN: use-after-free Read in dax_fault"; frees have no access direction.
std::string kasan_title(const TitleContext& c) {
  static const std::regex access("^(Read|Write) (of size \\d+ )?at addr ");
  std::string t = "KASAN: " + g(c, 1);
  for (const auto& l : c.lines) {
    std::smatch m;
    if (std::regex_search(l, m, access)) {
      t += " " + m[1].str();
      break;
    }
  }
  return with_frame(t, c.frame);
}

std::string bad_pgtable_title(const TitleContext& c) {
  return "BUG: bad " + g(c, 2);
}

std::string panic_title(const TitleContext& c) {
  return "kernel panic: " + normalise_text(g(c, 1));
}

std::string xfs_metadata_title(const TitleContext& c) {
  return with_frame("XFS: Metadata " + g(c, 1) + " detected", c.frame);
}

std::string xfs_shutdown_title(const TitleContext& c) {
  return with_frame("XFS: filesystem shutdown: " + g(c, 1), c.frame);
}

std::string xfs_assert_title(const TitleContext& c) {
  // The expression is source text, stable across runs: keep its numbers.
  return "XFS: Assertion failed: " + compact_text(g(c, 1));
}

std::string xfs_log_title(const TitleContext& c) {
  return "XFS: " + g(c, 1);
}

// ---- shared regex fragments -------------------------------------------------------------

constexpr std::string_view kEndTrace = R"(^---\[ end trace [0-9a-f]+ \]---)";
constexpr std::string_view kEndKasan = R"(^={20,}$)";
constexpr std::string_view kEndPanic = R"(^---\[ end Kernel panic - not syncing)";

// After a finished call trace: lock listings (hung tasks print "Showing all locks held"),
// taint notes and irq-trace stamps.
constexpr std::string_view kTraceTail =
    R"(^(|Showing all locks held in the system:|\d+ locks? held by .*|no locks held by .*|)"
    R"(#\d+: .*|={10,}|INFO: lockdep is turned off\.|Disabling lock debugging due to kernel taint|)"
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
    R"(Please unmount the filesystem and rectify the problem\(s\)|)"
    R"((Log I/O Error|Corruption of in-memory data|Corruption of on-disk metadata|Metadata I/O Error) )"
    R"(\(0x[0-9a-f]+\) detected at .*|log I/O error -?\d+|Failed to recover intents|)"
    R"(log mount failed|log mount finish failed|metadata I/O error in .*)|)"
    R"([0-9a-f]{8}: .*|CPU: \d+ PID: \d+ .*|Hardware name: .*|Workqueue: .*|Call Trace:|\s*<.+>|)"
    R"(\s+\S+\+0x[0-9a-f]+/0x[0-9a-f]+.*)$)";

constexpr std::string_view kExt4Tail =
    R"(^(EXT4-fs \([^)]*\): (Remounting filesystem read-only|Delayed block allocation failed.*|)"
    R"(This should not happen!!.*|Total free blocks count \d+|Free/Dirty block details|)"
    R"(free_blocks=\d+|dirty_blocks=\d+|Block reservation details|i_reserved_data_blocks=\d+|)"
    R"(previous I/O error to superblock detected|I/O error while writing superblock)|)"
    R"(Aborting journal on device .*|JBD2: .*)$)";

constexpr std::string_view kExt2Tail =
    R"(^EXT2-fs \([^)]*\): error: remounting filesystem read-only$)";

// Panics that only follow through on a report already printed (oops, panic_on_warn, hung task
// or soft lockup panics, errors=panic mounts).
constexpr std::string_view kConsequencePanic =
    R"(^Kernel panic - not syncing: (Fatal exception( in interrupt)?|.*: panic_on_warn set|)"
    R"(.*system warned too often.*|hung_task: blocked tasks|softlockup: hung tasks|RCU Stall|)"
    R"(kasan\.fault=panic set|EXT4-fs \(device [^)]*\): panic forced after error|)"
    R"(EXT2-fs: panic from previous error|Fatal machine check|Attempted to kill init!.*|)"
    R"(Aiee, killing interrupt handler!))";

// ---- frame rules ------------------------------------------------------------------------

constexpr FrameRule kLockdepFrame{.after = "stack backtrace:"};
constexpr FrameRule kTraceFrame{};
constexpr FrameRule kRipFrame{.rip = true};
constexpr FrameRule kIrqFrame{.rip = true, .skip_irq = true};

// ---- the table --------------------------------------------------------------------------

// clang-format off
const Format kFormats[] = {
    // lockdep: the splat's own stack is the one after "stack backtrace:"
    {.kind = Kind::Lockdep, .name = "lockdep-circular", .needle = "circular locking",
     .start = R"(^WARNING: possible circular locking dependency detected)",
     .title = titled<kDeadlock>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-recursive", .needle = "recursive locking",
     .start = R"(^WARNING: possible recursive locking detected)",
     .title = titled<kDeadlock>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-irq-inversion", .needle = "irq lock inversion",
     .start = R"(^WARNING: possible irq lock inversion dependency detected)",
     .title = titled<kDeadlock>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-irq-order", .needle = "lock order detected",
     .start = R"(^WARNING: [A-Z_]+-safe -> [A-Z_]+-unsafe lock order detected)",
     .title = titled<kDeadlock>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-inconsistent", .needle = "inconsistent lock state",
     .start = R"(^WARNING: inconsistent lock state)",
     .title = titled<kInconsistent>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-rcu", .needle = "suspicious RCU usage",
     .start = R"(^WARNING: suspicious RCU usage)",
     .title = titled<kRcuUsage>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail},
    {.kind = Kind::Lockdep, .name = "lockdep-unlock-balance", .needle = "bad unlock balance",
     .start = R"(^WARNING: bad unlock balance detected!)",
     .title = titled<kUnlockBalance>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-held-lock-freed", .needle = "held lock freed",
     .start = R"(^WARNING: held lock freed!)",
     .title = titled<kHeldLockFreed>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-locks-held", .needle = "still has locks held",
     .start = R"(^WARNING: \S+ still has locks held!)",
     .title = titled<kLocksHeld>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-nested", .needle = "Nested lock was not taken",
     .start = R"(^WARNING: Nested lock was not taken)",
     .title = titled<kNestedLock>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-wait-context", .needle = "Invalid wait context",
     .start = R"(^\[ BUG: Invalid wait context \])",
     .title = titled<kWaitContext>, .frame = kLockdepFrame, .end = End::Trace,
     .trace_after = "stack backtrace:", .tail = kTraceTail, .disables_lockdep = true},
    {.kind = Kind::Lockdep, .name = "lockdep-non-static-key", .needle = "non-static key",
     .start = R"(^INFO: trying to register non-static key\.)",
     .title = titled<kNonStaticKey>, .frame = kTraceFrame, .end = End::Trace,
     .tail = kTraceTail, .disables_lockdep = true},

    // WARN*(): the warning's own function first, then RIP, then the trace
    {.kind = Kind::Warning, .name = "warning", .needle = "WARNING: CPU: ",
     .start = R"(^WARNING: CPU: \d+ PID: \d+ at (?:(\S+):\d+ )?(\S+))",
     .title = titled<kWarning>, .frame = {.group = 2, .rip = true}, .end = End::Marker,
     .end_re = kEndTrace},

    // oopses
    {.kind = Kind::Bug, .name = "kernel-bug", .needle = "ernel BUG at ",
     .start = R"(^[Kk]ernel BUG at \S+)", .title = titled<kKernelBug>, .frame = kRipFrame,
     .end = End::Marker, .end_re = kEndTrace},
    {.kind = Kind::Bug, .name = "null-deref", .needle = "NULL pointer dereference",
     .start = R"(^BUG: kernel NULL pointer dereference, address: )",
     .title = titled<kNullDeref>, .frame = kRipFrame, .end = End::Marker, .end_re = kEndTrace},
    {.kind = Kind::Bug, .name = "paging-request", .needle = "unable to handle page fault",
     .start = R"(^BUG: unable to handle page fault for address: )",
     .title = titled<kPagingRequest>, .frame = kRipFrame, .end = End::Marker,
     .end_re = kEndTrace},
    {.kind = Kind::GeneralProtection, .name = "gpf", .needle = "general protection fault",
     .start = R"(^(?:segment-related )?general protection fault(?:,|:))",
     .title = titled<kGpf>, .frame = kRipFrame, .end = End::Marker, .end_re = kEndTrace},
    // a die() header: part of the BUG/fault report above it, a report of its own otherwise
    {.kind = Kind::Bug, .name = "trap", .needle = ": 0",
     .start = R"(^(invalid opcode|divide error|stack segment|double fault|int3|bounds|Oops): [0-9a-f]{4} \[#\d+\])",
     .title = trap_title, .frame = kRipFrame, .end = End::Marker, .end_re = kEndTrace,
     .secondary = true},

    {.kind = Kind::Kasan, .name = "kasan", .needle = "BUG: KASAN: ",
     .start = R"(^BUG: KASAN: ([a-z0-9-]+) in (\S+))", .title = kasan_title,
     .frame = {.group = 2}, .end = End::Marker, .end_re = kEndKasan},

    // mm state checks: report, then dump_stack()
    {.kind = Kind::Bug, .name = "bad-page-state", .needle = "Bad page state in process",
     .start = R"(^BUG: Bad page state in process )", .title = titled<kBadPageState>,
     .frame = kTraceFrame, .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::Bug, .name = "bad-page-map", .needle = "Bad page map in process",
     .start = R"(^BUG: Bad page map in process )", .title = titled<kBadPageMap>,
     .frame = {.required = false,
               .skip = "vm_normal_page|vm_normal_folio|zap_\\w+|unmap_page_range|unmap_single_vma|"
                       "unmap_vmas|(__)?mmput|exit_mmap|do_exit|do_group_exit|get_signal|"
                       "arch_do_signal_or_restart|exit_to_user_mode\\w*|"
                       "syscall_exit_to_user_mode\\w*|unmap_mapping_\\w+|unmap_region|"
                       "do_mas_align_munmap|do_mas_munmap|__do_munmap|__vm_munmap|mmap_region|"
                       "do_mmap|vm_mmap_pgoff|__x64_sys_\\w+",
               .fallback = " fault:(\\w+)"},
     .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::Bug, .name = "bad-pgtable", .needle = ": bad p",
     .start = R"(^(\S+\.[ch]):\d+: bad (pmd|pud|pgd|p4d|pte) )", .title = bad_pgtable_title,
     .frame = {.required = false}, .end = End::Lines},
    {.kind = Kind::Bug, .name = "sleep-in-atomic", .needle = "sleeping function called",
     .start = R"(^BUG: sleeping function called from invalid context at )",
     .title = titled<kSleepInAtomic>, .frame = kTraceFrame, .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::Bug, .name = "sched-atomic", .needle = "scheduling while atomic",
     .start = R"(^BUG: scheduling while atomic: )", .title = titled<kSchedAtomic>,
     .frame = kTraceFrame, .end = End::Trace, .tail = kTraceTail},

    // stalls
    {.kind = Kind::SoftLockup, .name = "soft-lockup", .needle = "soft lockup",
     .start = R"(^(?:watchdog: )?BUG: soft lockup - CPU#\d+ stuck for \d+s!)",
     .title = titled<kSoftLockup>, .frame = kIrqFrame, .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::HungTask, .name = "hung-task", .needle = "blocked for more than",
     .start = R"(^INFO: task .*:\d+ blocked for more than \d+ seconds\.)",
     .title = titled<kHungTask>, .frame = kTraceFrame, .end = End::Trace, .tail = kTraceTail},
    {.kind = Kind::RcuStall, .name = "rcu-stall", .needle = "stall",
     .start = R"(^(?:rcu: )?INFO: rcu\w* (?:detected stalls on CPUs/tasks|self-detected stall on CPU))",
     .title = titled<kRcuStall>, .frame = kIrqFrame, .end = End::Trace, .tail = kRcuTail,
     .adopt_nmi = true},

    // panics
    {.kind = Kind::Panic, .name = "panic-consequence", .needle = "Kernel panic - not syncing: ",
     .start = kConsequencePanic, .title = panic_title, .frame = {.required = false},
     .end = End::Marker, .end_re = kEndPanic, .secondary = true, .consequence = true},
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
    {.kind = Kind::Xfs, .name = "xfs-io-error", .needle = "metadata I/O error in",
     .start = R"re(^XFS \([^)]*\): metadata I/O error in "([^"]+)" at daddr)re",
     .title = titled<kXfsIoError>, .frame = {.group = 1}, .end = End::Lines, .tail = kXfsTail},
    {.kind = Kind::Xfs, .name = "xfs-assert", .needle = "Assertion failed: ",
     .start = R"(^XFS(?: \([^)]*\))?: Assertion failed: (.+), file: \S+, line: \d+)",
     .title = xfs_assert_title, .frame = kRipFrame, .end = End::Marker, .end_re = kEndTrace,
     .absorb = R"(^(WARNING: CPU: \d+ PID: \d+ at fs/xfs/xfs_message\.c:\d+|kernel BUG at fs/xfs/xfs_message\.c:\d+!))"},
    {.kind = Kind::Xfs, .name = "xfs-log-recovery", .needle = "ailed",
     .start = R"(^XFS \([^)]*\): (log mount/recovery failed|Failed to recover intents))",
     .title = xfs_log_title, .frame = {.required = false}, .end = End::Lines, .tail = kXfsTail},

    // ext4 / ext2 error one-liners: the function is printed by the error macro itself
    {.kind = Kind::Ext4, .name = "ext4-error", .needle = "EXT4-fs error (device ",
     .start = R"(^EXT4-fs error \(device [^)]*\):? (?:in )?(\w+):\d+: )",
     .title = titled<kExt4Error>, .frame = {.group = 1}, .end = End::Lines, .tail = kExt4Tail},
    {.kind = Kind::Ext2, .name = "ext2-error", .needle = "EXT2-fs (",
     .start = R"(^EXT2-fs \([^)]*\): error: (\w+): )", .title = titled<kExt2Error>,
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
      if (!f.frame.skip.empty()) c.skip = compile(f.frame.skip), c.has_skip = true;
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
