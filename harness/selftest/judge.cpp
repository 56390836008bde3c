#include "selftest/judge.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "oracle/finding.hpp"

namespace dt::selftest {

std::optional<Kill> judge_run(const nlohmann::json& ev, const report::Baseline* baseline,
                              const std::vector<std::string>& expect) {
  if (ev.value("event", "") != "run" || !ev.contains("findings")) return std::nullopt;
  std::string fs = ev.value("fs", ""), release = ev.value("kernel_release", "");
  std::string workload = ev.value("workload", "");
  for (const auto& f : ev["findings"]) {
    if (f.value("expected", false)) continue;
    oracle::Finding finding;
    finding.title = f.value("title", "");
    finding.kind = f.value("kind", "");
    if (finding.kind == "infra") continue;
    if (baseline && baseline->known(finding, fs, release, workload)) continue;
    Kill k{finding.title, finding.kind, ev.value("cell", ""), false};
    k.expected_kind = std::find(expect.begin(), expect.end(), k.kind) != expect.end();
    return k;
  }
  return std::nullopt;
}

nlohmann::json to_json(const Outcome& o) {
  nlohmann::json j = {{"id", o.id},
                      {"kernel", o.kernel},
                      {"breaks", o.breaks},
                      {"build_s", o.build_s},
                      {"budget_s", o.budget_s},
                      {"elapsed_s", o.elapsed_s},
                      {"runs", o.runs},
                      {"new_findings", o.new_findings},
                      {"killed", o.kill.has_value()}};
  if (o.kill)
    j["kill"] = {{"title", o.kill->title},
                 {"kind", o.kill->kind},
                 {"cell", o.kill->cell},
                 {"expected_kind", o.kill->expected_kind},
                 {"detection_s", o.elapsed_s}};
  if (!o.error.empty()) j["error"] = o.error;
  return j;
}

std::string render_table(const std::vector<Outcome>& mutants, const std::optional<Outcome>& clean) {
  std::string out = fmt::format("{:<32} {:<8} {:>8} {:>5}  {}\n", "mutant", "verdict", "detect",
                                "runs", "first finding");
  int killed = 0;
  for (auto& o : mutants) {
    std::string verdict = !o.error.empty() ? "ERROR" : o.kill ? "killed" : "SURVIVED";
    std::string what = !o.error.empty() ? o.error.substr(0, 80)
                       : o.kill         ? fmt::format("{} [{}{}]", o.kill->title, o.kill->kind,
                                              o.kill->expected_kind ? "" : ", unexpected kind")
                                        : fmt::format("nothing new in {:.0f}s", o.budget_s);
    killed += o.kill.has_value();
    out += fmt::format("{:<32} {:<8} {:>8} {:>5}  {}\n", o.id, verdict,
                       o.kill ? fmt::format("{:.0f}s", o.elapsed_s) : "-", o.runs, what);
  }
  if (!mutants.empty())
    out += fmt::format("kill rate: {}/{} ({:.0f}%)\n", killed, mutants.size(),
                       100.0 * killed / static_cast<double>(mutants.size()));
  if (clean)
    out += !clean->error.empty()
               ? fmt::format("clean kernel: ERROR {}\n", clean->error)
               : fmt::format("clean kernel: {} runs in {:.0f}s, {} new findings{}\n", clean->runs,
                             clean->elapsed_s, clean->new_findings,
                             clean->kill ? " (first: " + clean->kill->title + ")" : "");
  return out;
}

int selftest_exit_code(const std::vector<Outcome>& mutants, const std::optional<Outcome>& clean) {
  bool infra = clean && !clean->error.empty();
  bool blind = clean && clean->new_findings > 0;
  for (auto& o : mutants) {
    infra |= !o.error.empty();
    blind |= o.error.empty() && !o.kill;
  }
  return blind ? 1 : infra ? 3 : 0;
}

}  // namespace dt::selftest
