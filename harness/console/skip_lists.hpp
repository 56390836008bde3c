// The data behind guilty-frame selection: which functions are never the bug (reporting
// machinery, helpers), which are dispatchers that anchor a stall, and the per-format extras.
// Kept as tables, not code, after syzkaller's pkg/report conventions, so that a new helper is
// one line here and titles stay comparable with syzbot's.
//
// Every entry is an ECMAScript regex that must match the WHOLE cleaned symbol (no offset, no
// module, no ".isra.0" clone suffix). Lists are joined into one alternation at first use.
#pragma once

#include <regex>
#include <span>
#include <string>
#include <string_view>

namespace dt::console::skip {

using List = std::span<const std::string_view>;

// Reporting machinery: never blamed, not even as a last resort (dump_stack, __warn, printk,
// trap and entry code, the NMI/timer backtrace path, sanitizer runtimes).
extern const List kMachinery;
// Helpers that are never the bug when a caller is in the stack: lock primitives and slow
// paths, lockdep internals, list/rbtree/string/refcount helpers, allocator internals,
// retpoline thunks, debug-object and fortify reporting. Blamed only when nothing else is left.
extern const List kHelpers;

// Per-format lists (added to the two above).
extern const List kRefcountWarn;      // WARNING in lib/refcount.c
extern const List kOdebugWarn;        // WARNING in lib/debugobjects.c (debug_print_object)
extern const List kUsercopyWarn;      // mm/usercopy.c
extern const List kKmallocWarn;       // WARNING in mm/*.c from a *alloc* function
extern const List kLockingWarn;       // WARNING in kernel/locking/lockdep.c
extern const List kLockdepWorkqueue;  // lockdep splats: work items take the workqueue's locks
extern const List kNonStaticKey;      // "INFO: trying to register non-static key"
extern const List kRcuUsage;          // "suspicious RCU usage"
extern const List kKasanInvalidFree;  // KASAN double-free / invalid-free
extern const List kSchedAtomic;       // "scheduling while atomic"
extern const List kPreemptible;       // "using smp_processor_id() in preemptible"
extern const List kUbsan;             // UBSAN reports
extern const List kRcuStall;          // RCU stall reports
extern const List kHungTask;          // hung tasks: the sleeping and locking path
extern const List kBadPageMap;        // Bad page map: the unmap path that met the bad pte
extern const List kBadPageState;      // Bad page state: the freeing path
extern const List kStackGuard;        // stack guard page hits / stack overflows

// Stall anchors: generic dispatchers (syscall entry, work items, timers, the page-fault
// dispatch into ->fault, discriminated VFS entry points). A stall is blamed on the frame just
// above the first anchor: the syscall or work function, stable across where the loop was
// sampled.
extern const List kStallAnchors;
// Hung tasks waiting for a grace period all look the same: these anchors name the bucket.
struct HangAnchor {
  std::string_view frame;  // regex (whole symbol)
  std::string_view title;  // blamed as this ("" = the frame itself)
};
extern const std::span<const HangAnchor> kHangAnchors;

// Prefixes syscall wrappers carry; the shortest stripped name is the title's
// ("__x64_sys_fallocate" -> "sys_fallocate", "__do_sys_finit_module" -> "finit_module").
extern const List kStripPrefixes;

// The alternation of a list's entries, "(?:a|b|c)"; "" for an empty list.
std::string join(List list);
// A regex matching any whole symbol of the list (callers keep it: compiling is not free).
std::regex compile(List list);

}  // namespace dt::console::skip
