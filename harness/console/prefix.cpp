#include "console/prefix.hpp"

namespace dt::console {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// A cursor over the front of a line: each eat_* below consumes one prefix component from a
// copy and commits it only when the whole component matched.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;

  bool at_end() const { return i >= s.size(); }
  char peek() const { return at_end() ? '\0' : s[i]; }
  bool lit(std::string_view x) {
    if (s.substr(i, x.size()) != x) return false;
    i += x.size();
    return true;
  }
  bool one(bool (*cls)(char)) {
    if (at_end() || !cls(s[i])) return false;
    ++i;
    return true;
  }
  // Between `min` and `max` characters of the class.
  bool run(bool (*cls)(char), std::size_t min, std::size_t max = std::string_view::npos) {
    std::size_t n = 0;
    while (n < max && one(cls)) ++n;
    return n >= min;
  }
  void blanks() { run(is_blank, 0); }
  void commit(std::string_view& out) const { out.remove_prefix(i); }
};

// "hh:mm:ss"
bool clock(Cursor& c) {
  return c.run(is_digit, 2, 2) && c.lit(":") && c.run(is_digit, 2, 2) && c.lit(":") &&
         c.run(is_digit, 2, 2);
}

// "Nov" / "Sun": month and weekday names.
bool name3(Cursor& c) {
  return c.one(is_upper) && c.run(is_lower, 2, 2);
}

// A day of the month, space- or zero-padded: " 9", "09", "29".
bool mday(Cursor& c) {
  return (c.lit(" ") || c.one(is_digit)) && c.one(is_digit);
}

// Mail quoting, one or more levels: ">", "> ", ">>", "> > ", and the space after the last one.
// A '>' right before a lowercase hex digit is no quote but KASAN's shadow-row marker
// (">ffff888012345600: fb fb").
void eat_quotes(std::string_view& s) {
  bool quoted = false;
  for (;;) {
    Cursor c{s};
    c.blanks();
    if (!c.lit(">")) break;
    const char n = c.peek();
    if (is_digit(n) || (n >= 'a' && n <= 'f')) break;
    c.commit(s);
    quoted = true;
  }
  if (quoted && !s.empty() && s[0] == ' ') s.remove_prefix(1);
}

// "<4>": a syslog level (dmesg -r, some consoles), facility included ("<14>").
bool eat_level(std::string_view& s) {
  Cursor c{s};
  if (!(c.lit("<") && c.run(is_digit, 1, 3) && c.lit(">"))) return false;
  c.commit(s);
  return true;
}

// " host kernel:" after a syslog time.
bool host_kernel(Cursor& c) {
  if (!c.lit(" ")) return false;
  if (!c.run([](char ch) { return ch != ' ' && ch != '\t'; }, 1)) return false;
  return c.lit(" kernel:");
}

// "Nov 29 10:00:00 host kernel:" (syslog, journalctl's short format; ".123456" with
// short-precise).
bool eat_bsd_header(std::string_view& s) {
  Cursor c{s};
  if (!(name3(c) && c.lit(" ") && mday(c) && c.lit(" ") && clock(c))) return false;
  if (c.lit(".")) c.run(is_digit, 1);
  if (!host_kernel(c)) return false;
  c.commit(s);
  return true;
}

// "2026-11-29T10:00:00.123456+00:00", then " host kernel:" (rsyslog's RFC 3339 format,
// journalctl -o short-iso) or nothing (dmesg --time-format=iso).
bool eat_iso_header(std::string_view& s) {
  Cursor c{s};
  if (!(c.run(is_digit, 4, 4) && c.lit("-") && c.run(is_digit, 2, 2) && c.lit("-") &&
        c.run(is_digit, 2, 2) && c.lit("T") && clock(c))) {
    return false;
  }
  if (c.lit(".") || c.lit(",")) c.run(is_digit, 1);
  if (!c.lit("Z") && (c.lit("+") || c.lit("-"))) {
    if (!c.run(is_digit, 2, 2)) return false;
    c.lit(":");
    c.run(is_digit, 2, 2);
  }
  Cursor with_host = c;
  if (host_kernel(with_host)) c = with_host;
  c.commit(s);
  return true;
}

// "kern  :warn  :" (dmesg -x).
bool eat_facility(std::string_view& s) {
  Cursor c{s};
  if (!(c.lit("kern") && (c.blanks(), c.lit(":")) && c.run(is_lower, 3) &&
        (c.blanks(), c.lit(":")))) {
    return false;
  }
  c.commit(s);
  return true;
}

bool eat_log_header(std::string_view& s) {
  return eat_bsd_header(s) || eat_iso_header(s) || eat_facility(s);
}

// "[" spaces digits "." digits "]" (PRINTK_TIME) or "[Sun Nov 29 10:00:00 2026]" (dmesg -T).
bool eat_time(std::string_view& s) {
  Cursor c{s};
  if (!c.lit("[")) return false;
  Cursor human = c;
  if (name3(human) && human.lit(" ") && name3(human) && human.lit(" ") && mday(human) &&
      human.lit(" ") && clock(human) && human.lit(" ") && human.run(is_digit, 4, 4) &&
      human.lit("]")) {
    human.commit(s);
    return true;
  }
  c.run([](char ch) { return ch == ' '; }, 0);
  if (!(c.run(is_digit, 1) && c.lit(".") && c.run(is_digit, 1) && c.lit("]"))) return false;
  c.commit(s);
  return true;
}

// "[" spaces ("T"|"C") digits "]"
bool eat_caller(std::string_view& s, std::string_view& caller) {
  Cursor c{s};
  if (!c.lit("[")) return false;
  c.run([](char ch) { return ch == ' '; }, 0);
  const std::size_t id_start = c.i;
  if (!(c.lit("T") || c.lit("C")) || !c.run(is_digit, 1)) return false;
  const std::size_t id_end = c.i;
  if (!c.lit("]")) return false;
  caller = s.substr(id_start, id_end - id_start);
  c.commit(s);
  return true;
}

}  // namespace

Prefix strip_prefix(std::string_view line) {
  Prefix p;
  std::string_view quoted = line;
  eat_quotes(quoted);
  std::string_view s = quoted;
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  bool had_prefix = false;
  // Each component may stand one space after the one before it ("[ 1.0] [ T1]", dmesg's
  // columns) or right against it ("[ 1.0][ T1]", the console's).
  auto next = [&](auto&& eat) {
    std::string_view t = s;
    if (had_prefix && !t.empty() && t.front() == ' ') t.remove_prefix(1);
    if (!eat(t)) return;
    s = t;
    had_prefix = true;
  };
  next(eat_level);
  next(eat_log_header);
  next(eat_time);
  next([&](std::string_view& t) { return eat_caller(t, p.caller); });
  if (!had_prefix) {
    s = quoted;  // the blanks are the message's own indentation
  } else if (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);  // printk puts exactly one space between its prefix and the message
  }
  p.body = s;
  return p;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace dt::console
