#include "report/html.hpp"

#include <fmt/format.h>

#include "report/overview.hpp"
#include "util/xml.hpp"

namespace dt::report {
namespace {

// XML escaping is also valid HTML escaping, and it cleans the console bytes.
std::string esc(const std::string& s) {
  return xml::attr(s);
}

}  // namespace

std::string html_page(const results::Store& store, const Baseline* baseline) {
  Overview o = overview(store, baseline, kPossiblyFixedNights);
  std::string title = "daxtorture: " + (o.campaign.empty() ? o.dir : o.campaign);
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{0}</title>\n"
      "<style>body{{font-family:sans-serif}} table{{border-collapse:collapse}} "
      "td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}} "
      ".new{{background:#fdd}} .known{{background:#ffd}} .error{{background:#fcc}} "
      ".pass{{background:#dfd}}</style></head><body>\n<h1>{0}</h1>\n",
      esc(title));
  out += fmt::format("<p>{} runs; findings: {} new, {} known, {} expected</p>\n", o.runs.size(),
                     o.fresh, o.known, o.expected);

  out +=
      "<h2>Findings</h2>\n<table><tr><th>status</th><th>hash</th><th>runs</th><th>kind</th>"
      "<th>title</th><th>frame</th><th>first seen</th><th>last seen</th><th>repro</th></tr>\n";
  for (auto& t : o.findings) {
    auto& s = t.summary;
    std::string v = to_string(t.verdict);
    out += fmt::format(
        "<tr class=\"{}\"><td>{}</td><td><code>{}</code></td><td>{}/{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td><code>daxtorture repro {} --from "
        "{}</code></td></tr>\n",
        v, v, esc(s.hash.substr(0, 8)), s.count, s.runs_total, esc(s.kind), esc(s.title),
        esc(s.frame), esc(s.first_seen), esc(s.last_seen), esc(shell_quote(s.example_run)),
        esc(shell_quote(o.dir)));
  }
  out += "</table>\n";

  out +=
      "<h2>Runs</h2>\n<table><tr><th>cell</th><th>status</th><th>kernel</th><th>seed</th>"
      "<th>time</th><th>findings</th><th>run</th></tr>\n";
  for (auto& r : o.runs) {
    std::string st = results::to_string(r.status);
    out += fmt::format(
        "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}s</td><td>{}</td>"
        "<td><code>{}</code></td></tr>\n",
        st, esc(r.cell_id), st == "error" ? esc("error: " + r.error) : st, esc(r.kernel_release),
        r.seed, r.total_s, r.findings.size(), esc(r.run_id));
  }
  out += "</table>\n";
  if (!o.unseen.empty()) {
    out += "<h2>Baseline entries not seen</h2>\n<ul>\n";
    for (std::size_t i = 0; i < o.unseen.size(); ++i)
      out += fmt::format("<li>{} (last seen {}){}</li>\n", esc(o.unseen[i].title),
                         esc(o.unseen[i].last_seen.empty() ? "never" : o.unseen[i].last_seen),
                         o.possibly_fixed[i] ? ": possibly fixed" : "");
    out += "</ul>\n";
  }
  return out + "</body></html>\n";
}

}  // namespace dt::report
