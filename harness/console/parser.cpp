#include "console/parser.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "console/formats.hpp"
#include "console/frame_picker.hpp"
#include "console/line_splitter.hpp"
#include "console/prefix.hpp"
#include "console/symbols.hpp"

namespace dt::console {

namespace {

// Lines of other traffic after which an open report is given up: long for reports still
// waiting for their end (a lockdep splat interleaved with a busy workload), short for complete
// ones that only wait for optional tail lines, so one-liners are delivered promptly.
constexpr std::size_t kIdleIncomplete = 2000;
constexpr std::size_t kIdleComplete = 64;
constexpr std::size_t kMaxOpen = 16;    // concurrent reports (one per printing task/CPU)
constexpr std::size_t kMaxLanes = 256;  // remembered header lines, one per caller id

struct Line {
  std::string_view body;     // prefixes stripped, indentation kept, trailing blanks dropped
  std::string_view pasted;   // `body` before the owning report's indentation was removed
  std::string_view trimmed;  // both ends trimmed: what start/end regexes see
  std::string_view caller;
  std::size_t begin = 0, end = 0;
};

struct OpenReport {
  const CompiledFormat* fmt = nullptr;
  std::vector<std::string> groups;
  std::vector<std::string> lines;
  std::vector<std::string> callers;
  std::string indent;  // the whole report was pasted indented by this (its first line's blanks)
  std::size_t start = 0, end = 0;
  std::size_t last_line = 0;
  bool complete = false;
  // End::Trace progress
  bool after_seen = false, in_trace = false, in_task = false, saw_frame = false;
};

struct Header {
  std::string body;
  std::size_t begin = 0;
};

// "=====...", "-----..." and "------------[ cut here ]------------" precede many reports.
bool is_header(std::string_view t) {
  if (t == "------------[ cut here ]------------") return true;
  if (t.size() < 10) return false;
  return std::all_of(t.begin(), t.end(), [&](char c) { return c == t[0]; }) &&
         (t[0] == '=' || t[0] == '-');
}

// The last lines of a panic: its end marker, or what panic() prints after the stack when the
// marker is missing (before 4.10, in syzbot's mails): the kernel is dead, nothing more follows.
bool is_panic_end(std::string_view t) {
  return t.starts_with("---[ end Kernel panic - not syncing") || t.starts_with("Kernel Offset: ") ||
         t.starts_with("Rebooting in ");
}

bool notes_lockdep_off(std::string_view t) {
  return t.find("turning off the locking correctness validator") != std::string_view::npos ||
         t.find("Disabling lock debugging due to kernel taint") != std::string_view::npos ||
         t.find("INFO: lockdep is turned off") != std::string_view::npos;
}

std::string_view rtrim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// No report starts with blanks, so blanks before a report's first line are the indentation of a
// pasted report (a mail, a bug tracker): its lines lose that much, keeping their own (frames).
std::string_view leading_blanks(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && (s[n] == ' ' || s[n] == '\t')) ++n;
  return s.substr(0, n);
}

std::string_view dedent(std::string_view body, std::string_view indent) {
  if (!indent.empty() && body.starts_with(indent)) body.remove_prefix(indent.size());
  return body;
}

}  // namespace

struct Parser::Impl {
  LineSplitter splitter;
  std::vector<RawLine> scratch;
  std::vector<OpenReport> open;  // in start order
  std::map<std::string, Header, std::less<>> headers;
  std::vector<Report> done;
  std::size_t line_no = 0;
  std::size_t started = 0;  // bug reports started so far (silent ones excluded)
  bool lockdep_off = false;

  void process(std::vector<RawLine>& raws) {
    for (const auto& r : raws) on_line(r);
    raws.clear();
  }

  void on_line(const RawLine& raw) {
    const Prefix p = strip_prefix(raw.text);
    Line l{.body = rtrim(p.body),
           .pasted = rtrim(p.body),
           .trimmed = trim(p.body),
           .caller = p.caller,
           .begin = raw.begin,
           .end = raw.end};
    ++line_no;
    if (notes_lockdep_off(l.trimmed)) lockdep_off = true;
    expire_idle();
    if (OpenReport* r = owner(l.caller)) {
      l.body = dedent(l.body, r->indent);
      on_owned(*r, l);
    } else {
      on_unowned(l);
    }
  }

