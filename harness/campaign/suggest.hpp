// "Did you mean" hints for misspelt keys and names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dt::campaign {

// The candidate closest to `word` by edit distance, or "" if none is plausibly a typo of it.
std::string closest(std::string_view word, const std::vector<std::string_view>& candidates);

// " (did you mean 'x'?)" or " (expected a, b, c)" when nothing is close.
std::string hint(std::string_view word, const std::vector<std::string_view>& candidates);

// "a, b, c"
std::string join(const std::vector<std::string_view>& items, std::string_view sep = ", ");

}  // namespace dt::campaign
