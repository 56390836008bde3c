#pragma once
// Human (text) and machine (JSON) summaries of a results store.
#include <nlohmann/json.hpp>
#include <string>

#include "report/baseline.hpp"
#include "results/store.hpp"

namespace dt::report {

// One deduplicated finding: title, kind, guilty frame, "seen in k of n runs", first/last seen,
// cells, the first ~25 lines of the report and the repro command.
std::string finding_text(const results::Store&, const results::FindingSummary&);
// Runs by status, failed runs, the findings table (new vs known vs expected), details for
// new findings, and baseline entries not seen in these runs.
std::string store_text(const results::Store&, const Baseline*,
                       int fixed_after_nights = kPossiblyFixedNights);
nlohmann::json store_json(const results::Store&, const Baseline*,
                          int fixed_after_nights = kPossiblyFixedNights);

// One run: cell, status, timings, its findings with their verdicts, the repro command.
std::string run_text(const results::Store&, const results::RunRecord&, const Baseline*);
nlohmann::json run_json(const results::Store&, const results::RunRecord&, const Baseline*);
nlohmann::json finding_json(const results::Store&, const results::FindingSummary&);

// "daxtorture repro <run_id> --from <dir>" (repro's --out is where the reruns go)
std::string repro_command(const results::Store&, const std::string& run_id);

inline constexpr std::size_t kReportExcerptLines = 25;

}  // namespace dt::report
