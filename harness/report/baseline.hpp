#pragma once
// Baselines: findings already known on a kernel version and filesystem, so a nightly fails
// only on what is new. Stored as YAML in baselines/ (format in baselines/README.md).
#include <string>
#include <vector>

#include "oracle/expected_rules.hpp"
#include "oracle/finding.hpp"
#include "results/record.hpp"

namespace dt::report {

// A baseline entry not seen for this many nights is reported as possibly fixed.
inline constexpr int kPossiblyFixedNights = 7;

struct BaselineEntry {
  std::string title;  // exact finding title (the dedup key)
  std::string kind;   // finding kind; empty matches any
  std::string fs = "*";
  std::string workload = "*";  // workload name (a campaign label "x~2" counts as x); "*" any
  std::string kernel = "*";    // "6.1" matches 6.1 and 6.1.x releases; globs allowed
  double rate = 0;             // expected fraction of runs that hit it (informational)
  std::string note;
  std::string last_seen;  // YYYY-MM-DD of the last run that hit it
};

struct Baseline {
  std::vector<BaselineEntry> entries;
  std::string path;

  bool known(const oracle::Finding& f, const std::string& fs, const std::string& kernel_release,
             const std::string& workload) const;
  // The entry that makes `f` known, or nullptr.
  const BaselineEntry* match(const oracle::Finding& f, const std::string& fs,
                             const std::string& kernel_release, const std::string& workload) const;
};

// A file, or a directory whose *.yaml files are all loaded (baselines/ is what `--baseline auto`
// means). Throws dt::UsageError "file:line:column: key: message" on bad input, or naming a
// missing file.
Baseline load_baseline(const std::string& path);
// Atomic (tmp + rename). Comments in the original file are not preserved. A directory is a
// UsageError: one file has to be named.
void save_baseline(const Baseline&, const std::string& path);

// Entry patterns, exposed for tests: fs and workload as the expected-consequence rules match
// them ("*", exact, glob, or a label with a "~N" suffix); kernel "*", exact, glob, or a version
// prefix ending at a '.' or '-'.
using oracle::fs_matches;
bool kernel_matches(const std::string& pattern, const std::string& kernel_release);

// Baseline entries not seen in these runs. Entries whose fs/kernel no run covered are left
// out: not having tested them says nothing about whether they are fixed.
std::vector<BaselineEntry> unseen(const Baseline&, const std::vector<results::RunRecord>& runs);

// Sets last_seen of every entry hit by a non-expected finding in `runs` to that run's date.
// Returns how many entries changed.
int mark_seen(Baseline&, const std::vector<results::RunRecord>& runs);

// Unseen entries whose last_seen is at least `nights` days before `today` (YYYY-MM-DD), or
// that were never seen at all: candidates for "possibly fixed".
std::vector<BaselineEntry> possibly_fixed(const Baseline&,
                                          const std::vector<results::RunRecord>& runs,
                                          const std::string& today, int nights);

// The date (YYYY-MM-DD) of the latest run, or "" without runs: "today" for a report, so that
// re-reporting an old results directory gives the same answer.
std::string latest_run_date(const std::vector<results::RunRecord>& runs);

}  // namespace dt::report
