#pragma once
// Everything a store summary shows, gathered once so text, JSON and HTML agree.
#include <map>
#include <string>
#include <vector>

#include "report/baseline.hpp"
#include "report/classify.hpp"
#include "results/store.hpp"

namespace dt::report {

struct TitleInfo {
  results::FindingSummary summary;
  Verdict verdict = Verdict::Expected;   // the worst over its occurrences: new > known > expected
  const BaselineEntry* entry = nullptr;  // the baseline entry that knows it (some occurrence)
};

struct Overview {
  std::string dir, campaign;
  std::vector<results::RunRecord> runs;
  std::map<results::Status, int> by_status;
  std::vector<TitleInfo> findings;         // store order: most frequent first
  int fresh = 0, known = 0, expected = 0;  // distinct titles
  std::vector<BaselineEntry> unseen;       // baseline entries these runs could have hit
  std::vector<bool> possibly_fixed;        // parallel to unseen
  std::string today;                       // date of the latest run
  int exit_code = 0;
};

Overview overview(const results::Store&, const Baseline*, int fixed_after_nights);

// Shell-quoted when needed, so the printed command can be pasted.
std::string shell_quote(const std::string& s);
std::string percent(int k, int n);  // "2.8%"

}  // namespace dt::report
