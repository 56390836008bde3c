#pragma once
// Ready states: a guest saved once, right after its first boot (agent up, fsdax namespaces
// made, nothing mounted), that later guests of the same machine start from instead of booting.
// Loading a saved guest takes a fraction of a boot under TCG, and the guest it gives is the one
// that was saved, kernel state and all: the one snapshot mode already restores kept guests to.
//
// A state is only valid for the exact machine it was saved from, so it is filed under a
// fingerprint of everything that guest saw: the QEMU command line less its per-instance paths
// (kernel command line, machine shape, accelerator), the kernel, initramfs and NVDIMM
// templates (path, size, mtime), the QEMU binary, and under KVM the host CPU model.
#include <filesystem>
#include <optional>
#include <string>

#include "vm/vm.hpp"

namespace dt::vm {

class ReadyStates {
 public:
  explicit ReadyStates(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // The fingerprint of the guest a config boots (start_from and workdir do not count).
  static std::string fingerprint(const Config& cfg);
  // The saved state for this machine, if one was published. States are only found and saved
  // for guests whose every NVDIMM starts as a copy of its namespace template.
  std::optional<SavedState> find(const Config& cfg) const;
  // Files a running guest's snapshot file (holding `tag`, saved while the guest was fresh) as
  // the state for this machine: a private copy, then a rename, so a guest starting meanwhile
  // copies a whole state or none. Returns false (and keeps nothing) when the copy fails: the
  // next guest then boots, as before.
  bool publish(const Config& cfg, const std::filesystem::path& snapshot_file,
               const std::string& tag) const;
  // A state that failed to load is removed, so the next guest boots and saves a new one.
  void discard(const Config& cfg) const;
  // States of machines no longer run would pile up (about 130 MB each, one per kernel build,
  // command line or machine shape). Keeps the `keep` most recently used ones (find and
  // publish mark use) and removes the rest, tags without a state and copies left behind by a
  // harness that died while publishing. publish calls it.
  static constexpr std::size_t kKeep = 4;
  void prune(std::size_t keep = kKeep) const;

 private:
  std::filesystem::path path_for(const Config& cfg) const;
  std::filesystem::path dir_;
};

}  // namespace dt::vm
