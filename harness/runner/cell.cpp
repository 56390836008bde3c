#include "runner/cell.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <span>

#include "injector.hpp"
#include "oracle/emulator.hpp"
#include "oracle/finding.hpp"
#include "protocol/exit_codes.hpp"
#include "runner/dax_setup.hpp"
#include "runner/fresh_guest.hpp"
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

// Why a workload died is on its stderr (an uncaught exception, a libc abort message) and at the
// end of its stdout (its last verdicts): both tails, never the head, which only repeats the start.
std::string died_text(const ExecResult& wl) {
  const auto tail = [](const std::vector<std::string>& lines, std::size_t n) {
    std::string s;
    for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
      s += lines[i].substr(0, 600) + "\n";
    return s;
  };
  return fmt::format("exit {} signal {}\nstderr (last lines):\n{}stdout (last lines):\n{}", wl.code,
                     wl.signal, tail(wl.err, 20), tail(wl.out, 8));
}

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

namespace {

// One cell as a pipeline of phases over one guest: acquire (a kept guest and a fresh
// filesystem, or a booted VM and its namespace), canary, workload with its injectors (one pass
// per power cut, each cut a reboot on the same NVDIMM files), verdict, fsck, release (keep the
// guest for the next cell or retire it), and the record. Guest trouble in any phase ends the
// pipeline as a finding or an error; only an interruption escapes.
class CellRun {
 public:
  CellRun(const campaign::Cell& cell, const image::Image& img, const CellContext& ctx,
          const std::function<void(const CellProgress&)>& progress);
  results::RunRecord run();

 private:
  void report(const std::string& phase);
  bool make_injectors();
  void choose_guest();
  void acquire();
  void canary();
  void workload();
  void power_cut_reboot();
  void verdict();
  void fsck();
  void release();
  void restore();
  void collect_reports();
  void save_console();
  void on_failure();
  results::RunRecord finish();

