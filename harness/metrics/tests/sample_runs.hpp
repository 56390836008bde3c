#pragma once
// RunRecords shaped like a real `quick` campaign (3 filesystems x 2 workloads, one with a
// fault injector), with the findings, timings and injection logs the runner produces.
#include <vector>

#include "results/record.hpp"

namespace dt::metrics::fixtures {

std::vector<results::RunRecord> quick_campaign_runs(const std::string& campaign = "quick");

}  // namespace dt::metrics::fixtures
