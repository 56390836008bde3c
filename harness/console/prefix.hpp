// Strips what stands in front of a kernel message on a console line, in a log file or in a
// pasted report: printk prefixes, syslog/journal headers, dmesg's own time stamps, mail quoting.
#pragma once

#include <string>
#include <string_view>

namespace dt::console {

struct Prefix {
  std::string_view body;    // the message, leading indentation kept (stack frames use it)
  std::string_view caller;  // "T123" (task) or "C1" (CPU in interrupt context); empty if none
};

// Accepts, each optional and in this order:
//   mail quoting            "> ", ">> ", "> > " (a '>' before a hex digit is KASAN's shadow row)
//   indentation             blanks, when a prefix below follows them
//   syslog level            "<4>"
//   syslog/journal header   "Nov 29 10:00:00[.123] host kernel:",
//                           "2026-11-29T10:00:00.123+00:00 host kernel:" (dmesg's ISO time alone
//                           too), "kern  :warn  :" (dmesg -x)
//   printk or dmesg time    "[   12.345678]" (PRINTK_TIME), "[Sun Nov 29 10:00:00 2026]" (-T)
//   caller id               "[  T123]" / "[    C1]" (PRINTK_CALLER), glued or a column apart
// and the one space between them and the message. A message's own indentation is kept: a
// report pasted indented as a whole is dedented by the parser, against its first line.
Prefix strip_prefix(std::string_view line);

// Trims spaces and tabs on both ends.
std::string_view trim(std::string_view s);

}  // namespace dt::console
