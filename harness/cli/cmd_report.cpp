// daxtorture report: summarise a results directory for people (text, HTML), CI (JUnit, exit
// code) and scripts (JSON); or show one finding or run in detail.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "image/image.hpp"
#include "image/kconfig.hpp"
#include "report/overview.hpp"
#include "report/report.hpp"
#include "report/resolve.hpp"
#include "report/upstream.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/paths.hpp"

#if defined(DT_HAVE_METRICS) && __has_include("metrics/html.hpp")
#include "metrics/html.hpp"
#define DT_METRICS_HTML 1
#endif

namespace dt::cli {
namespace {

struct ReportOptions {
  std::string out = "./daxtorture-out";
  std::string id, junit, baseline, html, upstream, vmlinux;
  bool json = false, update_baseline = false;
  int fixed_after = report::kPossiblyFixedNights;
};

// ID is a run id, a finding-hash prefix, a run-id prefix or a title prefix, in that order.
int show_one(const results::Store& store, const ReportOptions& o, const report::Baseline* b) {
  auto print = [&](const std::string& text, const nlohmann::json& j) {
    std::cout << (o.json ? j.dump(2) + "\n" : text);
    return int(kClean);
  };
  auto r = report::resolve_id(store, o.id);
  if (r.run) return print(report::run_text(store, *r.run, b), report::run_json(store, *r.run, b));
  return print(report::finding_text(store, *r.finding), report::finding_json(store, *r.finding));
}

std::string html_for(const results::Store& store, const report::Baseline* b) {
#ifdef DT_METRICS_HTML
  if (!b) return dt::metrics::render_html(store);
  // The page marks each title new, known or expected, as the text report does.
  dt::metrics::Verdicts verdicts;
  for (const auto& t : report::overview(store, b, report::kPossiblyFixedNights).findings)
    verdicts[t.summary.title] = report::to_string(t.verdict);
  return dt::metrics::render_html(store, &verdicts);
#else
  return report::html_page(store, b);
#endif
}

int run_report(const ReportOptions& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Store() would create an empty directory; a typo in --out must not look like a clean run.
  if (!fs::is_regular_file(fs::path(o.out) / "results.sqlite", ec))
    throw UsageError(
        fmt::format("{} holds no results (no results.sqlite); pass the --out of a run", o.out));
  results::Store store(o.out);
  std::optional<report::Baseline> baseline;
  const std::string baseline_path = resolve_baseline(o.baseline);  // "auto": every shipped one
  if (!baseline_path.empty()) baseline = report::load_baseline(baseline_path);
  const report::Baseline* b = baseline ? &*baseline : nullptr;
  auto runs = store.runs();

  if (!o.junit.empty()) {
    std::string campaign = store.meta("campaign");
    if (campaign.empty())
      campaign = runs.empty() || runs[0].campaign.empty() ? "daxtorture" : runs[0].campaign;
    report::write_junit(o.junit, campaign, runs, b);
    info("wrote " + o.junit);
  }
  if (!o.html.empty()) {
    write_file_atomic(o.html, html_for(store, b));
    info("wrote " + o.html);
  }
  if (o.update_baseline && baseline) {
    if (int n = report::mark_seen(*baseline, runs); n > 0) {
      report::save_baseline(*baseline, baseline_path);
      info(fmt::format("updated last_seen of {} entries in {}", n, baseline_path));
    }
  }
  if (!o.upstream.empty()) {
    report::UpstreamOptions uo;
    uo.image_cache = cache_dir();
    uo.vmlinux = o.vmlinux;
    uo.fragments = [](const std::string& flavour) -> std::optional<report::FragmentSource> {
      try {
        return report::FragmentSource{image::flavour_fragments(flavour),
                                      image::ImageStore().merged_fragment(flavour)};
      } catch (const std::exception&) {
        return std::nullopt;  // a prebuilt kernel, or fragments that no longer load
      }
    };
    std::cout << report::render_upstream(report::gather_upstream(store, o.upstream, uo));
    return kClean;
  }
  if (!o.id.empty()) return show_one(store, o, b);

  if (o.json)
    std::cout << report::store_json(store, b, o.fixed_after).dump(2) << "\n";
  else
    std::cout << report::store_text(store, b, o.fixed_after);
  return report::exit_code(runs, report::classify(runs, b));
}

}  // namespace

void add_report_command(CLI::App& app, std::function<int()>& action) {
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand(
      "report",
      "summarise a results directory; exit 1 if it has new findings, 3 if runs failed, else 0");
  cmd->add_option("id", o->id, "a finding hash or title prefix, or a run id: show it in detail");
  cmd->add_option("--out,--from", o->out, "results directory of a run")->capture_default_str();
  cmd->add_flag("--json", o->json, "print JSON instead of text");
  auto* up = cmd->add_option("--upstream", o->upstream,
                             "print a plain-text bug report for a kernel mailing list of this "
                             "finding (hash or title prefix) or run")
                 ->excludes(cmd->get_option("id"))
                 ->excludes(cmd->get_option("--json"));
  cmd->add_option("--vmlinux", o->vmlinux,
                  "with --upstream: decode stacks to file:line with this vmlinux (with DWARF)")
      ->needs(up);
  cmd->add_option("--junit", o->junit, "also write JUnit XML to this file (for CI)");
  cmd->add_option("--baseline", o->baseline,
                  "known findings: a YAML file, a directory of them, 'auto' (every shipped "
                  "per-kernel baseline in baselines/) or 'none'");
  cmd->add_option("--html", o->html, "also write an HTML page to this file");
  cmd->add_flag("--update-baseline", o->update_baseline,
                "record today's sightings in the baseline's last_seen fields")
      ->needs(cmd->get_option("--baseline"));
  cmd->add_option("--fixed-after", o->fixed_after,
                  "nights unseen before a baseline entry is reported as possibly fixed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([o, &action] { action = [o] { return run_report(*o); }; });
}

}  // namespace dt::cli
