#include "metrics/tests/sample_runs.hpp"

#include <fmt/format.h>

namespace dt::metrics::fixtures {
namespace {

oracle::Finding finding(oracle::Category cat, const std::string& kind, const std::string& title,
                        bool expected = false) {
  oracle::Finding f;
  f.category = cat;
  f.kind = kind;
  f.title = title;
  f.expected = expected;
  return f;
}

}  // namespace

std::vector<results::RunRecord> quick_campaign_runs(const std::string& campaign) {
  std::vector<results::RunRecord> runs;
  const std::vector<std::string> filesystems{"xfs", "ext4", "ext2"};
  const std::vector<std::string> workloads{"fault-vs-truncate", "write-vs-fault"};
  int minute = 0;
  for (const auto& fs : filesystems) {
    for (const auto& wl : workloads) {
      results::RunRecord r;
      r.campaign = campaign;
      r.cell_index = runs.size();
      bool inject = wl == "write-vs-fault";
      r.fs = fs;
      r.workload = wl;
      r.injectors = inject ? "pause-jitter" : "none";
      r.kernel = "default";
      r.kernel_release = "6.1.0-dt";
      r.cell_id = fmt::format("{}/{}/{}/default/r0", fs, wl, r.injectors);
      r.run_id = fmt::format("{}-{}-a0", campaign, r.cell_index);
      r.seed = 1000 + r.cell_index;
      r.accel = "tcg";
      r.backend = "qemu";
      r.boot_to_ready_s = 9.5 + static_cast<double>(r.cell_index) * 0.4;
      r.setup_s = 2.1;
      r.workload_s = 20.0;
      r.total_s = r.boot_to_ready_s + r.setup_s + r.workload_s + 3.0;
      r.iterations = 40000 + 1500 * r.cell_index;
      r.faults = r.iterations * 3;
      r.checks = 12;
      r.started_at = fmt::format("2026-11-21T22:{:02}:00Z", minute);
      r.finished_at = fmt::format("2026-11-21T22:{:02}:35Z", minute);
      minute += 1;
      if (inject)
        for (int i = 0; i < 5; ++i)
          r.injections.push_back(
              {{"injector", "pause-jitter"}, {"at_s", 2.0 + 3 * i}, {"pause_ms", 200}});
      if (fs == "xfs" && wl == "fault-vs-truncate") {
        r.findings.push_back(
            finding(oracle::Category::Kernel, "warning", "WARNING in dax_disassociate_entry"));
        r.failed_checks = 0;
      }
      if (fs == "ext4" && wl == "write-vs-fault") {
        r.findings.push_back(
            finding(oracle::Category::Kernel, "lockdep", "possible deadlock in dax_iomap_fault"));
        r.findings.push_back(finding(oracle::Category::Workload, "torn-write",
                                     "write-vs-fault: torn write observed through mapping"));
        r.failed_checks = 1;
      }
      if (fs == "ext2" && wl == "write-vs-fault")  // the deliberate canary splat
        r.findings.push_back(
            finding(oracle::Category::Kernel, "warning", "WARNING in dt_canary_init", true));
      r.status = r.new_findings() > 0 ? results::Status::Findings : results::Status::Pass;
      runs.push_back(std::move(r));
    }
  }
  // One infrastructure error: it never booted, so it has no timings.
  results::RunRecord err = runs.front();
  err.run_id = campaign + "-err-a0";
  err.cell_id = "ext2/fault-vs-truncate/none/default/r1";
  err.fs = "ext2";
  err.status = results::Status::Error;
  err.error = "qemu exited during boot";
  err.boot_to_ready_s = err.workload_s = err.setup_s = 0;
  err.total_s = 1.5;
  err.iterations = err.faults = err.checks = 0;
  err.findings.clear();
  err.kernel_release.clear();
  runs.push_back(err);
  return runs;
}

}  // namespace dt::metrics::fixtures
