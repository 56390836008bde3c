#pragma once
// Boot inputs shared by every backend. NVDIMM backing files: reuse the given ones (power-cut
// reboots on what the last boot left) or create sparse files after checking the disk has room
// for them, starting from the templates where the Config names them.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "vm/vm.hpp"

namespace dt::vm {

std::vector<std::filesystem::path> prepare_nvdimm_files(const Config& cfg);

// The disk under the config's NVDIMM files has less free space than they may take (they are
// sparse and fill as the guest writes): what they need and what is free. nullopt when they
// fit or the free space cannot be read.
struct NvdimmSpace {
  std::uint64_t need = 0, free = 0;
};
std::optional<NvdimmSpace> nvdimm_space_short(const Config& cfg);

// Kernel and initramfs exist; else dt::InfraError naming the file and `daxtorture image build`.
void require_boot_images(const Config& cfg);

}  // namespace dt::vm
