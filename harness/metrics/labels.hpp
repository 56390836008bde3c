#pragma once
// Label values derived from a run record. Everything here bounds cardinality: label values
// come from the campaign matrix (fs, workload, injector set, kernel) or from a title hash,
// never from free text.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "results/record.hpp"

namespace dt::metrics {

// "default"/"kasan" stay as they are; a bzImage path becomes its file name, so a path that
// moves between machines does not split the series.
std::string kernel_flavour(const std::string& kernel);
// The injector-set label of a cell: "none" when there is none.
std::string injector_set(const std::string& injectors);
// An empty value would drop the label in Prometheus; "unknown" keeps the series shape.
std::string or_unknown(const std::string& v);
// Titles for daxtorture_finding_info: cut to a length that keeps the series sane.
std::string bounded_title(const std::string& title, std::size_t max = 200);
// "2026-11-21T22:00:01Z" -> seconds since the epoch.
std::optional<double> parse_utc(const std::string& iso);
// Injection events per injector name, from RunRecord::injections.
std::map<std::string, std::uint64_t> injections_by_injector(const nlohmann::json& injections);
// "new", "known" or "expected": how a finding counts against the baseline.
std::string novelty(const oracle::Finding& f, bool known_by_baseline);

}  // namespace dt::metrics
