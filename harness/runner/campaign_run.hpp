#pragma once
// A campaign's cells on up to `jobs` workers, each with its kept guest (VM pool): the canary
// schedule, the one boot-retry policy, every run stored the moment it ends, a stop request
// (signal, budget, first new finding) that aborts running cells without recording them.
// `daxtorture run` and `selftest` both drive it; what the caller shows (progress lines, JSON,
// metrics) comes through CampaignEvents. The cell runner is a parameter so the orchestration is
// unit-tested without VMs.
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "campaign/campaign.hpp"
#include "image/image.hpp"
#include "results/record.hpp"
#include "results/store.hpp"
#include "runner/cell.hpp"

namespace dt::runner {

enum class CanaryMode { First, Every, None };        // first: the first cell of each kernel
CanaryMode parse_canary_mode(const std::string& s);  // throws UsageError

struct CampaignSettings {
  std::string campaign;         // name, for the records
  std::filesystem::path out;    // results directory (runs/, vms/)
  int jobs = 1;                 // workers, one VM each
  int reuse_vm = 1;             // cells per booted guest; 1: a fresh VM per cell
  bool snapshots = false;       // snapshot mode: unfit guests are restored, not rebooted
  bool keep_artifacts = false;  // keep NVDIMM backing files
  CanaryMode canary = CanaryMode::First;
  SessionOptions session;
  vm::Backend* backend = nullptr;
  std::string backend_name = "qemu";
  vm::Accel accel = vm::Accel::Tcg;
  // Asked after each stored run: true ends the campaign (--stop-at-first-new-finding, a
  // selftest's kill). Running cells are aborted and not recorded.
  std::function<bool(const results::RunRecord&)> stop_after;
};

// Optional callbacks, called from worker threads (the caller locks what it shares).
struct CampaignEvents {
  std::function<void(const campaign::Cell&)> started;
  std::function<void(const CellProgress&)> progress;
  std::function<void(const results::RunRecord&)> finished;  // stored; its final attempt
  std::function<void(const std::string&)> message;          // one line for the user
};

struct CampaignResult {
  std::size_t runs = 0;         // final attempts stored
  int infra_errors = 0;         // runs with status error, and cells that threw
  bool canary_missing = false;  // a canary cell ran without its report on the console
  bool stopped_after = false;   // stop_after() ended the campaign
};

using CellRunner =
    std::function<results::RunRecord(const campaign::Cell&, const image::Image&, const CellContext&,
                                     const std::function<void(const CellProgress&)>&)>;

class CampaignRun {
 public:
  CampaignRun(CampaignSettings settings, results::Store& store, CellRunner runner = run_cell);

  // Runs `cells` (each kernel's image in `images`) until done or `stop` turns true; a stop
  // request from outside (a signal) may come from any thread.
  CampaignResult run(const std::vector<campaign::Cell>& cells,
                     const std::map<std::string, image::Image>& images, std::atomic<bool>& stop,
                     const CampaignEvents& events = {});

 private:
  CampaignSettings s_;
  results::Store* store_;
  CellRunner runner_;
};

// What a campaign store says about itself (report and repro read it): the campaign's name and
// file, the shard, the catalogue mutant:<id> kernels come from, and when it started (kept when
// a resumed campaign writes again).
void describe_campaign(results::Store& store, const std::string& name,
                       const std::filesystem::path& file, const std::filesystem::path& catalogue,
                       const std::string& shard = "");

// How a kept guest that a cell left unfit comes back. Snapshot mode (restore the snapshot saved
// after its first boot) was measured no slower than a reboot on plain cells and faster where
// cells retire guests (bench/README.md, VM pool), so it is the default wherever the pool is on
// and the backend can save and load snapshots; elsewhere unfit guests are rebooted.
struct ResetChoice {
  bool snapshots = false;
  std::string why;  // one line for the user
};
// requested: --snapshot-reset (true), --no-snapshot-reset (false), neither (nullopt). Asking for
// snapshot mode where it cannot run is a UsageError naming the reason.
ResetChoice choose_reset(std::optional<bool> requested, int reuse_vm, const std::string& backend,
                         const vm::Capabilities& caps);

// --jobs when given (> 0), else as many VMs as the cores and memory hold for these cells.
int jobs_for(int requested, const std::vector<campaign::Cell>& cells);

// The latest run of every cell in the store, in start order: a retried boot failure stays in
// the store for the record, but the retry's verdict is the cell's.
std::vector<results::RunRecord> latest_runs(const results::Store& store);

}  // namespace dt::runner
