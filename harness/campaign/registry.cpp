#include "campaign/registry.hpp"

#include <algorithm>

namespace dt::campaign {
namespace {

using T = ParamType;
constexpr double kMiB = 1 << 20;

// Layout-changing fallocate modes plus the plain operations the mixed workload interleaves.
const std::vector<OpDef> kOps = {
    {"punch", true, false},    {"collapse", true, true},   {"insert", true, true},
    {"zero", true, false},     {"read", false, false},     {"write", false, false},
    {"fault", false, false},   {"truncate", false, false}, {"msync", false, false},
    {"mapread", false, false}, {"mapwrite", false, false}, {"fsync", false, false},
    {"dio", false, false},
};

const std::vector<ParamDef> kCommonParams = {
    {"threads", T::kInt, 1, 1024},
    {"file_size", T::kSize, kBlockSize},
    {"fill_files", T::kInt, 0, 1e6},
};

const std::vector<WorkloadDef> kWorkloads = {
    {"fault-vs-truncate", {}},
    {"fault-vs-layout",
     {{"ops", T::kChoiceList, 0, 0, {"punch", "collapse", "insert", "zero"}}},
     {{"ext2", "ext2 has no fallocate(2), so no punch/collapse/insert/zero"}}},
    // Below 2M no fault can be a PMD fault, which is the whole point of the race.
    {"pmd-vs-pte", {{"file_size", T::kSize, 2 * kMiB}}, {{"ext2", "ext2 has no PMD faults"}}},
    {"write-vs-fault", {{"direct_io", T::kBool}, {"sync_storm", T::kBool}}},
    {"pin-vs-truncate",
     {{"pin", T::kChoiceList, 0, 0, {"odirect", "aio", "vmsplice"}},
      {"op_timeout", T::kDuration, 0.001}}},
    // Sizes and ranges that end inside a block (partial-block zeroing); ext2 has no fallocate,
    // so there dt-partial-block drops punch and zero by itself. Exactly what its --ops accepts.
    {"partial-block",
     {{"ops", T::kChoiceList, 0, 0, {"write", "mapwrite", "truncate", "punch", "zero"}}}},
    // ext2 refuses MAP_SYNC: map-sync then acknowledges after msync(MS_SYNC) instead.
    {"map-sync", {}},
    {"reflink",
     {},
     {{"ext4", "reflink needs xfs (ext4 cannot share extents)"},
      {"ext2", "reflink needs xfs (ext2 cannot share extents)"}}},
    {"mixed",
     {{"ops",
       T::kChoiceList,
       0,
       0,
       // Exactly what dt-mixed --ops accepts (workload_contract_test checks it).
       {"read", "write", "mapread", "mapwrite", "fault", "truncate", "punch", "zero", "collapse",
        "insert", "fsync", "msync", "dio"}}}},
    // Positive control: a deliberate kernel report (dt-canary), so a campaign or selftest can
    // show the whole pipeline sees a report of that kind on the kernel under test.
    // The kinds dt-canary provokes (guest-images/agent/canary.cpp); kfence, ubsan and list need
    // a kernel built with those options and report "not fired" otherwise.
    {"control",
     {{"kind",
       T::kChoice,
       0,
       0,
       {"warn", "lockdep", "kasan", "hung-task", "late-hung-task", "refcount", "sleep",
        "sched-atomic", "soft-lockup", "rcu-stall", "kfence", "ubsan", "list", "gpf", "null", "bug",
        "divide", "stack"},
       true}}},
};

const std::vector<ParamDef> kFailParams = {
    {"probability", T::kInt, 0, 100},
    {"interval", T::kInt, 1, 1e9},
    {"times", T::kInt, -1, 1e9},  // -1 = no limit, as in the kernel's fault_attr
};

const std::vector<InjectorDef> kInjectors = {
    {"unbind", {{"at", T::kDuration}, {"rebind", T::kBool}}},
    {"poison",
     {{"count", T::kInt, 1, 1e6},
      {"at", T::kDuration},
      {"duration", T::kDuration, 0.1},
      {"mappers", T::kInt, 1, 8}}},
    {"failslab", kFailParams},
    {"fail-page-alloc", kFailParams},
    {"fail-function",
     {{"function", T::kString, 0, 0, {}, true},
      {"probability", T::kInt, 0, 100},
      {"times", T::kInt, -1, 1e9}}},
    {"pause-jitter", {{"interval", T::kDuration, 0.001}, {"pause", T::kDuration, 0.001}}},
    {"power-cut",
     {{"cuts", T::kInt, 1, 1e6},
      {"mode", T::kChoice, 0, 0, {"kill", "reset"}},
      {"earliest", T::kDuration},
      {"latest", T::kDuration}}},
    // The guest needs a CPU left online to run the workload while another one is unplugged.
    {"cpu-hotplug", {{"interval", T::kDuration, 0.001}}, 2},
};

const std::vector<FsDef> kFilesystems = {
    {"xfs",
     {"-f", "-d", "su=2m,sw=1,agcount=2", "-m", "rmapbt=1", "-l", "size=64m"},
     "dax=always",
     {"dax", "dax=always", "dax=inode"},
     true},
    {"ext4", {"-F", "-b", "4096"}, "dax=always", {"dax", "dax=always", "dax=inode"}, true},
    {"ext2", {"-F", "-b", "4096"}, "dax", {"dax"}, false},
};

template <typename Def>
const Def* find_by_name(const std::vector<Def>& defs, std::string_view name) {
  auto it = std::find_if(defs.begin(), defs.end(), [&](const Def& d) { return d.name == name; });
  return it == defs.end() ? nullptr : &*it;
}

template <typename Def>
std::vector<std::string_view> names_of(const std::vector<Def>& defs) {
  std::vector<std::string_view> out;
  for (const Def& d : defs) out.push_back(d.name);
  return out;
}

}  // namespace

const std::vector<WorkloadDef>& workload_defs() {
  return kWorkloads;
}
const std::vector<InjectorDef>& injector_defs() {
  return kInjectors;
}
const std::vector<FsDef>& fs_defs() {
  return kFilesystems;
}

const WorkloadDef* find_workload(std::string_view name) {
  return find_by_name(kWorkloads, name);
}
const InjectorDef* find_injector(std::string_view name) {
  return find_by_name(kInjectors, name);
}
const FsDef* find_fs(std::string_view name) {
  return find_by_name(kFilesystems, name);
}
const OpDef* find_op(std::string_view name) {
  return find_by_name(kOps, name);
}

std::vector<const ParamDef*> workload_params(const WorkloadDef& def) {
  auto own = [&](std::string_view key) -> const ParamDef* {
    auto it = std::find_if(def.params.begin(), def.params.end(),
                           [&](const ParamDef& p) { return p.key == key; });
    return it == def.params.end() ? nullptr : &*it;
  };
  std::vector<const ParamDef*> out;
  for (const ParamDef& common : kCommonParams) {
    const ParamDef* override = own(common.key);
    out.push_back(override ? override : &common);
  }
  for (const ParamDef& p : def.params) {
    if (std::find(out.begin(), out.end(), &p) == out.end()) out.push_back(&p);
  }
  return out;
}

std::vector<std::string_view> workload_names() {
  return names_of(kWorkloads);
}
std::vector<std::string_view> fs_names() {
  return names_of(kFilesystems);
}
std::vector<std::string_view> injector_names() {
  std::vector<std::string_view> out{kNoInjector};
  for (std::string_view n : names_of(kInjectors)) out.push_back(n);
  return out;
}

}  // namespace dt::campaign
