#pragma once
// The one description of a guest machine: q35 with ACPI (the NFIT that describes the NVDIMMs
// is an ACPI table), one NUMA node, RAM plus hotpluggable memory slots for the NVDIMMs, a
// pvpanic device, and no reboot. The QEMU backend renders it to argv, the libvirt backend to
// domain XML and the KVM probe to a minimal argv, so the three cannot drift apart
// (tests/machine_test.cpp checks that the argv and the XML describe the same machine).
#include <cstdint>
#include <string>
#include <vector>

#include "vm/vm.hpp"

namespace dt::vm {

// The part of a configured NVDIMM size the guest gets: a label-less region must be 16M-aligned
// (the kernel refuses it otherwise), so 514M, once 512M of namespace plus a 2M label area, is a
// 512M region now. Throws UsageError below 16M.
std::uint64_t nvdimm_region_bytes(std::uint64_t configured);

struct NvdimmShape {
  std::uint64_t bytes = 0;
  std::uint64_t align_bytes = 2ull << 20;  // 2 MiB: the guest can map PMDs
  // No label area: a label-less region keeps its fsdax configuration in the namespace's own pfn
  // info block, so a namespace template or a reboot brings it back the same. Reading a 128 KiB
  // label area through ACPI _DSM calls cost every boot 0.3-0.4 s under TCG (nfit_init).
  std::uint64_t label_bytes = 0;
};

struct MachineShape {
  std::string machine = "q35";
  Accel accel = Accel::Tcg;
  std::string cpu;  // "host" under KVM, "max" under TCG
  int vcpus = 1;
  std::uint64_t memory_bytes = 0;
  std::uint64_t max_memory_bytes = 0;  // RAM + NVDIMMs + 1 GiB of headroom
  int memory_slots = 0;                // one per NVDIMM, plus one spare
  std::vector<NvdimmShape> nvdimms;
  bool pvpanic = true;  // GUEST_PANICKED on the monitor
};

// The machine a Config asks for (throws UsageError for an impossible one).
MachineShape machine_shape(const Config& cfg);
// The KVM probe's machine: the same type and CPU model, 256 MiB and nothing else.
MachineShape probe_shape();

// Renderings of the parts both QEMU command lines share.
std::vector<std::string> qemu_machine_args(const MachineShape& m);

}  // namespace dt::vm
