#include "console/prefix.hpp"

#include <cctype>

namespace dt::console {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "[" spaces digits "." digits "]"
bool eat_timestamp(std::string_view& s) {
  if (s.size() < 4 || s[0] != '[') return false;
  std::size_t i = 1;
  while (i < s.size() && s[i] == ' ') ++i;
  const std::size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == int_start || i >= s.size() || s[i] != '.') return false;
  const std::size_t frac_start = ++i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == frac_start || i >= s.size() || s[i] != ']') return false;
  s.remove_prefix(i + 1);
  return true;
}

// "[" spaces ("T"|"C") digits "]"
bool eat_caller(std::string_view& s, std::string_view& caller) {
  if (s.size() < 4 || s[0] != '[') return false;
  std::size_t i = 1;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || (s[i] != 'T' && s[i] != 'C')) return false;
  const std::size_t id_start = i++;
  const std::size_t num_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == num_start || i >= s.size() || s[i] != ']') return false;
  caller = s.substr(id_start, i - id_start);
  s.remove_prefix(i + 1);
  return true;
}

}  // namespace

Prefix strip_prefix(std::string_view line) {
  Prefix p;
  std::string_view s = line;
  // Syslog level as printed by some consoles / dmesg -r: "<4>".
  if (s.size() >= 3 && s[0] == '<' && is_digit(s[1]) && s[2] == '>') s.remove_prefix(3);
  bool had_prefix = eat_timestamp(s);
  had_prefix |= eat_caller(s, p.caller);
  // printk puts exactly one space between its prefix and the message.
  if (had_prefix && !s.empty() && s[0] == ' ') s.remove_prefix(1);
  p.body = s;
  return p;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace dt::console
