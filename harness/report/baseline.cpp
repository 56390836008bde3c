// Matching findings and runs against baseline entries.
#include "report/baseline.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "report/dates.hpp"

namespace dt::report {
namespace {

bool has_glob(const std::string& s) {
  return s.find_first_of("*?[") != std::string::npos;
}

bool glob(const std::string& pattern, const std::string& s) {
  return fnmatch(pattern.c_str(), s.c_str(), 0) == 0;
}

bool hits(const BaselineEntry& e, const oracle::Finding& f, const std::string& fs,
          const std::string& kernel_release, const std::string& workload) {
  return e.title == f.title && (e.kind.empty() || e.kind == f.kind) && fs_matches(e.fs, fs) &&
         kernel_matches(e.kernel, kernel_release) && fs_matches(e.workload, workload);
}

bool covers(const BaselineEntry& e, const results::RunRecord& r) {
  // A run that errored or was skipped tested nothing, so it cannot vouch for a fix.
  if (r.status == results::Status::Error || r.status == results::Status::Skip) return false;
  return fs_matches(e.fs, r.fs) && kernel_matches(e.kernel, r.kernel_release) &&
         fs_matches(e.workload, r.workload);
}

std::string run_date(const results::RunRecord& r) {
  const std::string& t = r.started_at.empty() ? r.finished_at : r.started_at;
  return parse_date(t) ? t.substr(0, 10) : "";
}

}  // namespace

bool kernel_matches(const std::string& pattern, const std::string& release) {
  if (pattern == "*" || pattern == release) return true;
  if (release.empty()) return false;
  if (has_glob(pattern)) return glob(pattern, release);
  // "6.1" covers "6.1.0-27-amd64" and "6.1-rc3" but not "6.10.0".
  return release.size() > pattern.size() && release.compare(0, pattern.size(), pattern) == 0 &&
         (release[pattern.size()] == '.' || release[pattern.size()] == '-');
}

const BaselineEntry* Baseline::match(const oracle::Finding& f, const std::string& fs,
                                     const std::string& kernel_release,
                                     const std::string& workload) const {
  for (auto& e : entries)
    if (hits(e, f, fs, kernel_release, workload)) return &e;
  return nullptr;
}

bool Baseline::known(const oracle::Finding& f, const std::string& fs,
                     const std::string& kernel_release, const std::string& workload) const {
  return match(f, fs, kernel_release, workload) != nullptr;
}

std::vector<BaselineEntry> unseen(const Baseline& b, const std::vector<results::RunRecord>& runs) {
  std::vector<BaselineEntry> out;
  for (auto& e : b.entries) {
    bool covered = false, seen = false;
    for (auto& r : runs) {
      covered |= covers(e, r);
      for (auto& f : r.findings)
        seen |= !f.expected && hits(e, f, r.fs, r.kernel_release, r.workload);
    }
    if (covered && !seen) out.push_back(e);
  }
  return out;
}

int mark_seen(Baseline& b, const std::vector<results::RunRecord>& runs) {
  int changed = 0;
  for (auto& e : b.entries) {
    std::string latest = e.last_seen;
    for (auto& r : runs)
      for (auto& f : r.findings)
        if (!f.expected && hits(e, f, r.fs, r.kernel_release, r.workload))
          latest = std::max(latest, run_date(r));
    if (latest != e.last_seen) e.last_seen = latest, ++changed;
  }
  return changed;
}

std::vector<BaselineEntry> possibly_fixed(const Baseline& b,
                                          const std::vector<results::RunRecord>& runs,
                                          const std::string& today, int nights) {
  std::vector<BaselineEntry> out;
  for (auto& e : unseen(b, runs)) {
    auto days = days_between(e.last_seen, today);
    if (e.last_seen.empty() || !days || *days >= nights) out.push_back(e);
  }
  return out;
}

std::string latest_run_date(const std::vector<results::RunRecord>& runs) {
  std::string latest;
  for (auto& r : runs) latest = std::max(latest, run_date(r));
  return latest;
}

}  // namespace dt::report
