#include "runner/fresh_guest.hpp"

#include "vm/ready_state.hpp"

namespace dt::runner {
namespace fs = std::filesystem;

fs::path ready_states_dir(const fs::path& image_dir) {
  return image_dir / "ready-states";
}

namespace {
std::unique_ptr<Session> started(vm::Backend& backend, const vm::Config& cfg,
                                 const FreshGuestOptions& opts) {
  auto s = std::make_unique<Session>(backend, cfg, opts.session);
  s->should_abort = opts.should_abort;
  s->wait_ready();
  return s;
}
}  // namespace

FreshGuest start_fresh_guest(vm::Backend& backend, const vm::Config& cfg,
                             const FreshGuestOptions& opts) {
  const vm::ReadyStates states(cfg.snapshots ? opts.ready_states : fs::path());
  FreshGuest g;
  g.start = "boot";
  if (auto state = states.find(cfg)) {
    vm::Config from = cfg;
    from.start_from = *state;
    try {
      g.session = started(backend, from, opts);
      g.from_ready_state = true;
      g.start = "ready state";
      return g;
    } catch (const vm::BootError& e) {
      // A state this QEMU cannot load (or a guest that did not answer from it) is no kernel
      // result: drop it, boot, and let this boot save a new one.
      states.discard(cfg);
      g.start = "boot: the ready state did not load (" + e.title() + ")";
    }
  }
  g.session = started(backend, cfg, opts);
  Session& s = *g.session;
  g.namespaces = ready_namespaces(s, static_cast<int>(cfg.nvdimms.size()),
                                  s.instance().nvdimm_files(), cfg.nvdimm_templates);
  if (cfg.snapshots) {
    s.save_snapshot();
    // Only a guest that came up clean is worth starting every later guest from.
    if (!s.has_reports() && !s.lockdep_disabled())
      states.publish(cfg, s.instance().snapshot_file(), Session::kFreshSnapshot);
  }
  return g;
}

}  // namespace dt::runner
