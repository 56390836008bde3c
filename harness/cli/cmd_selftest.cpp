// daxtorture selftest: prove the suite can see. Each mutant kernel (Debian 6.1 with one known
// DAX bug class put back) is built incrementally from the default kernel's object tree and
// its campaign runs under a time budget until the first new finding kills it; the clean
// kernel then runs the same campaigns for the same budget and must find nothing new.
// Campaigns run in-process through runner::CampaignRun, the orchestrator `daxtorture run` uses,
// so a selftest is made of ordinary, reportable campaign results (one results directory per
// mutant).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "campaign/campaign.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/progress.hpp"
#include "cli/signal_guard.hpp"
#include "image/kernel_name.hpp"
#include "metrics/exposition.hpp"
#include "report/baseline.hpp"
#include "results/store.hpp"
#include "runner/campaign_run.hpp"
#include "selftest/judge.hpp"
#include "selftest/mutants.hpp"
#include "util/error.hpp"
#include "util/paths.hpp"
#include "vm/vm.hpp"

namespace dt::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct SelftestOptions {
  std::vector<std::string> mutants;
  bool all = false, list = false, no_clean = false, clean_only = false, json = false;
  std::string budget = "5m";
  std::string out = "daxtorture-selftest";
  std::string catalogue;
  std::string baseline;
  std::string accel = "auto";
  std::string kernel = "default";  // the Debian kernel the mutants patch and the clean one runs
  int jobs = 0;
  std::optional<std::uint64_t> seed;
  std::string metrics_textfile;
};

