#include "runner/cell.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <fstream>
#include <optional>

#include "injector.hpp"
#include "oracle/finding.hpp"
#include "protocol/exit_codes.hpp"
#include "runner/dax_setup.hpp"
#include "util/error.hpp"

namespace dt::runner {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::string make_run_id(const campaign::Cell& cell) {
  std::string id = cell.id;
  for (auto& c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '_';
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return fmt::format("{:04}-{}-{:x}", cell.index, id, ms & 0xffffffffff);
}

json cell_json(const campaign::Cell& c) {
  json params = json::object();
  for (auto& p : c.workload.params) params[p.key] = p.value;
  json inj = json::array();
  for (auto& i : c.injectors) {
    json ip = json::object();
    for (auto& p : i.params) ip[p.key] = p.value;
    inj.push_back({{"name", i.name}, {"params", ip}});
  }
  return {{"id", c.id},
          {"index", c.index},
          {"fs", {{"name", c.fs.name}, {"mkfs", c.fs.mkfs_args}, {"mount", c.fs.mount_opts}}},
          {"workload", {{"name", c.workload.name}, {"params", params}}},
          {"injectors", inj},
          {"kernel", c.kernel},
          {"vm",
           {{"vcpus", c.vm.vcpus},
            {"memory", c.vm.memory_bytes},
            {"nvdimm", c.vm.nvdimm_bytes},
            {"nvdimms", c.vm.nvdimm_count}}},
          {"duration_s", c.duration_s},
          {"iterations", c.iterations},
          {"repetition", c.repetition},
          {"seed", c.seed},
          {"argv", c.workload_argv("/mnt/dax/work")}};
}

namespace {

std::string tail_lines(const std::string& text, std::size_t n) {
  std::size_t pos = text.size();
  for (std::size_t i = 0; i < n && pos > 0; ++i) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

std::string injectors_label(const campaign::Cell& c) {
  if (c.injectors.empty()) return "none";
  std::string s;
  for (auto& i : c.injectors) s += (s.empty() ? "" : "+") + i.name;
  return s;
}

// Seconds without a context switch that make a task left in D state after its cell "hung".
constexpr int kLateHungTimeout = 10;

// What the reuse decision reads from the guest, in one command: the kernel's taint flags (a
// WARN, a bad page or a forced module taints) and the user tasks (not kthreadd's children) in
// D state, by busybox awk over every task's status.
struct GuestHealth {
  std::string taint = "?";
  std::vector<std::string> stuck;
  bool timed_out = false;
};

GuestHealth guest_health(Session& s) {
  static const char* kScript =
      "cat /proc/sys/kernel/tainted; "
      "awk 'FNR==1 && st==\"D\" && pp!=2 && pp!=0 {print n} FNR==1 {st=\"\"} "
      "/^Name:/ {n=$2} /^State:/ {st=$2} /^PPid:/ {pp=$2} "
      "END {if (st==\"D\" && pp!=2 && pp!=0) print n}' /proc/[0-9]*/status 2>/dev/null";
  auto r = s.exec({"sh", "-c", kScript}, 30);
  GuestHealth h;
  h.timed_out = r.timed_out;
  if (!r.out.empty()) {
    h.taint = r.out.front();
    h.stuck.assign(r.out.begin() + 1, r.out.end());
  }
  return h;
}

// Why a guest that finished its cell without a finding must not run the next one ("" if it
// may). A user task still in D state would fire its hung-task report during a later cell.
struct Unfit {
  std::string why;
  bool stuck_tasks = false;
};

Unfit why_not_reuse(Session& s, const results::RunRecord& r, const KeptGuest& g, bool skip_fsck) {
  if (r.lockdep_disabled) return {"lockdep turned itself off"};
  if (skip_fsck) return {"no fsck after the injection"};
  if (r.status == results::Status::Error) return {"error: " + r.error};
  // A stuck task is named before the taint: the cell then waits for its report, and the cell
  // that left it has often tainted the kernel too (a module loaded, a WARN).
  auto h = guest_health(s);
  if (h.timed_out) return {"the D-state check timed out", true};
  if (!h.stuck.empty()) return {fmt::format("tasks in D state: {}", fmt::join(h.stuck, " ")), true};
  if (h.taint != g.taint) return {"kernel tainted (" + g.taint + " -> " + h.taint + ")"};
  return {};
}

}  // namespace

results::RunRecord run_cell(const campaign::Cell& cell, const image::Image& img,
                            const CellContext& ctx,
                            const std::function<void(const CellProgress&)>& progress) {
  results::RunRecord r;
  r.run_id = make_run_id(cell);
  r.campaign = ctx.campaign;
  r.cell_id = cell.id;
  r.cell_index = cell.index;
  r.fs = cell.fs.name;
  r.workload = cell.workload.name;
  r.injectors = injectors_label(cell);
  r.kernel = cell.kernel;
  r.cell = cell_json(cell);
  r.seed = cell.seed;
  r.repetition = cell.repetition;
  r.image_key = img.key;
  r.kernel_release = img.kernel_release();
  r.accel = vm::to_string(ctx.accel);
  r.backend = ctx.backend_name;
  r.started_at = results::utc_now();
  r.canary_seen = !ctx.canary;
  fs::path workdir = ctx.out / "runs" / r.run_id;
  r.workdir = workdir.string();
  r.console_path = (workdir / "console.log").string();
  double t0 = vm::steady_now();

  CellProgress prog{r.run_id, cell.id, "booting", cell.fs.name, cell.workload.name};
  auto report = [&](const std::string& phase) {
    prog.phase = phase;
    prog.elapsed = vm::steady_now() - t0;
    prog.findings = r.findings.size();
    if (progress) progress(prog);
    prog.iterations_delta = prog.faults_delta = 0;
  };
  report("booting");

  std::vector<std::unique_ptr<injectors::Injector>> injs;
  try {
    for (auto& spec : cell.injectors)
      injs.push_back(injectors::make(spec, cell.fs.name, cell.seed));
  } catch (const UsageError& e) {
    r.status = results::Status::Skip;
    r.error = e.what();
    r.finished_at = results::utc_now();
    return r;
  }

  vm::Config cfg;
  cfg.kernel = img.kernel;
  cfg.initramfs = img.initramfs;
  cfg.accel = ctx.accel;
  cfg.workdir = workdir;
  cfg.vcpus = cell.vm.vcpus;
  cfg.memory_bytes = cell.vm.memory_bytes;
  cfg.nvdimms.assign(static_cast<std::size_t>(cell.vm.nvdimm_count), cell.vm.nvdimm_bytes);

  // A kept guest (VM pool) runs this cell when the slot is on and nothing in the cell changes
  // the guest for good: the canary's report and damaging injectors get a VM of their own.
  bool pooled = ctx.slot && ctx.slot->enabled() && !ctx.canary;
  for (auto& inj : injs) pooled = pooled && inj->leaves_guest_reusable();
  if (ctx.slot && ctx.slot->enabled() && !pooled) {
    ctx.slot->retire_kept();
    r.guest_retired = ctx.canary
                          ? "a VM of its own: the canary's report"
                          : "a VM of its own: " + injectors_label(cell) + " changes the guest";
  }
  const GuestKey key{
      img.key, ctx.accel, cfg.vcpus, cfg.memory_bytes, cell.vm.nvdimm_bytes, cell.vm.nvdimm_count};
  std::optional<KeptGuest> guest;  // this cell's guest, while it may still be kept
  std::size_t console_from = 0;    // where this cell's part of the guest's console starts
  bool console_saved = !pooled;    // a pooled cell copies its part into its run directory

  std::unique_ptr<Session> s;
  // The cell's own console.log: its slice of the guest's console (pooled cells only).
  auto save_console = [&] {
    if (console_saved || !s) return;
    console_saved = true;
    std::error_code ec;
    fs::create_directories(workdir, ec);
    std::string text = s->console_text();
    std::ofstream(workdir / "console.log", std::ios::binary)
        << std::string_view(text).substr(std::min(console_from, text.size()));
  };
  std::optional<std::string> canary_output;  // set once the canary ran
  auto collect_reports = [&] {
    if (!s) return;
    for (auto& rep : s->take_reports()) {
      auto f = oracle::from_report(rep);
      // The canary's own hung-task report is the proof that we can see, not a bug.
      if (ctx.canary && rep.kind == console::Kind::HungTask &&
          rep.text.find("dt-canary") != std::string::npos) {
        f.expected = true;
        f.note = "canary";
        r.canary_seen = true;
      }
      r.findings.push_back(std::move(f));
    }
    r.lockdep_disabled = r.lockdep_disabled || s->lockdep_disabled();
  };

  // A VM the harness is tearing down (selftest ending a campaign, Ctrl-C) dies with a boot
  // error or a lost guest: that is an interruption, not a finding about the kernel.
  auto interrupted = [&] {
    if (!ctx.should_abort || !ctx.should_abort()) return;
    if (s) s->close(true);
    throw Interrupted();
  };
  try {
    if (pooled) guest = ctx.slot->take(key);
    DaxProof proof;
    if (guest) {
      s = std::move(guest->session);
      s->should_abort = ctx.should_abort;
      r.guest_cell = ++guest->cells;
      console_from = s->console_size();
      report("setup");
      proof = format_and_mount(*s, cell.fs, console_from);
    } else {
      if (pooled) {
        guest = KeptGuest{nullptr, key, ctx.slot->new_vm_dir(), 1, vm::steady_now(), ""};
        cfg.workdir = guest->dir;  // the VM outlives this cell: its files live beside the runs
      }
      s = std::make_unique<Session>(*ctx.backend, cfg, ctx.session);
      s->should_abort = ctx.should_abort;
      s->wait_ready();
      r.boot_to_ready_s = s->boot_to_ready_s();
      if (guest) guest->taint = guest_health(*s).taint;
      report("setup");
      proof = setup_dax(*s, cell.fs, cell.vm.nvdimm_count);
    }
    r.dax_proof = proof.check;
    r.setup_s = proof.seconds;
    if (!proof.ok) throw InfraError(proof.message);

    if (ctx.canary) {
      report("canary");
      auto c = s->exec({"dt-canary", "hung-task", kMountPoint}, 60);
      s->idle(1.0);  // the report's stack trace follows the first line
      collect_reports();
      // The report may complete only when later console lines arrive: judged at the end.
      canary_output = c.output();
    }

    report("workload");
    double budget = cell.duration_s > 0 ? cell.duration_s : 3600;
    double wl_start = vm::steady_now();
    int verdicts = 0;
    auto on_line = [&](const std::string& line) {
      auto j = json::parse(line, nullptr, false);
      if (!j.is_object()) return;
      std::string type = j.value("type", "");
      if (type == "progress") {
        auto it = j.value("iterations", std::uint64_t{0}), fl = j.value("faults", std::uint64_t{0});
        prog.iterations_delta += it > prog.iterations ? it - prog.iterations : 0;
        prog.faults_delta += fl > prog.faults ? fl - prog.faults : 0;
        prog.iterations = it, prog.faults = fl;
        report("workload");
      } else if (type == "verdict") {
        if (++verdicts <= 50) r.findings.push_back(oracle::from_verdict(cell.workload.name, j));
      } else if (type == "result") {
        r.workload_result = j;
      }
      for (auto& inj : injs) inj->on_workload_line(j);
    };
    auto take_injector_findings = [&] {
      for (auto& inj : injs)
        for (auto& f : inj->take_findings()) r.findings.push_back(std::move(f));
    };
    // One pass per power cut (one pass without a power-cut injector): the cut ends the VM on
    // purpose, a fresh VM boots on the same NVDIMM files, the injector recovers and checks.
    injectors::Injector* cutter = nullptr;
    for (auto& inj : injs)
      if (inj->wants_cut()) cutter = inj.get();
    ExecResult wl;
    bool cut_run = false;
    for (;;) {
      s->exec_checked({"mkdir", "-p", std::string(kMountPoint) + "/work"}, 30);
      auto argv = cell.workload_argv(std::string(kMountPoint) + "/work");
      for (auto& inj : injs) {
        inj->arm(*s);
        argv = inj->wrap(argv);
      }
      wl_start = vm::steady_now();
      if (!injs.empty())
        s->on_tick = [&] {
          double t = vm::steady_now() - wl_start;
          for (auto& inj : injs) inj->tick(*s, t);
        };
      cut_run = false;
      try {
        wl = s->exec(argv, budget + 120, on_line);
        s->on_tick = nullptr;
        if (cutter && cutter->wants_cut()) {
          cutter->cut_now(*s, vm::steady_now() - wl_start);  // the workload finished first
          s->idle(30);
        }
      } catch (const GuestLost&) {
        s->on_tick = nullptr;
        if (!cutter || !cutter->cut_pending()) throw;
      }
      if (!cutter || !cutter->cut_pending()) break;
      // The power is off: what the old VM printed is in; boot on the same NVDIMM files.
      cut_run = true;
      r.workload_s += vm::steady_now() - wl_start;
      auto files = s->instance().nvdimm_files();
      s->close();
      collect_reports();
      cfg.nvdimm_files = files;
      report("booting");
      s = std::make_unique<Session>(*ctx.backend, cfg, ctx.session);
      s->should_abort = ctx.should_abort;
      s->wait_ready();
      report("recovery");
      bool again = cutter->recover(*s, cell.fs);
      take_injector_findings();
      collect_reports();
      if (!again) break;
      r.workload_result = json();
      report("workload");
    }
    if (!cut_run) r.workload_s += vm::steady_now() - wl_start;
    bool skip_fsck = false;
    for (auto& inj : injs) {
      inj->disarm(*s);
      r.injections.push_back(inj->record());
      skip_fsck |= inj->skip_fsck();
    }
    take_injector_findings();
    if (r.workload_result.is_object()) {
      r.iterations = r.workload_result.value("iterations", std::uint64_t{0});
      r.faults = r.workload_result.value("faults", std::uint64_t{0});
      r.checks = r.workload_result.value("checks", std::uint64_t{0});
      r.failed_checks = r.workload_result.value("failed_checks", std::uint64_t{0});
    }
    prog.iterations_delta += r.iterations > prog.iterations ? r.iterations - prog.iterations : 0;
    prog.iterations = r.iterations;
    if (cut_run) {
      // The last pass ended in a power cut: no result line; recover() judged the data.
    } else if (wl.timed_out) {
      // The workload ignored its own budget: an operation is stuck in the kernel.
      r.findings.push_back(oracle::lost("workload timed out (stuck operation?)",
                                        tail_lines(s->console_text(), 100)));
    } else if (!wl.not_run.empty() || wl.code == protocol::kGuestUsage ||
               wl.code == protocol::kGuestExecFailed) {
      throw InfraError("workload could not run (exit " + std::to_string(wl.code) +
                       "): " + wl.output().substr(0, 500));
    } else if (!r.workload_result.is_object() && wl.code != protocol::kGuestSkip) {
      // Died without its closing verdict: a crash (SIGSEGV, SIGBUS where none was legal) or
      // an error it could not survive. Never a pass.
      oracle::Finding f;
      f.category = oracle::Category::Workload;
      f.kind = "workload-died";
      f.title = "DATA: " + cell.workload.name + " died without a result";
      f.text =
          fmt::format("exit {} signal {}\n{}", wl.code, wl.signal, wl.output().substr(0, 4000));
      r.findings.push_back(f);
    } else if (wl.code == protocol::kGuestSkip) {
      r.status = results::Status::Skip;
      r.error = "workload skipped: " + wl.output().substr(0, 500);
    }
    collect_reports();

    report("fsck");
    const double fsck_start = vm::steady_now();
    if (!skip_fsck) {
      auto fsck = unmount_and_fsck(*s, cell.fs.name);
      if (!fsck.unmounted)
        r.findings.push_back(oracle::infra("umount failed after the workload", fsck.output));
      else
        for (auto& f : oracle::from_fsck(cell.fs.name, fsck.code, fsck.output))
          r.findings.push_back(f);
    }
    r.fsck_s = vm::steady_now() - fsck_start;
    // On a guest that may be kept, everything it printed up to here is this cell's: a report
    // still printing or still open must not pass to the next cell with the guest.
    const bool fenced = guest && s->fence();
    collect_reports();
    if (guest && !r.findings.empty()) {
      r.guest_retired = "a finding in this cell: " + r.findings.front().title;
    } else if (guest) {
      auto unfit = why_not_reuse(*s, r, *guest, skip_fsck);
      // A task left stuck by this cell reports itself after the hung-task timeout: get that
      // report here, so it is this cell's and not lost with the VM (or blamed on the next
      // cell). The guest is retired anyway, so shorten the timeout: writing it wakes
      // khungtaskd, which reports a task that has not run for kLateHungTimeout seconds.
      if (unfit.stuck_tasks)
        s->exec(
            {"sh", "-c",
             fmt::format("echo {} > /proc/sys/kernel/hung_task_timeout_secs", kLateHungTimeout)},
            30);
      for (double t0w = vm::steady_now();
           unfit.stuck_tasks && vm::steady_now() - t0w < 3 * kLateHungTimeout;) {
        s->idle(1.0);
        if (s->has_reports()) break;
      }
      r.guest_retired = unfit.why;
      if (!fenced && r.guest_retired.empty())
        r.guest_retired = "the console fence did not come back";
      collect_reports();
      if (r.guest_retired.empty() && !r.findings.empty())
        r.guest_retired = "a finding in this cell: " + r.findings.front().title;
      if (r.guest_retired.empty()) {
        save_console();
        s->hand_over();
        guest->session = std::move(s);
        r.guest_retired = ctx.slot->give_back(std::move(*guest));
        guest.reset();
      }
    }
    if (s) {  // not kept: this cell's VM ends here
      s->poweroff();
      s->close();
      collect_reports();
    }
  } catch (const Interrupted&) {
    if (s) s->close();
    throw;
  } catch (const GuestLost& e) {
    interrupted();
    std::string diag = s ? s->close(true) : "";
    collect_reports();
    std::string console = s ? s->console_text() : "";
    auto f = oracle::lost(e.what(), tail_lines(console, 150) + (diag.empty() ? "" : "\n" + diag));
    // A panic or crash is better titled by the report that caused it, which is already in.
    r.findings.push_back(f);
  } catch (const vm::BootError& e) {
    interrupted();
    if (s) s->close(true);
    collect_reports();
    r.status = results::Status::Error;
    r.error = e.title();
    r.findings.push_back(oracle::infra(e.title(), tail_lines(e.output(), 100)));
  } catch (const std::exception& e) {
    interrupted();
    if (s) s->close(true);
    collect_reports();
    r.status = results::Status::Error;
    r.error = e.what();
    r.findings.push_back(oracle::infra("run failed", e.what()));
  }

  if (guest) {  // not kept: the VM ends with this cell, its files go as a run's do
    save_console();
    if (s) s->close();
    if (r.guest_retired.empty()) r.guest_retired = "the cell ended with an error or a lost guest";
    ctx.slot->retire(*guest);
  }
  if (r.injections.empty())  // the guest died before disarm: keep what each injector did
    for (auto& inj : injs) {
      r.injections.push_back(inj->record());
      for (auto& f : inj->take_findings()) r.findings.push_back(std::move(f));
    }
  for (auto& f : r.findings)
    for (auto& inj : injs)
      if (!f.expected && inj->expected(f)) {
        f.expected = true;
        f.note = "expected consequence of " + inj->name();
      }
  if (canary_output && !r.canary_seen && r.error.empty())
    r.error = "canary: no hung-task report seen on the console (" + *canary_output + ")";
  if (r.status != results::Status::Error && r.status != results::Status::Skip)
    r.status = r.new_findings() > 0 ? results::Status::Findings : results::Status::Pass;
  r.total_s = vm::steady_now() - t0;
  if (r.fsck_s > 0)
    r.end_s = std::max(0.0, r.total_s - r.boot_to_ready_s - r.setup_s - r.workload_s - r.fsck_s);
  r.finished_at = results::utc_now();
  if (!ctx.keep_artifacts) {
    std::error_code ec;
    for (auto& e : fs::directory_iterator(workdir, ec))
      if (e.path().extension() == ".img") fs::remove(e.path(), ec);
  }
  report("done");
  return r;
}

}  // namespace dt::runner
