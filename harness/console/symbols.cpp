#include "console/symbols.hpp"

#include <algorithm>
#include <iterator>

#include "console/prefix.hpp"

namespace dt::console {

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_ident_start(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ident(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '$';
}

// Consumes "0x" hexdigits+; false (and `s` untouched) otherwise.
bool eat_hex(std::string_view& s) {
  if (s.size() < 3 || s[0] != '0' || s[1] != 'x' || !is_hex(s[2])) return false;
  std::size_t i = 2;
  while (i < s.size() && is_hex(s[i])) ++i;
  s.remove_prefix(i);
  return true;
}

// "sym+0xOFF/0xLEN" at the front of `s`: returns "sym" and leaves the rest in `s`.
std::optional<std::string_view> eat_symbol_offset(std::string_view& s) {
  std::size_t i = 0;
  if (s.empty() || !is_ident_start(s[0])) return std::nullopt;
  while (i < s.size() && is_ident(s[i])) ++i;
  const std::string_view sym = s.substr(0, i);
  std::string_view rest = s.substr(i);
  if (rest.empty() || rest[0] != '+') return std::nullopt;
  rest.remove_prefix(1);
  if (!eat_hex(rest) || rest.empty() || rest[0] != '/') return std::nullopt;
  rest.remove_prefix(1);
  if (!eat_hex(rest)) return std::nullopt;
  s = rest;
  return sym;
}

// "fs/dax.c:1043": the source location syzbot and decode_stacktrace.sh add to a frame.
bool is_source_location(std::string_view t) {
  const auto colon = t.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= t.size()) return false;
  for (char c : t.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
  }
  const auto dot = t.rfind('.', colon);
  return dot != std::string_view::npos && dot > 0 && dot + 1 < colon;
}

// The next blank-separated word of `s`, consumed.
std::string_view eat_word(std::string_view& s) {
  s = trim(s);
  const std::string_view w = s.substr(0, s.find(' '));
  s.remove_prefix(w.size());
  return w;
}

// What may follow "sym+0x1/0x2": " [module]", a source location, "[inline]", powerpc's
// "(unreliable)" (a guess, like x86's "? "); nothing else.
bool eat_frame_tail(std::string_view s, Frame& f) {
  while (!s.empty()) {
    if (s.front() != ' ') return false;
    const std::string_view w = eat_word(s);
    const bool bracketed = w.size() >= 3 && w.front() == '[' && w.back() == ']';
    if (w == "(unreliable)") {
      f.reliable = false;
    } else if (!bracketed && !is_source_location(w)) {
      return false;
    }
  }
  return true;
}

// Symbolized frames without an offset: decode_stacktrace.sh's "dax_fault (fs/dax.c:1043)" and
// syzbot's inlined "__dump_stack lib/dump_stack.c:88 [inline]" (never blamed, as syzkaller:
// the caller it was inlined into follows).
std::optional<Frame> parse_symbolized(std::string_view s, Frame f) {
  std::size_t i = 0;
  if (s.empty() || !is_ident_start(s[0])) return std::nullopt;
  while (i < s.size() && is_ident(s[i])) ++i;
  f.symbol = s.substr(0, i);
  s.remove_prefix(i);
  if (!s.starts_with(' ')) return std::nullopt;
  if (s.starts_with(" (")) {
    s.remove_prefix(2);
    std::string_view loc = eat_word(s);
    if (loc.ends_with(')')) loc.remove_suffix(1);
    if (!is_source_location(loc)) return std::nullopt;
    return f;
  }
  if (!is_source_location(eat_word(s)) || trim(s) != "[inline]") return std::nullopt;
  f.reliable = false;
  return f;
}

// "[<ffffffff8123abcd>]" (x86 up to 4.x) or "[c0000000004b0a2c]" (powerpc), and the blanks
// after it.
bool eat_address(std::string_view& s) {
  if (s.starts_with("[<")) {
    const auto close = s.find(">]");
    if (close == std::string_view::npos) return false;
    s = trim(s.substr(close + 2));
    return true;
  }
  std::size_t i = 1;
  while (i < s.size() && is_hex(s[i])) ++i;
  if (!s.starts_with('[') || i < 9 || i >= s.size() || s[i] != ']') return false;
  s = trim(s.substr(i + 1));
  return true;
}

// "? " before a frame the unwinder only guessed.
bool eat_unreliable(std::string_view& s) {
  if (!s.starts_with("? ")) return false;
  s = trim(s.substr(2));
  return true;
}

// A frame after its address and "? ": the symbol and what may follow it.
std::optional<Frame> parse_frame_rest(std::string_view s, Frame f) {
  // An address no symbol covers ("? 0xffffffffc007e000": a module's freed init text) is still
  // a frame of the trace, but nothing to blame.
  if (std::string_view hex = s; eat_hex(hex) && hex.empty()) return Frame{.reliable = false};
  auto sym = eat_symbol_offset(s);
  if (!sym) return parse_symbolized(s, f);
  if (!eat_frame_tail(s, f)) return std::nullopt;
  f.symbol = *sym;
  return f;
}

}  // namespace

