#include "oracle/finding.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

namespace dt::oracle {

std::string to_string(Category c) {
  switch (c) {
    case Category::Kernel:
      return "kernel";
    case Category::Workload:
      return "workload";
    case Category::Fsck:
      return "fsck";
    case Category::Infra:
      return "infra";
  }
  return "?";
}

static Category category_from(const std::string& s) {
  if (s == "workload") return Category::Workload;
  if (s == "fsck") return Category::Fsck;
  if (s == "infra") return Category::Infra;
  return Category::Kernel;
}

nlohmann::json to_json(const Finding& f) {
  return {{"category", to_string(f.category)},
          {"kind", f.kind},
          {"title", f.title},
          {"hash", f.hash()},
          {"frame", f.frame},
          {"text", f.text},
          {"corrupted", f.corrupted},
          {"expected", f.expected},
          {"note", f.note}};
}

Finding finding_from_json(const nlohmann::json& j) {
  Finding f;
  f.category = category_from(j.value("category", "kernel"));
  f.kind = j.value("kind", "");
  f.title = j.value("title", "");
  f.frame = j.value("frame", "");
  f.text = j.value("text", "");
  f.corrupted = j.value("corrupted", false);
  f.expected = j.value("expected", false);
  f.note = j.value("note", "");
  return f;
}

Finding from_report(const console::Report& r) {
  Finding f;
  f.category = Category::Kernel;
  f.kind = std::string(console::to_string(r.kind));
  f.title = r.title;
  f.frame = r.guilty_frame;
  f.text = r.text;
  f.corrupted = r.corrupted;
  return f;
}

Finding from_verdict(const std::string& workload, const nlohmann::json& v) {
  Finding f;
  f.category = Category::Workload;
  f.kind = v.value("check", "unknown-check");
  // Stable: the check and the workload, never offsets or seeds (those go in the text).
  f.title = "DATA: " + f.kind + " in " + workload;
  f.text = v.dump(2);
  f.note = v.value("message", "");
  return f;
}

std::vector<Finding> from_fsck(const std::string& fs, int exit_code, const std::string& output) {
  bool complained =
      fs == "xfs" ? exit_code != 0 : (exit_code & ~1) != 0;  // e2fsck 1 = fixed (cannot with -n)
  if (!complained) return {};
  // Title from the first complaint line with numbers stripped, so the same damage dedups.
  static const std::regex numbers(R"(\b(0x[0-9a-fA-F]+|\d+)\b)");
  std::string first;
  std::istringstream in(output);
  for (std::string l; std::getline(in, l);) {
    if (l.empty() || l.rfind("Phase", 0) == 0 || l.find("- ") == 0 || l.rfind("Pass ", 0) == 0 ||
        l.rfind("        - ", 0) == 0 || l.rfind("e2fsck ", 0) == 0 ||
        l.rfind("No modify flag set", 0) == 0)
      continue;
    first = std::regex_replace(l, numbers, "N");
    break;
  }
  Finding f;
  f.category = Category::Fsck;
  f.kind = "fsck";
  f.title = (fs == "xfs" ? "xfs_repair: " : "e2fsck: ") +
            (first.empty() ? "exit code " + std::to_string(exit_code) : first);
  f.text = output;
  return {f};
}

bool only_infrastructure(std::span<const Finding> findings) {
  return std::all_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.category == Category::Infra; });
}

bool retry_boot(int attempt, std::span<const Finding> findings_of_attempt) {
  return attempt < kBootAttempts && only_infrastructure(findings_of_attempt);
}

Finding infra(const std::string& title, const std::string& text) {
  Finding f;
  f.category = Category::Infra;
  f.kind = "infra";
  f.title = title;
  f.text = text;
  return f;
}

namespace {
constexpr std::pair<Lost, const char*> kLostKinds[] = {
    {Lost::NoOutput, "no-output"},
    {Lost::LostConnection, "lost-connection"},
    {Lost::VmCrash, "vm-crash"},
    {Lost::KernelPanic, "panic"},
    {Lost::WorkloadTimeout, "workload-timeout"},
};
}  // namespace

Finding lost(Lost why, const std::string& title, const std::string& console_tail) {
  Finding f;
  f.category =
      Category::Kernel;  // a hung or dead guest is the kernel's problem until shown otherwise
  for (const auto& [w, kind] : kLostKinds)
    if (w == why) f.kind = kind;
  f.title = title;
  f.text = console_tail;
  return f;
}

std::optional<Lost> lost_kind(const Finding& f) {
  for (const auto& [w, kind] : kLostKinds)
    if (w != Lost::KernelPanic && f.kind == kind) return w;
  return std::nullopt;
}

namespace {
// Whether a console report of this kind stops or wedges tasks, so a guest lost after it is its
// consequence. Every kind is named: a new one must be decided here (-Wswitch).
bool stops_tasks(const std::string& kind) {
  console::Kind k{};
  if (!console::kind_from_string(kind, k)) return false;
  switch (k) {
    case console::Kind::Bug:
    case console::Kind::GeneralProtection:
    case console::Kind::Kasan:
    case console::Kind::Kfence:
    case console::Kind::HungTask:
    case console::Kind::SoftLockup:
    case console::Kind::RcuStall:
    case console::Kind::Lockdep:
    case console::Kind::Panic:
      return true;
    case console::Kind::Warning:
    case console::Kind::Ubsan:
    case console::Kind::Xfs:
    case console::Kind::Ext4:
    case console::Kind::Ext2:
      return false;
  }
  return false;
}
}  // namespace

void fold_lost_into_reports(std::vector<Finding>& findings) {
  const auto cause = std::find_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.category == Category::Kernel && !f.expected && !lost_kind(f) && stops_tasks(f.kind);
  });
  if (cause == findings.end()) return;
  const std::string note = "after \"" + cause->title + "\": the guest's end is that report's";
  for (auto& f : findings)
    if (f.category == Category::Kernel && !f.expected && lost_kind(f)) {
      f.expected = true;
      f.note = note;
    }
}

}  // namespace dt::oracle