double parse_budget(const std::string& s) {
  try {
    std::size_t used = 0;
    double v = std::stod(s, &used);
    std::string unit = s.substr(used);
    double mult = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
    if (mult > 0 && v > 0) return v * mult;
  } catch (const std::exception&) {
  }
  throw UsageError("--budget '" + s + "': expected a duration like 90s, 5m or 1h");
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Run one campaign on one kernel in-process (runner::CampaignRun, as `daxtorture run` does),
// handing each finished run to `on_run` as its `run --json` event; `on_run` returns true to end
// the campaign early (a mutant's kill). The campaign's own store is `out`, so a selftest is made
// of ordinary, reportable campaign results. Returns whether a signal stopped it before its
// budget ran out.
struct CampaignTarget {
  fs::path catalogue, campaign, out;
  std::string kernel;
  const image::Image* image = nullptr;
};

bool run_campaign(const SelftestOptions& o, const CampaignTarget& t, double budget_s,
                  vm::Accel accel, vm::Backend& backend, std::atomic<int>& signal,
                  const std::function<bool(const json&)>& on_run, selftest::Outcome& r) {
  auto camp = campaign::load_file(t.campaign);
  camp.kernels = {t.kernel};
  if (o.seed) camp.seed = *o.seed;
  const auto cells = camp.cells();
  results::Store store(t.out);
  runner::describe_campaign(store, camp.name, t.campaign, t.catalogue);

  runner::CampaignSettings s;
  s.campaign = camp.name;
  s.out = t.out;
  s.jobs = runner::jobs_for(o.jobs, cells);
  s.reuse_vm = camp.reuse_vm;
  // The mode a user's `run` gets by default, so the controls prove what users run.
  s.snapshots =
      runner::choose_reset(std::nullopt, s.reuse_vm, backend.name(), backend.capabilities())
          .snapshots;
  s.canary = runner::CanaryMode::None;
  s.backend = &backend;
  s.accel = accel;
  const auto start = std::chrono::steady_clock::now();
  std::atomic<bool> stop{false}, killed{false};
  s.stop_after = [&](const results::RunRecord& rec) {
    ++r.runs;
    if (killed || !on_run(results::run_event(rec))) return false;
    killed = true;
    r.elapsed_s = seconds_since(start);
    return true;
  };
  Progress progress(cells.size(), false);
  runner::CampaignEvents events;
  events.progress = [&](const runner::CellProgress& p) { progress.update(p); };
  events.finished = [&](const results::RunRecord& rec) { progress.finished(rec); };
  events.message = [&](const std::string& m) { progress.message(m); };
  // The budget and the user end the campaign through the same stop flag a signal sets in `run`.
  std::atomic<bool> over{false}, by_signal{false};
  std::thread watch([&] {
    while (!over) {
      if (!stop && signal != 0) by_signal = true;
      if (!stop && (signal != 0 || seconds_since(start) >= budget_s)) stop = true;
      progress.tick();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  runner::CampaignResult res;
  try {
    res = runner::CampaignRun(s, store).run(cells, {{t.kernel, *t.image}}, stop, events);
  } catch (...) {
    over = true;
    watch.join();
    throw;
  }
  over = true;
  watch.join();
  progress.done();
  store.set_meta("finished_at", results::utc_now());
  if (!killed) r.elapsed_s += seconds_since(start);
  // Stopped by the budget, a kill or the user: what ran is the result. A campaign that ended
  // by itself with runs it could not do (boot, agent, store) did not test the kernel.
  if (!stop && res.infra_errors > 0)
    r.error =
        fmt::format("campaign {} on {}: {} runs failed as infrastructure; see {}",
                    t.campaign.filename().string(), t.kernel, res.infra_errors, t.out.string());
  return by_signal && !killed;
}

int selftest(const SelftestOptions& o) {
  // Patches and campaigns are relative to the catalogue; `run` children resolve mutant:<id>
  // through the same file, so a catalogue outside the source tree works like the shipped one.
  const fs::path catalogue_file =
      fs::absolute(o.catalogue.empty() ? selftest::default_mutants_file() : fs::path(o.catalogue));
  auto catalogue = selftest::load_mutants(catalogue_file);
  if (o.list) {
    for (auto& m : catalogue) {
      std::vector<std::string> kernels = {std::string(image::default_debian_kernel().version)};
      for (auto& [version, _] : m.ports) kernels.push_back(version);
      std::cout << fmt::format("{:<32} {}\n{:<32} campaign {}, kernels {}\n", m.id, m.breaks, "",
                               fs::relative(m.campaign, catalogue_file.parent_path()).string(),
                               fmt::join(kernels, " "));
    }
    return kClean;
  }
  std::vector<selftest::Mutant> chosen;
  if (o.all) chosen = catalogue;
  for (auto& id : o.mutants) chosen.push_back(selftest::find_mutant(catalogue, id));
  if (chosen.empty()) {
    std::string known;
    for (auto& m : catalogue) known += (known.empty() ? "" : ", ") + m.id;
    throw UsageError("name the mutants: --mutant ID (repeatable) or --all (known: " + known + ")");
  }
  auto base = image::parse_builtin_kernel(o.kernel);
  if (!base)
    throw UsageError(fmt::format("--kernel '{}': not a built-in kernel ({})", o.kernel,
                                 fmt::join(image::builtin_kernel_names(), ", ")));
  const std::string clean_kernel = base->canonical();
  const std::string at = clean_kernel == "default" ? "" : "@" + clean_kernel;
  // Every chosen mutant needs a patch for this kernel: say so before any build.
  for (auto& m : chosen) (void)selftest::patch_for(m, std::string(base->debian->version));
  double budget = parse_budget(o.budget);
  if (o.clean_only && o.no_clean)
    throw UsageError("--clean-only and --no-clean exclude each other");
  if (fs::exists(o.out) && !fs::is_empty(o.out))
    throw UsageError(o.out + " already exists and is not empty; pass another --out");
  fs::create_directories(o.out);
  std::string bpath = resolve_baseline(o.baseline.empty() ? "auto" : o.baseline);
  report::Baseline baseline;
  if (!bpath.empty()) baseline = report::load_baseline(bpath);

  // A signal ends the current campaign (it keeps its results) and the selftest.
  std::atomic<bool> interrupted{false};
  std::atomic<int> signal{0};
  SignalGuard guard(interrupted, signal);
  auto backend = vm::make_backend("qemu", nlohmann::json::object());

  auto clean_img = ensure_image(request_for_kernel(clean_kernel), true);
  auto accel = choose_accel(o.accel, clean_img);
  info(accel.reason);
  std::vector<selftest::Outcome> outcomes;

  auto write_summary = [&](const std::vector<selftest::Outcome>& ms,
                           const std::optional<selftest::Outcome>& clean) {
    json j = {{"mutants", json::array()}, {"budget_s", budget}};
    int killed = 0;
    for (auto& m : ms) j["mutants"].push_back(selftest::to_json(m)), killed += m.kill.has_value();
    j["killed"] = killed;
    j["kill_rate"] = ms.empty() ? 0.0 : static_cast<double>(killed) / ms.size();
    if (clean) j["clean"] = selftest::to_json(*clean);
    std::ofstream(fs::path(o.out) / "selftest.json") << j.dump(2) << "\n";
    return j;
  };

  // The clean kernel runs every chosen campaign first, over the same budget a mutant gets:
  // a mutant's finding counts only if the clean kernel did not show it in the same cells.
  std::set<fs::path> campaigns;
  for (auto& m : chosen) campaigns.insert(m.campaign);
  std::optional<selftest::Outcome> clean;
  selftest::CleanEvidence evidence;
  if (!o.no_clean) {
    clean = selftest::Outcome{};
    clean->id = "clean";
    clean->kernel = clean_kernel;
    clean->budget_s = budget * static_cast<double>(campaigns.size());
    clean->ran = false;
    for (auto& c : campaigns) {
      if (signal != 0) {
        clean->interrupted = true;
        break;
      }
      clean->ran = true;
      info(fmt::format("selftest: clean kernel: running {} for {:.0f}s", c.filename().string(),
                       budget));
      selftest::Outcome part;
      try {
        const CampaignTarget target{catalogue_file, c,
                                    fs::path(o.out) / ("clean-" + c.stem().string()), clean_kernel,
                                    &clean_img};
        clean->interrupted |= run_campaign(
            o, target, budget, accel.accel, *backend, signal,
            [&](const json& ev) {
              evidence.add_run(ev);
              if (auto k = selftest::judge_run(ev, &baseline, {})) {
                ++part.new_findings;
                if (!part.kill) part.kill = k;
              }
              return false;
            },
            part);
      } catch (const std::exception& e) {
        part.error = e.what();
      }
      clean->runs += part.runs;
      clean->new_findings += part.new_findings;
      clean->elapsed_s += part.elapsed_s;
      if (!clean->kill && part.kill) clean->kill = part.kill;
      if (clean->error.empty()) clean->error = part.error;
    }
    info(clean->ran ? fmt::format("selftest: clean kernel: {} runs, {} new findings{}", clean->runs,
                                  clean->new_findings, clean->interrupted ? " (interrupted)" : "")
                    : "selftest: clean kernel: interrupted before it ran");
    write_summary(outcomes, clean);
  }

  for (auto& m : o.clean_only ? std::vector<selftest::Mutant>{} : chosen) {
    selftest::Outcome r;
    r.id = m.id;
    r.kernel = "mutant:" + m.id + at;
    r.breaks = m.breaks;
    r.budget_s = budget;
    if (signal != 0) {
      r.ran = false;
      outcomes.push_back(r);
      continue;
    }
    info(fmt::format("selftest: mutant {} ({}): building", m.id, m.breaks));
    try {
      auto t = std::chrono::steady_clock::now();
      const auto img = ensure_image(request_for_kernel(r.kernel, catalogue_file), true);
      r.build_s = seconds_since(t);
      info(fmt::format("selftest: mutant {}: image ready in {:.0f}s; running {} for up to {:.0f}s",
                       m.id, r.build_s, m.campaign.filename().string(), budget));
      const selftest::CleanEvidence* ce = clean && clean->ran ? &evidence : nullptr;
      const CampaignTarget target{catalogue_file, m.campaign, fs::path(o.out) / m.id, r.kernel,
                                  &img};
      r.interrupted = run_campaign(
          o, target, budget, accel.accel, *backend, signal,
          [&](const json& ev) {
            auto j = selftest::judge(ev, &baseline, m.expect, ce);
            r.also_on_clean.insert(j.also_on_clean.begin(), j.also_on_clean.end());
            if (!j.kill) return false;
            ++r.new_findings;
            r.kill = j.kill;
            return true;
          },
          r);
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    info(r.kill ? fmt::format("selftest: mutant {} KILLED after {:.0f}s by {} [{}]", m.id,
                              r.elapsed_s, r.kill->title, r.kill->kind)
         : !r.error.empty() ? fmt::format("selftest: mutant {}: ERROR {}", m.id, r.error)
         : r.interrupted    ? fmt::format("selftest: mutant {}: interrupted", m.id)
                            : fmt::format("selftest: mutant {} SURVIVED {:.0f}s", m.id, budget));
    outcomes.push_back(r);
    write_summary(outcomes, clean);
  }

  auto j = write_summary(outcomes, clean);
  if (o.json)
    std::cout << j.dump() << "\n";
  else
    std::cout << selftest::render_table(outcomes, clean);
  if (!o.metrics_textfile.empty()) {
    // A selftest is one-shot: gauges per mutant are the whole story.
    prometheus::Registry reg;
    auto& killed = prometheus::BuildGauge()
                       .Name("daxtorture_selftest_mutant_killed")
                       .Help("1 if the mutant was detected within the budget.")
                       .Register(reg);
    auto& detect = prometheus::BuildGauge()
                       .Name("daxtorture_selftest_detection_seconds")
                       .Help("Campaign time until the first new finding.")
                       .Register(reg);
    for (auto& m : outcomes) {
      killed.Add({{"mutant", m.id}}).Set(m.kill ? 1 : 0);
      if (m.kill) detect.Add({{"mutant", m.id}}).Set(m.elapsed_s);
    }
    prometheus::BuildGauge()
        .Name("daxtorture_selftest_kill_ratio")
        .Help("Killed mutants over mutants run.")
        .Register(reg)
        .Add({})
        .Set(j.value("kill_rate", 0.0));
    if (clean)
      prometheus::BuildGauge()
          .Name("daxtorture_selftest_clean_new_findings")
          .Help("Clean-kernel runs with a new finding.")
          .Register(reg)
          .Add({})
          .Set(clean->new_findings);
    metrics::write_textfile(o.metrics_textfile, metrics::to_text(reg.Collect()));
  }
  if (signal != 0) return kInterrupted;
  return selftest::selftest_exit_code(outcomes, clean);
}

}  // namespace

void add_selftest_command(CLI::App& app, std::function<int()>& action) {
  auto o = std::make_shared<SelftestOptions>();
  auto* cmd = app.add_subcommand(
      "selftest",
      "positive controls: run mutant kernels (known DAX bugs put back) and report "
      "which ones the suite detects, plus the clean kernel over the same budget");
  cmd->add_option("--mutant", o->mutants, "mutant id (repeatable; see --list)");
  cmd->add_flag("--all", o->all, "every mutant in the catalogue");
  cmd->add_flag("--list", o->list, "list the mutants and exit");
  cmd->add_option("--budget", o->budget, "campaign time per mutant (and per clean campaign)");
  cmd->add_flag("--no-clean", o->no_clean, "skip the clean-kernel comparison");
  cmd->add_option("--kernel", o->kernel,
                  "the Debian kernel the mutants patch and the clean kernel runs: default (6.1) "
                  "or 6.12 (each mutant's port, <version>/<id>.patch), or their -kasan flavour")
      ->capture_default_str();
  cmd->add_flag("--clean-only", o->clean_only,
                "only the clean kernel over the chosen mutants' campaigns (e.g. after a baseline "
                "change)");
  cmd->add_option("-o,--out", o->out, "results directory (one campaign store per mutant)");
  cmd->add_option("--catalogue", o->catalogue,
                  "mutant catalogue (guest-images/mutants/mutants.yaml)");
  cmd->add_option("--baseline", o->baseline,
                  "known findings: a file, auto (the shipped clean-kernel baseline) or none");
  cmd->add_option("--accel", o->accel, "auto, kvm or tcg");
  cmd->add_option("-j,--jobs", o->jobs, "VMs at once per campaign");
  cmd->add_option("--seed", o->seed, "campaign seed for every campaign (detection-time medians)");
  cmd->add_flag("--json", o->json, "the summary as JSON on stdout");
  cmd->add_option("--metrics-textfile", o->metrics_textfile,
                  "write node_exporter textfile metrics (kill ratio, detection seconds)");
  cmd->callback([o, &action] { action = [o] { return selftest(*o); }; });
}

}  // namespace dt::cli