  OpenReport* owner(std::string_view caller) {
    for (auto& r : open) {
      if (std::find(r.callers.begin(), r.callers.end(), caller) != r.callers.end()) return &r;
    }
    return nullptr;
  }

  void expire_idle() {
    for (std::size_t i = 0; i < open.size();) {
      const auto limit = open[i].complete ? kIdleComplete : kIdleIncomplete;
      if (line_no - open[i].last_line > limit) {
        close(i);
      } else {
        ++i;
      }
    }
  }

  static void append(OpenReport& r, const Line& l, std::size_t line_no) {
    r.lines.emplace_back(l.body);
    r.end = l.end;
    r.last_line = line_no;
  }

  // A line that would start a report of its own while `r` is open: does it cut `r` short?
  static bool cuts(const OpenReport& r, const StartMatch& m, const Line& l) {
    if (m.fmt->f->secondary) return false;
    return !(r.fmt->has_absorb && search(r.fmt->absorb, l.trimmed));
  }

  void on_owned(OpenReport& r, const Line& l) {
    const std::size_t idx = static_cast<std::size_t>(&r - open.data());
    const auto m = match_start(l.trimmed);
    if (!r.complete) {
      if (m && cuts(r, *m, l)) {
        end_unmarked_trace(r);
        close(idx);
        start(*m, l);
        return;
      }
      append(r, l, line_no);
      const Format& f = *r.fmt->f;
      if (f.end == End::Marker &&
          ((r.fmt->has_end && search(r.fmt->end_re, l.trimmed)) || is_panic_end(l.trimmed))) {
        r.complete = true;
      } else if (f.end == End::Trace) {
        advance_trace(r, l);
      }
      // Nothing follows a panic; a size cap ends runaway reports.
      if ((r.complete && f.end == End::Marker) || is_panic_end(l.trimmed) ||
          r.lines.size() >= f.max_lines) {
        close(idx);
      }
      return;
    }
    // Complete: absorb tail lines, unless the line starts another report of the same format.
    const bool same_again = m && m->fmt == r.fmt && !r.fmt->f->repeats;
    if (r.fmt->has_tail && !same_again && full(r.fmt->tail, l.body)) {
      append(r, l, line_no);
      if (r.lines.size() >= r.fmt->f->max_lines || is_panic_end(l.trimmed)) close(idx);
      return;
    }
    close(idx);
    on_unowned(l);
  }

  static void advance_trace(OpenReport& r, const Line& l) {
    const std::string_view t = l.trimmed;
    if (!r.after_seen) {
      const auto& after = r.fmt->f->trace_after;
      r.after_seen = after.empty() || t.find(after) != std::string_view::npos;
      if (!after.empty()) return;
    }
    if (!r.in_trace) {
      r.in_trace = is_call_trace(t);
      return;
    }
    if (t == "<TASK>") {
      r.in_task = true;
    } else if (t == "</TASK>") {
      r.complete = true;
    } else if (is_trace_marker(t)) {
      // <IRQ> and friends: still inside the trace
    } else if (parse_frame(t)) {
      r.saw_frame = true;
    } else if (!r.in_task && r.saw_frame) {
      r.complete = true;  // an unmarked trace ends at its first non-frame line
    }
  }

  // A trace without <TASK> markers (up to 4.x) ends at its first non-frame line: also the next
  // report's first line, or the end of the log (a report pasted up to its last frame is whole).
  static void end_unmarked_trace(OpenReport& r) {
    if (r.fmt->f->end == End::Trace && r.in_trace && r.saw_frame && !r.in_task) r.complete = true;
  }

  void on_unowned(const Line& l) {
    const auto m = match_start(l.trimmed);
    if (!m) {
      if (adopt_nmi(l)) return;
      remember_header(l);
      return;
    }
    if (m->fmt->f->consequence && started > 0) {
      headers.erase(std::string(l.caller));
      return;  // the report that caused this panic was already seen
    }
    start(*m, l);
  }