  const campaign::Cell& cell_;
  const image::Image& img_;
  const CellContext& ctx_;
  const std::function<void(const CellProgress&)>& progress_;
  results::RunRecord r_;
  fs::path workdir_;
  double t0_ = vm::steady_now();
  CellProgress prog_;
  std::vector<std::unique_ptr<injectors::Injector>> injs_;
  injectors::Injector* cutter_ = nullptr;  // the power-cut injector, if any
  vm::Config cfg_;
  bool pooled_ = false;             // may run on, and hand back, a kept guest
  bool changes_guest_ = false;      // the canary or a damaging injector runs in this cell
  std::optional<KeptGuest> guest_;  // this cell's guest, while it may still be kept
  std::size_t console_from_ = 0;    // where this cell's part of the guest's console starts
  bool console_saved_ = true;       // a pooled cell copies its part into its run directory
  std::unique_ptr<Session> s_;
  std::optional<std::string> canary_output_;  // set once the canary ran
  ExecResult wl_;
  bool cut_run_ = false;  // the last workload pass ended in a power cut
  bool skip_fsck_ = false;
  std::string emulator_;  // why: the console showed an emulator artifact (TCG), not a kernel bug
};

CellRun::CellRun(const campaign::Cell& cell, const image::Image& img, const CellContext& ctx,
                 const std::function<void(const CellProgress&)>& progress)
    : cell_(cell), img_(img), ctx_(ctx), progress_(progress) {
  r_.run_id = make_run_id(cell);
  r_.campaign = ctx.campaign;
  r_.cell_id = cell.id;
  r_.cell_index = cell.index;
  r_.fs = cell.fs.name;
  r_.workload = cell.workload.name;
  r_.injectors = injectors_label(cell);
  r_.kernel = cell.kernel;
  r_.cell = cell_json(cell);
  r_.seed = cell.seed;
  r_.repetition = cell.repetition;
  r_.image_key = img.key;
  r_.kernel_release = img.kernel_release();
  r_.accel = vm::to_string(ctx.accel);
  r_.backend = ctx.backend_name;
  r_.started_at = results::utc_now();
  r_.canary_seen = !ctx.canary;
  workdir_ = ctx.out / "runs" / r_.run_id;
  r_.workdir = workdir_.string();
  r_.console_path = (workdir_ / "console.log").string();
  prog_ = CellProgress{r_.run_id, cell.id, "booting", cell.fs.name, cell.workload.name};
  cfg_.kernel = img.kernel;
  cfg_.initramfs = img.initramfs;
  cfg_.accel = ctx.accel;
  cfg_.workdir = workdir_;
  cfg_.vcpus = cell.vm.vcpus;
  cfg_.memory_bytes = cell.vm.memory_bytes;
  cfg_.nvdimms.assign(static_cast<std::size_t>(cell.vm.nvdimm_count), cell.vm.nvdimm_bytes);
  // A remote host's NVDIMM files are not ours to copy: its guests run ndctl every boot.
  if (ctx.backend && !ctx.backend->capabilities().remote)
    cfg_.nvdimm_templates = namespace_templates(img.dir, cfg_.nvdimms);
}

void CellRun::report(const std::string& phase) {
  prog_.phase = phase;
  prog_.elapsed = vm::steady_now() - t0_;
  prog_.findings = r_.findings.size();
  if (progress_) progress_(prog_);
  prog_.iterations_delta = prog_.faults_delta = 0;
}

// An injector this build or filesystem cannot do skips the cell (it is not a kernel result).
bool CellRun::make_injectors() {
  try {
    for (auto& spec : cell_.injectors)
      injs_.push_back(injectors::make(spec, cell_.fs.name, cell_.seed));
  } catch (const UsageError& e) {
    r_.status = results::Status::Skip;
    r_.error = e.what();
    r_.finished_at = results::utc_now();
    return false;
  }
  for (auto& inj : injs_)
    if (inj->wants_cut()) cutter_ = inj.get();
  return true;
}

// A kept guest (VM pool) runs this cell when the slot is on and nothing in the cell changes
// the guest for good: the canary's report and damaging injectors get a VM of their own.
void CellRun::choose_guest() {
  const bool slot_on = ctx_.slot && ctx_.slot->enabled();
  // In snapshot mode a guest the cell changes is put back afterwards, so only a power cut
  // (which ends the VM itself) needs a VM of its own.
  const bool restorable = slot_on && ctx_.slot->snapshots() && !cutter_;
  changes_guest_ = ctx_.canary;
  for (auto& inj : injs_) changes_guest_ = changes_guest_ || !inj->leaves_guest_reusable();
  pooled_ = slot_on && (restorable || !changes_guest_);
  if (slot_on && !pooled_) {
    // Snapshot mode still starts this VM from the image's ready state (not the ones after a
    // power cut: see restart_guest).
    cfg_.snapshots = ctx_.slot->snapshots();
    ctx_.slot->retire_kept();
    r_.guest_retired = ctx_.canary
                           ? "a VM of its own: the canary's report"
                           : "a VM of its own: " + injectors_label(cell_) + " changes the guest";
  }
  console_saved_ = !pooled_;
}

// Phase 1: a guest with a fresh, mounted, DAX-proven filesystem.
void CellRun::acquire() {
  const GuestKey key{img_.key,
                     ctx_.accel,
                     cfg_.vcpus,
                     cfg_.memory_bytes,
                     cell_.vm.nvdimm_bytes,
                     cell_.vm.nvdimm_count};
  if (pooled_) guest_ = ctx_.slot->take(key);
  DaxProof proof;
  if (guest_) {
    s_ = std::move(guest_->session);
    s_->should_abort = ctx_.should_abort;
    r_.guest_cell = ++guest_->cells;
    console_from_ = s_->console_size();
    report("setup");
    proof = format_and_mount(*s_, cell_.fs, console_from_);
  } else {
    if (pooled_) {
      guest_ = KeptGuest{nullptr, key, ctx_.slot->new_vm_dir(), 1, vm::steady_now(), ""};
      cfg_.workdir = guest_->dir;  // the VM outlives this cell: its files live beside the runs
      cfg_.snapshots = ctx_.slot->snapshots();
    }
    // Snapshot mode: loaded from the image's ready state, or booted and saved once.
    auto fresh = start_fresh_guest(
        *ctx_.backend, cfg_, {ctx_.session, ctx_.should_abort, ready_states_dir(img_.dir)}, s_);
    r_.boot_to_ready_s = s_->boot_to_ready_s();
    r_.guest_start = fresh.start;
    if (guest_) guest_->taint = guest_health(*s_).taint;
    report("setup");
    r_.namespaces = fresh.from_ready_state           ? "ready state"
                    : fresh.namespaces.from_template ? "template"
                                                     : "ndctl";
    proof = format_and_mount(*s_, cell_.fs);
    proof.seconds += fresh.namespaces.seconds;
  }
  r_.dax_proof = proof.check;
  r_.setup_s = proof.seconds;
  if (!proof.ok) throw InfraError(proof.message);
}

// Phase 2 (canary cells): the deliberate hung task that proves the console is watched.
void CellRun::canary() {
  if (!ctx_.canary) return;
  report("canary");
  auto c = s_->exec({"dt-canary", "hung-task", kMountPoint}, 60);
  s_->idle(1.0);  // the report's stack trace follows the first line
  collect_reports();
  // The report may complete only when later console lines arrive: judged at the end.
  canary_output_ = c.output();
}

// Phase 3: the workload, its verdicts streamed as they arrive, with its injectors armed,
// ticked and disarmed around it.
void CellRun::workload() {
  report("workload");
  const double budget = cell_.duration_s > 0 ? cell_.duration_s : 3600;
  int verdicts = 0;
  auto on_line = [&](const std::string& line) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_object()) return;
    std::string type = j.value("type", "");
    if (type == "progress") {
      auto it = j.value("iterations", std::uint64_t{0}), fl = j.value("faults", std::uint64_t{0});
      prog_.iterations_delta += it > prog_.iterations ? it - prog_.iterations : 0;
      prog_.faults_delta += fl > prog_.faults ? fl - prog_.faults : 0;
      prog_.iterations = it, prog_.faults = fl;
      report("workload");
    } else if (type == "verdict") {
      if (++verdicts <= 50) r_.findings.push_back(oracle::from_verdict(cell_.workload.name, j));
    } else if (type == "result") {
      r_.workload_result = j;
    }
    for (auto& inj : injs_) inj->on_workload_line(j);
  };
  double wl_start = vm::steady_now();
  for (;;) {
    s_->exec_checked({"mkdir", "-p", std::string(kMountPoint) + "/work"}, 30);
    auto argv = cell_.workload_argv(std::string(kMountPoint) + "/work");
    for (auto& inj : injs_) {
      inj->arm(*s_);
      argv = inj->wrap(argv);
    }
    wl_start = vm::steady_now();
    if (!injs_.empty())
      s_->on_tick = [&] {
        double t = vm::steady_now() - wl_start;
        for (auto& inj : injs_) inj->tick(*s_, t);
      };
    cut_run_ = false;
    try {
      wl_ = s_->exec(argv, budget + 120, on_line);
      s_->on_tick = nullptr;
      if (cutter_ && cutter_->wants_cut()) {
        cutter_->cut_now(*s_, vm::steady_now() - wl_start);  // the workload finished first
        s_->idle(30);
      }
    } catch (const GuestLost&) {
      s_->on_tick = nullptr;
      if (!cutter_ || !cutter_->cut_pending()) throw;
    }
    if (!cutter_ || !cutter_->cut_pending()) break;
    // The power is off (one pass per cut): what the old VM printed is in.
    cut_run_ = true;
    r_.workload_s += vm::steady_now() - wl_start;
    power_cut_reboot();
    report("recovery");
    const bool again = cutter_->recover(*s_, cell_.fs);
    for (auto& f : cutter_->take_findings()) r_.findings.push_back(std::move(f));
    collect_reports();
    if (!again) break;
    r_.workload_result = json();
    report("workload");
  }
  if (!cut_run_) r_.workload_s += vm::steady_now() - wl_start;
  for (auto& inj : injs_) {
    inj->disarm(*s_);
    r_.injections.push_back(inj->record());
    skip_fsck_ |= inj->skip_fsck();
  }
  for (auto& inj : injs_)
    for (auto& f : inj->take_findings()) r_.findings.push_back(std::move(f));
}

