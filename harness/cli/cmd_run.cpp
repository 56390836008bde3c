// daxtorture run CAMPAIGN: expand the matrix, run every cell in a fresh VM (up to --jobs at
// once), write each run to the store the moment it ends, and exit by what was found:
// 0 clean, 1 new findings, 2 usage/config, 3 infrastructure failure, 130 interrupted.
#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "campaign/campaign.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/progress.hpp"
#include "cli/signal_guard.hpp"
#include "injector.hpp"
#include "metrics/metrics.hpp"
#include "report/report.hpp"
#include "results/store.hpp"
#include "runner/campaign_run.hpp"
#include "util/error.hpp"

namespace dt::cli {
namespace fs = std::filesystem;

namespace {

struct RunOptions {
  std::string campaign;
  std::string out = "daxtorture-out";
  int jobs = 0;
  std::string shard;
  bool resume = false;
  std::string accel = "auto";
  std::string backend = "qemu";
  std::vector<std::string> connect;
  bool keep = false;
  bool json = false;
  bool list = false;
  bool no_canary = false;
  std::string canary = "first";  // first run of each kernel, every run, or none
  double silence = 150;
  std::string metrics_listen, pushgateway, metrics_textfile;
  std::string baseline = "auto", junit;
  std::vector<std::string> kernels;   // replaces the campaign's kernel axis
  std::string catalogue;              // where mutant:<id> kernels are looked up
  bool stop_at_new = false;           // end the campaign at the first run with a new finding
  std::optional<std::uint64_t> seed;  // replaces the campaign's seed
  int reuse_vm = 0;  // cells per booted guest (VM pool); 1: a fresh VM per cell; 0: the campaign's
  bool fresh_vm = false;
  // Snapshot mode (restore unfit guests instead of rebooting them): --snapshot-reset,
  // --no-snapshot-reset, or neither (on wherever the pool is and the backend can).
  std::optional<bool> snapshot_reset;
};

// Does this run hold a finding that is neither expected, nor known to the baseline, nor
// infrastructure? (What --stop-at-first-new-finding stops at: a kernel verdict.)
bool first_new(const results::RunRecord& rec, const report::Baseline* baseline) {
  return std::any_of(rec.findings.begin(), rec.findings.end(), [&](const oracle::Finding& f) {
    return f.category != oracle::Category::Infra &&
           report::verdict(rec, f, baseline) == report::Verdict::Fresh;
  });
}

int run(const RunOptions& o) {
  auto camp = campaign::load_file(o.campaign);
  if (!o.kernels.empty()) {
    // Spelled as a campaign file would be (one cell id per kernel); paths on the command line
    // are relative to the working directory, and records and repro need where they are.
    camp.kernels.clear();
    for (const auto& k : o.kernels) {
      auto canon = campaign::canonical_kernel(k, fs::current_path().string());
      if (!canon.error.empty()) throw UsageError("--kernel: " + canon.error);
      if (auto why = campaign::add_kernel(camp.kernels, std::move(canon.name), k); !why.empty())
        throw UsageError("--kernel: " + why);
    }
  }
  fs::path catalogue = o.catalogue.empty() ? fs::path() : fs::absolute(o.catalogue);
  for (auto& k : camp.kernels) (void)request_for_kernel(k, catalogue);  // unknown mutant: now
  if (o.seed) camp.seed = *o.seed;
  auto cells = camp.cells();
  for (auto& n : camp.notes) info("note: " + n.str());
  if (!o.shard.empty()) {
    std::pair<int, int> kn;
    try {
      kn = campaign::parse_shard(o.shard);
      cells = campaign::shard(cells, kn.first, kn.second);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--shard: ") + e.what());
    }
  }
  if (o.list) {
    for (auto& c : cells) {
      if (o.json)
        std::cout << nlohmann::json{{"index", c.index}, {"id", c.id}, {"seed", c.seed}}.dump()
                  << "\n";
      else
        std::cout << c.id << "\n";
    }
    return kClean;
  }

  if (o.fresh_vm && o.reuse_vm > 1)
    throw UsageError("--fresh-vm and --reuse-vm N > 1 contradict each other");
  const auto canary = runner::parse_canary_mode(o.no_canary ? "none" : o.canary);
  // A bad baseline is a configuration error: find it before anything boots.
  std::optional<report::Baseline> baseline;
  const std::string baseline_path = resolve_baseline(o.baseline);
  if (!baseline_path.empty()) {
    baseline = report::load_baseline(baseline_path);
    if (o.baseline == "auto")
      info("baseline: " + baseline_path +
           " (findings known on the clean kernel do not fail the run; --baseline none counts "
           "them)");
  }
  results::Store store(o.out);
  auto done = store.completed_cells();
  if (!done.empty() && !o.resume)
    throw UsageError(fmt::format(
        "{} already holds results of campaign '{}'; pass --resume to continue it, or another --out",
        o.out, store.meta("campaign")));
  if (o.resume && !store.meta("campaign").empty() && store.meta("campaign") != camp.name)
    throw UsageError(fmt::format("--resume: {} holds campaign '{}', not '{}'", o.out,
                                 store.meta("campaign"), camp.name));
  runner::describe_campaign(store, camp.name, o.campaign, catalogue, o.shard);
  std::vector<campaign::Cell> todo;
  for (auto& c : cells)
    if (!done.count(c.id)) todo.push_back(c);
  if (o.resume)
    info(fmt::format("resume: {} of {} cells already done", cells.size() - todo.size(),
                     cells.size()));

  // The backend first: an unknown one, or a campaign it cannot run, is a usage error before
  // any kernel build.
  nlohmann::json backend_opts = nlohmann::json::object();
  if (!o.connect.empty()) backend_opts["connect"] = o.connect;
  auto backend = vm::make_backend(o.backend, backend_opts);
  injectors::check_backend(camp, o.backend, backend->capabilities());
  const int reuse_vm = o.fresh_vm ? 1 : o.reuse_vm > 0 ? o.reuse_vm : camp.reuse_vm;
  const auto reset =
      runner::choose_reset(o.snapshot_reset, reuse_vm, o.backend, backend->capabilities());

  // Images for every kernel in the matrix, built up front (a cold build is minutes; say so).
  std::map<std::string, image::Image> images;
  for (auto& c : todo)
    if (!images.count(c.kernel))
      images.emplace(c.kernel, ensure_image(request_for_kernel(c.kernel, catalogue), true));
  if (todo.empty()) {
    info("nothing to run");
  }
  vm::AccelChoice accel{vm::Accel::Tcg, ""};
  if (!images.empty()) {
    accel = choose_accel(o.accel, images.begin()->second);
    info(accel.reason);
  }
  const int jobs = runner::jobs_for(o.jobs, cells);
  info(fmt::format("campaign {}: {} cells to run{}, {} VMs at a time, results in {}", camp.name,
                   todo.size(), o.shard.empty() ? "" : " (shard " + o.shard + ")", jobs,
                   fs::absolute(o.out).string()));

  metrics::Metrics metrics(
      metrics::Options{camp.name, o.shard, o.metrics_listen, o.pushgateway, o.metrics_textfile});
  if (!o.metrics_listen.empty()) info("metrics: live endpoint on " + o.metrics_listen + "/metrics");
  std::atomic<bool> stop{false};
  std::atomic<int> signal{0};
  SignalGuard guard(stop, signal);
  Progress progress(todo.size(), o.json);
  runner::CampaignSettings settings;
  settings.campaign = camp.name;
  settings.out = o.out;
  settings.jobs = jobs;
  settings.reuse_vm = reuse_vm;
  settings.keep_artifacts = o.keep;
  settings.snapshots = reset.snapshots;
  settings.canary = canary;
  settings.session.silence_timeout_s = o.silence;
  settings.backend = backend.get();
  settings.backend_name = o.backend;
  settings.accel = accel.accel;
  if (o.stop_at_new)
    settings.stop_after = [&](const results::RunRecord& rec) {
      return first_new(rec, baseline ? &*baseline : nullptr);
    };
  if (settings.reuse_vm > 1)
    info(
        fmt::format("VM pool: up to {} cells per guest; a guest is replaced after any finding, "
                    "taint, damaging injector or task left in D state; {}",
                    settings.reuse_vm, reset.why));

  std::atomic<bool> ticking{true};
  std::thread ticker([&] {
    while (ticking) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      progress.tick();
    }
  });
  runner::CampaignEvents events;
  events.started = [&](const campaign::Cell& c) { metrics.run_started(c.id); };
  events.progress = [&](const runner::CellProgress& p) {
    progress.update(p);
    if (p.iterations_delta || p.faults_delta)
      metrics.progress(p.fs, p.workload, p.iterations_delta, p.faults_delta);
  };
  events.finished = [&](const results::RunRecord& rec) {
    metrics.observe_run(rec);
    progress.finished(rec);
  };
  events.message = [&](const std::string& m) { progress.message(m); };
  runner::CampaignRun campaign_run(settings, store);
  const auto outcome = campaign_run.run(todo, images, stop, events);
  int infra_errors = outcome.infra_errors;
  ticking = false;
  ticker.join();
  progress.done();
  store.set_meta("finished_at", results::utc_now());

