// Chooses the guilty frame of a report, after syzkaller's conventions: collect the candidate
// frames the format names (a symbol in the header, "at:" lock sites, RIP lines, a call trace,
// the stalled task's stack), drop the ones the skip lists (skip_lists.hpp) say are never the
// bug, and take the first one left, or, for stalls, the frame above the first dispatcher.
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "console/skip_lists.hpp"

namespace dt::console {

// Which stack the call-trace frames come from.
enum class Stack {
  First,      // the first "Call Trace:" after `after` (or after the start)
  AfterLine,  // the frames right after the line containing `after` (no "Call Trace:")
  Stalled,    // the stalled context of a stall report: after the timer interrupt that
              // reported it (syzkaller's rule), else the interrupted RIP and its trace; the
              // first CPU's NMI backtrace only, never the GP kthread's dump
  None,       // no call trace
};

// How the guilty frame is chosen from the usable candidates.
enum class Pick {
  First,  // the first one
  Stall,  // the one above the first stall anchor (skip::kStallAnchors)
  Hang,   // hang anchors (synchronize_rcu, rtnl_lock) first, then the first one
};

struct FrameRule {
  int group = 0;             // start-regex capture holding a symbol, tried first (0: none);
                             // ignored unless it is a bare symbol (XFS tags may be expressions)
  int alt_group = 0;         // a second such capture, tried next
  std::string_view at{};     // regex, capture 1 a symbol: lines such as lockdep's
                             // "..., at: xfs_ilock+0x87/0x1e0" (tried after the groups)
  int at_count = 0;          // how many of those lines (0: all)
  bool rip = false;          // then the kernel "RIP:" lines (Stack::First only)
  std::string_view after{};  // the call trace follows a line containing this
  Stack stack = Stack::First;
  Pick pick = Pick::First;
  bool required = true;         // a report without such a frame is corrupted
  bool guesses = false;         // no frame at all: try the trace's "? f+0x.." guesses too
  skip::List skip{};            // format-specific frames that are never guilty
  std::string_view fallback{};  // regex searched in the lines when no frame is found: its
                                // capture 1 is the frame (e.g. Bad page map's "fault:xfs_..")
};

// FrameRule's regexes, compiled once by the formats table (null when absent).
struct FrameRegexes {
  const std::regex* skip = nullptr;
  const std::regex* fallback = nullptr;
  const std::regex* at = nullptr;
};

// Reporting machinery (skip::kMachinery): never blamed, not even as a last resort.
bool is_machinery(std::string_view function);
// Helpers (skip::kHelpers): blamed only when nothing else is left.
bool is_generic(std::string_view function);
// "__x64_sys_fallocate" -> "sys_fallocate": the shortest name left by one syscall-wrapper
// prefix of skip::kStripPrefixes.
std::string strip_prefixes(std::string_view function);

// `groups` are the start-regex captures ([0] is the whole match). Returns "" if no frame.
std::string pick_frame(const FrameRule& rule, const FrameRegexes& res,
                       const std::vector<std::string>& lines,
                       const std::vector<std::string>& groups);

}  // namespace dt::console
