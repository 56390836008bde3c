#pragma once
// The libvirt backend: the same guest as the direct QEMU backend (q35, NVDIMMs on shared
// file-backed memory with a label area, direct kernel boot, serial console to a file, the
// agent's virtio-serial port on a unix socket, pvpanic), started as a transient
// auto-destroying libvirt domain so it dies with our connection. Options:
//   {"connect": ["qemu:///system", "qemu+ssh://host2/system", ...]}
// Several URIs spread instances round-robin across the hosts.
#include <filesystem>
#include <string>
#include <vector>

#include "vm/vm.hpp"

namespace dt::vm {

struct LibvirtPaths {
  std::string name;  // domain name, unique per instance
  std::filesystem::path console_log, agent_socket;
  std::vector<std::filesystem::path> nvdimm_files;
};

struct DomainXmlOptions {
  // <cpu mode='maximum'> (libvirt >= 7.1) for TCG; without it TCG gets QEMU's default model.
  bool cpu_maximum = true;
};

// The domain XML for a config (pure; unit-tested and schema-checked).
std::string domain_xml(const Config& cfg, const LibvirtPaths& paths,
                       const DomainXmlOptions& opts = {});

// The "connect" option: a string or a list of URIs; default qemu:///system. UsageError if bad.
std::vector<std::string> connect_uris(const json& options);
// True when the URI names no host (qemu:///system, qemu+unix:///system): the console file and
// the agent socket are then readable here.
bool uri_is_local(const std::string& uri);
// XML text escaping for element content and attribute values.
std::string xml_escape(const std::string& s);

}  // namespace dt::vm
