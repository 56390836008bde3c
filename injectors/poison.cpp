// poison: memory failure on DAX-mapped file pages while the file is truncated and punched. The
// guest half is dt-poison (workloads/poison.cpp): mapper processes hold the page, the parent
// calls madvise(MADV_HWPOISON) on it (checked phase) and writes pmem pfns to hwpoison_inject's
// corrupt-pfn while a mutator truncates/punches the same file (racing phase). It runs beside
// the cell's workload, from `at` for `duration`.
//
// Evidence: the kernel's "Memory failure: 0x...: recovery action for dax page: Recovered"
// lines and "Injecting memory failure at pfn" lines, dt-poison's madvise/corrupt-pfn counts and
// the SIGBUS counts of every mapper.
//
// Expected on clean 6.1 (measured, see README.md): on every filesystem each mapper that has
// the poisoned page mapped gets a SIGBUS (BUS_MCEERR_AO, early kill) for a checked poison:
// ext4/ext2 through mf_generic_kill_procs, xfs (rmapbt=1) through xfs_dax_notify_failure ->
// mf_dax_kill_procs. A mapper without its SIGBUS, a mapper killed, or dt-poison dying is a
// finding; so is any kernel report in the window.
//
// Known on clean 6.1 (baselines/6.1-clean.yaml): on xfs a racing corrupt-pfn can deadlock.
// xfs_dax_notify_failure holds the AGF buffer through its rmap query and waits, in
// mf_dax_kill_procs -> dax_lock_mapping_entry, for the DAX entry a mapper's read fault holds;
// that fault waits in xfs_read_iomap_begin for the ILOCK, which the mutator's allocating pwrite
// holds while it waits for the AGF. The kernel's hung-task report of the memory-failure task
// ("INFO: task hung in mf_dax_kill_procs", through xfs_dax_notify_failure) is the finding;
// the other tasks of the cycle (dt-poison's, or anything else blocked behind that AGF) and the
// harness's "no output"/"lost connection" (D-state tasks cannot be killed) are its
// consequences and marked expected, only when that report is on the console: the injector
// records it as `evidence.xfs_mf_deadlock` and baselines/expected/rules.yaml matches on that
// (so do its other expected findings, on `fired`).
#include <fmt/format.h>

#include <algorithm>

#include "injector.hpp"
#include "runner/dax_setup.hpp"
#include "runner/session.hpp"

namespace dt::injectors {
namespace {

using json = nlohmann::json;

class Poison : public Injector {
 public:
  using Injector::Injector;
  std::string name() const override { return "poison"; }
  void arm(runner::GuestControl& s) override {
    console_start_ = s.console_size();
    ran_ = false;
  }
  void tick(runner::GuestControl& s, double t) override {
    if (ran_ || t < param("at", 1.0)) return;
    run(s, t);
  }
  void disarm(runner::GuestControl& s) override {
    if (!ran_) run(s, -1);  // the workload ended first: poison anyway, it must fire
    record_["evidence"] = evidence(s);
    record_["fired"] = fired_;
  }

 private:
  void run(runner::GuestControl& s, double t) {
    ran_ = true;
    const std::string dir = std::string(runner::kMountPoint) + "/poison";
    s.exec({"mkdir", "-p", dir}, 30);
    double duration = param("duration", 3.0);
    std::vector<std::string> argv = {"dt-poison",
                                     "--dir",
                                     dir,
                                     "--seed",
                                     std::to_string(rng_() % 1000000),
                                     "--duration",
                                     fmt::format("{}", duration),
                                     "--threads",
                                     fmt::format("{}", static_cast<int>(param("mappers", 2))),
                                     "--fill-files",
                                     "0"};
    if (auto n = static_cast<long>(param("count", 0)); n > 0)
      argv.insert(argv.end(), {"--iterations", std::to_string(n)});
    event(t, "dt-poison started", {{"argv", argv}});
    runner::ExecResult r;
    try {
      r = s.exec(argv, duration + 120, [&](const std::string& line) {
        auto j = json::parse(line, nullptr, false);
        if (j.is_object() && j.value("type", "") == "result") result_ = j;
      });
    } catch (const runner::GuestLost& e) {
      // disarm() will not run: keep the kernel's evidence (and whether the known xfs deadlock
      // is what wedged it) in the record before the cell titles the loss.
      event(t, "dt-poison did not finish", {{"guest_lost", e.what()}});
      auto ev = evidence(s);
      ev["guest_lost"] = e.what();
      record_["evidence"] = ev;
      record_["fired"] = fired_;
      throw;
    }
    event(t, "dt-poison finished", {{"code", r.code}, {"signal", r.signal}});
    judge(r);
    // dt-poison's word until disarm adds the kernel's: the record is what the expected-finding
    // rules see, also when the cell ends before disarm.
    record_["fired"] = fired_;
  }

