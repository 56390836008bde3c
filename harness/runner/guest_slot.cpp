#include "runner/guest_slot.hpp"

#include <fmt/format.h>

namespace dt::runner {
namespace fs = std::filesystem;

GuestSlot::GuestSlot(ReusePolicy policy, fs::path vms_dir, int worker, bool keep_artifacts)
    : policy_(policy),
      vms_dir_(std::move(vms_dir)),
      worker_(worker),
      keep_artifacts_(keep_artifacts) {}

GuestSlot::~GuestSlot() {
  try {
    retire_kept();
  } catch (...) {  // a destructor must not throw; the VM process dies with its Instance anyway
  }
}

std::optional<KeptGuest> GuestSlot::take(const GuestKey& key) {
  if (!kept_) return std::nullopt;
  if (!(kept_->key == key)) {
    retire_kept();
    return std::nullopt;
  }
  auto g = std::move(kept_);
  kept_.reset();
  return g;
}

fs::path GuestSlot::new_vm_dir() {
  return vms_dir_ / fmt::format("w{}-{:03}", worker_, ++booted_);
}

std::string GuestSlot::give_back(KeptGuest g) {
  std::string why;
  if (g.cells >= policy_.max_cells)
    why = fmt::format("ran {} cells (--reuse-vm {})", g.cells, policy_.max_cells);
  else if (vm::steady_now() - g.booted_at >= policy_.max_age_s)
    why = fmt::format("older than {:.0f} s", policy_.max_age_s);
  if (!why.empty()) {
    retire(g);
    return why;
  }
  retire_kept();
  kept_ = std::move(g);
  return {};
}

void GuestSlot::retire(KeptGuest& g) const {
  if (g.session) {
    g.session->poweroff();
    g.session->close();
    g.session.reset();
  }
  if (keep_artifacts_) return;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(g.dir, ec))
    // NVDIMM files and the snapshot file (a saved guest, 100+ MiB): the console log stays.
    if (e.path().extension() == ".img" || e.path().extension() == ".qcow2")
      fs::remove(e.path(), ec);
}

void GuestSlot::retire_kept() {
  if (!kept_) return;
  retire(*kept_);
  kept_.reset();
}

}  // namespace dt::runner
