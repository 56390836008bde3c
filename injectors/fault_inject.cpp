// failslab, fail-page-alloc, fail-function: the kernel's fault-injection framework through
// debugfs, scoped to the workload's tasks (task-filter + /proc/self/make-it-fail set by a
// wrapper shell just before it execs the workload, so every thread inherits it). Evidence:
// the framework's own `times` countdown and its "FAULT_INJECTION: forcing a failure" lines.
// Once it fired, the workload's death or SIGBUS and filesystem errors that say "Out of memory"
// or "error -12" are expected (baselines/expected/rules.yaml); any other report is a finding.
#include <fmt/format.h>

#include "injector.hpp"
#include "util/error.hpp"

namespace dt::injectors {
namespace {

constexpr long kCountingTimes = 1000000;  // "unlimited", but still counting down

class FaultInject : public Injector {
 public:
  FaultInject(const campaign::InjectorSpec& spec, const std::string& fs, std::uint64_t seed)
      : Injector(spec, fs, seed) {
    if (spec.name == "failslab") dir_ = "/sys/kernel/debug/failslab";
    if (spec.name == "fail-page-alloc") dir_ = "/sys/kernel/debug/fail_page_alloc";
    if (spec.name == "fail-function") dir_ = "/sys/kernel/debug/fail_function";
    times_ = static_cast<long>(param("times", kCountingTimes));
  }
  std::string name() const override { return spec_.name; }

  void arm(runner::GuestControl& s) override {
    console_start_ = s.console_size();
    if (spec_.name == "fail-function") {
      function_ = param_str("function", "");
      if (function_.empty()) throw UsageError("fail-function needs a function");
      if (!s.write_file(dir_ + "/inject", function_).ok())
        throw InfraError("fail-function: the kernel refused '" + function_ +
                         "' (not in /sys/kernel/debug/fail_function/injectable?)");
    }
    set(s, "task-filter", "Y");
    set(s, "verbose", "1");
    set(s, "interval", fmt::format("{}", static_cast<long>(param("interval", 1))));
    set(s, "times", std::to_string(times_));
    if (spec_.name != "fail-function")
      set(s, "ignore-gfp-wait", "N");  // sleeping allocations fail too
    if (spec_.name == "fail-page-alloc") set(s, "min-order", "0");
    set(s, "probability", "0");  // raised once the workload runs: exec itself must not fail
    event(0, "armed", {{"debugfs", dir_}});
  }

  void tick(runner::GuestControl& s, double t) override {
    if (live_ || t < 1.0) return;
    live_ = true;
    set(s, "probability", fmt::format("{}", static_cast<long>(param("probability", 10))));
    event(t, "probability raised");
  }

  std::vector<std::string> wrap(std::vector<std::string> argv) override {
    std::vector<std::string> w = {"sh", "-c", "echo 1 > /proc/self/make-it-fail && exec \"$@\"",
                                  "dt-fault-scope"};
    w.insert(w.end(), argv.begin(), argv.end());
    return w;
  }

  void disarm(runner::GuestControl& s) override {
    set(s, "probability", "0");
    auto left = s.exec({"cat", dir_ + "/times"}, 30);
    long remaining = left.out.empty() ? times_ : std::stol(left.out.front());
    if (spec_.name == "fail-function") s.write_file(dir_ + "/inject", "\n");
    auto messages = count_console(s, "FAULT_INJECTION: forcing a failure", console_start_);
    // With no limit (times -1) the counter stays -1: the kernel's own messages are the count.
    long injected = times_ >= 0 ? times_ - remaining : static_cast<long>(messages);
    event(0, "disarmed");
    record_["evidence"] = {
        {"injected", injected}, {"times_left", remaining}, {"kernel_messages", messages}};
    record_["fired"] = fired_ = injected > 0 || messages > 0;
  }

 private:
  void set(runner::GuestControl& s, const std::string& knob, const std::string& value) {
    if (!s.write_file(dir_ + "/" + knob, value).ok())
      throw InfraError(fmt::format("{}: cannot set {}/{} (CONFIG_FAULT_INJECTION_DEBUG_FS?)",
                                   spec_.name, dir_, knob));
  }
  std::string dir_, function_;
  long times_;
  std::size_t console_start_ = 0;
  bool fired_ = false;
  bool live_ = false;
};

}  // namespace

std::unique_ptr<Injector> make_fault_inject(const campaign::InjectorSpec& s, const std::string& fs,
                                            std::uint64_t seed) {
  return std::make_unique<FaultInject>(s, fs, seed);
}

}  // namespace dt::injectors
