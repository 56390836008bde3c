#pragma once
// Expected consequences of injections, as data (baselines/expected/rules.yaml, format in
// baselines/README.md): which findings an injection explains, so they are kept but never
// counted. One pass over a run's findings and its injections' records marks them.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "oracle/finding.hpp"
#include "util/error.hpp"

namespace dt::oracle {

// A malformed rules file. what() has one line per problem, each
// "file:line:column: key: message" (the baseline loader's format).
class ExpectedRulesError : public UsageError {
 public:
  using UsageError::UsageError;
};

struct ExpectedRule {
  std::vector<std::string> injectors;  // record "injector" names it applies to
  bool needs_fired = true;             // only when the record says fired: true ("fired: any")
  // Other fields of the injection's record, by dotted path ("evidence.xfs_mf_deadlock"), that
  // must equal a scalar; a missing field never matches.
  std::vector<std::pair<std::string, nlohmann::json>> record;
  std::string fs = "*";  // "*", a name, a glob; a campaign label "ext2~2" counts as ext2
  std::vector<Category> categories;   // empty: any (but a rule has categories or kinds)
  std::vector<std::string> kinds;     // empty: any
  std::vector<std::string> text;      // the finding's text contains one of these (empty: any)
  std::vector<std::string> text_not;  // ... and none of these
  std::string note;                   // why it is expected
  std::string where;                  // "file:line", for messages

  // The rule is in force for this injection (its record) on this filesystem.
  bool applies(const nlohmann::json& injection, const std::string& fs) const;
  // The finding is one the rule explains (whether the rule applies is applies()'s question).
  bool matches(const Finding& f) const;
};

struct ExpectedRules {
  std::vector<ExpectedRule> rules;
  std::string source;  // the file they came from
};

// Parse rules from YAML text; `file` names it in errors. Throws ExpectedRulesError.
ExpectedRules parse_expected_rules(const std::string& yaml, const std::string& file);
// Read and parse a rules file (ExpectedRulesError also when it cannot be read).
ExpectedRules load_expected_rules(const std::string& path);
// The rules this build ships, baselines/expected/rules.yaml compiled in (parsed once).
const ExpectedRules& shipped_expected_rules();

// The one oracle pass: marks every finding that is not yet expected and that a rule explains
// for one of the injections (their records, as Injector::record() and RunRecord::injections
// hold them) on filesystem `fs`. The first injection (in order) with a matching rule (in file
// order) names the note: "expected consequence of <injector>: <rule note>", followed by
// "; <the finding's own note>" when it had one. Returns how many it marked.
int mark_expected(std::vector<Finding>& findings, const std::vector<nlohmann::json>& injections,
                  const std::string& fs, const ExpectedRules& rules = shipped_expected_rules());

// Filesystem (and workload) patterns of rules and baselines: "*", exact, a glob, or the name
// before a campaign label's "~N" suffix.
bool fs_matches(const std::string& pattern, const std::string& fs);

}  // namespace dt::oracle
