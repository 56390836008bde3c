#pragma once
// What an id on the command line names (`report ID`, `report --upstream ID`): a run id, a
// finding-hash prefix, a run-id prefix or a title prefix, in that order.
#include <optional>
#include <string>

#include "results/store.hpp"

namespace dt::report {

struct Resolved {
  std::optional<results::RunRecord> run;           // the id named a run
  std::optional<results::FindingSummary> finding;  // the id named a finding
};

// Exactly one of run/finding is set. Throws UsageError: a one-line message when nothing
// matches, the candidates one per line when the id is ambiguous.
Resolved resolve_id(const results::Store& store, const std::string& id);

}  // namespace dt::report