// A runner step of its own: after a power cut, a fresh VM boots on the same NVDIMM files. A
// reboot that fails with nothing from the kernel but infrastructure (the emulator hung it) is
// retried once on the same files, as CampaignRun retries a first boot; the failed attempt
// stays in the record as expected, never counted.
void CellRun::power_cut_reboot() {
  auto files = s_->instance().nvdimm_files();
  s_->close();
  collect_reports();
  cfg_.nvdimm_files = files;
  for (int attempt = 1;; ++attempt) {
    report("booting");
    try {
      r_.cut_restarts.push_back(
          restart_guest(*ctx_.backend, cfg_, {ctx_.session, ctx_.should_abort}, s_).start);
      return;
    } catch (const vm::BootError& e) {
      on_failure();  // the harness is stopping: an interruption, not a retry
      s_->close(true);
      const auto before = static_cast<std::ptrdiff_t>(r_.findings.size());
      collect_reports();
      if (!oracle::retry_boot(attempt, std::span(r_.findings.begin() + before, r_.findings.end())))
        throw;  // recorded by run() as any boot error
      r_.findings.push_back(oracle::infra(e.title(), tail_lines(e.output(), 100)));
      for (auto& f : std::span(r_.findings.begin() + before, r_.findings.end())) {
        f.expected = true;
        f.note = "the reboot after a power cut failed in the emulator; retried once" +
                 (f.note.empty() ? "" : ": " + f.note);
      }
      emulator_.clear();  // the artifact ended with that attempt
    }
  }
}

