#pragma once
// JUnit XML for CI (Jenkins, GitLab): one <testsuite> per campaign, one <testcase> per run.
//   new finding              -> <failure type="<kind>">
//   known (baseline) finding -> <failure type="known">
//   infrastructure finding   -> <error type="infra"> (type "known" if the baseline knows it)
//   status error without one -> <error type="infra"> from the run's error
//   status skip              -> <skipped>
//   expected findings        -> listed in <system-out> only
// <system-out> also carries the last ~200 console lines. Element order follows the Jenkins
// schema: skipped, error*, failure*, system-out.
#include <string>
#include <vector>

#include "report/baseline.hpp"
#include "results/record.hpp"

namespace dt::report {

// `campaign` names the <testsuites> root and the suite of runs that carry no campaign name.
std::string junit_xml(const std::string& campaign, const std::vector<results::RunRecord>& runs,
                      const Baseline* baseline);
// Written to a temporary file and renamed, so CI never reads half a report.
void write_junit(const std::string& path, const std::string& campaign,
                 const std::vector<results::RunRecord>& runs, const Baseline* baseline);

inline constexpr std::size_t kConsoleExcerptLines = 200;

}  // namespace dt::report