  {
    // Orchestrator overhead: our own CPU (not QEMU's) per VM-hour of the runs done here.
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    double vm_s = progress.vm_seconds();
    store.set_meta("harness_cpu_s", fmt::format("{:.3f}", cpu));
    store.set_meta("vm_seconds", fmt::format("{:.1f}", vm_s));
    if (vm_s > 0)
      info(fmt::format("harness: {:.1f} CPU-s for {:.2f} VM-hours ({:.0f} CPU-s per VM-hour)", cpu,
                       vm_s / 3600, cpu / (vm_s / 3600)));
  }
  auto summary = store.findings();
  std::size_t fresh = 0;
  for (auto& f : summary) fresh += !f.expected_only;
  info(fmt::format("results: {} ({} distinct finding titles, {} new)", fs::absolute(o.out).string(),
                   summary.size(), fresh));
  for (auto& f : summary)
    if (!f.expected_only)
      info(fmt::format("  {:>3}/{:<3} {} [{}]", f.count, f.runs_total, f.title, f.kind));
  const bool canary_missing = outcome.canary_missing;
  bool success = (!stop || outcome.stopped_after) && infra_errors == 0 && !canary_missing;
  metrics.campaign_finished(success);
  metrics.save_to(store, camp.name);
  try {
    metrics.deliver();
  } catch (const InfraError& e) {
    info(std::string("metrics: ") + e.what());  // results are safe in the store; say so and go on
    ++infra_errors;
  }
  // New vs known: the exit code counts only findings the baseline does not know.
  // The verdict counts the latest run of each cell: a retried boot failure stays in the
  // store for the record but does not fail a campaign whose retry succeeded.
  const auto all_runs = runner::latest_runs(store);
  auto classified = report::classify(all_runs, baseline ? &*baseline : nullptr);
  // A workload that died (expected under fault injection) raced for part of its cell only and
  // never ran its final check: say how much of the campaign that is, or lost coverage hides
  // behind a clean result.
  std::size_t died = 0;
  for (const auto& r : all_runs)
    died += std::any_of(r.findings.begin(), r.findings.end(),
                        [](const oracle::Finding& f) { return f.kind == "workload-died"; });
  if (died > 0)
    info(
        fmt::format("coverage: {} of {} cells ended without the workload's result (died, see "
                    "their workload-died findings): no final check there",
                    died, all_runs.size()));
  if (baseline)
    info(fmt::format("baseline {}: {} new, {} known, {} expected findings", baseline_path,
                     classified.fresh.size(), classified.known.size(), classified.expected.size()));
  if (!o.junit.empty()) {
    report::write_junit(o.junit, camp.name, all_runs, baseline ? &*baseline : nullptr);
    info("junit: " + o.junit);
  }
  if (signal != 0) return kInterrupted;  // interrupted; a disk-full or first-finding stop is not
  if (report::exit_code(all_runs, classified) == kFindings) return kFindings;
  if (canary_missing) {
    info("campaign BROKEN: the canary's deliberate hung-task report was not seen on the console");
    return kInfra;
  }
  return infra_errors > 0 ? int(kInfra) : int(kClean);
}

}  // namespace

