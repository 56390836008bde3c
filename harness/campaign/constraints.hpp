// Rules that need more than one parameter: per-entry consistency and fs x workload feasibility.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "campaign/campaign.hpp"

namespace dt::campaign {

struct Problem {
  std::string key;  // sub-key of the entry ("mount", "file_size"); empty = the entry itself
  std::string message;
};

// A filesystem entry that can never work, whatever it is combined with.
std::vector<Problem> fs_problems(const FsSpec& fs);
// A workload entry that is inconsistent in itself.
std::vector<Problem> workload_problems(const WorkloadSpec& workload);
// Why this workload cannot run on this filesystem, if it cannot.
std::optional<std::string> impossible(const FsSpec& fs, const WorkloadSpec& workload);

}  // namespace dt::campaign
