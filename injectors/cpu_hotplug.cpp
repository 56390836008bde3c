// cpu-hotplug: take the last vCPU offline and back online while faults run, so per-CPU state
// (pagevecs, per-cpu rwsems, RCU) is torn down under the DAX paths.
#include "injector.hpp"

namespace dt::injectors {
namespace {

class CpuHotplug : public Injector {
 public:
  using Injector::Injector;
  std::string name() const override { return "cpu-hotplug"; }
  void arm(runner::GuestControl& s) override {
    int n = std::max(1, s.guest_cpus());
    cpu_ = "/sys/devices/system/cpu/cpu" + std::to_string(n - 1) + "/online";
    console_start_ = s.console_size();
  }
  void tick(runner::GuestControl& s, double t) override {
    if (t < next_ || cpu_.empty()) return;
    const bool ok = s.write_file(cpu_, online_ ? "0" : "1", 10).ok();
    if (ok) {
      online_ = !online_;
      ++(online_ ? onlined_ : offlined_);
    } else {
      ++failed_;
    }
    event(t, online_ ? "online" : "offline", {{"ok", ok}});
    next_ = t + param("interval", 1.0);
  }
  void disarm(runner::GuestControl& s) override {
    if (!online_ && !cpu_.empty()) s.write_file(cpu_, "1", 10);
    auto offline_msgs = count_console(s, "is now offline", console_start_);
    record_["evidence"] = {{"offlined", offlined_},
                           {"onlined", onlined_},
                           {"failed_writes", failed_},
                           {"kernel_offline_messages", offline_msgs}};
    record_["fired"] = offlined_ > 0;
  }

 private:
  std::string cpu_;
  bool online_ = true;
  double next_ = 0.5;
  int offlined_ = 0, onlined_ = 0, failed_ = 0;
  std::size_t console_start_ = 0;
};

}  // namespace

std::unique_ptr<Injector> make_cpu_hotplug(const campaign::InjectorSpec& s, const std::string& fs,
                                           std::uint64_t seed) {
  return std::make_unique<CpuHotplug>(s, fs, seed);
}

}  // namespace dt::injectors
