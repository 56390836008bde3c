// Plain-text summaries, for a terminal and for the nightly mail.
#include <fmt/format.h>

#include <algorithm>

#include "report/overview.hpp"
#include "report/summary.hpp"

namespace dt::report {
namespace {

const oracle::Finding* find_in(const results::RunRecord& r, const std::string& title) {
  for (auto& f : r.findings)
    if (f.title == title) return &f;
  return nullptr;
}

std::string head_lines(const std::string& text, std::size_t n, const std::string& indent) {
  std::string out;
  std::size_t pos = 0, shown = 0;
  while (pos < text.size() && shown < n) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out += indent + text.substr(pos, nl - pos) + "\n";
    pos = nl + 1, ++shown;
  }
  if (pos < text.size()) {
    auto rest = std::count(text.begin() + pos, text.end(), '\n') + (text.back() != '\n');
    out += fmt::format("{}[... {} more lines]\n", indent, rest);
  }
  return out;
}

std::string cells_list(const std::vector<std::string>& cells, std::size_t max = 8) {
  std::string out;
  for (std::size_t i = 0; i < cells.size() && i < max; ++i) out += (i ? ", " : "") + cells[i];
  if (cells.size() > max) out += fmt::format(" (+{} more)", cells.size() - max);
  return out;
}

std::string first_line(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

}  // namespace

std::string repro_command(const results::Store& store, const std::string& run_id) {
  return fmt::format("daxtorture repro {} --from {}", shell_quote(run_id),
                     shell_quote(store.dir().string()));
}

std::string finding_text(const results::Store& store, const results::FindingSummary& s) {
  std::string out = s.title + "\n";
  out += fmt::format("  hash   {}\n", s.hash);
  out += fmt::format("  kind   {} ({})\n", s.kind.empty() ? "-" : s.kind, s.category);
  if (!s.frame.empty()) out += fmt::format("  frame  {}\n", s.frame);
  out += fmt::format("  rate   seen in {} of {} runs ({}){}\n", s.count, s.runs_total,
                     percent(s.count, s.runs_total), s.expected_only ? ", always expected" : "");
  out += fmt::format("  first  {}\n  last   {}\n", s.first_seen, s.last_seen);
  out += fmt::format("  cells  {}\n", cells_list(s.cells));
  if (auto run = store.run(s.example_run)) {
    if (auto* f = find_in(*run, s.title); f && !f->text.empty()) {
      out +=
          fmt::format("  report (run {}{}):\n", s.example_run, f->corrupted ? ", corrupted" : "");
      out += head_lines(f->text, kReportExcerptLines, "    ");
    }
  }
  out += fmt::format("  repro  {}\n", repro_command(store, s.example_run));
  return out;
}

std::string store_text(const results::Store& store, const Baseline* baseline,
                       int fixed_after_nights) {
  Overview o = overview(store, baseline, fixed_after_nights);
  using results::Status;
  auto n = [&](Status s) { return o.by_status.count(s) ? o.by_status.at(s) : 0; };
  std::string out = fmt::format("results: {}{}\n", o.dir,
                                o.campaign.empty() ? "" : "  (campaign " + o.campaign + ")");
  out += fmt::format("runs: {}  pass {}, findings {}, error {}, skip {}\n", o.runs.size(),
                     n(Status::Pass), n(Status::Findings), n(Status::Error), n(Status::Skip));
  for (auto& r : o.runs)
    if (r.status == Status::Error)
      out += fmt::format("  error  {}  {}: {}\n", r.cell_id, r.run_id, first_line(r.error));

  out += fmt::format("findings: {} new, {} known, {} expected{}\n", o.fresh, o.known, o.expected,
                     baseline ? " (baseline " + baseline->path + ")" : "");
  if (!o.findings.empty()) {
    // Columns as wide as their widest cell (at least the classic widths), always at least
    // two spaces apart: a long kind ("missing-sigbus") must not run into the title.
    auto kind_of = [](const results::FindingSummary& s) { return s.kind.empty() ? "-" : s.kind; };
    auto runs_of = [](const results::FindingSummary& s) {
      return fmt::format("{}/{}", s.count, s.runs_total);
    };
    std::size_t status_w = 9, runs_w = 9, kind_w = 12;
    for (auto& t : o.findings) {
      status_w = std::max(status_w, std::string(to_string(t.verdict)).size() + 1);
      runs_w = std::max(runs_w, runs_of(t.summary).size());
      kind_w = std::max(kind_w, kind_of(t.summary).size() + 2);
    }
    out += fmt::format("  {:<{}}{:<10}{:>{}}  {:<{}}{}\n", "status", status_w, "hash", "runs",
                       runs_w, "kind", kind_w, "title");
    for (auto& t : o.findings) {
      auto& s = t.summary;
      std::string extra;
      if (t.entry) extra = fmt::format("  (baseline rate {:.1f}%)", t.entry->rate * 100);
      out +=
          fmt::format("  {:<{}}{:<10}{:>{}}  {:<{}}{}{}\n", to_string(t.verdict), status_w,
                      s.hash.substr(0, 8), runs_of(s), runs_w, kind_of(s), kind_w, s.title, extra);
    }
  }
  bool header = false;
  for (auto& t : o.findings) {
    if (t.verdict != Verdict::Fresh) continue;
    if (!header) out += "\nnew findings:\n", header = true;
    out += "\n" + finding_text(store, t.summary);
  }
  if (!o.unseen.empty()) {
    out += fmt::format("\nbaseline entries not seen in these runs (latest run {}):\n", o.today);
    for (std::size_t i = 0; i < o.unseen.size(); ++i) {
      auto& e = o.unseen[i];
      out += fmt::format("  {}  [fs {}, kernel {}]  last seen {}{}\n", e.title, e.fs, e.kernel,
                         e.last_seen.empty() ? "never" : e.last_seen,
                         o.possibly_fixed[i] ? "  -> possibly fixed" : "");
    }
  }
  if (!o.findings.empty())
    out += fmt::format("\ndetails: daxtorture report --out {} <hash>\n", shell_quote(o.dir));
  return out;
}

std::string run_text(const results::Store& store, const results::RunRecord& r,
                     const Baseline* baseline) {
  std::string out = fmt::format("run {}\n", r.run_id);
  out +=
      fmt::format("  cell     {} (campaign {}, index {})\n", r.cell_id, r.campaign, r.cell_index);
  out += fmt::format("  status   {}{}\n", results::to_string(r.status),
                     r.error.empty() ? "" : ": " + first_line(r.error));
  out += fmt::format("  kernel   {} ({})  seed {}  accel {}\n", r.kernel_release, r.kernel, r.seed,
                     r.accel);
  out += fmt::format("  time     boot {:.1f}s, setup {:.1f}s, workload {:.1f}s, total {:.1f}s\n",
                     r.boot_to_ready_s, r.setup_s, r.workload_s, r.total_s);
  out += fmt::format("  work     {} iterations, {} faults, {} checks ({} failed)\n", r.iterations,
                     r.faults, r.checks, r.failed_checks);
  if (!r.started_at.empty()) out += fmt::format("  started  {}\n", r.started_at);
  if (!r.console_path.empty()) out += fmt::format("  console  {}\n", r.console_path);
  for (auto& f : r.findings) {
    out += fmt::format("  {:<9}{}  {}\n", to_string(verdict(r, f, baseline)), f.hash().substr(0, 8),
                       f.title);
    if (f.expected && !f.note.empty()) out += fmt::format("           ({})\n", f.note);
  }
  out += fmt::format("  repro    {}\n", repro_command(store, r.run_id));
  return out;
}

}  // namespace dt::report