void add_run_command(CLI::App& app, std::function<int()>& action) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand(
      "run", "run a campaign (a matrix of filesystems x workloads x injectors) in VMs");
  cmd->add_option("campaign", o->campaign, "campaign YAML (see campaigns/)")->required();
  cmd->add_option("-o,--out", o->out,
                  "results directory (SQLite store, per-run JSON and console logs)");
  cmd->add_option("-j,--jobs", o->jobs, "VMs at once (default: from cores and memory)");
  cmd->add_option("--shard", o->shard, "run slice K of N (1-based) of the matrix, e.g. 2/4");
  cmd->add_flag("--resume", o->resume, "continue an interrupted campaign in --out");
  cmd->add_option("--seed", o->seed,
                  "campaign seed instead of the file's (every cell's seed follows)");
  cmd->add_option("--kernel", o->kernels,
                  "run on this kernel instead of the campaign's (default = 6.1, kasan = "
                  "6.1-kasan, 6.12, 6.12-kasan, mutant:<id>[@<kernel>], patch:FILE[@<kernel>], "
                  "src:PATH or a bzImage "
                  "path; "
                  "repeatable)");
  cmd->add_option("--catalogue", o->catalogue,
                  "mutant catalogue that names mutant:<id> kernels (default: the shipped one)");
  cmd->add_flag("--stop-at-first-new-finding", o->stop_at_new,
                "end the campaign at the first run with a finding that is not expected and not "
                "in --baseline (exit 1; for git bisect run)");
  cmd->add_option("--accel", o->accel, "auto, kvm or tcg");
  cmd->add_option("--backend", o->backend, "VM backend: qemu or libvirt")
      ->envname("DAXTORTURE_BACKEND")
      ->capture_default_str();
  cmd->add_option("--connect", o->connect, "libvirt URI (repeatable: VMs are spread across hosts)");
  cmd->add_option(
         "--reuse-vm", o->reuse_vm,
         "run up to N cells on one booted guest (VM pool, as syzkaller reuses VMs): a "
         "guest is replaced after any finding, taint, damaging injector or task left in "
         "D state; default: the campaign's reuse_vm (10 unless it says otherwise; 1: a fresh "
         "VM for every cell)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--fresh-vm", o->fresh_vm,
                "boot a fresh VM for every cell, whatever the campaign's reuse_vm says");
  // Two flags with callbacks: neither given must leave the choice unset (the default mode).
  auto* on = cmd->add_flag_callback(
      "--snapshot-reset", [o] { o->snapshot_reset = true; },
      "snapshot mode, on by default with the VM pool where the backend can (qemu): save each "
      "fresh guest once, with its namespace made, and put back a guest a cell left unfit "
      "(report, taint, damaging injector) from that snapshot instead of booting a new one; "
      "only a power cut still gets a VM of its own");
  cmd->add_flag_callback(
         "--no-snapshot-reset", [o] { o->snapshot_reset = false; },
         "reboot a guest a cell left unfit instead of restoring its snapshot")
      ->excludes(on);
  cmd->add_flag("--keep-artifacts", o->keep, "keep NVDIMM backing files of every run");
  cmd->add_flag("--json", o->json, "JSON lines on stdout (one per phase and per finished run)");
  cmd->add_flag("--list", o->list, "print the cells (after --shard) and exit");
  cmd->add_option("--canary", o->canary,
                  "deliberate hung-task splat proving the console is watched: first (run of each "
                  "kernel), every, none");
  cmd->add_flag("--no-canary", o->no_canary, "same as --canary none");
  cmd->add_option("--silence-timeout", o->silence,
                  "seconds without console or agent output before 'no output'");
  cmd->add_option("--baseline", o->baseline,
                  "known findings: a baseline file, 'auto' (the shipped clean-kernel baselines, "
                  "default) or 'none': only new findings fail the run");
  cmd->add_option("--junit", o->junit,
                  "write JUnit XML (one testcase per cell) to PATH at the end");
  cmd->add_option("--metrics-listen", o->metrics_listen,
                  "serve live Prometheus metrics on ADDR (e.g. 127.0.0.1:9464)");
  cmd->add_option("--pushgateway", o->pushgateway,
                  "push metrics to this Pushgateway URL at the end");
  cmd->add_option("--metrics-textfile", o->metrics_textfile,
                  "write node_exporter textfile metrics to PATH at the end");
  cmd->callback([o, &action] { action = [o] { return run(*o); }; });
}

}  // namespace dt::cli
