#include "console/symbols.hpp"

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

}  // namespace

std::optional<Frame> parse_frame(std::string_view line) {
  std::string_view s = trim(line);
  // Old-style "[<ffffffff8123abcd>] " address prefix.
  if (s.size() > 4 && s[0] == '[' && s[1] == '<') {
    const auto close = s.find(">] ");
    if (close == std::string_view::npos) return std::nullopt;
    s.remove_prefix(close + 3);
  }
  Frame f;
  if (s.size() > 2 && s[0] == '?' && s[1] == ' ') {
    f.reliable = false;
    s.remove_prefix(2);
  }
  auto sym = eat_symbol_offset(s);
  if (!sym) return std::nullopt;
  // Only an optional " [module]" may follow.
  if (!s.empty()) {
    if (s.size() < 4 || s[0] != ' ' || s[1] != '[' || s.back() != ']') return std::nullopt;
  }
  f.symbol = *sym;
  return f;
}

std::optional<std::string_view> parse_rip(std::string_view line) {
  std::string_view s = trim(line);
  constexpr std::string_view kRip = "RIP: ";
  if (s.substr(0, kRip.size()) != kRip) return std::nullopt;
  s.remove_prefix(kRip.size());
  // "0010:" code segment selector.
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon > 4) return std::nullopt;
  s.remove_prefix(colon + 1);
  return eat_symbol_offset(s);
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
