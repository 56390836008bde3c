// Kernel-bug reports cut out of a guest's serial console.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dt::console {

enum class Kind {
  Lockdep,
  Warning,
  Bug,
  Kasan,
  GeneralProtection,
  HungTask,
  RcuStall,
  SoftLockup,
  Panic,
  Xfs,
  Ext4,
  Ext2,
  Ubsan,
  Kfence
};

// "lockdep", "warning", "bug", "kasan", "gpf", "hung-task", "rcu-stall", "soft-lockup", "panic",
// "xfs", "ext4", "ext2", "ubsan", "kfence".
std::string_view to_string(Kind);
// Inverse of to_string(); false when `name` is not a kind.
bool kind_from_string(std::string_view name, Kind& out);

struct Report {
  Kind kind;
  std::string title;         // normalised, stable across runs: the deduplication key
  std::string guilty_frame;  // first non-generic function of the relevant stack
  std::string text;          // the whole report, console prefixes stripped
  bool corrupted = false;    // cut short, or missing a part the format always has
  std::size_t start_offset = 0, end_offset = 0;  // byte offsets in the console stream
};

// 16 hex digits (FNV-1a 64) of the title: a short, stable bucket id for a bug.
std::string title_hash(std::string_view title);

}  // namespace dt::console
