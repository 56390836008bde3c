#pragma once
// A finding: something a kernel developer should look at, with a stable title for dedup.
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "console/report.hpp"

namespace dt::oracle {

enum class Category { Kernel, Workload, Fsck, Infra };
std::string to_string(Category);

struct Finding {
  Category category = Category::Kernel;
  std::string
      kind;  // console kind ("lockdep", "warning", ...), a workload check, "fsck", "no-output", ...
  std::string title;  // the dedup key
  std::string frame;  // guilty frame, where there is one
  std::string text;   // full report / verdict / fsck output
  bool corrupted = false;
  bool expected =
      false;         // a known consequence (canary, an injection window): recorded, never counted
  std::string note;  // why it is expected, or other context
  [[nodiscard]] std::string hash() const { return console::title_hash(title); }
};

nlohmann::json to_json(const Finding&);
Finding finding_from_json(const nlohmann::json&);

// Console reports -> findings.
Finding from_report(const console::Report& r);

// A workload verdict line {"type":"verdict","check":...} -> finding.
Finding from_verdict(const std::string& workload, const nlohmann::json& verdict);

// fsck: xfs_repair -n / e2fsck -fn output and exit code -> a finding if it complained.
// e2fsck -n exits 4 for uncorrected errors; xfs_repair -n exits 1 when it found corruption.
std::vector<Finding> from_fsck(const std::string& fs, int exit_code, const std::string& output);

// Whether every finding is infrastructure (a boot the emulator or host failed, with nothing
// from the kernel itself): such a boot is retried once, never counted.
bool only_infrastructure(std::span<const Finding> findings);

// Synthetic: the guest died or went silent (syzkaller's "no output", "lost connection").
Finding infra(const std::string& title, const std::string& text);
Finding lost(const std::string& title, const std::string& console_tail);

}  // namespace dt::oracle
