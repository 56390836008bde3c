// Title normalisation: the same bug must always get the same title, whatever the run's
// addresses, pids, task names, devices or line numbers.
#pragma once

#include <string>
#include <string_view>

namespace dt::console {

// "base in frame", or just "base" when the frame is unknown.
std::string with_frame(std::string_view base, std::string_view frame);

// Free text (panic messages, assertion expressions) made stable: device names in
// "(device pmem0)" / "XFS (pmem0):" dropped, hex and decimal numbers replaced by "NUM",
// whitespace collapsed, trailing " ..." and punctuation dropped, length capped.
std::string normalise_text(std::string_view text);

// Whitespace collapsed and length capped, nothing else: for source text such as assertions.
std::string compact_text(std::string_view text);

}  // namespace dt::console
