// Scalar parsing and normalised formatting shared by the loader and the matrix expansion.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dt::campaign {

// Whole decimal integer, optional leading '-'. Throws std::invalid_argument.
std::int64_t parse_int(std::string_view text);
// true/false, yes/no, on/off, 1/0 (case-insensitive). Throws std::invalid_argument.
bool parse_bool(std::string_view text);
// Shortest text that round-trips: 20 -> "20", 0.2 -> "0.2".
std::string format_seconds(double seconds);

}  // namespace dt::campaign
