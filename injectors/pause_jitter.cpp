// pause-jitter: pause and resume the whole VM at random moments, so vCPUs halt
// mid-race and resume with the host's timing changed: widens race windows.
#include <thread>

#include "injector.hpp"

namespace dt::injectors {
namespace {

class PauseJitter : public Injector {
 public:
  using Injector::Injector;
  std::string name() const override { return "pause-jitter"; }
  bool leaves_guest_reusable() const override { return true; }  // only the host's timing changed
  void tick(runner::GuestControl& s, double t) override {
    if (t < next_) return;
    double pause = param("pause", 0.05);
    s.pause_vm();
    verified_ += s.vm_paused();
    std::this_thread::sleep_for(std::chrono::duration<double>(pause));
    s.resume_vm();
    ++pauses_;
    paused_s_ += pause;
    event(t, "pause", {{"seconds", pause}});
    std::uniform_real_distribution<double> u(0.5, 1.5);
    next_ = t + param("interval", 0.5) * u(rng_);
  }
  void disarm(runner::GuestControl&) override {
    record_["evidence"] = {
        {"pauses", pauses_}, {"confirmed_paused_by_qmp", verified_}, {"paused_seconds", paused_s_}};
    record_["fired"] = verified_ > 0;
  }

 private:
  double next_ = 0.2;
  int pauses_ = 0, verified_ = 0;
  double paused_s_ = 0;
};

}  // namespace

std::unique_ptr<Injector> make_pause_jitter(const campaign::InjectorSpec& s, const std::string& fs,
                                            std::uint64_t seed) {
  return std::make_unique<PauseJitter>(s, fs, seed);
}

}  // namespace dt::injectors
