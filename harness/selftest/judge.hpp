#pragma once
// When is a mutant killed? By the first finding of a finished run that is not an expected
// consequence (canary, injection window), not in the clean-kernel baseline, not an
// infrastructure fault (a VM that never booted says nothing about the kernel's DAX code), and
// not shown by the clean kernel in the same cells when it ran the same campaign first: a
// finding the clean kernel also raises is the clean kernel's, not the mutant's.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "report/baseline.hpp"

namespace dt::selftest {

// What the clean kernel showed while running the same campaigns first: the differential half
// of the verdict. Cells are compared without their kernel and repetition
// ("xfs/reflink/none/mutant:x/r3" -> "xfs/reflink/none").
class CleanEvidence {
 public:
  static std::string cell_key(const std::string& cell_id);
  // Every finding of a clean run that is not expected or infrastructure, baselined or not.
  void add_run(const nlohmann::json& run_event);
  bool ran(const std::string& cell_id) const;
  bool showed(const std::string& cell_id, const std::string& title) const;  // in that cell
  bool showed_anywhere(const std::string& title) const;
  int runs() const { return runs_; }

 private:
  std::map<std::string, std::set<std::string>> by_cell_;
  std::set<std::string> titles_;
  int runs_ = 0;
};

struct Kill {
  std::string title, kind, cell;
  bool expected_kind = false;  // one of the kinds the catalogue says the mutant should produce
  // The clean kernel never showed this title in any cell (false: it did, in other cells only).
  bool clean_never = true;
  bool clean_ran_cell = true;  // the clean kernel ran this cell (else there is no comparison)
};

// What a mutant's run said, judged against the baseline and the clean kernel.
struct Judgement {
  std::optional<Kill> kill;  // the first finding that is new on this kernel
  // Titles that would have killed but the clean kernel also showed in the same cells.
  std::vector<std::string> also_on_clean;
};

// `run_event` is a line of `daxtorture run --json`: {"event":"run","cell":...,"fs":...,
// "kernel_release":...,"findings":[{"title","kind","expected"}]}. Without `clean`, only the
// baseline decides.
Judgement judge(const nlohmann::json& run_event, const report::Baseline* baseline,
                const std::vector<std::string>& expect, const CleanEvidence* clean = nullptr);
// judge(...).kill, for callers that only need the verdict.
std::optional<Kill> judge_run(const nlohmann::json& run_event, const report::Baseline* baseline,
                              const std::vector<std::string>& expect,
                              const CleanEvidence* clean = nullptr);

// One line of the kill table.
struct Outcome {
  std::string id;      // mutant id, or "clean"
  std::string kernel;  // mutant:<id> or default
  std::string breaks;
  double build_s = 0;  // image build (0 when cached)
  double budget_s = 0;
  double elapsed_s = 0;                 // campaign time until the kill, or until the budget ran out
  int runs = 0;                         // finished runs
  std::optional<Kill> kill;             // the first killing finding
  int new_findings = 0;                 // finished runs with a new finding (the clean kernel: 0)
  std::string error;                    // the campaign could not run (infrastructure)
  bool interrupted = false;             // stopped by a signal before its budget ran out
  bool ran = true;                      // false: never started (an earlier interruption)
  std::set<std::string> also_on_clean;  // would-be kills the clean kernel showed too
};

nlohmann::json to_json(const Outcome&);
// Kill rate over mutants (clean excluded) and the clean verdict, as a fixed-width table.
std::string render_table(const std::vector<Outcome>& mutants, const std::optional<Outcome>& clean);
// 0: every mutant killed and the clean kernel clean; 1: a mutant survived or the clean kernel
// had a new finding; 3: a campaign could not run.
int selftest_exit_code(const std::vector<Outcome>& mutants, const std::optional<Outcome>& clean);

}  // namespace dt::selftest
