// Chooses the guilty frame of a report: the first function that is not reporting machinery
// or generic plumbing (locks, the page-fault path, scheduler, allocators, copy helpers).
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace dt::console {

struct FrameRule {
  int group = 0;                // start-regex capture holding a symbol, tried first (0: none);
                                // ignored unless it is a bare symbol (XFS tags may be expressions)
  int alt_group = 0;            // a second such capture, tried next
  bool rip = false;             // then the "RIP:" lines
  std::string_view after{};     // then the first call trace after a line containing this
  bool skip_irq = false;        // ignore <IRQ>/<NMI>/<SOFTIRQ> sections (timer/NMI plumbing)
  bool required = true;         // a report without such a frame is corrupted
  std::string_view skip{};      // regex of format-specific frames that are never guilty
  std::string_view fallback{};  // regex searched in the lines when no frame is found: its
                                // capture 1 is the frame (e.g. Bad page map's "fault:xfs_..")
};

// FrameRule's regexes, compiled once by the formats table (null when absent).
struct FrameRegexes {
  const std::regex* skip = nullptr;
  const std::regex* fallback = nullptr;
};

// Reporting machinery: dump_stack, __warn, printk, lockdep/kasan internals, entry code.
// Never blamed, not even as a fallback.
bool is_machinery(std::string_view function);
// Generic plumbing: lock primitives and FS lock wrappers, handle_mm_fault & co, scheduler and
// wait helpers, allocators, user-copy and mem* helpers. Blamed only when nothing else is left.
bool is_generic(std::string_view function);

// `groups` are the start-regex captures ([0] is the whole match). Returns "" if no frame.
std::string pick_frame(const FrameRule& rule, const FrameRegexes& res,
                       const std::vector<std::string>& lines,
                       const std::vector<std::string>& groups);

}  // namespace dt::console
