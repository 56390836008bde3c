// Expected-consequence rules: YAML in (every problem reported at once, each as
// "file:line:column: key: message", as baselines are), one marking pass out.
#include "oracle/expected_rules.hpp"

#include <fmt/format.h>
#include <fnmatch.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "util/yaml_problems.hpp"

namespace dt::oracle {
namespace detail {
// Generated at build time from baselines/expected/rules.yaml (harness/oracle/embed_text.cmake).
extern const char* const kShippedExpectedRules;
extern const char* const kShippedExpectedRulesName;
}  // namespace detail

namespace {

using json = nlohmann::json;

class Parser : public util::YamlProblems {
 public:
  using YamlProblems::YamlProblems;

  std::optional<std::string> string(const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar() || n.Scalar().empty()) {
      error(n, key, n.IsScalar() ? "must not be empty" : "expected a string");
      return std::nullopt;
    }
    return n.Scalar();
  }

  // A string or a non-empty list of strings.
  std::optional<std::vector<std::string>> strings(const YAML::Node& n, const std::string& key) {
    if (n.IsScalar()) {
      auto s = string(n, key);
      if (!s) return std::nullopt;
      return std::vector<std::string>{*s};
    }
    if (!n.IsSequence()) {
      error(n, key, "expected a string or a list of strings");
      return std::nullopt;
    }
    if (n.size() == 0) {
      error(n, key, "must not be empty (leave the key out to match any)");
      return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (std::size_t i = 0; i < n.size(); ++i) {
      auto s = string(n[i], fmt::format("{}[{}]", key, i));
      if (s) out.push_back(*s);
      ok &= s.has_value();
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // A record value: true/false and numbers as YAML writes them unquoted, anything else a string.
  static json scalar(const YAML::Node& n) {
    const std::string& s = n.Scalar();
    if (n.Tag() == "!") return s;  // quoted: a string whatever it looks like
    if (s == "true") return true;
    if (s == "false") return false;
    try {
      std::size_t used = 0;
      long long i = std::stoll(s, &used);
      if (used == s.size()) return i;
      double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (const std::exception&) {
    }
    return s;
  }

  void rule(const YAML::Node& n, const std::string& key, ExpectedRules& out) {
    if (!n.IsMap()) return error(n, key, "expected a map with 'injector' and 'note'");
    ExpectedRule r;
    r.where = fmt::format("{}:{}", file(), n.Mark().line + 1);
    bool ok = true, has_injector = false, has_note = false;
    for (const auto& kv : n) {
      // Copies: yaml-cpp iterators hand out temporaries, references to them dangle.
      YAML::Node name_node = kv.first, v = kv.second;
      const std::string name = name_node.Scalar(), k = key + "." + name;
      if (name == "injector" || name == "kind" || name == "text" || name == "text_not" ||
          name == "category") {
        auto list = strings(v, k);
        ok &= list.has_value();
        if (!list) continue;
        if (name == "injector") r.injectors = *list, has_injector = true;
        if (name == "kind") r.kinds = *list;
        if (name == "text") r.text = *list;
        if (name == "text_not") r.text_not = *list;
        if (name == "category")
          for (auto& c : *list) {
            static const std::vector<Category> kAll = {Category::Kernel, Category::Workload,
                                                       Category::Fsck, Category::Infra};
            auto it = std::find_if(kAll.begin(), kAll.end(),
                                   [&](Category x) { return to_string(x) == c; });
            if (it == kAll.end()) {
              error(
                  v, k,
                  fmt::format("unknown category '{}' (expected kernel, workload, fsck, infra)", c));
              ok = false;
            } else {
              r.categories.push_back(*it);
            }
          }
      } else if (name == "fired") {
        auto s = string(v, k);
        if (s && (*s == "true" || *s == "any")) {
          r.needs_fired = *s == "true";
        } else {
          if (s) error(v, k, fmt::format("'{}' is not true or any", *s));
          ok = false;
        }
      } else if (name == "record") {
        if (!v.IsMap() || v.size() == 0) {
          error(v, k, "expected a map of record fields to values, e.g. {evidence.x: true}");
          ok = false;
          continue;
        }
        for (const auto& field : v) {
          YAML::Node path = field.first, value = field.second;
          const std::string fk = k + "." + path.Scalar();
          if (!path.IsScalar() || path.Scalar().empty() || !value.IsScalar()) {
            error(value, fk, "expected a field path and a single value (true, 3, a string)");
            ok = false;
            continue;
          }
          r.record.emplace_back(path.Scalar(), scalar(value));
        }
      } else if (name == "fs") {
        auto s = string(v, k);
        ok &= s.has_value();
        if (s) r.fs = *s;
      } else if (name == "note") {
        auto s = string(v, k);
        ok &= s.has_value();
        if (s) r.note = *s, has_note = true;
      } else {
        error(name_node, k,
              "unknown key (expected injector, fired, record, fs, category, kind, text, "
              "text_not, note)");
        ok = false;
      }
    }
    if (!has_injector) error(n, key, "missing 'injector'"), ok = false;
    if (!has_note) error(n, key, "missing 'note' (say why the finding is expected)"), ok = false;
    if (ok && r.categories.empty() && r.kinds.empty())
      error(n, key,
            "needs 'category' or 'kind': a rule over every finding would hide real reports"),
          ok = false;
    if (ok) out.rules.push_back(std::move(r));
  }
};

// A dotted path into an injection's record; nullptr when a step is missing.
const json* field(const json& record, const std::string& path) {
  const json* at = &record;
  std::istringstream in(path);
  for (std::string step; std::getline(in, step, '.');) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(step);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

bool contains(const std::string& text, const std::vector<std::string>& needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](const std::string& n) { return text.find(n) != std::string::npos; });
}

}  // namespace

bool fs_matches(const std::string& pattern, const std::string& fs) {
  if (pattern == "*" || pattern == fs) return true;
  if (fs.empty()) return false;
  if (fnmatch(pattern.c_str(), fs.c_str(), 0) == 0) return true;
  // Campaigns label repeated filesystems "ext4~2": rules and baselines speak of the filesystem.
  auto tilde = fs.rfind('~');
  return tilde != std::string::npos && fs_matches(pattern, fs.substr(0, tilde));
}

bool ExpectedRule::applies(const json& injection, const std::string& fs_name) const {
  if (!injection.is_object()) return false;
  const std::string name = injection.value("injector", "");
  if (std::find(injectors.begin(), injectors.end(), name) == injectors.end()) return false;
  if (needs_fired) {
    auto it = injection.find("fired");
    if (it == injection.end() || !it->is_boolean() || !it->get<bool>()) return false;
  }
  for (const auto& [path, value] : record) {
    const json* got = field(injection, path);
    if (!got || *got != value) return false;
  }
  return fs_matches(fs, fs_name);
}

bool ExpectedRule::matches(const Finding& f) const {
  if (!categories.empty() &&
      std::find(categories.begin(), categories.end(), f.category) == categories.end())
    return false;
  if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), f.kind) == kinds.end()) return false;
  if (!text.empty() && !contains(f.text, text)) return false;
  return !contains(f.text, text_not);
}

