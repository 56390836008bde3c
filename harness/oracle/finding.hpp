#pragma once
// A finding: something a kernel developer should look at, with a stable title for dedup.
#include <nlohmann/json.hpp>
#include <optional>
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
// The one boot-retry policy, for a cell's first boot (runner::CampaignRun) and the reboot after
// a power cut (runner::CellRun) alike: attempt `attempt` (from 1) failed with these findings;
// try again only if they are all infrastructure and it was the first attempt.
constexpr int kBootAttempts = 2;
bool retry_boot(int attempt, std::span<const Finding> findings_of_attempt);

Finding infra(const std::string& title, const std::string& text);

// Synthetic: the guest died or went silent (syzkaller's "no output", "lost connection"). The
// finding's text is the console's tail; its kind names why, and reads back with lost_kind().
enum class Lost { NoOutput, LostConnection, VmCrash, KernelPanic, WorkloadTimeout };
Finding lost(Lost why, const std::string& title, const std::string& console_tail);
// Why a stored finding is a lost guest's, if it is one. A lost guest's panic shares the kind
// "panic" with the console's panic report, which it repeats: it is not told apart here.
std::optional<Lost> lost_kind(const Finding& f);

// A guest that went silent or was lost after the kernel printed a report that stops or wedges
// tasks (an Oops, BUG, GPF, KASAN or KFENCE report, a hung task, a soft lockup, an RCU stall,
// a lockdep deadlock report, a panic) is that report's consequence, as syzkaller reports the
// crash and not "no output": the lost finding stays in the record, marked expected, its note
// naming the report. After a WARNING, UBSAN or filesystem message alone it stays a finding.
void fold_lost_into_reports(std::vector<Finding>& findings);

}  // namespace dt::oracle
