#include "runner/campaign_run.hpp"

#include <fmt/format.h>

#include <mutex>

#include "runner/guest_slot.hpp"
#include "runner/pool.hpp"
#include "util/error.hpp"

namespace dt::runner {

CanaryMode parse_canary_mode(const std::string& s) {
  if (s == "first") return CanaryMode::First;
  if (s == "every") return CanaryMode::Every;
  if (s == "none") return CanaryMode::None;
  throw UsageError("--canary must be first, every or none (not '" + s + "')");
}

CampaignRun::CampaignRun(CampaignSettings settings, results::Store& store, CellRunner runner)
    : s_(std::move(settings)), store_(&store), runner_(std::move(runner)) {}

CampaignResult CampaignRun::run(const std::vector<campaign::Cell>& cells,
                                const std::map<std::string, image::Image>& images,
                                std::atomic<bool>& stop, const CampaignEvents& events) {
  CampaignResult result;
  std::mutex mu;  // result, the store, the canary schedule
  auto message = [&](const std::string& m) {
    if (events.message) events.message(m);
  };
  std::map<std::string, bool> canary_pending;  // per kernel: the canary is still to run
  for (auto& c : cells) canary_pending[c.kernel] = s_.canary != CanaryMode::None;
  const int jobs = std::max(1, s_.jobs);
  // One kept guest per worker; destroyed (guests powered off) before this returns.
  std::vector<GuestSlot> slots;
  slots.reserve(static_cast<std::size_t>(jobs));
  for (int w = 0; w < jobs; ++w)
    slots.emplace_back(ReusePolicy{.max_cells = s_.reuse_vm, .snapshots = s_.snapshots},
                       s_.out / "vms", w, s_.keep_artifacts);

  run_pool(
      cells.size(), jobs, stop,
      [&](std::size_t i, int worker) {
        const auto& cell = cells[i];
        CellContext ctx;
        ctx.slot = &slots[static_cast<std::size_t>(worker)];
        ctx.campaign = s_.campaign;
        ctx.backend = s_.backend;
        ctx.backend_name = s_.backend_name;
        ctx.accel = s_.accel;
        ctx.out = s_.out;
        ctx.keep_artifacts = s_.keep_artifacts;
        ctx.session = s_.session;
        ctx.should_abort = [&] { return stop.load(); };
        {
          std::lock_guard lk(mu);
          ctx.canary = canary_pending[cell.kernel];
          if (s_.canary == CanaryMode::First) canary_pending[cell.kernel] = false;
        }
        auto it = images.find(cell.kernel);
        if (it == images.end()) throw InfraError("no image for kernel " + cell.kernel);
        if (events.started) events.started(cell);
        try {
          const std::function<void(const CellProgress&)> progress = [&](const CellProgress& p) {
            if (events.progress) events.progress(p);
          };
          auto rec = runner_(cell, it->second, ctx, progress);
          for (int attempt = 1;
               !stop && rec.boot_failed_quietly() && oracle::retry_boot(attempt, rec.findings);
               ++attempt) {
            // The one retry policy (the session does not retry): a VM that never came up
            // with nothing from the kernel (QEMU itself crashed under TCG once in our runs)
            // is infrastructure: keep the failed attempt in the store, retry in a fresh VM.
            {
              std::lock_guard lk(mu);
              store_->add_run(rec);
            }
            message("boot failed for " + cell.id + " (" + rec.error +
                    "); retrying once in a fresh VM");
            rec = runner_(cell, it->second, ctx, progress);
          }
          bool end = false;
          {
            std::lock_guard lk(mu);
            if (ctx.canary && !rec.canary_seen && rec.status != results::Status::Error)
              result.canary_missing = true;
            if (rec.status == results::Status::Error) ++result.infra_errors;
            store_->add_run(rec);
            ++result.runs;
            if (s_.stop_after && !stop && s_.stop_after(rec)) {
              result.stopped_after = true;
              end = true;
            }
          }
          if (events.finished) events.finished(rec);
          if (end) {
            stop = true;  // running cells are aborted and not recorded; --resume reruns them
            message("stopping: " + cell.id + " ended the campaign (its finding is new)");
          }
        } catch (const Interrupted&) {
          message("interrupted: " + cell.id + " (not recorded; --resume reruns it)");
        }
      },
      [&](std::size_t i, std::exception_ptr e) {
        {
          std::lock_guard lk(mu);
          ++result.infra_errors;
        }
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          message(fmt::format("error in {}: {}", cells[i].id, ex.what()));
          if (dynamic_cast<const DiskFullError*>(&ex)) stop = true;  // nothing more can be written
        }
      });
  return result;
}

void describe_campaign(results::Store& store, const std::string& name,
                       const std::filesystem::path& file, const std::filesystem::path& catalogue,
                       const std::string& shard) {
  store.set_meta("campaign", name);
  store.set_meta("campaign_path", std::filesystem::absolute(file).string());
  store.set_meta("shard", shard);
  store.set_meta("catalogue", catalogue.string());  // repro resolves mutant:<id> through it
  if (store.meta("started_at").empty()) store.set_meta("started_at", results::utc_now());
}

ResetChoice choose_reset(std::optional<bool> requested, int reuse_vm, const std::string& backend,
                         const vm::Capabilities& caps) {
  const bool pool = reuse_vm > 1;
  if (requested == true && !pool)
    throw UsageError(
        "--snapshot-reset restores kept guests: it needs the VM pool, not one VM per cell");
  if (requested == true && !caps.snapshots)
    throw UsageError("--snapshot-reset: the " + backend +
                     " backend cannot save and load VM snapshots; use --backend qemu");
  if (!pool) return {false, ""};
  if (requested == false) return {false, "a guest left unfit is rebooted (--no-snapshot-reset)"};
  if (!caps.snapshots)
    return {false,
            "a guest left unfit is rebooted (the " + backend + " backend has no VM snapshots)"};
  return {true,
          "a guest left unfit is restored from the snapshot saved after its boot "
          "(--no-snapshot-reset: reboot it)"};
}

int jobs_for(int requested, const std::vector<campaign::Cell>& cells) {
  if (requested > 0) return requested;
  return default_jobs(cells.empty() ? 1ull << 30 : cells[0].vm.memory_bytes);
}

std::vector<results::RunRecord> latest_runs(const results::Store& store) {
  std::vector<results::RunRecord> out;
  std::map<std::string, std::size_t> latest;
  for (auto& r : store.runs()) {  // ordered by start time
    auto it = latest.find(r.cell_id);
    if (it == latest.end()) {
      latest[r.cell_id] = out.size();
      out.push_back(r);
    } else {
      out[it->second] = r;
    }
  }
  return out;
}

}  // namespace dt::runner
