// unbind: tear the fsdax device away while the workload faults on it (the seed about holding
// the DAX lock over mapping insertion while the device goes). `ndctl disable-namespace`
// refuses a busy namespace, so unbind the pfn device from nd_pmem through sysfs.
//
// Expected on clean 6.1 (measured): xfs has a DAX holder, shuts down ("Internal error
// xfs_trans_cancel", "log I/O error -5", "Corruption of in-memory data ... Shutting down")
// and its mappers get SIGBUS; ext4 logs "EXT4-fs error ... Cannot read block bitmap", aborts
// the journal and goes read-only; ext2 logs I/O errors. Those, and the workload's data
// verdicts (the data is gone with the device), are expected once `fired` (the kernel took the
// unbind, whether or not the write came back): rules in baselines/expected/rules.yaml. An Oops,
// BUG, WARNING, KASAN, lockdep, RCU stall or hung task in the window is still a finding.
#include <fmt/format.h>

#include "injector.hpp"

namespace dt::injectors {
namespace {

class Unbind : public Injector {
 public:
  using Injector::Injector;
  std::string name() const override { return "unbind"; }
  void arm(runner::GuestControl& s) override {
    auto r = s.exec(
        {"sh", "-c", "ls /sys/bus/nd/drivers/nd_pmem/ | grep -E '^pfn[0-9]+\\.[0-9]+$' | head -1"},
        30);
    dev_ = r.out.empty() ? "" : r.out.front();
    console_start_ = s.console_size();
  }
  void tick(runner::GuestControl& s, double t) override {
    if (done_ || dev_.empty() || t < param("at", 2.0)) return;
    done_ = true;
    const auto w = s.write_file("/sys/bus/nd/drivers/nd_pmem/unbind", dev_, 30);
    // The sysfs write returns once the driver let go. No answer means the agent's write is
    // still inside the kernel's teardown (6.1 xfs: a truncate oopses with the mapping's lock
    // held and the unbind waits behind it): the kernel took the unbind. Only a refusal
    // (device not bound) means nothing happened.
    unbound_ = w.outcome != runner::WriteResult::Outcome::refused;
    returned_ = w.ok();
    nlohmann::json e = {{"device", dev_}, {"ok", unbound_}, {"write", to_string(w.outcome)}};
    if (!w.error.empty()) e["error"] = w.error;
    event(t, "unbind", e);
    // Recorded now: the guest may not survive to disarm (6.1 xfs oopses after an unbind).
    record_["fired"] = unbound_;
    record_["evidence"] = {{"device", dev_}, {"unbound", unbound_}, {"unbind_returned", returned_}};
  }
  void disarm(runner::GuestControl& s) override {
    bool rebound = false;
    // A bind behind an unbind that never returned would wait on the same device lock.
    if (returned_ && param("rebind", 1) != 0) {
      rebound = s.write_file("/sys/bus/nd/drivers/nd_pmem/bind", dev_, 30).ok();
      event(-1, "rebind", {{"ok", rebound}});
    }
    std::size_t pmem_gone = count_console(s, "pmem0", console_start_);
    record_["evidence"] = {{"device", dev_},
                           {"unbound", unbound_},
                           {"unbind_returned", returned_},
                           {"rebound", rebound},
                           {"console_lines_after_unbind_mentioning_pmem0", pmem_gone}};
    record_["fired"] = unbound_;
  }
  // The filesystem lost its device mid-write: its checker's complaints are the injection's.
  bool skip_fsck() const override { return unbound_; }

 private:
  std::string dev_;
  bool done_ = false, unbound_ = false, returned_ = false;
  std::size_t console_start_ = 0;
};

}  // namespace

std::unique_ptr<Injector> make_unbind(const campaign::InjectorSpec& s, const std::string& fs,
                                      std::uint64_t seed) {
  return std::make_unique<Unbind>(s, fs, seed);
}

}  // namespace dt::injectors
