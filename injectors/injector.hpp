#pragma once
// A fault injector runs alongside a workload in one VM. It is armed before the workload,
// ticked while it runs, disarmed after, and records what it injected, when (seconds since
// the workload started), and the kernel's own evidence that it fired. Which findings are the
// expected consequence of an injection is data (baselines/expected/rules.yaml), matched against
// the record in one oracle pass (oracle::mark_expected): whatever a rule needs to know, the
// injector puts in its record (`fired`, evidence).
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "campaign/campaign.hpp"
#include "oracle/expected_rules.hpp"  // the pass the cell runs over these records
#include "oracle/finding.hpp"
#include "runner/guest_control.hpp"
#include "vm/vm.hpp"

namespace dt::injectors {

class Injector {
 public:
  virtual ~Injector() = default;
  virtual std::string name() const = 0;
  virtual void arm(runner::GuestControl&) {}
  // Wrap the workload's argv (e.g. to scope kernel fault injection to its tasks).
  virtual std::vector<std::string> wrap(std::vector<std::string> argv) { return argv; }
  virtual void tick(runner::GuestControl&, double /*t*/) {}
  virtual void disarm(runner::GuestControl&) {}
  // Whether the injection left the filesystem unusable for fsck (device gone).
  virtual bool skip_fsck() const { return false; }
  // Whether the guest is as good as fresh after disarm, so the next cell may run on it (a VM
  // pool). Off unless an injector says so: unbind, poison, power cut, CPU hotplug and fault
  // injection change kernel state a later cell must not inherit.
  virtual bool leaves_guest_reusable() const { return false; }
  // Every JSON line the workload prints (power-cut keeps the acknowledged writes here).
  virtual void on_workload_line(const nlohmann::json&) {}
  // Findings the injector itself judged (deviations from the expected per-fs behaviour,
  // post-cut verification); taken by the cell after disarm and after every reboot.
  std::vector<oracle::Finding> take_findings() { return std::exchange(findings_, {}); }

  // Power-cut style injectors end the VM on purpose (from tick(), or cut_now() when the
  // workload finished first). The cell then boots a fresh VM on the same NVDIMM files and
  // calls recover(), which returns true when the workload should run again for another cut.
  virtual bool cut_pending() const { return false; }
  virtual bool wants_cut() const { return false; }
  virtual void cut_now(runner::GuestControl&, double /*t*/) {}
  virtual bool recover(runner::GuestControl&, const campaign::FsSpec&) { return false; }
  nlohmann::json record() const { return record_; }
  Injector(const campaign::InjectorSpec& spec, std::string fs, std::uint64_t seed);

 protected:
  double param(const std::string& key, double fallback) const;
  std::string param_str(const std::string& key, const std::string& fallback) const;
  void event(double t, const std::string& what, nlohmann::json extra = nlohmann::json::object());

  campaign::InjectorSpec spec_;
  std::string fs_;
  std::mt19937_64 rng_;
  nlohmann::json record_;
  std::vector<oracle::Finding> findings_;
};

// Throws UsageError for an injector this build does not have.
std::unique_ptr<Injector> make(const campaign::InjectorSpec& spec, const std::string& fs,
                               std::uint64_t seed);

// What an injector needs from the VM backend beyond booting a guest: data, looked up by name.
struct Needs {
  bool reuse_nvdimm_files = false;  // reboots on the NVDIMM files of the VM it ended
  const char* why = "";             // for the error message
};
Needs needs(const std::string& injector);

// Every injector of the campaign must be servable by the backend: otherwise a UsageError that
// names the injector, the backend and the way out, before any VM boots.
void check_backend(const campaign::Campaign& c, const std::string& backend,
                   const vm::Capabilities& caps);

// Count lines of the console (since offset) containing needle: the kernel's evidence.
std::size_t count_console(runner::GuestControl& s, const std::string& needle,
                          std::size_t from_offset = 0);

}  // namespace dt::injectors
