#pragma once
// A booted guest kept between cells, as syzkaller reuses each VM for many programs and reboots
// only after a crash. One slot per worker thread (no locking): the worker's next cell takes the
// guest if it has the same machine shape and image, and hands it back only when the cell left
// it clean (see runner/cell.cpp: no report, no taint, lockdep on, fsck run and clean, no
// damaging injector, no task stuck in D state). A slot whose policy allows one cell per guest
// is off: every cell boots its own VM in its run directory, as before.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "runner/session.hpp"
#include "vm/vm.hpp"

namespace dt::runner {

struct ReusePolicy {
  int max_cells = 1;        // cells per guest; <= 1: a fresh VM for every cell
  double max_age_s = 1800;  // a guest older than this is replaced (slow leaks, log growth)
  // Snapshot mode: a fresh guest is saved once (namespace created, nothing mounted), and a
  // guest a cell left unfit is put back from that snapshot instead of being rebooted.
  bool snapshots = false;
};

// What must match for a cell to run on a kept guest.
struct GuestKey {
  std::string image_key;
  vm::Accel accel = vm::Accel::Tcg;
  int vcpus = 0;
  std::uint64_t memory_bytes = 0, nvdimm_bytes = 0;
  int nvdimm_count = 0;
  bool operator==(const GuestKey&) const = default;
};

struct KeptGuest {
  std::unique_ptr<Session> session;
  GuestKey key;
  std::filesystem::path dir;  // the VM's own directory (console.log, NVDIMM files)
  int cells = 0;              // cells run on it so far
  double booted_at = 0;       // vm::steady_now() at boot
  std::string taint;          // /proc/sys/kernel/tainted right after boot
};

class GuestSlot {
 public:
  GuestSlot(ReusePolicy policy, std::filesystem::path vms_dir, int worker, bool keep_artifacts);
  ~GuestSlot();  // powers off a kept guest
  GuestSlot(const GuestSlot&) = delete;
  GuestSlot& operator=(const GuestSlot&) = delete;
  GuestSlot(GuestSlot&&) = default;

  bool enabled() const { return policy_.max_cells > 1; }
  bool snapshots() const { return enabled() && policy_.snapshots; }
  // The kept guest if it matches; a kept guest that does not is retired.
  std::optional<KeptGuest> take(const GuestKey& key);
  // A directory for a fresh guest of this slot.
  std::filesystem::path new_vm_dir();
  // Hand a guest back after a clean cell; retired instead when the policy says it is used up.
  // Returns why it was retired, or "" when kept.
  std::string give_back(KeptGuest g);
  // Power a guest off and delete its NVDIMM files (unless artifacts are kept).
  void retire(KeptGuest& g) const;
  void retire_kept();

 private:
  ReusePolicy policy_;
  std::filesystem::path vms_dir_;
  int worker_;
  bool keep_artifacts_;
  int booted_ = 0;
  std::optional<KeptGuest> kept_;
};

}  // namespace dt::runner
