// The campaign registry and the guest workloads' command lines are one contract kept in two
// places: every parameter the registry lets a campaign pass must be a flag the guest program
// takes, and every choice it offers must be a value the program accepts. Checked against the
// real binaries' --help, so a renamed flag or value breaks this test, not a nightly run.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "campaign/registry.hpp"

namespace dt::campaign {
namespace {

std::string help_of(const std::string& program) {
  std::string cmd = std::string(DT_GUEST_BIN) + "/" + program + " --help 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  std::string out;
  if (!p) return out;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p.get())) out.append(buf.data(), n);
  return out;
}

// "values for --ops: a b c" -> {a, b, c}
std::set<std::string> values_for(const std::string& help, const std::string& flag) {
  std::set<std::string> out;
  const std::string head = "values for " + flag + ":";
  auto at = help.find(head);
  if (at == std::string::npos) return out;
  std::istringstream line(help.substr(at + head.size(), help.find('\n', at) - at - head.size()));
  for (std::string v; line >> v;) out.insert(v);
  return out;
}

TEST(WorkloadContract, RegistryMatchesEveryGuestProgram) {
  int checked = 0;
  for (const auto& def : workload_defs()) {
    if (def.name == "control") continue;  // a positive control, not a race program (no --help)
    const std::string program = "dt-" + std::string(def.name);
    const std::string help = help_of(program);
    ASSERT_NE(help.find("usage: " + program), std::string::npos) << program << ":\n" << help;
    for (const ParamDef* p : workload_params(def)) {
      std::string flag = "--" + std::string(p->key);
      for (char& c : flag)
        if (c == '_') c = '-';
      EXPECT_NE(help.find(flag), std::string::npos)
          << program << " does not take " << flag << " that the registry offers";
      if (p->type != ParamType::kChoiceList && p->type != ParamType::kChoice) continue;
      std::set<std::string> registry(p->choices.begin(), p->choices.end());
      EXPECT_EQ(values_for(help, flag), registry)
          << program << ": the values of " << flag << " differ from the registry's";
    }
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

}  // namespace
}  // namespace dt::campaign
