// What the validator knows about filesystems, workloads and injectors. The data lives in one
// table in registry.cpp, so supporting a new workload or injector is one row there.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace dt::campaign {

enum class ParamType {
  kInt,         // whole number within [min, max]
  kSize,        // bytes, "64K" style; within [min, max]
  kDuration,    // seconds, "200ms" style; within [min, max]
  kBool,        // normalised to 0/1
  kString,      // non-empty
  kChoice,      // one of `choices`
  kChoiceList,  // non-empty list of distinct `choices`, normalised comma-joined
};

struct ParamDef {
  std::string_view key;
  ParamType type;
  double min = 0;
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string_view> choices = {};
  bool required = false;
};

// A filesystem a workload cannot run on, and why (shown to the user).
struct FsRestriction {
  std::string_view fs;
  std::string_view reason;
};

struct WorkloadDef {
  std::string_view name;
  std::vector<ParamDef> params;  // specific ones; a row with a common key overrides it
  std::vector<FsRestriction> unsupported = {};
};

struct InjectorDef {
  std::string_view name;
  std::vector<ParamDef> params;
  int min_vcpus = 1;
};

struct FsDef {
  std::string_view name;
  std::vector<std::string_view> mkfs;      // defaults
  std::string_view mount;                  // default mount options
  std::vector<std::string_view> dax_opts;  // mount options that enable DAX on this filesystem
  bool fallocate;                          // supports punch/collapse/insert/zero
};

// An operation named in a workload's `ops` list.
struct OpDef {
  std::string_view name;
  bool fallocate;      // needs fallocate(2) support from the filesystem
  bool block_aligned;  // offsets and file size must be 4K aligned (collapse/insert)
};

const std::vector<WorkloadDef>& workload_defs();
const std::vector<InjectorDef>& injector_defs();
const std::vector<FsDef>& fs_defs();

const WorkloadDef* find_workload(std::string_view name);
const InjectorDef* find_injector(std::string_view name);
const FsDef* find_fs(std::string_view name);
const OpDef* find_op(std::string_view name);

// Common parameters followed by the workload's own, a specific row replacing a common one.
std::vector<const ParamDef*> workload_params(const WorkloadDef& def);

std::vector<std::string_view> workload_names();
std::vector<std::string_view> injector_names();  // includes "none"
std::vector<std::string_view> fs_names();

inline constexpr std::string_view kNoInjector = "none";
inline constexpr std::uint64_t kBlockSize = 4096;  // DAX needs fs block size == page size

}  // namespace dt::campaign
