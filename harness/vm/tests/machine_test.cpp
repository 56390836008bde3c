// The QEMU backend's argv and the libvirt backend's domain XML, rendered from one Config, must
// describe the same machine: both come from vm::MachineShape, and this test reads each back
// into the facts a guest sees (machine type, accelerator, CPU model, vCPUs, RAM, memory slots
// and maximum, and every NVDIMM's size, alignment and label area).
#include "vm/machine.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "vm/libvirt.hpp"
#include "vm/qemu.hpp"

using namespace dt::vm;

namespace {

struct Facts {
  std::string machine, accel, cpu;
  int vcpus = 0, slots = 0;
  std::uint64_t ram_kib = 0, max_kib = 0;
  std::vector<std::uint64_t> nvdimm_kib, align_kib, label_kib;
  bool pvpanic = false;
  bool operator==(const Facts&) const = default;
};

std::string value_after(const std::vector<std::string>& a, const std::string& key, int nth = 0) {
  for (std::size_t i = 0; i + 1 < a.size(); ++i)
    if (a[i] == key && nth-- == 0) return a[i + 1];
  return "";
}

std::uint64_t num(const std::string& s) {
  return std::stoull(s);
}

Facts from_argv(const std::vector<std::string>& a) {
  Facts f;
  std::smatch m;
  std::string machine = value_after(a, "-machine");
  f.machine = machine.substr(0, machine.find(','));
  f.accel = value_after(a, "-accel").starts_with("kvm") ? "kvm" : "tcg";
  f.cpu = value_after(a, "-cpu");
  f.vcpus = std::stoi(value_after(a, "-smp"));
  const std::string mem = value_after(a, "-m");
  if (std::regex_match(mem, m, std::regex(R"((\d+)M,slots=(\d+),maxmem=(\d+)M)"))) {
    f.ram_kib = num(m[1]) * 1024;
    f.slots = std::stoi(m[2]);
    f.max_kib = num(m[3]) * 1024;
  }
  for (int i = 0;; ++i) {
    const std::string obj = value_after(a, "-object", i);
    if (obj.empty()) break;
    if (std::regex_search(obj, m, std::regex(R"(size=(\d+)M,align=(\d+)M)"))) {
      f.nvdimm_kib.push_back(num(m[1]) * 1024);
      f.align_kib.push_back(num(m[2]) * 1024);
    }
  }
  for (int i = 0;; ++i) {
    const std::string dev = value_after(a, "-device", i);
    if (dev.empty()) break;
    if (dev.starts_with("nvdimm,"))  // a label area only when the device names one
      f.label_kib.push_back(
          std::regex_search(dev, m, std::regex(R"(label-size=(\d+)K)")) ? num(m[1]) : 0);
    f.pvpanic |= dev == "pvpanic";
  }
  return f;
}

Facts from_xml(const std::string& x) {
  Facts f;
  std::smatch m;
  auto one = [&](const char* re) {
    return std::regex_search(x, m, std::regex(re)) ? m[1].str() : std::string();
  };
  f.machine = one(R"(machine='([^']+)')");
  f.accel = one(R"(<domain type='([^']+)')") == "kvm" ? "kvm" : "tcg";
  const std::string mode = one(R"(<cpu mode='([^']+)')");
  f.cpu = mode == "host-passthrough" ? "host" : mode == "maximum" ? "max" : mode;
  f.vcpus = std::stoi(one(R"(<vcpu[^>]*>(\d+)<)"));
  f.ram_kib = num(one(R"(<memory unit='KiB'>(\d+)<)"));
  f.slots = std::stoi(one(R"(<maxMemory slots='(\d+)')"));
  f.max_kib = num(one(R"(<maxMemory[^>]*>(\d+)<)"));
  const std::regex dimm(
      R"(<memory model='nvdimm'[\s\S]*?<alignsize unit='KiB'>(\d+)<[\s\S]*?<size unit='KiB'>(\d+)<([\s\S]*?)</memory>)");
  const std::regex label(R"(<label>\s*<size unit='KiB'>(\d+)<)");
  for (std::sregex_iterator it(x.begin(), x.end(), dimm), end; it != end; ++it) {
    f.align_kib.push_back(num((*it)[1]));
    f.nvdimm_kib.push_back(num((*it)[2]));
    const std::string rest = (*it)[3];
    std::smatch lm;
    f.label_kib.push_back(std::regex_search(rest, lm, label) ? num(lm[1]) : 0);
  }
  f.pvpanic = x.find("<panic model='isa'/>") != std::string::npos;
  return f;
}

}  // namespace

TEST(MachineShape, QemuArgvAndLibvirtXmlDescribeTheSameMachine) {
  for (Accel accel : {Accel::Tcg, Accel::Kvm}) {
    for (std::vector<std::uint64_t> dimms :
         {std::vector<std::uint64_t>{512ull << 20}, {512ull << 20, 1ull << 30}}) {
      Config c;
      c.accel = accel;
      c.vcpus = 3;
      c.memory_bytes = 1536ull << 20;
      c.nvdimms = dimms;
      std::vector<std::filesystem::path> files;
      for (std::size_t i = 0; i < dimms.size(); ++i) files.push_back("/w/n" + std::to_string(i));
      const Facts q = from_argv(qemu_argv(c, QemuPaths{"/s/q", "/s/a", files}));
      const Facts l = from_xml(domain_xml(c, LibvirtPaths{"dt", "/k", "/i", files}));
      EXPECT_EQ(q, l) << "accel " << to_string(accel) << ", " << dimms.size() << " NVDIMMs";
      // And both say what the shape says.
      const MachineShape s = machine_shape(c);
      EXPECT_EQ(q.vcpus, 3);
      EXPECT_EQ(q.slots, s.memory_slots);
      EXPECT_EQ(q.max_kib, s.max_memory_bytes / 1024);
      EXPECT_EQ(q.nvdimm_kib.size(), dimms.size());
      EXPECT_EQ(q.cpu, accel == Accel::Kvm ? "host" : "max");
    }
  }
}

TEST(MachineShape, KvmProbeUsesTheSameMachineTypeAndCpu) {
  const auto a = qemu_machine_args(probe_shape());
  Config c;
  c.accel = Accel::Kvm;
  const auto full = qemu_argv(c, QemuPaths{"/q", "/a", {"/n0"}});
  EXPECT_EQ(value_after(a, "-cpu"), value_after(full, "-cpu"));
  EXPECT_EQ(value_after(a, "-accel"), value_after(full, "-accel"));
  EXPECT_EQ(value_after(a, "-machine"), "q35");
  EXPECT_EQ(value_after(full, "-machine"), "q35,nvdimm=on");
}

TEST(MachineShape, NoVcpuIsAUsageError) {
  Config c;
  c.vcpus = 0;
  EXPECT_ANY_THROW(machine_shape(c));
}