  void add(const std::string& title, const std::string& text) {
    oracle::Finding f;
    f.category = oracle::Category::Workload;
    f.kind = "poison";
    f.title = "POISON: " + title + " (" + fs_ + ")";
    f.text = text;
    findings_.push_back(f);
  }

  void judge(const runner::ExecResult& r) {
    if (!result_.is_object()) {
      add("dt-poison died without a result",
          fmt::format("exit {} signal {}\n{}", r.code, r.signal, r.output().substr(0, 4000)));
      return;
    }
    if (result_.value("status", "") == "skip") return;  // not DAX: said so in its skip line
    auto d = result_.value("delivery", json::object());
    long checked = result_.value("checked_poisons", 0L);
    long missing = d.value("missing", 0L);
    fired_ = result_["madvise"].value("ok", 0L) > 0 || result_["corrupt_pfn"].value("ok", 0L) > 0;
    // Every filesystem delivers a SIGBUS to every mapper of a checked page on 6.1.
    if (checked > 0 && missing > 0)
      add("mapper without SIGBUS after MADV_HWPOISON",
          fmt::format("{} of {} expected SIGBUS deliveries missing\n{}", missing,
                      d.value("expected", 0L), result_.dump()));
    for (auto& m : result_.value("mappers", json::array()))
      if (m.value("signal", 0) != 0 || m.value("exit", 0) != 0)
        add("mapper process killed by memory failure",
            fmt::format("mapper exit {} signal {}\n{}", m.value("exit", 0), m.value("signal", 0),
                        result_.dump()));
  }

  json evidence(runner::GuestControl& s) {
    auto text = [&](const char* needle) { return count_console(s, needle, console_start_); };
    json ev = {
        {"kernel_dax_recovered", text("recovery action for dax page: Recovered")},
        {"kernel_dax_failed", text("recovery action for dax page: Failed")},
        {"kernel_other_recovery_actions",
         text("recovery action for") - text("recovery action for dax page")},
        {"kernel_injecting_lines", text("Injecting memory failure at pfn")},
    };
    if (result_.is_object())
      for (auto k : {"checked_poisons", "delivery", "mappers", "madvise", "corrupt_pfn",
                     "poisoner_sigbus", "mutator", "iterations"})
        if (result_.contains(k)) ev[k] = result_[k];
    // Fired only with the kernel's own word for it, not just dt-poison's (without a result
    // line, the guest wedged under poison, the kernel's word alone).
    const bool kernel_fired =
        ev["kernel_dax_recovered"].get<std::size_t>() + ev["kernel_dax_failed"].get<std::size_t>() >
        0;
    fired_ = (fired_ || !result_.is_object()) && kernel_fired;
    xfs_deadlock_ = xfs_deadlock_ || deadlock_report(s.console_text(console_start_));
    ev["xfs_mf_deadlock"] = xfs_deadlock_;
    return ev;
  }

  // The memory-failure side of the known xfs deadlock: a hung-task report whose stack goes
  // from xfs's notify-failure handler (AGF held) into dax_lock_mapping_entry. The handler is
  // xfs_dax_notify_failure up to 6.5 and xfs_dax_notify_ddev_failure since (6.12 deadlocks
  // the same way, injectors/README.md).
  static bool primary(const std::string& report) {
    static constexpr std::string_view kNotifyFailure[] = {"xfs_dax_notify_failure",
                                                          "xfs_dax_notify_ddev_failure"};
    const bool in_xfs =
        std::any_of(std::begin(kNotifyFailure), std::end(kNotifyFailure),
                    [&](std::string_view f) { return report.find(f) != std::string::npos; });
    return in_xfs && report.find("dax_lock_mapping_entry") != std::string::npos;
  }
  bool deadlock_report(const std::string& console) const {
    if (fs_ != "xfs") return false;
    for (auto pos = console.find("blocked for more than"); pos != std::string::npos;
         pos = console.find("blocked for more than", pos + 1)) {
      auto end = console.find("</TASK>", pos);
      if (primary(console.substr(pos, end == std::string::npos ? end : end - pos))) return true;
    }
    return false;
  }
  bool ran_ = false, fired_ = false, xfs_deadlock_ = false;
  json result_;
  std::size_t console_start_ = 0;
};

}  // namespace

std::unique_ptr<Injector> make_poison(const campaign::InjectorSpec& s, const std::string& fs,
                                      std::uint64_t seed) {
  return std::make_unique<Poison>(s, fs, seed);
}

}  // namespace dt::injectors
