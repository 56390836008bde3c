#pragma once
// The libvirt backend: the same guest as the direct QEMU backend (q35, NVDIMMs on shared
// file-backed memory with a label area, direct kernel boot, serial console, the agent's
// virtio-serial port, pvpanic), started as a transient auto-destroying libvirt domain so it
// dies with our connection. Console and agent travel over the libvirt connection as streams
// (virDomainOpenConsole/virDomainOpenChannel), so a URI may name another host; for such a
// host the kernel, initramfs and NVDIMM backing files live in a libvirt storage pool there
// (uploaded once per content hash). Options:
//   {"connect": ["qemu:///system", "qemu+ssh://host2/system", ...],
//    "pool_dir": "/var/tmp/daxtorture-pool"}   // directory of the remote hosts' pool
// Several URIs spread instances across the hosts: the least loaded first, ties in turn.
// The implementation is in vm/libvirt/, one file per job (see harness/vm/CMakeLists.txt).
#include <filesystem>
#include <string>
#include <vector>

#include "vm/vm.hpp"

namespace dt::vm {

// Where the files of one domain are, as seen by the host that runs it.
struct LibvirtPaths {
  std::string name;  // domain name, unique per instance
  std::filesystem::path kernel, initramfs;
  std::vector<std::filesystem::path> nvdimm_files;
};

inline constexpr const char* kAgentChannel = "org.daxtorture.agent";
inline constexpr const char* kDefaultPoolDir = "/var/tmp/daxtorture-pool";

struct DomainXmlOptions {
  // <cpu mode='maximum'> (libvirt >= 7.1) for TCG; without it TCG gets QEMU's default model.
  bool cpu_maximum = true;
};

// The domain XML for a config (pure; unit-tested and schema-checked).
std::string domain_xml(const Config& cfg, const LibvirtPaths& paths,
                       const DomainXmlOptions& opts = {});

// The "connect" option: a string or a list of URIs; default qemu:///system. UsageError if bad.
std::vector<std::string> connect_uris(const json& options);
// True when the URI names no host (qemu:///system, qemu+unix:///system): the daemon sees
// this machine's files. Any host part, localhost included, makes the backend stage the
// files in the host's storage pool (so qemu+ssh://root@localhost/system exercises it).
bool uri_is_local(const std::string& uri);
// Index of the host to use next: the least loaded, ties broken by `turn` (round-robin).
std::size_t pick_host(const std::vector<int>& load, std::size_t turn);

}  // namespace dt::vm
