#pragma once
// Making arbitrary bytes safe inside XML 1.0, for every XML we write (JUnit, HTML/SVG reports,
// libvirt domain XML): the one escaper. Kernel consoles carry ANSI escapes,
// NULs from a dying serial line and half-written UTF-8; one such byte makes a whole JUnit
// file unreadable for CI, so every string goes through here.
#include <string>
#include <string_view>

namespace dt::xml {

// Valid UTF-8 with only characters XML 1.0 allows: invalid or overlong sequences become
// U+FFFD; control characters other than tab, newline and carriage return (C0, DEL, C1),
// surrogates and U+FFFE/U+FFFF are dropped.
std::string sanitize(std::string_view bytes);

// Element content: sanitized, with & < > escaped (so "]]>" cannot end anything).
std::string text(std::string_view bytes);
// Attribute value: as text(), plus quotes, and tab/newline/CR as character references
// so that attribute normalisation keeps them.
std::string attr(std::string_view bytes);

}  // namespace dt::xml
