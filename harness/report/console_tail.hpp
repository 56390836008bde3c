#pragma once
// The end of a run's serial console: where the splat or the silence is.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "results/record.hpp"

namespace dt::report {

// The last `lines` lines of a file (raw bytes), reading at most the final `max_bytes` so a
// runaway console does not cost a full read. nullopt if it cannot be read.
std::optional<std::string> tail_lines(const std::filesystem::path& file, std::size_t lines,
                                      std::size_t max_bytes = 256 * 1024);

// The run's console log: console_path as recorded, or relative to its workdir.
std::optional<std::filesystem::path> console_file(const results::RunRecord& r);

}  // namespace dt::report
