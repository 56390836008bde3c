#include "runner/fresh_guest.hpp"

#include "vm/ready_state.hpp"

namespace dt::runner {
namespace fs = std::filesystem;

fs::path ready_states_dir(const fs::path& image_dir) {
  return image_dir / "ready-states";
}

namespace {
// Started in the caller's slot, so that a guest that fails to come up stays there with its
// console: a kernel report at boot is a finding, not a quiet boot failure.
void start(std::unique_ptr<Session>& slot, vm::Backend& backend, const vm::Config& cfg,
           const FreshGuestOptions& opts) {
  slot = std::make_unique<Session>(backend, cfg, opts.session);
  slot->should_abort = opts.should_abort;
  slot->wait_ready();
}

// The guest from the image's ready state where there is one (true), else the slot is empty
// and g.start says why the guest must boot.
bool loaded_from_ready_state(FreshGuest& g, std::unique_ptr<Session>& slot, vm::Backend& backend,
                             const vm::Config& cfg, const FreshGuestOptions& opts) {
  g.start = "boot";
  const vm::ReadyStates states(cfg.snapshots ? opts.ready_states : fs::path());
  auto state = states.find(cfg);
  if (!state) return false;
  vm::Config from = cfg;
  from.start_from = *state;
  try {
    start(slot, backend, from, opts);
    g.from_ready_state = true;
    g.start = "ready state";
    return true;
  } catch (const vm::BootError& e) {
    // A state this QEMU cannot load (or a guest that did not answer from it) is no kernel
    // result: drop it, boot, and let a clean boot save a new one.
    if (opts.should_abort && opts.should_abort()) throw;  // the harness is stopping
    slot.reset();
    states.discard(cfg);
    g.start = "boot: the ready state did not load (" + e.title() + ")";
    return false;
  }
}
}  // namespace

FreshGuest start_fresh_guest(vm::Backend& backend, const vm::Config& cfg,
                             const FreshGuestOptions& opts, std::unique_ptr<Session>& slot) {
  FreshGuest g;
  if (loaded_from_ready_state(g, slot, backend, cfg, opts)) return g;
  start(slot, backend, cfg, opts);
  Session& s = *slot;
  g.namespaces = ready_namespaces(s, static_cast<int>(cfg.nvdimms.size()),
                                  s.instance().nvdimm_files(), cfg.nvdimm_templates);
  if (cfg.snapshots) {
    s.save_snapshot();
    // Only a guest that came up clean is worth starting every later guest from.
    if (!s.has_reports() && !s.lockdep_disabled())
      vm::ReadyStates(opts.ready_states)
          .publish(cfg, s.instance().snapshot_file(), Session::kFreshSnapshot);
  }
  return g;
}

FreshGuest restart_guest(vm::Backend& backend, const vm::Config& cfg, const FreshGuestOptions& opts,
                         std::unique_ptr<Session>& slot) {
  FreshGuest g;
  if (!loaded_from_ready_state(g, slot, backend, cfg, opts)) start(slot, backend, cfg, opts);
  return g;
}

}  // namespace dt::runner
