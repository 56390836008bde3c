#include "oracle/emulator.hpp"

#include <array>

namespace dt::oracle {
namespace {

constexpr std::array kArtifacts{
    // An idle vCPU's timer interrupt never arrived (the reboot after a power cut hung before
    // /init); RCU names the timer itself.
    EmulatorArtifact{console::Kind::RcuStall, "in do_idle", "timer wakeup didn't happen",
                     "TCG: a vCPU's timer interrupt was not delivered (the stalled CPU was idle)"},
    // Enabling or disabling a tracepoint or kprobe at run time: text_poke_bp waits for every
    // CPU to pass the int3 it placed, and under multi-threaded TCG one never does.
    EmulatorArtifact{console::Kind::SoftLockup, "in smp_call_function_many_cond", "text_poke_bp",
                     "TCG: cross-CPU code patching (text_poke_bp) never completed"},
};

}  // namespace

const EmulatorArtifact* emulator_artifact(const console::Report& r, bool tcg) {
  if (!tcg) return nullptr;
  for (const auto& a : kArtifacts)
    if (r.kind == a.kind && r.title.find(a.title_has) != std::string::npos &&
        r.text.find(a.text_has) != std::string::npos)
      return &a;
  return nullptr;
}

bool mark_emulator_artifact(Finding& f, const console::Report& r, bool tcg) {
  const EmulatorArtifact* a = emulator_artifact(r, tcg);
  if (!a) return false;
  f.category = Category::Infra;
  f.note = std::string(a->why);
  return true;
}

void blame_emulator(std::vector<Finding>& findings, const std::string& why) {
  for (auto& f : findings)
    if (f.category == Category::Kernel && lost_kind(f)) {
      f.category = Category::Infra;
      f.note = "after: " + why;
    }
}

}  // namespace dt::oracle
