#pragma once
// KVM or TCG. `auto` probes KVM with a short boot and falls back to TCG when the console
// shows no progress (nested KVM here hangs right after "Decompressing Linux..."); the
// verdict is remembered per host (kernel, QEMU, CPU) in the cache.
#include <filesystem>
#include <functional>
#include <string>

#include "vm/vm.hpp"

namespace dt::vm {

struct AccelChoice {
  Accel accel;
  std::string reason;  // one line for the user: which one runs and why
};

// Throws UsageError when kvm is asked for but /dev/kvm is unusable.
AccelChoice resolve_accel(Accel requested, const std::filesystem::path& kernel,
                          const std::filesystem::path& cache, double probe_timeout_s = 20);
std::string host_identity();  // what the cached verdict is keyed by
bool kvm_device_usable(std::string* why = nullptr);

}  // namespace dt::vm
