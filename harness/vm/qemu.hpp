#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "vm/vm.hpp"

namespace dt::vm {

struct QemuPaths {
  std::filesystem::path qmp_socket, agent_socket;
  std::vector<std::filesystem::path> nvdimm_files;
  std::filesystem::path snapshot_image;  // scratch qcow2 for savevm (Config::snapshots)
};

// The QEMU command line for a config (pure; unit-tested).
std::vector<std::string> qemu_argv(const Config& cfg, const QemuPaths& paths);
// Kernel command line shared by every backend.
std::string kernel_cmdline(const Config& cfg);

}  // namespace dt::vm
