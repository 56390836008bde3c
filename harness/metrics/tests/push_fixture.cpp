// Stand-in for `daxtorture run --pushgateway` in the metrics integration test: feeds
// RunRecords shaped like a real quick campaign through dt::metrics and delivers them.
//   metrics_push_fixture --pushgateway URL [--campaign NAME] [--shard K/N] [--textfile PATH]
//                        [--failed]   (campaign_finished(false): the push must keep the last
//                        success)
#include <cstdio>
#include <string>

#include "metrics/metrics.hpp"
#include "metrics/tests/sample_runs.hpp"

int main(int argc, char** argv) {
  dt::metrics::Options o;
  o.campaign = "quick";
  bool failed = false;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--failed") {
      failed = true;
      continue;
    }
    std::string v = i + 1 < argc ? argv[++i] : "";
    if (k == "--pushgateway")
      o.pushgateway = v;
    else if (k == "--campaign")
      o.campaign = v;
    else if (k == "--shard")
      o.shard = v;
    else if (k == "--textfile")
      o.textfile = v;
    else {
      std::fprintf(stderr, "metrics_push_fixture: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    dt::metrics::Metrics m(o);
    for (const auto& r : dt::metrics::fixtures::quick_campaign_runs(o.campaign)) {
      m.run_started(r.cell_id);
      m.progress(r.fs, r.workload, r.iterations / 2, r.faults / 2);  // as the runner does mid-run
      m.observe_run(r, /*known=*/r.fs == "ext4");
    }
    m.campaign_finished(!failed);
    m.deliver();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "metrics_push_fixture: %s\n", e.what());
    return 3;
  }
  return 0;
}
