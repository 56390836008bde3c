#include "report/junit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/classify.hpp"
#include "report/console_tail.hpp"
#include "util/file.hpp"
#include "util/xml.hpp"

namespace dt::report {
namespace {

constexpr std::size_t kMaxBody = 64 * 1024;  // per failure: CI pages choke on megabytes

std::string clip(const std::string& s) {
  if (s.size() <= kMaxBody) return s;
  return s.substr(0, kMaxBody) + fmt::format("\n[... {} more bytes]", s.size() - kMaxBody);
}

std::string first_line(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

// Jenkins reads timestamps without a zone; the store writes UTC with 'Z'.
std::string timestamp(const std::string& iso) {
  return iso.size() >= 19 ? iso.substr(0, 19) : "";
}

std::string seconds(double s) {
  return fmt::format("{:.3f}", s < 0 ? 0.0 : s);
}

struct Counts {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
};

std::string system_out(const results::RunRecord& r) {
  std::string out = fmt::format("run {}\nstatus {}  seed {}  kernel {} ({})\n", r.run_id,
                                results::to_string(r.status), r.seed, r.kernel_release, r.kernel);
  out += fmt::format("iterations {}  faults {}  checks {} ({} failed)\n", r.iterations, r.faults,
                     r.checks, r.failed_checks);
  out += fmt::format("repro: daxtorture repro {}\n", r.run_id);
  for (auto& f : r.findings)
    if (f.expected)
      out += fmt::format("expected: {}{}\n", f.title, f.note.empty() ? "" : " (" + f.note + ")");
  if (auto file = console_file(r)) {
    if (auto tail = tail_lines(*file, kConsoleExcerptLines))
      out += fmt::format("---- console: last {} lines of {} ----\n{}", kConsoleExcerptLines,
                         file->string(), *tail);
  } else if (!r.console_path.empty()) {
    out += fmt::format("(console log {} not available)\n", r.console_path);
  }
  return out;
}

std::string testcase(const results::RunRecord& r, const Baseline* baseline, Counts& c) {
  std::string errors, failures, skipped;
  if (r.status == results::Status::Skip)
    skipped = fmt::format("      <skipped message=\"{}\"/>\n",
                          xml::attr(r.error.empty() ? "skipped" : first_line(r.error)));
  // The runner records a failed run's cause as an infra finding too; one <error> is enough.
  bool infra_finding = std::any_of(r.findings.begin(), r.findings.end(), [](auto& f) {
    return !f.expected && f.category == oracle::Category::Infra;
  });
  if (r.status == results::Status::Error && !infra_finding)
    errors += fmt::format("      <error type=\"infra\" message=\"{}\">{}</error>\n",
                          xml::attr(first_line(r.error.empty() ? "run failed" : r.error)),
                          xml::text(clip(r.error)));
  for (auto& f : r.findings) {
    Verdict v = verdict(r, f, baseline);
    if (v == Verdict::Expected) continue;
    std::string body = f.text;
    if (v == Verdict::Known) {
      const BaselineEntry* e = baseline->match(f, r.fs, r.kernel_release, r.workload);
      body = fmt::format("known in baseline {} (expected rate {:.1f}%{}{})\n\n{}", baseline->path,
                         e->rate * 100, e->note.empty() ? "" : ": ", e->note, f.text);
    }
    std::string type = v == Verdict::Known ? "known" : f.kind.empty() ? "finding" : f.kind;
    std::string element = f.category == oracle::Category::Infra ? "error" : "failure";
    if (v == Verdict::Fresh && element == "error") type = "infra";
    (element == "error" ? errors : failures) +=
        fmt::format("      <{0} type=\"{1}\" message=\"{2}\">{3}</{0}>\n", element, xml::attr(type),
                    xml::attr(f.title), xml::text(clip(body)));
  }
  ++c.tests;
  c.failures += !failures.empty();
  c.errors += !errors.empty();
  c.skipped += !skipped.empty();
  c.time += r.total_s;
  return fmt::format(
      "    <testcase classname=\"daxtorture.{}\" name=\"{}\" time=\"{}\">\n{}{}{}"
      "      <system-out>{}</system-out>\n    </testcase>\n",
      xml::attr(r.fs.empty() ? "unknown" : r.fs),
      xml::attr(r.cell_id.empty() ? r.run_id : r.cell_id), seconds(r.total_s), skipped, errors,
      failures, xml::text(system_out(r)));
}

}  // namespace

std::string junit_xml(const std::string& campaign, const std::vector<results::RunRecord>& runs,
                      const Baseline* baseline) {
  // Suites in order of first appearance.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const results::RunRecord*>> suites;
  for (auto& r : runs) {
    const std::string& name = r.campaign.empty() ? campaign : r.campaign;
    if (!suites.count(name)) order.push_back(name);
    suites[name].push_back(&r);
  }
  Counts all;
  std::string body;
  for (std::size_t i = 0; i < order.size(); ++i) {
    Counts c;
    std::string cases, stamp;
    for (auto* r : suites[order[i]]) {
      cases += testcase(*r, baseline, c);
      std::string t = timestamp(r->started_at);
      if (!t.empty() && (stamp.empty() || t < stamp)) stamp = t;
    }
    std::string props = fmt::format("      <property name=\"baseline\" value=\"{}\"/>\n",
                                    xml::attr(baseline ? baseline->path : ""));
    body += fmt::format(
        "  <testsuite name=\"{}\" id=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
        "skipped=\"{}\" time=\"{}\"{}>\n    <properties>\n{}    </properties>\n{}  </testsuite>\n",
        xml::attr(order[i]), i, c.tests, c.failures, c.errors, c.skipped, seconds(c.time),
        stamp.empty() ? "" : fmt::format(" timestamp=\"{}\"", stamp), props, cases);
    all.tests += c.tests, all.failures += c.failures, all.errors += c.errors, all.time += c.time;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">\n{}"
      "</testsuites>\n",
      xml::attr(campaign), all.tests, all.failures, all.errors, seconds(all.time), body);
}

void write_junit(const std::string& path, const std::string& campaign,
                 const std::vector<results::RunRecord>& runs, const Baseline* baseline) {
  write_file_atomic(path, junit_xml(campaign, runs, baseline));
}

}  // namespace dt::report
