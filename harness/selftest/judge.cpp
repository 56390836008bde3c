#include "selftest/judge.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "oracle/finding.hpp"

namespace dt::selftest {

std::string CleanEvidence::cell_key(const std::string& cell_id) {
  // fs/workload/injectors/kernel/rN: labels never contain '/', a bzImage kernel is its basename.
  std::size_t n = 0, pos = 0;
  while (n < 3 && (pos = cell_id.find('/', pos)) != std::string::npos) ++n, ++pos;
  return n == 3 ? cell_id.substr(0, pos - 1) : cell_id;
}

namespace {
bool counts(const nlohmann::json& f) {
  return !f.value("expected", false) && f.value("kind", "") != "infra";
}
}  // namespace

void CleanEvidence::add_run(const nlohmann::json& ev) {
  if (ev.value("event", "") != "run") return;
  ++runs_;
  auto& titles = by_cell_[cell_key(ev.value("cell", ""))];
  for (const auto& f : ev.value("findings", nlohmann::json::array()))
    if (counts(f)) {
      titles.insert(f.value("title", ""));
      titles_.insert(f.value("title", ""));
    }
}

bool CleanEvidence::ran(const std::string& cell_id) const {
  return by_cell_.count(cell_key(cell_id)) > 0;
}

bool CleanEvidence::showed(const std::string& cell_id, const std::string& title) const {
  auto it = by_cell_.find(cell_key(cell_id));
  return it != by_cell_.end() && it->second.count(title) > 0;
}

bool CleanEvidence::showed_anywhere(const std::string& title) const {
  return titles_.count(title) > 0;
}

Judgement judge(const nlohmann::json& ev, const report::Baseline* baseline,
                const std::vector<std::string>& expect, const CleanEvidence* clean) {
  Judgement j;
  if (ev.value("event", "") != "run" || !ev.contains("findings")) return j;
  std::string fs = ev.value("fs", ""), release = ev.value("kernel_release", "");
  std::string workload = ev.value("workload", ""), cell = ev.value("cell", "");
  for (const auto& f : ev["findings"]) {
    if (!counts(f)) continue;
    oracle::Finding finding;
    finding.title = f.value("title", "");
    finding.kind = f.value("kind", "");
    if (baseline && baseline->known(finding, fs, release, workload)) continue;
    if (clean && clean->showed(cell, finding.title)) {
      j.also_on_clean.push_back(finding.title);
      continue;
    }
    if (j.kill) continue;
    Kill k{finding.title, finding.kind, cell};
    k.expected_kind = std::find(expect.begin(), expect.end(), k.kind) != expect.end();
    if (clean) {
      k.clean_never = !clean->showed_anywhere(k.title);
      k.clean_ran_cell = clean->ran(cell);
    }
    j.kill = k;
  }
  return j;
}

std::optional<Kill> judge_run(const nlohmann::json& ev, const report::Baseline* baseline,
                              const std::vector<std::string>& expect, const CleanEvidence* clean) {
  return judge(ev, baseline, expect, clean).kill;
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
                      {"killed", o.kill.has_value()},
                      {"ran", o.ran},
                      {"interrupted", o.interrupted},
                      {"also_on_clean", o.also_on_clean}};
  if (o.kill)
    j["kill"] = {{"title", o.kill->title},
                 {"kind", o.kill->kind},
                 {"cell", o.kill->cell},
                 {"expected_kind", o.kill->expected_kind},
                 {"clean_never_showed_title", o.kill->clean_never},
                 {"clean_ran_cell", o.kill->clean_ran_cell},
                 {"detection_s", o.elapsed_s}};
  if (!o.error.empty()) j["error"] = o.error;
  return j;
}

namespace {

// What the clean kernel said about the killing title, in a few words.
std::string clean_column(const Outcome& o, bool compared) {
  if (!o.kill || !compared) return "-";
  if (!o.kill->clean_ran_cell) return "cell not run";
  return o.kill->clean_never ? "never" : "other cells";
}

}  // namespace

std::string render_table(const std::vector<Outcome>& mutants, const std::optional<Outcome>& clean) {
  const bool compared = clean && clean->ran;
  std::string out = fmt::format("{:<32} {:<8} {:>8} {:>5}  {:<12} {}\n", "mutant", "verdict",
                                "detect", "runs", "clean title", "killed by");
  int killed = 0, run = 0;
  for (auto& o : mutants) {
    std::string verdict = !o.ran             ? "not run"
                          : !o.error.empty() ? "ERROR"
                          : o.kill           ? "killed"
                          : o.interrupted    ? "stopped"
                                             : "SURVIVED";
    std::string what =
        !o.ran             ? "interrupted before it started"
        : !o.error.empty() ? o.error.substr(0, 80)
        : o.kill           ? fmt::format("{} [{}{}]", o.kill->title, o.kill->kind,
                               o.kill->expected_kind ? "" : ", unexpected kind")
        : o.interrupted    ? fmt::format("interrupted after {:.0f}s, nothing new", o.elapsed_s)
        : o.elapsed_s + 1 < o.budget_s
            ? fmt::format("nothing new; the campaign ended after {:.0f}s", o.elapsed_s)
            : fmt::format("nothing new in {:.0f}s", o.budget_s);
    if (!o.also_on_clean.empty()) {
      std::string t;
      for (auto& x : o.also_on_clean) t += (t.empty() ? "" : "; ") + x;
      what += " (not counted, the clean kernel shows it too: " + t + ")";
    }
    killed += o.kill.has_value();
    // The rate is over verdicts: a kill, or a budget that ran out. An error or an
    // interruption decided nothing.
    run += o.kill.has_value() || (o.ran && !o.interrupted && o.error.empty());
    out += fmt::format("{:<32} {:<8} {:>8} {:>5}  {:<12} {}\n", o.id, verdict,
                       o.kill ? fmt::format("{:.0f}s", o.elapsed_s) : "-", o.runs,
                       clean_column(o, compared), what);
  }
  if (run > 0)
    out += fmt::format("kill rate: {}/{} ({:.0f}%)\n", killed, run,
                       100.0 * killed / static_cast<double>(run));
  if (!clean) {
    out += "clean kernel: not compared (--no-clean): kills are judged by the baseline alone\n";
  } else if (!clean->ran) {
    out += "clean kernel: DID NOT RUN (interrupted): there is no clean result\n";
  } else if (!clean->error.empty()) {
    out += fmt::format("clean kernel: ERROR {}\n", clean->error);
  } else {
    out += fmt::format(
        "clean kernel: {} runs in {:.0f}s{}, {} new findings{}\n", clean->runs, clean->elapsed_s,
        clean->interrupted ? fmt::format(" (INTERRUPTED before its {:.0f}s budget: not a clean "
                                         "result)",
                                         clean->budget_s)
                           : "",
        clean->new_findings, clean->kill ? " (first: " + clean->kill->title + ")" : "");
  }
  return out;
}

int selftest_exit_code(const std::vector<Outcome>& mutants, const std::optional<Outcome>& clean) {
  bool infra = clean && !clean->error.empty();
  bool blind = clean && clean->new_findings > 0;
  for (auto& o : mutants) {
    infra |= !o.error.empty();
    blind |= o.ran && o.error.empty() && !o.kill;
  }
  return blind ? 1 : infra ? 3 : 0;
}

}  // namespace dt::selftest
