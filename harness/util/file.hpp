#pragma once
// Whole-file reads, written once (logs, manifests, memo files, test fixtures).
#include <filesystem>
#include <string>

namespace dt {

// The file's bytes; empty when it cannot be opened (callers that must tell the difference
// check existence first).
std::string read_file(const std::filesystem::path& p);

}  // namespace dt
