#pragma once
// Boot inputs shared by every backend. NVDIMM backing files: reuse the given ones (power-cut
// reboots on what the last boot left) or create sparse files after checking the disk has room
// for them, starting from the templates where the Config names them.
#include <filesystem>
#include <vector>

#include "vm/vm.hpp"

namespace dt::vm {

std::vector<std::filesystem::path> prepare_nvdimm_files(const Config& cfg);

// Kernel and initramfs exist; else dt::InfraError naming the file and `daxtorture image build`.
void require_boot_images(const Config& cfg);

}  // namespace dt::vm