// Phase 4: what the workload's exit says beyond the verdicts it streamed.
void CellRun::verdict() {
  if (r_.workload_result.is_object()) {
    r_.iterations = r_.workload_result.value("iterations", std::uint64_t{0});
    r_.faults = r_.workload_result.value("faults", std::uint64_t{0});
    r_.checks = r_.workload_result.value("checks", std::uint64_t{0});
    r_.failed_checks = r_.workload_result.value("failed_checks", std::uint64_t{0});
  }
  prog_.iterations_delta += r_.iterations > prog_.iterations ? r_.iterations - prog_.iterations : 0;
  prog_.iterations = r_.iterations;
  if (cut_run_) {
    // The last pass ended in a power cut: no result line; recover() judged the data.
  } else if (wl_.timed_out) {
    // The workload ignored its own budget: an operation is stuck in the kernel.
    r_.findings.push_back(oracle::lost(oracle::Lost::WorkloadTimeout,
                                       "workload timed out (stuck operation?)",
                                       tail_lines(s_->console_text(console_from_), 100)));
  } else if (!wl_.not_run.empty() || wl_.code == protocol::kGuestUsage ||
             wl_.code == protocol::kGuestExecFailed) {
    throw InfraError("workload could not run (exit " + std::to_string(wl_.code) +
                     "): " + wl_.output().substr(0, 500));
  } else if (!r_.workload_result.is_object() && wl_.code != protocol::kGuestSkip) {
    // Died without its closing verdict: a crash (SIGSEGV, SIGBUS where none was legal) or
    // an error it could not survive. Never a pass.
    oracle::Finding f;
    f.category = oracle::Category::Workload;
    f.kind = "workload-died";
    f.title = "DATA: " + cell_.workload.name + " died without a result";
    f.text = died_text(wl_);
    r_.findings.push_back(f);
  } else if (wl_.code == protocol::kGuestSkip) {
    r_.status = results::Status::Skip;
    r_.error = "workload skipped: " + wl_.output().substr(0, 500);
  }
  collect_reports();
}

// Phase 5: unmount and the filesystem's own checker.
void CellRun::fsck() {
  report("fsck");
  const double start = vm::steady_now();
  if (!skip_fsck_) {
    auto fsck = unmount_and_fsck(*s_, cell_.fs.name);
    if (!fsck.unmounted)
      r_.findings.push_back(oracle::infra("umount failed after the workload", fsck.output));
    else
      for (auto& f : oracle::from_fsck(cell_.fs.name, fsck.code, fsck.output))
        r_.findings.push_back(f);
  }
  r_.fsck_s = vm::steady_now() - start;
}

