#pragma once
#include <string>

namespace dt::report {

// Writes `content` to `path` through "<path>.tmp" and a rename, so a reader (CI, a browser,
// the next nightly) never sees half a file. Throws dt::InfraError.
void write_atomic(const std::string& path, const std::string& content);

}  // namespace dt::report
