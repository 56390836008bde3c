#pragma once
// The metric schema: every family daxtorture exports, registered on one registry. Keep this
// file, dashboards/README.md and the dashboards in step (metrics_test checks the dashboards
// only use names that exist here).
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace dt::metrics {

struct Families {
  explicit Families(prometheus::Registry& reg);

  prometheus::Family<prometheus::Gauge>& build_info;   // {version} = 1
  prometheus::Family<prometheus::Gauge>& vms_running;  // {}
  prometheus::Family<prometheus::Counter>&
      runs;  // {fs,workload,injector,kernel,kernel_version,status}
  prometheus::Family<prometheus::Counter>&
      findings;  // {fs,workload,kernel,category,kind,hash,novelty}
  prometheus::Family<prometheus::Gauge>& finding_info;           // {hash,category,kind,title} = 1
  prometheus::Family<prometheus::Gauge>& finding_first_seen;     // {hash}
  prometheus::Family<prometheus::Gauge>& finding_last_seen;      // {hash}
  prometheus::Family<prometheus::Counter>& iterations;           // {fs,workload}
  prometheus::Family<prometheus::Counter>& faults;               // {fs,workload}
  prometheus::Family<prometheus::Counter>& checks;               // {fs,workload,kernel}
  prometheus::Family<prometheus::Counter>& checks_failed;        // {fs,workload,kernel}
  prometheus::Family<prometheus::Counter>& injections;           // {fs,workload,injector}
  prometheus::Family<prometheus::Histogram>& boot_to_ready;      // {fs,kernel}
  prometheus::Family<prometheus::Histogram>& run_duration;       // {fs,workload,kernel}
  prometheus::Family<prometheus::Histogram>& workload_duration;  // {fs,workload}
};

// Registered only when a campaign succeeds, so that a failed campaign's push does not carry
// (and so cannot overwrite) the family: see Metrics::deliver().
prometheus::Family<prometheus::Gauge>& last_success_family(prometheus::Registry& reg);

// VM boot under TCG takes ~10 s, under KVM ~1-2 s; a hung boot is cut at a few minutes.
const prometheus::Histogram::BucketBoundaries& boot_buckets();
// A cell runs from seconds (smoke tests) to an hour (soak).
const prometheus::Histogram::BucketBoundaries& duration_buckets();

}  // namespace dt::metrics
