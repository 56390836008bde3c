// The libvirt domain XML for a Config: the same machine as the QEMU backend's argv, rendered
// from one MachineShape (pure; unit-tested and schema-checked in tests/libvirt_xml_test.cpp).
#include <fmt/format.h>

#include "util/error.hpp"
#include "util/xml.hpp"
#include "vm/libvirt.hpp"
#include "vm/machine.hpp"
#include "vm/qemu.hpp"  // kernel_cmdline(): one kernel command line for every backend

namespace dt::vm {

std::string domain_xml(const Config& cfg, const LibvirtPaths& p, const DomainXmlOptions& opts) {
  if (p.nvdimm_files.size() != cfg.nvdimms.size())
    throw UsageError(fmt::format("{} NVDIMM backing files for {} NVDIMMs", p.nvdimm_files.size(),
                                 cfg.nvdimms.size()));
  const MachineShape m = machine_shape(cfg);  // the same machine as the QEMU backend's argv
  auto e = xml::attr;                         // the one escaper (util/xml.hpp)
  const std::uint64_t kib = 1024;
  const std::uint64_t mem_kib = m.memory_bytes / kib;
  const bool kvm = m.accel == Accel::Kvm;
  std::string cpus = m.vcpus == 1 ? "0" : fmt::format("0-{}", m.vcpus - 1);

  std::string x;
  x += fmt::format("<domain type='{}'>\n", kvm ? "kvm" : "qemu");
  x += fmt::format("  <name>{}</name>\n", e(p.name));
  x += "  <description>daxtorture test VM (transient, destroyed with its "
       "connection)</description>\n";
  x += fmt::format("  <maxMemory slots='{}' unit='KiB'>{}</maxMemory>\n", m.memory_slots,
                   m.max_memory_bytes / kib);
  x += fmt::format("  <memory unit='KiB'>{}</memory>\n", mem_kib);
  x += fmt::format("  <vcpu placement='static'>{}</vcpu>\n", m.vcpus);
  x += "  <os>\n";
  x += fmt::format("    <type arch='x86_64' machine='{}'>hvm</type>\n", m.machine);
  x += fmt::format("    <kernel>{}</kernel>\n", e(p.kernel.string()));
  x += fmt::format("    <initrd>{}</initrd>\n", e(p.initramfs.string()));
  x += fmt::format("    <cmdline>{}</cmdline>\n", e(kernel_cmdline(cfg)));
  x += "  </os>\n";
  x += "  <features>\n    <acpi/>\n  </features>\n";  // the NFIT that describes the NVDIMMs is ACPI
  // NVDIMMs are memory devices: they need a NUMA node to sit on.
  if (kvm)
    x += "  <cpu mode='host-passthrough' check='none'>\n";
  else if (opts.cpu_maximum)
    x += "  <cpu mode='maximum' check='none'>\n";  // = -cpu max
  else
    x += "  <cpu>\n";
  x += fmt::format(
      "    <numa>\n      <cell id='0' cpus='{}' memory='{}' unit='KiB'/>\n    </numa>\n", cpus,
      mem_kib);
  x += "  </cpu>\n";
  x += "  <clock offset='utc'/>\n";
  // -no-reboot: a panic (panic=-1 reboots at once) or a poweroff ends the domain.
  x += "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n  "
       "<on_crash>destroy</on_crash>\n";
  x += "  <devices>\n";
  x += "    <controller type='usb' model='none'/>\n";
  // Both character devices are read through libvirt streams, from wherever the host is: the
  // serial console on a pty (virDomainOpenConsole), the agent port on a unix socket whose path
  // libvirt chooses on the host (virDomainOpenChannel).
  x += "    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n";
  x += "    <channel type='unix'>\n";
  x += "      <source mode='bind'/>\n";
  x += fmt::format("      <target type='virtio' name='{}'/>\n", kAgentChannel);
  x += "    </channel>\n";
  x += "    <memballoon model='none'/>\n";
  if (m.pvpanic) x += "    <panic model='isa'/>\n";  // pvpanic: GUEST_PANICKED on the monitor
  for (std::size_t i = 0; i < m.nvdimms.size(); ++i) {
    const NvdimmShape& n = m.nvdimms[i];
    // share=on: stores reach the file. libvirt preallocates an NVDIMM's backing file unless the
    // source says <pmem/> (which would also switch QEMU to pmem=on), so unlike the QEMU
    // backend's sparse files these take their full size on disk; existing content is kept.
    x += "    <memory model='nvdimm' access='shared'>\n";
    x += "      <source>\n";
    x += fmt::format("        <path>{}</path>\n", e(p.nvdimm_files[i].string()));
    x += fmt::format("        <alignsize unit='KiB'>{}</alignsize>\n", n.align_bytes / kib);
    x += "      </source>\n";
    x += "      <target>\n";
    x += fmt::format("        <size unit='KiB'>{}</size>\n", n.bytes / kib);
    x += "        <node>0</node>\n";
    if (n.label_bytes)
      x += fmt::format("        <label>\n          <size unit='KiB'>{}</size>\n        </label>\n",
                       n.label_bytes / kib);
    x += "      </target>\n";
    x += "    </memory>\n";
  }
  x += "  </devices>\n";
  x += "</domain>\n";
  return x;
}

}  // namespace dt::vm
