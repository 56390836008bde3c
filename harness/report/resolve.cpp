#include "report/resolve.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util/error.hpp"

namespace dt::report {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

Resolved resolve_id(const results::Store& store, const std::string& id) {
  if (id.empty()) throw UsageError("empty id: pass a finding hash or title, or a run id");
  if (auto run = store.run(id)) return {run, std::nullopt};

  auto findings = store.findings();
  std::vector<results::FindingSummary> hits;
  for (auto& f : findings)
    if (starts_with(f.hash, lower(id))) hits.push_back(f);
  if (hits.size() == 1) return {std::nullopt, hits[0]};

  std::vector<results::RunRecord> runs;
  for (auto& r : store.runs())
    if (starts_with(r.run_id, id)) runs.push_back(r);
  if (hits.empty() && runs.size() == 1) return {runs[0], std::nullopt};

  // A title ("WARNING in dax_insert_entry") or the start of one, case-insensitively; an exact
  // title wins over the longer titles it starts.
  if (hits.empty() && runs.empty()) {
    for (auto& f : findings) {
      if (lower(f.title) == lower(id)) return {std::nullopt, f};
      if (starts_with(lower(f.title), lower(id))) hits.push_back(f);
    }
    if (hits.size() == 1) return {std::nullopt, hits[0]};
  }

  if (hits.empty() && runs.empty())
    throw UsageError(fmt::format("no finding hash, finding title or run id in {} starts with '{}'",
                                 store.dir().string(), id));
  std::string msg = fmt::format("'{}' is ambiguous:", id);
  for (auto& f : hits) msg += fmt::format("\n  finding {}  {}", f.hash, f.title);
  for (auto& r : runs) msg += fmt::format("\n  run {}", r.run_id);
  throw UsageError(msg);
}

}  // namespace dt::report