  // An NMI backtrace printed by a stalled CPU on behalf of an RCU stall report.
  bool adopt_nmi(const Line& l) {
    if (l.caller.empty() || !l.trimmed.starts_with("NMI backtrace for cpu ")) return false;
    // The newest stall asked for it; a finished older one on that CPU must not take it.
    for (auto it = open.rbegin(); it != open.rend(); ++it) {
      auto& r = *it;
      if (!r.fmt->f->adopt_nmi) continue;
      r.callers.emplace_back(l.caller);
      append(r, l, line_no);
      return true;
    }
    return false;
  }

  void remember_header(const Line& l) {
    if (!is_header(l.trimmed)) {
      if (!headers.empty()) headers.erase(std::string(l.caller));
      return;
    }
    if (headers.size() >= kMaxLanes) headers.clear();
    headers[std::string(l.caller)] = Header{std::string(l.body), l.begin};
  }

  void start(const StartMatch& m, const Line& l) {
    if (open.size() >= kMaxOpen) close(0);
    OpenReport r;
    r.fmt = m.fmt;
    r.groups = m.groups;
    r.callers.emplace_back(l.caller);
    r.start = l.begin;
    r.indent = leading_blanks(l.pasted);
    if (auto it = headers.find(l.caller); it != headers.end()) {
      r.lines.emplace_back(dedent(it->second.body, r.indent));
      r.start = it->second.begin;
      headers.erase(it);
    }
    Line first = l;
    first.body = dedent(l.pasted, r.indent);
    append(r, first, line_no);
    const Format& f = *m.fmt->f;
    r.complete = f.end == End::Lines;
    if (f.disables_lockdep) lockdep_off = true;
    if (!f.silent) ++started;
    open.push_back(std::move(r));
  }

  void close(std::size_t idx) {
    OpenReport r = std::move(open[idx]);
    open.erase(open.begin() + static_cast<std::ptrdiff_t>(idx));
    const Format& f = *r.fmt->f;
    if (f.silent) return;
    Report out{.kind = f.kind};
    const FrameRegexes res{.skip = r.fmt->has_skip ? &r.fmt->skip : nullptr,
                           .fallback = r.fmt->has_fallback ? &r.fmt->fallback : nullptr,
                           .at = r.fmt->has_at ? &r.fmt->at : nullptr};
    out.guilty_frame = pick_frame(f.frame, res, r.lines, r.groups);
    // Titles name syscalls as syzbot does: "sys_fallocate", not "__x64_sys_fallocate".
    out.title = f.title(TitleContext{r.groups, r.lines, strip_prefixes(out.guilty_frame)});
    std::size_t size = 0;
    for (const auto& s : r.lines) size += s.size() + 1;
    out.text.reserve(size);
    for (const auto& s : r.lines) {
      out.text += s;
      out.text += '\n';
    }
    out.corrupted =
        !r.complete || (f.frame.required && out.guilty_frame.empty()) || f.corrupted_alone;
    out.start_offset = r.start;
    out.end_offset = r.end;
    done.push_back(std::move(out));
  }
};

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;
Parser::Parser(Parser&&) noexcept = default;
Parser& Parser::operator=(Parser&&) noexcept = default;

void Parser::feed(std::string_view chunk) {
  impl_->splitter.feed(chunk, impl_->scratch);
  impl_->process(impl_->scratch);
}

void Parser::finish() {
  impl_->splitter.finish(impl_->scratch);
  impl_->process(impl_->scratch);
  close_open();
  impl_->headers.clear();
}

void Parser::close_open() {
  for (auto& r : impl_->open) Impl::end_unmarked_trace(r);
  while (!impl_->open.empty()) impl_->close(0);
}

bool Parser::has_open() const {
  return !impl_->open.empty();
}

std::vector<Report> Parser::take_reports() {
  return std::exchange(impl_->done, {});
}

bool Parser::lockdep_disabled() const {
  return impl_->lockdep_off;
}

std::vector<Report> parse_log(std::string_view whole_log) {
  Parser p;
  p.feed(whole_log);
  p.finish();
  auto reports = p.take_reports();
  // A report with no end marker closes only when the next one (or the end) shows up, so the
  // stream emits it late; a whole log can give them back in console order.
  std::stable_sort(reports.begin(), reports.end(), [](const Report& a, const Report& b) {
    return a.start_offset < b.start_offset;
  });
  return reports;
}

}  // namespace dt::console