std::optional<Frame> parse_frame(std::string_view line) {
  std::string_view s = trim(line);
  // Up to 4.x the section marker shares the line of its first frame: " <IRQ>  [<ffffffff..>] f".
  if (const auto close = s.find('>'); s.starts_with('<') && close != std::string_view::npos &&
                                      is_trace_marker(s.substr(0, close + 1))) {
    s = trim(s.substr(close + 1));
  }
  Frame f;
  if (eat_unreliable(s)) f.reliable = false;
  // x86 up to 4.x: "[<ffffffff8123abcd>] ", then maybe the "? "; powerpc: the stack pointer
  // and the address, "[c00000000a2b3ca0] [c0000000004b09f0] ".
  for (int i = 0; i < 2 && s.starts_with('['); ++i) {
    if (!eat_address(s)) return std::nullopt;
  }
  if (eat_unreliable(s)) f.reliable = false;
  return parse_frame_rest(s, f);
}

std::optional<std::string_view> parse_rip(std::string_view line) {
  std::string_view s = trim(line);
  // x86: "RIP: 0010:f+0x1a/0x40"; up to 4.x also "RIP: 0010:[<ffffffff81..>]  [<ffffffff81..>]
  // f+0x..", the end-of-oops "RIP  [<ffffffff81..>] f+0x.." and the fault's "IP: [<..>] f+0x.."
  // (4.15-4.19: "IP: f+0x.."). arm64: "pc : f+0x.." ("PC is at f+0x.." up to 4.x); powerpc:
  // "NIP [c0000000004b0a2c] f+0x.." ("NIP:  c0000000004b0a2c LR: ..." has no symbol).
  static constexpr std::string_view kHeads[] = {"RIP", "EIP is at", "IP", "NIP", "PC is at", "pc"};
  const auto head = std::find_if(std::begin(kHeads), std::end(kHeads),
                                 [&](std::string_view h) { return s.starts_with(h); });
  if (head == std::end(kHeads)) return std::nullopt;
  s.remove_prefix(head->size());
  if (!s.starts_with(' ') && !s.starts_with(':')) return std::nullopt;  // "IPv6:", "pci"
  s = trim(s);
  if (s.starts_with(':')) s = trim(s.substr(1));
  // "0010:" code segment selector.
  std::size_t sel = 0;
  while (sel < s.size() && sel < 4 && is_hex(s[sel])) ++sel;
  if (sel > 0 && sel < s.size() && s[sel] == ':') s.remove_prefix(sel + 1);
  for (int i = 0; i < 2 && s.starts_with('['); ++i) {
    if (!eat_address(s)) return std::nullopt;
  }
  return eat_symbol_offset(s);
}

bool is_call_trace(std::string_view t) {
  return t == "Call Trace:" || t == "Call trace:";
}

bool is_trace_marker(std::string_view t) {
  return t.size() >= 3 && t.size() <= 12 && t.front() == '<' && t.back() == '>';
}

std::string clean_symbol(std::string_view s) {
  s = trim(s);
  if (s.substr(0, 2) == "? ") s.remove_prefix(2);
  std::size_t n = 0;
  while (n < s.size() && is_ident(s[n]) && s[n] != '.') ++n;
  return std::string(s.substr(0, n));
}

}  // namespace dt::console
