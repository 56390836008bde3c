#pragma once
// Prometheus metrics for a campaign: counters and histograms fed from finished runs, a live
// endpoint while the campaign runs, and delivery at the end (Pushgateway and/or a
// node_exporter textfile). Every family is prefixed `daxtorture_` and uses base units.
// The families are listed in dashboards/README.md.
#include <cstdint>
#include <memory>
#include <string>

#include "metrics/html.hpp"
#include "results/record.hpp"
#include "results/store.hpp"

namespace dt::metrics {

struct Options {
  std::string campaign;     // campaign name
  std::string shard;        // "" or "2/4"
  std::string listen;       // --metrics-listen ADDR ("127.0.0.1:9464"); "" = off
  std::string pushgateway;  // --pushgateway URL ("http://127.0.0.1:9091"); "" = off
  std::string textfile;     // --metrics-textfile PATH; "" = off
  std::string job = "daxtorture";
};

class Metrics {
 public:
  explicit Metrics(Options o);  // starts the live endpoint when listen is set
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // A VM started for this cell: the running-VMs gauge goes up until observe_run(cell).
  void run_started(const std::string& cell_id);
  // Live counters while a workload runs; observe_run() later adds only what was not
  // reported here, so the totals equal the sum of the finished runs.
  void progress(const std::string& fs, const std::string& workload, std::uint64_t iterations_delta,
                std::uint64_t faults_delta);
  // Counters/histograms for a finished run; known = its findings are already in the baseline.
  void observe_run(const results::RunRecord& r, bool new_findings_known_by_baseline = false);
  // Sets the last-success timestamp (only when success) and decides how deliver() pushes.
  void campaign_finished(bool success);
  // Push to the gateway and/or write the textfile. Throws dt::InfraError on failure.
  void deliver();
  std::string exposition() const;  // current text exposition, without grouping labels
  // Every current sample also lands in the results store (Store::add_metric).
  void save_to(results::Store& store, const std::string& run_id_or_campaign);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dt::metrics
