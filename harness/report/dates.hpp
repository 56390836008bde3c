#pragma once
// Calendar days for "not seen for N nights": dates are the YYYY-MM-DD prefix of the
// store's ISO 8601 timestamps.
#include <chrono>
#include <optional>
#include <string>

namespace dt::report {

// "2026-11-21" or "2026-11-21T22:00:01Z" -> that day; nullopt if it is not a valid date.
std::optional<std::chrono::sys_days> parse_date(const std::string& s);
// Whole days from `from` to `to` (negative if `to` is earlier); nullopt if either is invalid.
std::optional<int> days_between(const std::string& from, const std::string& to);

}  // namespace dt::report
