#include "report/dates.hpp"

#include <cstdio>

namespace dt::report {

std::optional<std::chrono::sys_days> parse_date(const std::string& s) {
  using namespace std::chrono;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || (s.size() > 10 && s[10] != 'T'))
    return std::nullopt;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  int y = std::stoi(s.substr(0, 4));
  unsigned m = std::stoul(s.substr(5, 2)), d = std::stoul(s.substr(8, 2));
  year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

std::optional<int> days_between(const std::string& from, const std::string& to) {
  auto a = parse_date(from), b = parse_date(to);
  if (!a || !b) return std::nullopt;
  return static_cast<int>((*b - *a).count());
}

}  // namespace dt::report
