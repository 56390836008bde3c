#include "console/frame_picker.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

#include "console/prefix.hpp"
#include "console/symbols.hpp"

namespace dt::console {

namespace {

constexpr std::size_t kMaxSymbol = 128;  // longer "symbols" are garbage; keep regex work small

const std::regex& machinery_re() {
  static const std::regex re = skip::compile(skip::kMachinery);
  return re;
}

const std::regex& helpers_re() {
  static const std::regex re = skip::compile(skip::kHelpers);
  return re;
}

const std::regex& anchors_re() {
  static const std::regex re = skip::compile(skip::kStallAnchors);
  return re;
}

bool full_match(const std::regex& re, std::string_view s) {
  return std::regex_match(s.begin(), s.end(), re);
}

bool is_timer_interrupt(std::string_view fn) {
  return fn.find("apic_timer_interrupt") != std::string_view::npos;
}

// Appends the reliable frames of the first call trace after the `after` marker.
void trace_frames(const FrameRule& rule, const std::vector<std::string>& lines,
                  std::vector<std::string>& out, bool guesses = false) {
  bool after_seen = rule.after.empty();
  bool in_trace = false, in_task = false, saw_frame = false;
  for (const auto& raw : lines) {
    const std::string_view t = trim(raw);
    if (!after_seen) {
      after_seen = t.find(rule.after) != std::string_view::npos;
      continue;
    }
    if (!in_trace) {
      in_trace = rule.stack == Stack::AfterLine || is_call_trace(t);
      if (rule.stack != Stack::AfterLine || rule.after.empty()) continue;
    }
    if (is_trace_marker(t)) {
      if (t == "<TASK>") in_task = true;
      if (t == "</TASK>") return;
      continue;
    }
    if (auto f = parse_frame(t)) {
      saw_frame = true;
      if (f->reliable || guesses) out.push_back(clean_symbol(f->symbol));
      continue;
    }
    // Register dumps sit inside <TASK> sections; without markers a non-frame line ends the
    // trace.
    if (!in_task && saw_frame) return;
  }
}

// Lines after which a stall report dumps some other stack than the stalled one.
bool starts_other_dump(std::string_view t) {
  return t.find("Stack dump where RCU GP kthread last ran") != std::string_view::npos ||
         t.find("RCU grace-period kthread stack dump") != std::string_view::npos ||
         t.find("kthread starved for") != std::string_view::npos;
}

// The stalled context's frames, in console order (see Stack::Stalled).
void stalled_frames(const std::vector<std::string>& lines, std::vector<std::string>& out) {
  // syzkaller's rule: the stalled context starts after the timer interrupt that reported it.
  // Up to 4.x three of them nest (local_, smp_, apic_timer_interrupt): start after the last.
  std::size_t from = 0;
  bool in_trace = false, in_interrupt = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view t = trim(lines[i]);
    if (starts_other_dump(t)) break;
    if (is_call_trace(t)) in_trace = true;
    if (!in_trace) continue;
    if (auto f = parse_frame(t); f && f->reliable && is_timer_interrupt(f->symbol)) {
      from = i + 1;
      in_interrupt = true;
    } else if (in_interrupt && !is_trace_marker(t)) {
      break;
    }
  }
  int backtraces = 0;
  for (std::size_t i = from; i < lines.size(); ++i) {
    const std::string_view t = trim(lines[i]);
    if (starts_other_dump(t)) return;
    // Only the first stalled CPU's backtrace: another CPU's is another stack.
    if (t.starts_with("NMI backtrace for cpu ") && ++backtraces > 1 && !out.empty()) return;
    if (auto sym = parse_rip(t)) {
      out.push_back(clean_symbol(*sym));
      continue;
    }
    if (auto f = parse_frame(t); f && f->reliable) out.push_back(clean_symbol(f->symbol));
  }
}

// The rule's pick among `cands` (see Pick); "" if none is valid.
template <class Valid, class Usable>
std::string choose(const FrameRule& rule, const std::vector<std::string>& cands, const Valid& valid,
                   const Usable& usable) {
  if (rule.pick == Pick::Stall) {
    // The frame above the first dispatcher; a dispatcher on top is blamed itself.
    const std::string* prev = nullptr;
    for (const auto& fn : cands) {
      if (fn.size() <= kMaxSymbol && full_match(anchors_re(), fn)) {
        if (prev) return *prev;
        if (usable(fn)) return fn;
        break;
      }
      if (usable(fn)) prev = &fn;
    }
  } else if (rule.pick == Pick::Hang) {
    // Before the format's own skip list: that one skips "synchronize" too.
    static const std::vector<std::regex> anchors = [] {
      std::vector<std::regex> v;
      for (const auto& a : skip::kHangAnchors) v.emplace_back(a.frame.begin(), a.frame.end());
      return v;
    }();
    for (const auto& fn : cands) {
      if (fn.empty() || fn.size() > kMaxSymbol || is_machinery(fn) || is_generic(fn)) continue;
      for (std::size_t i = 0; i < anchors.size(); ++i) {
        if (full_match(anchors[i], fn)) {
          const auto title = skip::kHangAnchors[i].title;
          return title.empty() ? fn : std::string(title);
        }
      }
    }
  }
  for (const auto& fn : cands) {
    if (usable(fn)) return fn;
  }
  for (const auto& fn : cands) {
    if (valid(fn)) return fn;
  }
  return {};
}

}  // namespace

