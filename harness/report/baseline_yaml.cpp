// Baseline files: YAML in, YAML out. Every problem in a file is reported at once, each as
// "file:line:column: key: message", because a nightly that stops at the first typo wastes a night.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <tuple>

#include "report/baseline.hpp"
#include "report/dates.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/yaml_problems.hpp"

namespace dt::report {
namespace {

class Parser : public util::YamlProblems {
 public:
  using YamlProblems::YamlProblems;

  std::optional<std::string> string(const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) {
      error(n, key, "expected a string");
      return std::nullopt;
    }
    return n.Scalar();
  }

  // A fraction 0..1, or a percentage "5%".
  std::optional<double> rate(const YAML::Node& n, const std::string& key) {
    auto s = string(n, key);
    if (!s) return std::nullopt;
    std::string v = *s;
    double scale = 1;
    if (!v.empty() && v.back() == '%') v.pop_back(), scale = 100;
    try {
      std::size_t used = 0;
      double d = std::stod(v, &used);
      if (used == v.size() && std::isfinite(d) && d >= 0 && d / scale <= 1) return d / scale;
    } catch (const std::exception&) {
    }
    error(n, key, fmt::format("'{}' is not a rate (a fraction 0..1 or a percentage like 5%)", *s));
    return std::nullopt;
  }

  void entry(const YAML::Node& n, const std::string& key, Baseline& out) {
    if (!n.IsMap()) return error(n, key, "expected a map with at least 'title'");
    BaselineEntry e;
    bool ok = true, has_title = false;
    for (const auto& kv : n) {
      // Copies: yaml-cpp iterators hand out temporaries, references to them dangle.
      YAML::Node name_node = kv.first, v = kv.second;
      std::string name = name_node.Scalar(), k = key + "." + name;
      std::optional<std::string> s;
      if (name == "rate") {
        auto r = rate(v, k);
        ok &= r.has_value();
        if (r) e.rate = *r;
        continue;
      }
      static const std::set<std::string> kStrings = {"title",  "kind", "fs",       "workload",
                                                     "kernel", "note", "last_seen"};
      if (!kStrings.count(name)) {
        error(name_node, k,
              "unknown key (expected title, kind, fs, workload, kernel, rate, note, last_seen)");
        ok = false;
        continue;
      }
      s = string(v, k);
      if (!s) {
        ok = false;
        continue;
      }
      if (name == "title") {
        if (s->empty()) error(v, k, "must not be empty"), ok = false;
        e.title = *s, has_title = true;
      } else if (name == "kind") {
        e.kind = *s;
      } else if (name == "fs") {
        e.fs = s->empty() ? "*" : *s;
      } else if (name == "workload") {
        e.workload = s->empty() ? "*" : *s;
      } else if (name == "kernel") {
        e.kernel = s->empty() ? "*" : *s;
      } else if (name == "note") {
        e.note = *s;
      } else if (name == "last_seen") {
        if (!s->empty() && !parse_date(*s))
          error(v, k, fmt::format("'{}' is not a date (YYYY-MM-DD)", *s)), ok = false;
        e.last_seen = *s;
      }
    }
    if (!has_title) error(n, key, "missing 'title'"), ok = false;
    if (!ok) return;
    auto id = std::tie(e.title, e.kind, e.fs, e.workload, e.kernel);
    for (auto& other : out.entries)
      if (std::tie(other.title, other.kind, other.fs, other.workload, other.kernel) == id)
        return error(
            n, key,
            fmt::format("duplicate entry for '{}' (fs {}, kernel {})", e.title, e.fs, e.kernel));
    out.entries.push_back(std::move(e));
  }
};

}  // namespace

namespace {

Baseline load_baseline_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw UsageError(fmt::format("baseline file {} does not exist", path));
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("cannot read baseline file {}", path));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  Baseline b;
  b.path = path;
  Parser p(path);
  p.walk_versioned_list(text, "entries",
                        [&](const YAML::Node& n, const std::string& key) { p.entry(n, key, b); });
  p.throw_if_any<UsageError>();
  return b;
}

// Every *.yaml of a directory, in name order. Entries are scoped by kernel release, so the
// per-kernel baselines (6.1-clean.yaml, 6.12-clean.yaml) can all apply to any run.
Baseline load_baseline_dir(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  Baseline all;
  all.path = dir;
  for (const auto& f : files) {
    Baseline one = load_baseline_file(f.string());
    all.entries.insert(all.entries.end(), one.entries.begin(), one.entries.end());
  }
  return all;
}

}  // namespace

Baseline load_baseline(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) ? load_baseline_dir(path)
                                                 : load_baseline_file(path);
}

void save_baseline(const Baseline& b, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw UsageError(fmt::format("{} is a directory of baselines; name one file to update", path));
  YAML::Emitter out;
  out << YAML::Comment("daxtorture baseline: known findings (format: baselines/README.md)");
  out << YAML::BeginMap << YAML::Key << "version" << YAML::Value << 1;
  out << YAML::Key << "entries" << YAML::Value << YAML::BeginSeq;
  for (auto& e : b.entries) {
    out << YAML::BeginMap;
    out << YAML::Key << "title" << YAML::Value << YAML::DoubleQuoted << e.title;
    if (!e.kind.empty()) out << YAML::Key << "kind" << YAML::Value << e.kind;
    out << YAML::Key << "fs" << YAML::Value << YAML::DoubleQuoted << e.fs;
    if (e.workload != "*")
      out << YAML::Key << "workload" << YAML::Value << YAML::DoubleQuoted << e.workload;
    out << YAML::Key << "kernel" << YAML::Value << YAML::DoubleQuoted << e.kernel;
    out << YAML::Key << "rate" << YAML::Value << e.rate;
    if (!e.note.empty()) out << YAML::Key << "note" << YAML::Value << e.note;
    if (!e.last_seen.empty())
      out << YAML::Key << "last_seen" << YAML::Value << YAML::DoubleQuoted << e.last_seen;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  if (!out.good()) throw InfraError("cannot write baseline: " + out.GetLastError());

  write_file_atomic(path, std::string(out.c_str()) + "\n");
}

}  // namespace dt::report
