#pragma once
// Sorting findings into new / known / expected: what decides a nightly's exit code.
#include <utility>
#include <vector>

#include "report/baseline.hpp"
#include "results/record.hpp"

namespace dt::report {

enum class Verdict { Fresh, Known, Expected };
std::string to_string(Verdict);  // "new", "known", "expected"

// Expected findings (a canary, an injection window) stay expected whatever the baseline says;
// a finding the baseline knows for the run's fs and kernel is known; the rest are new.
Verdict verdict(const results::RunRecord& run, const oracle::Finding& f, const Baseline* baseline);

// Pointers into `runs`, which must outlive the result.
struct Classified {
  std::vector<std::pair<const results::RunRecord*, const oracle::Finding*>> fresh, known, expected;
};
Classified classify(const std::vector<results::RunRecord>& runs, const Baseline* baseline);

// The exit code a report of these runs deserves (cli/common.hpp): new non-infrastructure
// findings -> 1; otherwise failed runs or new infrastructure findings -> 3; otherwise 0.
// Known and expected findings never count.
int exit_code(const std::vector<results::RunRecord>& runs, const Classified& c);

}  // namespace dt::report
