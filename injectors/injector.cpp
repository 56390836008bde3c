#include "injector.hpp"

#include <fmt/format.h>

#include "util/error.hpp"

namespace dt::injectors {

std::unique_ptr<Injector> make_pause_jitter(const campaign::InjectorSpec&, const std::string&,
                                            std::uint64_t);
std::unique_ptr<Injector> make_cpu_hotplug(const campaign::InjectorSpec&, const std::string&,
                                           std::uint64_t);
std::unique_ptr<Injector> make_fault_inject(const campaign::InjectorSpec&, const std::string&,
                                            std::uint64_t);
std::unique_ptr<Injector> make_unbind(const campaign::InjectorSpec&, const std::string&,
                                      std::uint64_t);
std::unique_ptr<Injector> make_poison(const campaign::InjectorSpec&, const std::string&,
                                      std::uint64_t);
std::unique_ptr<Injector> make_power_cut(const campaign::InjectorSpec&, const std::string&,
                                         std::uint64_t);

Injector::Injector(const campaign::InjectorSpec& spec, std::string fs, std::uint64_t seed)
    : spec_(spec), fs_(std::move(fs)), rng_(seed ^ std::hash<std::string>{}(spec.name)) {
  nlohmann::json params = nlohmann::json::object();
  for (auto& p : spec.params) params[p.key] = p.value;
  record_ = {{"injector", spec.name}, {"params", params}, {"events", nlohmann::json::array()}};
}

double Injector::param(const std::string& key, double fallback) const {
  for (auto& p : spec_.params)
    if (p.key == key) return std::stod(p.value);
  return fallback;
}

std::string Injector::param_str(const std::string& key, const std::string& fallback) const {
  for (auto& p : spec_.params)
    if (p.key == key) return p.value;
  return fallback;
}

void Injector::event(double t, const std::string& what, nlohmann::json extra) {
  // Keep the record bounded: pause-jitter can fire thousands of times.
  auto& ev = record_["events"];
  if (ev.size() < 200) {
    extra["t"] = t;
    extra["what"] = what;
    ev.push_back(extra);
  }
}

std::size_t count_console(runner::GuestControl& s, const std::string& needle,
                          std::size_t from_offset) {
  const std::string text = s.console_text(from_offset);
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

Needs needs(const std::string& injector) {
  if (injector == "power-cut")
    return {.reuse_nvdimm_files = true,
            .why = "boots the next VM on the NVDIMM files of the one it cut"};
  return {};
}

void check_backend(const campaign::Campaign& c, const std::string& backend,
                   const vm::Capabilities& caps) {
  std::vector<const campaign::InjectorSet*> sets;
  for (const auto& set : c.injector_sets) sets.push_back(&set);
  for (const auto& w : c.workloads)
    for (const auto& set : w.injector_sets) sets.push_back(&set);
  for (const auto* set : sets)
    for (const auto& spec : set->injectors) {
      const Needs n = needs(spec.name);
      if (n.reuse_nvdimm_files && !caps.reuse_nvdimm_files)
        throw UsageError(fmt::format(
            "campaign {}: injector {} {}, which the {} backend cannot do here (a remote host "
            "boots from scratch volumes); use --backend qemu or a local libvirt URI",
            c.name, spec.name, n.why, backend));
    }
}

std::unique_ptr<Injector> make(const campaign::InjectorSpec& spec, const std::string& fs,
                               std::uint64_t seed) {
  if (spec.name == "pause-jitter") return make_pause_jitter(spec, fs, seed);
  if (spec.name == "cpu-hotplug") return make_cpu_hotplug(spec, fs, seed);
  if (spec.name == "failslab" || spec.name == "fail-page-alloc" || spec.name == "fail-function")
    return make_fault_inject(spec, fs, seed);
  if (spec.name == "unbind") return make_unbind(spec, fs, seed);
  if (spec.name == "poison") return make_poison(spec, fs, seed);
  if (spec.name == "power-cut") return make_power_cut(spec, fs, seed);
  throw UsageError("injector '" + spec.name +
                   "' is not implemented in this build (have: pause-jitter, cpu-hotplug, "
                   "failslab, fail-page-alloc, fail-function, unbind, poison, power-cut)");
}

}  // namespace dt::injectors
