// Machine-readable summaries: for dashboards and for the lead's nightly mail script.
#include "report/overview.hpp"
#include "report/summary.hpp"

namespace dt::report {
namespace {

nlohmann::json entry_json(const BaselineEntry& e) {
  return {{"title", e.title},        {"kind", e.kind}, {"fs", e.fs},
          {"kernel", e.kernel},      {"rate", e.rate}, {"note", e.note},
          {"last_seen", e.last_seen}};
}

}  // namespace

nlohmann::json finding_json(const results::Store& store, const results::FindingSummary& s) {
  return {{"title", s.title},
          {"hash", s.hash},
          {"category", s.category},
          {"kind", s.kind},
          {"frame", s.frame},
          {"count", s.count},
          {"runs_total", s.runs_total},
          {"rate", s.runs_total ? static_cast<double>(s.count) / s.runs_total : 0.0},
          {"first_seen", s.first_seen},
          {"last_seen", s.last_seen},
          {"cells", s.cells},
          {"example_run", s.example_run},
          {"expected_only", s.expected_only},
          {"repro", repro_command(store, s.example_run)}};
}

nlohmann::json store_json(const results::Store& store, const Baseline* baseline,
                          int fixed_after_nights) {
  Overview o = overview(store, baseline, fixed_after_nights);
  nlohmann::json runs = {{"total", o.runs.size()}};
  for (auto s : {results::Status::Pass, results::Status::Findings, results::Status::Error,
                 results::Status::Skip})
    runs[results::to_string(s)] = o.by_status.count(s) ? o.by_status.at(s) : 0;
  nlohmann::json failed = nlohmann::json::array();
  for (auto& r : o.runs)
    if (r.status == results::Status::Error)
      failed.push_back({{"run_id", r.run_id}, {"cell_id", r.cell_id}, {"error", r.error}});
  nlohmann::json findings = nlohmann::json::array();
  for (auto& t : o.findings) {
    auto j = finding_json(store, t.summary);
    j["status"] = to_string(t.verdict);
    j["baseline"] = t.entry ? entry_json(*t.entry) : nlohmann::json(nullptr);
    findings.push_back(std::move(j));
  }
  nlohmann::json base = nullptr;
  if (baseline) {
    nlohmann::json un = nlohmann::json::array();
    for (std::size_t i = 0; i < o.unseen.size(); ++i) {
      auto j = entry_json(o.unseen[i]);
      j["possibly_fixed"] = static_cast<bool>(o.possibly_fixed[i]);
      un.push_back(std::move(j));
    }
    base = {{"path", baseline->path},
            {"entries", baseline->entries.size()},
            {"fixed_after_nights", fixed_after_nights},
            {"unseen", un}};
  }
  return {{"dir", o.dir},          {"campaign", o.campaign},  {"runs", runs},
          {"failed_runs", failed}, {"findings", findings},    {"new", o.fresh},
          {"known", o.known},      {"expected", o.expected},  {"baseline", base},
          {"latest_run", o.today}, {"exit_code", o.exit_code}};
}

nlohmann::json run_json(const results::Store& store, const results::RunRecord& r,
                        const Baseline* baseline) {
  nlohmann::json j = results::to_json(r);
  for (std::size_t i = 0; i < r.findings.size(); ++i)
    j["findings"][i]["status"] = to_string(verdict(r, r.findings[i], baseline));
  j["repro"] = repro_command(store, r.run_id);
  return j;
}

}  // namespace dt::report
