#include "metrics/html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "metrics/svg.hpp"

namespace dt::metrics {
namespace {

using results::Status;

const char* kStyle = R"(
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1000px}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f4f4}.num{text-align:right}.tiles{display:flex;gap:1em}
.tile{border:1px solid #ddd;border-radius:6px;padding:.6em 1.2em}.tile b{display:block;font-size:1.6em}
svg{font-size:12px}svg text{fill:#222}.empty{color:#888}.new{color:#c4162a;font-weight:bold}.known{color:#8a6d00}.expected{color:#888}
)";

std::string section(const std::string& title, const std::string& body) {
  return fmt::format("<h2>{}</h2>\n{}", svg::escape(title), body);
}

std::string overview(const std::vector<results::RunRecord>& runs, const std::string& campaign) {
  std::size_t pass = 0, with_findings = 0, errors = 0, new_findings = 0;
  for (const auto& r : runs) {
    pass += r.status == Status::Pass;
    with_findings += r.status == Status::Findings;
    errors += r.status == Status::Error;
    new_findings += r.new_findings();
  }
  std::size_t counted = runs.size();
  for (const auto& r : runs) counted -= r.status == Status::Skip;
  auto tile = [](const std::string& name, const std::string& v) {
    return fmt::format("<div class=\"tile\">{}<b>{}</b></div>", svg::escape(name), svg::escape(v));
  };
  std::string s = "<div class=\"tiles\">";
  s += tile("campaign", campaign.empty() ? "-" : campaign);
  s += tile("runs", std::to_string(runs.size()));
  s += tile("pass rate", counted ? fmt::format("{:.0f}%", 100.0 * pass / counted) : "-");
  s += tile("runs with findings", std::to_string(with_findings));
  s += tile("new findings", std::to_string(new_findings));
  s += tile("errors", std::to_string(errors));
  return s + "</div>\n";
}

std::string runs_by_status(const std::vector<results::RunRecord>& runs) {
  const std::vector<svg::Segment> segments{
      {"pass", "#56a64b"}, {"findings", "#c4162a"}, {"error", "#e0752d"}, {"skip", "#999999"}};
  std::map<std::string, std::vector<double>> by_fs;
  for (const auto& r : runs) {
    auto& v = by_fs[r.fs.empty() ? "unknown" : r.fs];
    v.resize(segments.size());
    v[static_cast<std::size_t>(r.status)] += 1;  // Status order matches the segments
  }
  std::vector<svg::Stack> stacks;
  for (auto& [fs, v] : by_fs) stacks.push_back({fs, v});
  return svg::stacked_bar_chart(segments, stacks);
}

std::string findings_chart_and_table(const std::vector<results::FindingSummary>& findings,
                                     const Verdicts* verdicts) {
  std::vector<svg::Bar> bars;
  for (const auto& f : findings) {
    if (bars.size() == 25) break;  // most frequent first: the long tail is in the table
    bars.push_back({f.title, static_cast<double>(f.count)});
  }
  std::string s = svg::bar_chart(bars, "runs");
  if (findings.empty()) return s;
  s += "<table><tr><th>title</th><th>verdict</th><th>kind</th><th>category</th>"
       "<th class=\"num\">runs</th><th class=\"num\">rate</th><th>first seen</th><th>last seen</th>"
       "<th>example run</th></tr>\n";
  for (const auto& f : findings) {
    double rate = f.runs_total ? 100.0 * f.count / f.runs_total : 0;
    std::string verdict = f.expected_only ? "expected" : "new";
    if (verdicts)
      if (auto it = verdicts->find(f.title); it != verdicts->end()) verdict = it->second;
    s += fmt::format(
        "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{:.1f}%</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        verdict, svg::escape(f.title), verdict, svg::escape(f.kind), svg::escape(f.category),
        f.count, rate, svg::escape(f.first_seen), svg::escape(f.last_seen),
        svg::escape(f.example_run));
  }
  return s + "</table>\n";
}

std::string iterations_per_second(const std::vector<results::RunRecord>& runs) {
  std::map<std::string, std::pair<double, double>> by_workload;  // iterations, seconds
  for (const auto& r : runs) {
    if (r.workload_s <= 0) continue;
    auto& [it, secs] = by_workload[r.workload];
    it += static_cast<double>(r.iterations);
    secs += r.workload_s;
  }
  std::vector<svg::Bar> bars;
  for (const auto& [wl, v] : by_workload) bars.push_back({wl, v.first / v.second});
  return svg::bar_chart(bars, "iterations/s");
}

std::string boot_times(std::vector<results::RunRecord> runs) {
  std::stable_sort(runs.begin(), runs.end(),
                   [](const auto& a, const auto& b) { return a.started_at < b.started_at; });
  std::map<std::string, svg::Line> by_fs;
  for (const auto& r : runs) {
    if (r.boot_to_ready_s <= 0) continue;
    auto& line = by_fs[r.fs];
    line.name = r.fs;
    line.values.push_back(r.boot_to_ready_s);
  }
  std::vector<svg::Line> lines;
  for (auto& [fs, l] : by_fs) lines.push_back(std::move(l));
  return svg::line_chart(lines, "s");
}

}  // namespace

std::string render_html(const results::Store& store, const Verdicts* verdicts) {
  auto runs = store.runs();
  auto findings = store.findings();
  auto campaign = store.meta("campaign");
  if (campaign.empty() && !runs.empty()) campaign = runs.front().campaign;

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  html += fmt::format("<title>daxtorture: {}</title>\n<style>{}</style></head><body>\n",
                      svg::escape(campaign.empty() ? "results" : campaign), kStyle);
  html += fmt::format("<h1>daxtorture results: {}</h1>\n", svg::escape(campaign));
  html += overview(runs, campaign);
  html += section("Runs by status per filesystem", runs_by_status(runs));
  html += section("Findings by title", findings_chart_and_table(findings, verdicts));
  html += section("Workload iterations per second", iterations_per_second(runs));
  html += section("VM boot to ready, by filesystem", boot_times(runs));
  html += fmt::format("<p class=\"empty\">generated by daxtorture {}</p>\n</body></html>\n",
                      DAXTORTURE_VERSION);
  return html;
}

}  // namespace dt::metrics
