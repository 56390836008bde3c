#include "metrics/families.hpp"

namespace dt::metrics {
namespace pm = prometheus;

Families::Families(pm::Registry& reg)
    : build_info(pm::BuildGauge()
                     .Name("daxtorture_build_info")
                     .Help("daxtorture build that produced these metrics (value is always 1)")
                     .Register(reg)),
      vms_running(pm::BuildGauge()
                      .Name("daxtorture_vms_running")
                      .Help("Campaign VMs currently running")
                      .Register(reg)),
      runs(pm::BuildCounter()
               .Name("daxtorture_runs_total")
               .Help("Finished runs (one per campaign cell and repetition) by result")
               .Register(reg)),
      findings(pm::BuildCounter()
                   .Name("daxtorture_findings_total")
                   .Help("Findings by title hash; novelty is new, known (in the baseline) or "
                         "expected (a known consequence of an injection)")
                   .Register(reg)),
      finding_info(pm::BuildGauge()
                       .Name("daxtorture_finding_info")
                       .Help("Title of each finding hash (value is always 1)")
                       .Register(reg)),
      finding_first_seen(pm::BuildGauge()
                             .Name("daxtorture_finding_first_seen_timestamp_seconds")
                             .Help("End of the first run in this campaign that had the finding")
                             .Register(reg)),
      finding_last_seen(pm::BuildGauge()
                            .Name("daxtorture_finding_last_seen_timestamp_seconds")
                            .Help("End of the last run in this campaign that had the finding")
                            .Register(reg)),
      iterations(pm::BuildCounter()
                     .Name("daxtorture_workload_iterations_total")
                     .Help("Workload iterations completed")
                     .Register(reg)),
      faults(pm::BuildCounter()
                 .Name("daxtorture_workload_faults_total")
                 .Help("Page faults the workloads provoked on DAX mappings")
                 .Register(reg)),
      checks(pm::BuildCounter()
                 .Name("daxtorture_oracle_checks_total")
                 .Help("Oracle checks performed (workload verdicts, fsck, console)")
                 .Register(reg)),
      checks_failed(pm::BuildCounter()
                        .Name("daxtorture_oracle_checks_failed_total")
                        .Help("Oracle checks that failed")
                        .Register(reg)),
      injections(pm::BuildCounter()
                     .Name("daxtorture_injections_total")
                     .Help("Faults injected, by injector")
                     .Register(reg)),
      boot_to_ready(pm::BuildHistogram()
                        .Name("daxtorture_vm_boot_to_ready_seconds")
                        .Help("Time from starting QEMU to the guest agent answering")
                        .Register(reg)),
      run_duration(pm::BuildHistogram()
                       .Name("daxtorture_run_duration_seconds")
                       .Help("Wall-clock time of a whole run: boot, setup, workload, checks")
                       .Register(reg)),
      workload_duration(pm::BuildHistogram()
                            .Name("daxtorture_workload_duration_seconds")
                            .Help("Time the workload itself ran")
                            .Register(reg)) {}

pm::Family<pm::Gauge>& last_success_family(pm::Registry& reg) {
  // Registry::Add returns the existing family when name, help and labels match.
  return pm::BuildGauge()
      .Name("daxtorture_last_success_timestamp_seconds")
      .Help("When this campaign last finished successfully")
      .Register(reg);
}

const pm::Histogram::BucketBoundaries& boot_buckets() {
  static const pm::Histogram::BucketBoundaries b{1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300};
  return b;
}

const pm::Histogram::BucketBoundaries& duration_buckets() {
  static const pm::Histogram::BucketBoundaries b{5,   10,  20,   30,   60,   120,
                                                 300, 600, 1200, 1800, 3600, 7200};
  return b;
}

}  // namespace dt::metrics
