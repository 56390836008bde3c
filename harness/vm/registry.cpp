#include <chrono>

#include "qmp/qmp.hpp"
#include "util/error.hpp"
#include "vm/vm.hpp"

namespace dt::vm {

BackendFactory qemu_backend_factory();
BackendFactory libvirt_backend_factory();

namespace {
// Built-in backends are in the table from the start; others add themselves by name.
std::map<std::string, BackendFactory>& registry() {
  static std::map<std::string, BackendFactory> r{{"qemu", qemu_backend_factory()},
                                                 {"libvirt", libvirt_backend_factory()}};
  return r;
}
}  // namespace

void register_backend(const std::string& name, BackendFactory f) {
  registry()[name] = std::move(f);
}

std::unique_ptr<Backend> make_backend(const std::string& name, const json& options) {
  auto& r = registry();
  auto it = r.find(name);
  if (it == r.end()) {
    std::string known;
    for (auto& [n, _] : r) known += (known.empty() ? "" : ", ") + n;
    throw UsageError("unknown VM backend '" + name + "' (known: " + known + ")");
  }
  return it->second(options);
}

std::vector<std::string> backend_names() {
  std::vector<std::string> out;
  for (auto& [n, _] : registry()) out.push_back(n);
  return out;
}

std::string to_string(Accel a) {
  switch (a) {
    case Accel::Auto:
      return "auto";
    case Accel::Kvm:
      return "kvm";
    case Accel::Tcg:
      return "tcg";
  }
  return "?";
}

Accel parse_accel(const std::string& s) {
  if (s == "auto") return Accel::Auto;
  if (s == "kvm") return Accel::Kvm;
  if (s == "tcg") return Accel::Tcg;
  throw UsageError("--accel must be auto, kvm or tcg, not '" + s + "'");
}

void Instance::snapshot_command(const std::string& line) {
  auto r = monitor("human-monitor-command", {{"command-line", line}});
  // Success is silence; anything printed is the error ("Error: ...", "No block device ...").
  if (r.is_string() && !r.get<std::string>().empty())
    throw qmp::Error(line + ": " + r.get<std::string>());
}

std::string Exit::str() const {
  if (signal) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(code);
}

double steady_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace dt::vm
