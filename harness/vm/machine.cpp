#include "vm/machine.hpp"

#include <fmt/format.h>

#include "util/error.hpp"

namespace dt::vm {

std::uint64_t nvdimm_region_bytes(std::uint64_t configured) {
  constexpr std::uint64_t align = 16ull << 20;
  if (configured < align) throw UsageError("an NVDIMM needs at least 16M");
  return configured / align * align;
}

MachineShape machine_shape(const Config& cfg) {
  if (cfg.vcpus < 1) throw UsageError("a VM needs at least one vCPU");
  MachineShape m;
  m.accel = cfg.accel;
  m.cpu = cfg.accel == Accel::Kvm ? "host" : "max";
  m.vcpus = cfg.vcpus;
  m.memory_bytes = cfg.memory_bytes;
  std::uint64_t nvdimm_total = 0;
  for (auto n : cfg.nvdimms) {
    n = nvdimm_region_bytes(n);
    m.nvdimms.push_back(NvdimmShape{.bytes = n});
    nvdimm_total += n;
  }
  m.max_memory_bytes = cfg.memory_bytes + nvdimm_total + (1ull << 30);
  m.memory_slots = static_cast<int>(cfg.nvdimms.size()) + 1;
  return m;
}

MachineShape probe_shape() {
  MachineShape m;
  m.accel = Accel::Kvm;
  m.cpu = "host";
  m.vcpus = 1;
  m.memory_bytes = 256ull << 20;
  m.max_memory_bytes = m.memory_bytes;
  m.pvpanic = false;
  return m;
}

std::vector<std::string> qemu_machine_args(const MachineShape& m) {
  constexpr std::uint64_t mib = 1ull << 20;
  std::vector<std::string> a = {"-machine",
                                m.nvdimms.empty() ? m.machine : m.machine + ",nvdimm=on"};
  if (m.accel == Accel::Kvm)
    a.insert(a.end(), {"-accel", "kvm"});
  else
    a.insert(a.end(), {"-accel", "tcg,thread=multi"});
  a.insert(a.end(),
           {"-cpu", m.cpu, "-smp", std::to_string(m.vcpus), "-m",
            m.nvdimms.empty() ? fmt::format("{}M", m.memory_bytes / mib)
                              : fmt::format("{}M,slots={},maxmem={}M", m.memory_bytes / mib,
                                            m.memory_slots, m.max_memory_bytes / mib)});
  if (m.pvpanic) a.insert(a.end(), {"-device", "pvpanic"});
  a.push_back("-no-reboot");
  return a;
}

}  // namespace dt::vm
