// The table of report formats: how each kind of kernel report starts, is titled, is blamed
// and ends. Order matters: the first format whose start matches a line wins.
#pragma once

#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "console/frame_picker.hpp"
#include "console/report.hpp"

namespace dt::console {

// How an open report ends.
enum class End {
  Marker,  // at an explicit closing line ("---[ end trace", KASAN's "====="); none => corrupted
  Trace,   // once the call trace after `trace_after` is complete; `tail` lines may follow
  Lines,   // one-liners (fs errors): complete at once, then absorb `tail` continuation lines
};

struct TitleContext {
  const std::vector<std::string>& groups;  // start-regex captures, [0] = whole match
  const std::vector<std::string>& lines;   // the report's lines, prefixes stripped
  std::string_view frame;                  // the guilty frame, "" if none
};
using TitleFn = std::string (*)(const TitleContext&);

struct Format {
  Kind kind;
  std::string_view name;    // stable id for tests and debugging
  std::string_view needle;  // literal the line must contain: cheap filter before the regex
  std::string_view start;   // ECMAScript regex, searched in the left-trimmed line
  TitleFn title;
  FrameRule frame;
  End end;
  std::string_view end_re{};       // Marker: the closing line (panic's end always closes too)
  std::string_view trace_after{};  // Trace: the trace that completes the report follows this
  std::string_view tail{};         // Trace/Lines: lines a complete report still absorbs
  std::string_view absorb{};       // other formats' start lines this open report swallows
  bool secondary = false;          // starts no report inside an open one: the open one absorbs it
  bool consequence = false;        // a panic caused by an earlier report: dropped if one was seen
  bool silent = false;             // recognised only to swallow its lines: not a bug
  bool adopt_nmi = false;          // "NMI backtrace for cpu N" lines of other callers belong to it
  bool disables_lockdep = false;   // lockdep stops validating after printing this
  bool repeats = false;            // a complete report absorbs its own format's next line
                                   // (a burst of one-liners is one report)
  bool corrupted_alone = false;    // a consequence seen without its cause: the cause is lost
  std::size_t max_lines = 1000;    // size cap; reaching it closes the report
};

struct CompiledFormat {
  const Format* f;
  std::regex start, end_re, tail, absorb, skip, fallback, at;
  bool has_end = false, has_tail = false, has_absorb = false, has_skip = false,
       has_fallback = false, has_at = false;
};

const std::vector<CompiledFormat>& formats();

struct StartMatch {
  const CompiledFormat* fmt = nullptr;
  std::vector<std::string> groups;
};

// The first format whose start matches `trimmed` (a left-trimmed console line body).
std::optional<StartMatch> match_start(std::string_view trimmed);

// Bounded regex helpers shared by the parser.
bool search(const std::regex& re, std::string_view s);
bool full(const std::regex& re, std::string_view s);

}  // namespace dt::console
