#pragma once
// Reports that describe the emulator, not the kernel. Under TCG (QEMU's software CPU) a vCPU
// can miss a timer interrupt, and cross-CPU code patching can leave one vCPU waiting on
// another that sits on the patching breakpoint; the kernel then reports a stall or a lockup
// whose stacks name no code under test. Such a report is an infrastructure error under TCG
// and stays a kernel finding under KVM. The list is data, as syzkaller keeps its skip lists:
// each entry needs the report's kind, a word of its title and the kernel's own diagnosis in
// its text, and one real capture in harness/console/testdata/reports marked "EMULATOR: tcg".
#include <string>
#include <string_view>
#include <vector>

#include "console/report.hpp"
#include "oracle/finding.hpp"

namespace dt::oracle {

struct EmulatorArtifact {
  console::Kind kind;
  std::string_view title_has;
  std::string_view text_has;  // the kernel's diagnosis that singles out the emulator
  std::string_view why;       // for the finding's note
};

// The entry r matches when the guest ran under TCG; nullptr otherwise (and always under KVM).
const EmulatorArtifact* emulator_artifact(const console::Report& r, bool tcg);

// f (made from r) becomes an infrastructure finding with the reason as its note when r is an
// artifact; returns whether it was.
bool mark_emulator_artifact(Finding& f, const console::Report& r, bool tcg);

// The emulator broke the guest (why): a guest lost after it (no output, lost connection, VM
// crash) is part of that, not a kernel finding. Other kernel reports stay findings.
void blame_emulator(std::vector<Finding>& findings, const std::string& why);

}  // namespace dt::oracle
