#pragma once
// When is a mutant killed? By the first finding of a finished run that is not an expected
// consequence (canary, injection window), not in the clean-kernel baseline, and not an
// infrastructure fault (a VM that never booted says nothing about the kernel's DAX code).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "report/baseline.hpp"

namespace dt::selftest {

struct Kill {
  std::string title, kind, cell;
  bool expected_kind = false;  // one of the kinds the catalogue says the mutant should produce
};

// `run_event` is a line of `daxtorture run --json`: {"event":"run","cell":...,"fs":...,
// "kernel_release":...,"findings":[{"title","kind","expected"}]}.
std::optional<Kill> judge_run(const nlohmann::json& run_event, const report::Baseline* baseline,
                              const std::vector<std::string>& expect);

// One line of the kill table.
struct Outcome {
  std::string id;      // mutant id, or "clean"
  std::string kernel;  // mutant:<id> or default
  std::string breaks;
  double build_s = 0;  // image build (0 when cached)
  double budget_s = 0;
  double elapsed_s = 0;      // campaign time until the kill, or until the budget ran out
  int runs = 0;              // finished runs
  std::optional<Kill> kill;  // the first killing finding
  int new_findings = 0;      // finished runs with a new finding (the clean kernel: 0)
  std::string error;         // the campaign could not run (infrastructure)
};

nlohmann::json to_json(const Outcome&);
// Kill rate over mutants (clean excluded) and the clean verdict, as a fixed-width table.
std::string render_table(const std::vector<Outcome>& mutants, const std::optional<Outcome>& clean);
// 0: every mutant killed and the clean kernel clean; 1: a mutant survived or the clean kernel
// had a new finding; 3: a campaign could not run.
int selftest_exit_code(const std::vector<Outcome>& mutants, const std::optional<Outcome>& clean);

}  // namespace dt::selftest