// Phase 6: keep the guest for the next cell, or end it with this cell.
void CellRun::release() {
  // On a guest that may be kept, everything it printed up to here is this cell's: a report
  // still printing or still open must not pass to the next cell with the guest.
  const bool fenced = guest_ && s_->fence();
  collect_reports();
  if (guest_ && !r_.findings.empty()) {
    r_.guest_retired = "a finding in this cell: " + r_.findings.front().title;
  } else if (guest_) {
    auto unfit = why_not_reuse(*s_, r_, *guest_, skip_fsck_);
    // A task left stuck by this cell reports itself after the hung-task timeout: get that
    // report here, so it is this cell's and not lost with the VM (or blamed on the next
    // cell). The guest is retired anyway, so shorten the timeout: writing it wakes
    // khungtaskd, which reports a task that has not run for kLateHungTimeout seconds.
    if (unfit.stuck_tasks)
      s_->exec({"sh", "-c",
                fmt::format("echo {} > /proc/sys/kernel/hung_task_timeout_secs", kLateHungTimeout)},
               30);
    for (double t0w = vm::steady_now();
         unfit.stuck_tasks && vm::steady_now() - t0w < 3 * kLateHungTimeout;) {
      s_->idle(1.0);
      if (s_->has_reports()) break;
    }
    r_.guest_retired = unfit.why;
    if (!fenced && r_.guest_retired.empty())
      r_.guest_retired = "the console fence did not come back";
    collect_reports();
    if (r_.guest_retired.empty() && !r_.findings.empty())
      r_.guest_retired = "a finding in this cell: " + r_.findings.front().title;
  }
  // Snapshot mode ran the canary or a damaging injector on a kept guest: put it back even
  // when nothing shows (fault-injection knobs, a hot-unplugged CPU, a poisoned page).
  if (guest_ && r_.guest_retired.empty() && changes_guest_)
    r_.guest_retired = ctx_.canary ? "the canary's report" : injectors_label(cell_) + " changed it";
  if (guest_ && !r_.guest_retired.empty()) restore();
  if (guest_ && r_.guest_retired.empty()) {
    save_console();
    s_->hand_over();
    guest_->session = std::move(s_);
    r_.guest_retired = ctx_.slot->give_back(std::move(*guest_));
    guest_.reset();
  }
  if (s_) {  // not kept: this cell's VM ends here
    s_->poweroff();
    s_->close();
    collect_reports();
  }
}

// Snapshot mode: a guest this cell left unfit is put back from its snapshot and kept, instead
// of being rebooted. Everything it printed is already this cell's (release() fenced it).
void CellRun::restore() {
  if (!s_ || !s_->has_snapshot()) return;
  const std::string why = r_.guest_retired;
  try {
    s_->restore_snapshot();
  } catch (const std::exception& e) {
    r_.guest_retired = why + "; restoring its snapshot failed: " + e.what();
    return;
  }
  r_.guest_restored = why;
  r_.guest_retired.clear();
}

void CellRun::collect_reports() {
  if (!s_) return;
  for (auto& rep : s_->take_reports()) {
    auto f = oracle::from_report(rep);
    if (oracle::mark_emulator_artifact(f, rep, ctx_.accel == vm::Accel::Tcg)) emulator_ = f.note;
    // The canary's own hung-task report is the proof that we can see, not a bug.
    if (ctx_.canary && rep.kind == console::Kind::HungTask &&
        rep.text.find("dt-canary") != std::string::npos) {
      f.expected = true;
      f.note = "canary";
      r_.canary_seen = true;
    }
    r_.findings.push_back(std::move(f));
  }
  r_.lockdep_disabled = r_.lockdep_disabled || s_->lockdep_disabled();
}

// The cell's own console.log: its slice of the guest's console (pooled cells only).
void CellRun::save_console() {
  if (console_saved_ || !s_) return;
  console_saved_ = true;
  std::error_code ec;
  fs::create_directories(workdir_, ec);
  std::ofstream(workdir_ / "console.log", std::ios::binary) << s_->console_text(console_from_);
}