ExpectedRules parse_expected_rules(const std::string& yaml, const std::string& file) {
  ExpectedRules out;
  out.source = file;
  Parser p(file);
  p.walk_versioned_list(yaml, "rules",
                        [&](const YAML::Node& n, const std::string& key) { p.rule(n, key, out); });
  p.throw_if_any<ExpectedRulesError>();
  return out;
}

ExpectedRules load_expected_rules(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ExpectedRulesError(fmt::format("cannot read expected-rules file {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return parse_expected_rules(text.str(), path);
}

const ExpectedRules& shipped_expected_rules() {
  static const ExpectedRules rules =
      parse_expected_rules(detail::kShippedExpectedRules, detail::kShippedExpectedRulesName);
  return rules;
}

int mark_expected(std::vector<Finding>& findings, const std::vector<json>& injections,
                  const std::string& fs, const ExpectedRules& rules) {
  // Which rules are in force for which injection does not depend on the finding.
  std::vector<std::pair<std::string, const ExpectedRule*>> live;
  for (const auto& inj : injections)
    for (const auto& r : rules.rules)
      if (r.applies(inj, fs)) live.emplace_back(inj.value("injector", ""), &r);
  int marked = 0;
  for (auto& f : findings) {
    if (f.expected) continue;
    for (const auto& [injector, r] : live) {
      if (!r->matches(f)) continue;
      f.expected = true;
      f.note = fmt::format("expected consequence of {}: {}{}", injector, r->note,
                           f.note.empty() ? "" : "; " + f.note);
      ++marked;
      break;
    }
  }
  return marked;
}

}  // namespace dt::oracle
