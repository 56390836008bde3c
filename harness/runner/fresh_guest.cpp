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

}  // namespace

FreshGuest load_ready_state(vm::Backend& backend, const vm::Config& cfg,
                            const FreshGuestOptions& opts, std::unique_ptr<Session>& slot) {
  FreshGuest g;
  g.start = "boot";
  const vm::ReadyStates states(cfg.snapshots ? opts.ready_states : fs::path());
  auto state = states.find(cfg);
  if (!state) return g;
  vm::Config from = cfg;
  from.start_from = *state;
  try {
    start(slot, backend, from, opts);
    g.from_ready_state = true;
    g.start = "ready state";
  } catch (const vm::BootError& e) {
    // A state this QEMU cannot load (or a guest that did not answer from it) is no kernel
    // result: drop it, boot, and let a clean boot save a new one.
    if (opts.should_abort && opts.should_abort()) throw;  // the harness is stopping
    slot.reset();
    states.discard(cfg);
    g.start = "boot: the ready state did not load (" + e.title() + ")";
  }
  return g;
}

FreshGuest start_fresh_guest(vm::Backend& backend, const vm::Config& cfg,
                             const FreshGuestOptions& opts, std::unique_ptr<Session>& slot) {
  FreshGuest g = load_ready_state(backend, cfg, opts, slot);
  if (g.from_ready_state) return g;
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
  start(slot, backend, cfg, opts);
  return {.start = "boot"};
}

}  // namespace dt::runner
