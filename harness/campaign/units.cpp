#include "campaign/units.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "campaign/campaign.hpp"

namespace dt::campaign {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Leading unsigned decimal number ("1", "1.5", ".5"); strtod would also accept hex, inf and
// exponents, which are never what a campaign author means.
bool take_number(std::string_view& s, double& value) {
  std::size_t n = 0;
  bool digits = false, dot = false;
  while (n < s.size() &&
         (std::isdigit(static_cast<unsigned char>(s[n])) || (s[n] == '.' && !dot))) {
    digits |= s[n] != '.';
    dot |= s[n] == '.';
    ++n;
  }
  if (!digits) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + n, value);
  if (ec != std::errc() || ptr != s.data() + n) return false;
  s.remove_prefix(n);
  return true;
}

}  // namespace

std::int64_t parse_int(std::string_view text) {
  const std::string_view s = trim(text);
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    throw std::invalid_argument(fmt::format("'{}' is not a whole number", text));
  }
  return value;
}

bool parse_bool(std::string_view text) {
  const std::string s = lower(trim(text));
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  throw std::invalid_argument(fmt::format("'{}' is not a boolean (expected true or false)", text));
}

std::string format_seconds(double seconds) {
  return fmt::format("{}", seconds);
}

std::uint64_t parse_size(std::string_view text) {
  std::string_view s = trim(text);
  double number = 0;
  if (!take_number(s, number)) {
    throw std::invalid_argument(fmt::format("'{}' is not a size (e.g. 4096, 64K, 512M, 1G)", text));
  }
  std::string unit = lower(trim(s));
  // Accept K, KB, KiB alike: block devices and QEMU both mean binary multiples here.
  if (unit.size() > 1 && unit.back() == 'b') unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();
  double scale = 1;
  if (unit == "k") {
    scale = 0x1p10;
  } else if (unit == "m") {
    scale = 0x1p20;
  } else if (unit == "g") {
    scale = 0x1p30;
  } else if (unit == "t") {
    scale = 0x1p40;
  } else if (!unit.empty() && unit != "b") {
    throw std::invalid_argument(
        fmt::format("'{}' has an unknown size unit '{}' (expected K, M, G or T)", text, s));
  }
  const double bytes = number * scale;
  if (bytes >= 0x1p63) throw std::invalid_argument(fmt::format("'{}' is too large", text));
  if (bytes != std::floor(bytes)) {
    throw std::invalid_argument(fmt::format("'{}' is not a whole number of bytes", text));
  }
  return static_cast<std::uint64_t>(bytes);
}

double parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  double number = 0;
  if (!s.empty() && take_number(s, number) && s.empty()) return number;  // bare seconds

  s = trim(text);
  double total = 0;
  // Compound forms like "1h30m": each component is a number followed by a unit.
  while (!s.empty()) {
    if (!take_number(s, number)) {
      throw std::invalid_argument(
          fmt::format("'{}' is not a duration (e.g. 20s, 5m, 1h, 200ms, 1.5)", text));
    }
    std::size_t n = 0;
    while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
    const std::string unit = lower(s.substr(0, n));
    s.remove_prefix(n);
    if (unit == "ms") {
      total += number / 1000;
    } else if (unit == "s") {
      total += number;
    } else if (unit == "m") {
      total += number * 60;
    } else if (unit == "h") {
      total += number * 3600;
    } else if (unit == "d") {
      total += number * 86400;
    } else {
      throw std::invalid_argument(fmt::format(
          "'{}' has an unknown duration unit '{}' (expected ms, s, m, h or d)", text, unit));
    }
  }
  if (text.empty() || trim(text).empty()) {
    throw std::invalid_argument("empty duration (e.g. 20s, 5m, 1h, 200ms, 1.5)");
  }
  return total;
}

}  // namespace dt::campaign