bool is_machinery(std::string_view fn) {
  return fn.size() <= kMaxSymbol && full_match(machinery_re(), fn);
}

bool is_generic(std::string_view fn) {
  return fn.size() <= kMaxSymbol && full_match(helpers_re(), fn);
}

std::string strip_prefixes(std::string_view fn) {
  std::string_view best = fn;
  for (std::string_view p : skip::kStripPrefixes) {
    if (fn.starts_with(p) && fn.size() > p.size() && fn.size() - p.size() < best.size()) {
      best = fn.substr(p.size());
    }
  }
  return std::string(best);
}

std::string pick_frame(const FrameRule& rule, const FrameRegexes& res,
                       const std::vector<std::string>& lines,
                       const std::vector<std::string>& groups) {
  std::vector<std::string> cands;
  for (int g : {rule.group, rule.alt_group}) {
    if (g <= 0 || static_cast<std::size_t>(g) >= groups.size()) continue;
    const std::string& text = groups[static_cast<std::size_t>(g)];
    // An all-capitals tag is a macro ("Internal error XFS_WANT_CORRUPTED_GOTO", up to 4.x),
    // never a function.
    const bool ident =
        !text.empty() && (text[0] == '_' || std::isalpha(static_cast<unsigned char>(text[0]))) &&
        std::any_of(text.begin(), text.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
    if (ident && (text.find_first_of(" ()!&|=<>,*[]") == std::string::npos || parse_frame(text))) {
      cands.push_back(clean_symbol(text));
    }
  }
  if (res.at) {
    int n = 0;
    std::smatch m;
    for (const auto& l : lines) {
      if (rule.at_count > 0 && n >= rule.at_count) break;
      if (std::regex_search(l, m, *res.at) && m.size() > 1) {
        cands.push_back(clean_symbol(m[1].str()));
        ++n;
      }
    }
  }
  if (rule.stack == Stack::Stalled) {
    stalled_frames(lines, cands);
  } else if (rule.stack != Stack::None) {
    // The first kernel RIP only, as syzbot: later ones are other contexts (the task an
    // interrupt interrupted, the register dump repeated after the end of the trace).
    if (rule.rip) {
      for (const auto& l : lines) {
        if (auto sym = parse_rip(l)) {
          cands.push_back(clean_symbol(*sym));
          break;
        }
      }
    }
    trace_frames(rule, lines, cands);
  }

  const std::regex* skip = res.skip;
  auto valid = [&](const std::string& fn) {
    return !fn.empty() && fn.size() <= kMaxSymbol && !is_machinery(fn) &&
           !(skip && full_match(*skip, fn));
  };
  auto usable = [&](const std::string& fn) { return valid(fn) && !is_generic(fn); };
  std::string picked = choose(rule, cands, valid, usable);
  if (!picked.empty()) return picked;
  // A hung task woken while its stack was being dumped leaves only "? f+0x.." guesses of the
  // same stack: better the same title from them than none.
  if (rule.guesses) {
    std::vector<std::string> guessed;
    trace_frames(rule, lines, guessed, true);
    picked = choose(rule, guessed, valid, usable);
    if (!picked.empty()) return picked;
  }
  if (res.fallback) {
    std::smatch m;
    for (const auto& l : lines) {
      if (std::regex_search(l, m, *res.fallback) && m.size() > 1) {
        std::string fn = clean_symbol(m[1].str());
        if (valid(fn)) return fn;
      }
    }
  }
  return {};
}

}  // namespace dt::console
