// The backend's hosts as data (pure, unit-tested): the "connect" URIs, which of them name
// this machine, and which host takes the next VM.
#include <stdexcept>

#include "util/error.hpp"
#include "vm/libvirt.hpp"

namespace dt::vm {

std::vector<std::string> connect_uris(const json& options) {
  std::vector<std::string> uris;
  if (!options.is_object() && !options.is_null())
    throw UsageError(
        "libvirt backend options must be a JSON object like {\"connect\": [\"qemu:///system\"]}");
  if (options.is_object() && options.contains("connect")) {
    const auto& c = options.at("connect");
    if (c.is_string())
      uris.push_back(c.get<std::string>());
    else if (c.is_array())
      for (const auto& u : c) {
        if (!u.is_string())
          throw UsageError("libvirt \"connect\" entries must be URI strings, got " + u.dump());
        uris.push_back(u.get<std::string>());
      }
    else
      throw UsageError("libvirt \"connect\" must be a URI or a list of URIs, got " + c.dump());
  }
  for (const auto& u : uris)
    if (u.find("://") == std::string::npos)
      throw UsageError("'" + u +
                       "' is not a libvirt URI (examples: qemu:///system, qemu+ssh://host/system)");
  if (uris.empty()) uris.push_back("qemu:///system");
  return uris;
}

bool uri_is_local(const std::string& uri) {
  auto pos = uri.find("://");
  if (pos == std::string::npos) return true;
  std::string rest = uri.substr(pos + 3);
  return rest.empty() || rest[0] == '/';
}

std::size_t pick_host(const std::vector<int>& load, std::size_t turn) {
  if (load.empty()) throw std::logic_error("pick_host: no hosts");
  std::size_t best = turn % load.size();
  for (std::size_t k = 1; k < load.size(); ++k) {
    std::size_t i = (turn + k) % load.size();
    if (load[i] < load[best]) best = i;
  }
  return best;
}

}  // namespace dt::vm