// A VM the harness is tearing down (selftest ending a campaign, Ctrl-C) dies with a boot error
// or a lost guest: that is an interruption, not a finding about the kernel.
void CellRun::on_failure() {
  if (ctx_.should_abort && ctx_.should_abort()) {
    if (s_) s_->close(true);
    throw Interrupted();
  }
}

results::RunRecord CellRun::run() {
  report("booting");
  if (!make_injectors()) return r_;
  choose_guest();
  try {
    acquire();
    canary();
    workload();
    verdict();
    fsck();
    release();
  } catch (const Interrupted&) {
    if (s_) s_->close();
    throw;
  } catch (const GuestLost& e) {
    on_failure();
    std::string diag = s_ ? s_->close(true) : "";
    collect_reports();
    std::string console = s_ ? s_->console_text(console_from_) : "";
    // A panic or crash is better titled by the report that caused it, which is already in.
    r_.findings.push_back(oracle::lost(
        e.why(), e.what(), tail_lines(console, 150) + (diag.empty() ? "" : "\n" + diag)));
  } catch (const vm::BootError& e) {
    on_failure();
    if (s_) s_->close(true);
    collect_reports();
    r_.status = results::Status::Error;
    r_.error = e.title();
    r_.findings.push_back(oracle::infra(e.title(), tail_lines(e.output(), 100)));
  } catch (const std::exception& e) {
    on_failure();
    if (s_) s_->close(true);
    collect_reports();
    r_.status = results::Status::Error;
    r_.error = e.what();
    r_.findings.push_back(oracle::infra("run failed", e.what()));
  }
  return finish();
}

// The record: what the injectors did, which findings they expected, the status, the times.
results::RunRecord CellRun::finish() {
  if (guest_) {  // not kept: the VM ends with this cell, its files go as a run's do
    save_console();
    if (s_) s_->close();
    if (r_.guest_retired.empty()) r_.guest_retired = "the cell ended with an error or a lost guest";
    ctx_.slot->retire(*guest_);
  }
  if (r_.injections.empty())  // the guest died before disarm: keep what each injector did
    for (auto& inj : injs_) {
      r_.injections.push_back(inj->record());
      for (auto& f : inj->take_findings()) r_.findings.push_back(std::move(f));
    }
  // One oracle pass: baselines/expected/rules.yaml against each injector's record as it is now.
  std::vector<json> records;
  for (auto& inj : injs_) records.push_back(inj->record());
  oracle::mark_expected(r_.findings, records, cell_.fs.name);
  if (!emulator_.empty()) {
    // The emulator broke the guest: the cell is an infrastructure error.
    oracle::blame_emulator(r_.findings, emulator_);
    r_.status = results::Status::Error;
    if (r_.error.empty()) r_.error = emulator_;
  }
  oracle::fold_lost_into_reports(r_.findings);
  if (canary_output_ && !r_.canary_seen && r_.error.empty())
    r_.error = "canary: no hung-task report seen on the console (" + *canary_output_ + ")";
  if (r_.status != results::Status::Error && r_.status != results::Status::Skip)
    r_.status = r_.new_findings() > 0 ? results::Status::Findings : results::Status::Pass;
  r_.total_s = vm::steady_now() - t0_;
  if (r_.fsck_s > 0)
    r_.end_s =
        std::max(0.0, r_.total_s - r_.boot_to_ready_s - r_.setup_s - r_.workload_s - r_.fsck_s);
  r_.finished_at = results::utc_now();
  if (!ctx_.keep_artifacts) {
    std::error_code ec;
    for (auto& e : fs::directory_iterator(workdir_, ec))
      if (e.path().extension() == ".img" || e.path().extension() == ".qcow2")
        fs::remove(e.path(), ec);
  }
  report("done");
  return r_;
}

}  // namespace

results::RunRecord run_cell(const campaign::Cell& cell, const image::Image& img,
                            const CellContext& ctx,
                            const std::function<void(const CellProgress&)>& progress) {
  return CellRun(cell, img, ctx, progress).run();
}

}  // namespace dt::runner
