// Strips the printk prefixes our guests put in front of every console line.
#pragma once

#include <string>
#include <string_view>

namespace dt::console {

struct Prefix {
  std::string_view body;    // the message, leading indentation kept (stack frames use it)
  std::string_view caller;  // "T123" (task) or "C1" (CPU in interrupt context); empty if none
};

// Accepts "<4>" syslog levels, "[   12.345678]" timestamps (PRINTK_TIME) and "[  T123]" /
// "[    C1]" caller ids (PRINTK_CALLER), each optional, in that order.
Prefix strip_prefix(std::string_view line);

// Trims spaces and tabs on both ends.
std::string_view trim(std::string_view s);

}  // namespace dt::console
