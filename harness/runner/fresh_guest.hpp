#pragma once
// A fresh guest, ready for its first cell: agent up, fsdax namespaces in place, nothing
// mounted, and in snapshot mode saved as Session::kFreshSnapshot. It is loaded from the
// image's ready state for this machine when one was saved (vm/ready_state.hpp), booted
// otherwise; a booted guest that came up clean (no report, lockdep on) saves the ready state
// for the guests after it. A state that fails to load is discarded and the guest boots.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "runner/dax_setup.hpp"
#include "runner/session.hpp"
#include "vm/vm.hpp"

namespace dt::runner {

struct FreshGuestOptions {
  SessionOptions session;
  std::function<bool()> should_abort;
  // Where the image keeps its ready states (ready_states_dir); empty: every guest boots. Used
  // only with Config::snapshots (the state is a snapshot file).
  std::filesystem::path ready_states;
};

struct FreshGuest {
  bool from_ready_state = false;
  NamespaceSetup namespaces;  // a booted guest's namespace step
  std::string start;          // "ready state", "boot", or "boot: <why the state was dropped>"
};

std::filesystem::path ready_states_dir(const std::filesystem::path& image_dir);

// The guest is started in `slot` and stays there when this throws, console and all, for the
// caller to read its reports and close it. Throws vm::BootError (the runner's retry policy
// decides), InfraError, Interrupted.
FreshGuest start_fresh_guest(vm::Backend& backend, const vm::Config& cfg,
                             const FreshGuestOptions& opts, std::unique_ptr<Session>& slot);

// The guest from the image's ready state, started in `slot`, where there is one for this
// machine and it loads (from_ready_state). Otherwise the slot is empty and `start` says why the
// guest must boot: no state, or one that did not load (it is dropped, so the next clean boot
// saves a new one). A stopping harness rethrows and keeps the state.
FreshGuest load_ready_state(vm::Backend& backend, const vm::Config& cfg,
                            const FreshGuestOptions& opts, std::unique_ptr<Session>& slot);

// A new guest on NVDIMM files that already hold their namespaces and a filesystem: the one
// after a power cut. Nothing is set up or saved: the cell's recovery mounts what it finds.
// It always boots, whatever opts.ready_states says: a saved state holds the NVDIMMs too, and
// loading one would put back the device as it was saved, not as the cut left it; a state
// without them would run on another kernel's memmap (with the default map=dev, the struct
// pages live on the device).
FreshGuest restart_guest(vm::Backend& backend, const vm::Config& cfg, const FreshGuestOptions& opts,
                         std::unique_ptr<Session>& slot);

}  // namespace dt::runner
