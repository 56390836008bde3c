// YAML -> Campaign, checking the schema, the registry and the cross-entry rules. Every problem is
// collected; the load fails at the end with all of them.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "campaign/campaign.hpp"
#include "campaign/constraints.hpp"
#include "campaign/matrix.hpp"
#include "campaign/reader.hpp"
#include "campaign/registry.hpp"
#include "campaign/suggest.hpp"
#include "campaign/units.hpp"
#include "image/kernel_name.hpp"

namespace dt::campaign {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string_view> kTopKeys = {
    "name", "description",     "kernel",      "vm",        "duration",  "iterations", "repetitions",
    "seed", "skip_impossible", "filesystems", "workloads", "injectors", "reuse_vm"};
const std::vector<std::string_view> kVmKeys = {"vcpus", "memory", "nvdimm", "nvdimms"};
const std::vector<std::string_view> kFsKeys = {"name", "label", "mkfs", "mount"};

// Built-in kernel names (default, kasan, 6.1, 6.12-kasan, ...) for did-you-mean hints.
const std::vector<std::string_view>& builtin_kernel_hints() {
  static const std::vector<std::string> names = image::builtin_kernel_names();
  static const std::vector<std::string_view> views(names.begin(), names.end());
  return views;
}

constexpr double kMiB = 1 << 20;
// mkfs.xfs refuses filesystems under 300M; the namespace also loses its label and memmap area.
constexpr double kXfsMinNvdimm = 320 * kMiB;
constexpr std::uint64_t kNvdimmAlign = 2 << 20;  // PMD faults need a 2M-aligned namespace

bool valid_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
           c == '+';
  });
}

// An entry of an axis, remembered with its node so cross-entry errors can point at it.
template <typename Spec>
struct Located {
  Spec spec;
  YAML::Node node;
  std::string key;
  bool explicit_label = false;
};

class Loader {
 public:
  Loader(std::string file, std::string base_dir, std::string default_name)
      : r_(std::move(file)), base_dir_(std::move(base_dir)) {
    c_.name = std::move(default_name);
  }

  Campaign load(const YAML::Node& root) {
    c_.path = r_.file();
    if (root.IsNull() || !root.IsDefined()) {
      r_.error(root, "", "empty campaign (expected name, filesystems, workloads, ...)");
      return finish();
    }
    auto fields = r_.map(root, "", kTopKeys);
    if (!fields) return finish();
    std::map<std::string, YAML::Node> given;
    for (const auto& f : *fields) {
      given.emplace(f.name, f.value);
      read_top(f);
    }
    for (std::string_view required : {"filesystems", "workloads"}) {
      if (!given.count(std::string(required))) {
        r_.error(root, std::string(required), fmt::format("missing required key '{}'", required));
      }
    }
    has_budget_ = given.count("duration") > 0 || given.count("iterations") > 0;
    cross_checks(root);
    return finish();
  }

 private:
  void read_top(const Reader::Field& f) {
    const YAML::Node& v = f.value;
    if (f.name == "name") {
      if (auto s = r_.scalar(v, f.name)) {
        if (valid_name(*s)) {
          c_.name = *s;
        } else {
          r_.error(v, f.name,
                   fmt::format("'{}' is not a valid name (use letters, digits, . _ -)", *s));
        }
      }
    } else if (f.name == "description") {
      if (auto s = r_.scalar(v, f.name)) c_.description = *s;
    } else if (f.name == "kernel") {
      read_kernels(v);
    } else if (f.name == "vm") {
      read_vm(v);
    } else if (f.name == "duration") {
      if (auto d = r_.duration(v, f.name, 0.001)) c_.duration_s = *d;
    } else if (f.name == "iterations") {
      if (auto n = r_.integer(v, f.name, 1)) c_.iterations = *n;
    } else if (f.name == "repetitions") {
      if (auto n = r_.integer(v, f.name, 1, 100000)) c_.repetitions = static_cast<int>(*n);
    } else if (f.name == "seed") {
      if (auto n = r_.integer(v, f.name, 0)) c_.seed = *n;
    } else if (f.name == "reuse_vm") {
      if (auto n = r_.integer(v, f.name, 1, 100000)) c_.reuse_vm = static_cast<int>(*n);
    } else if (f.name == "skip_impossible") {
      if (auto b = r_.boolean(v, f.name)) c_.skip_impossible = *b;
    } else if (f.name == "filesystems") {
      if (auto items = r_.list(v, f.name)) {
        if (items->empty()) r_.error(v, f.name, "needs at least one filesystem");
        for (std::size_t i = 0; i < items->size(); ++i) read_fs((*items)[i], index_key(f.name, i));
      }
    } else if (f.name == "workloads") {
      if (auto items = r_.list(v, f.name)) {
        if (items->empty()) r_.error(v, f.name, "needs at least one workload");
        for (std::size_t i = 0; i < items->size(); ++i) {
          read_workload((*items)[i], index_key(f.name, i));
        }
      }
    } else if (f.name == "injectors") {
      c_.injector_sets.clear();
      if (auto items = r_.list(v, f.name)) {
        if (items->empty()) r_.error(v, f.name, "needs at least one injector set (or 'none')");
        for (std::size_t i = 0; i < items->size(); ++i) {
          if (auto set = read_injector_set((*items)[i], index_key(f.name, i)))
            sets_.push_back(std::move(*set));
        }
      }
    }
  }

  void read_kernels(const YAML::Node& v) {
    c_.kernels.clear();
    std::vector<std::pair<YAML::Node, std::string>> items;
    if (v.IsSequence()) {
      if (v.size() == 0) r_.error(v, "kernel", "needs at least one kernel");
      for (std::size_t i = 0; i < v.size(); ++i) items.emplace_back(v[i], index_key("kernel", i));
    } else {
      items.emplace_back(v, "kernel");
    }
    for (const auto& [node, key] : items) {
      auto s = r_.scalar(node, key);
      if (!s) continue;
      auto canon = canonical_kernel(*s, base_dir_);
      if (!canon.error.empty()) {
        r_.error(node, key, canon.error);
        continue;
      }
      if (auto why = add_kernel(c_.kernels, std::move(canon.name), *s); !why.empty())
        r_.error(node, key, why);
    }
  }

  void read_vm(const YAML::Node& v) {
    auto fields = r_.map(v, "vm", kVmKeys);
    if (!fields) return;
    for (const auto& f : *fields) {
      const std::string key = child_key("vm", f.name);
      if (f.name == "vcpus") {
        if (auto n = r_.integer(f.value, key, 1, 64)) c_.vm.vcpus = static_cast<int>(*n);
      } else if (f.name == "memory") {
        if (auto n = r_.size(f.value, key, 256 * kMiB)) c_.vm.memory_bytes = *n;
      } else if (f.name == "nvdimm") {
        auto n = r_.size(f.value, key, 16 * kMiB);
        if (n && *n % kNvdimmAlign != 0) {
          r_.error(f.value, key,
                   fmt::format("{} is not a multiple of 2M (PMD faults need a 2M-aligned "
                               "namespace)",
                               f.value.Scalar()));
        } else if (n) {
          c_.vm.nvdimm_bytes = *n;
        }
      } else if (f.name == "nvdimms") {
        if (auto n = r_.integer(f.value, key, 1, 16)) c_.vm.nvdimm_count = static_cast<int>(*n);
      }
    }
  }

  // "xfs" or {name: ext4, label: ext4-inode, mkfs: [...] or "...", mount: "..." or [...]}.
  void read_fs(const YAML::Node& v, const std::string& key) {
    Located<FsSpec> e{{}, v, key};
    std::optional<std::vector<Reader::Field>> fields;
    if (v.IsMap()) {
      fields = r_.map(v, key, kFsKeys);
      if (!fields) return;
      if (!v["name"]) {
        r_.error(v, key, fmt::format("missing 'name' (one of {})", join(fs_names())));
        return;
      }
    }
    // Never re-assign a YAML::Node: assignment writes through to the document.
    const YAML::Node name_node = v.IsMap() ? v["name"] : v;
    const std::string name_key = v.IsMap() ? child_key(key, "name") : key;
    auto name = r_.scalar(name_node, name_key);
    if (!name) return;
    const FsDef* def = find_fs(*name);
    if (!def) {
      r_.error(name_node, name_key,
               fmt::format("unknown filesystem '{}'{}", *name, hint(*name, fs_names())));
      return;
    }
    e.spec.name = *name;
    e.spec.label = *name;
    e.spec.mkfs_args.assign(def->mkfs.begin(), def->mkfs.end());
    e.spec.mount_opts = def->mount;

    const std::size_t errors = r_.error_count();
    std::map<std::string, YAML::Node> nodes;
    for (const auto& f : fields.value_or(std::vector<Reader::Field>{})) {
      const std::string fkey = child_key(key, f.name);
      nodes.emplace(f.name, f.value);
      if (f.name == "label") {
        read_label(f.value, fkey, e);
      } else if (f.name == "mkfs") {
        if (auto args = string_list(f.value, fkey, true)) e.spec.mkfs_args = *args;
      } else if (f.name == "mount") {
        if (auto opts = string_list(f.value, fkey, false)) {
          e.spec.mount_opts.clear();
          for (const std::string& o : *opts)
            e.spec.mount_opts += (e.spec.mount_opts.empty() ? "" : ",") + o;
        }
      }
    }
    if (r_.error_count() != errors) return;
    for (const Problem& p : fs_problems(e.spec)) {
      r_.error(nodes.count(p.key) ? nodes[p.key] : v, p.key.empty() ? key : child_key(key, p.key),
               p.message);
    }
    if (r_.error_count() == errors) fs_.push_back(std::move(e));
  }

  // A list of strings, or one string (split on whitespace when `whitespace`, e.g. for mkfs).
  std::optional<std::vector<std::string>> string_list(const YAML::Node& v, const std::string& key,
                                                      bool whitespace) {
    std::vector<std::string> out;
    if (v.IsSequence()) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        auto s = r_.scalar(v[i], index_key(key, i));
        if (!s) return std::nullopt;
        out.push_back(*s);
      }
      return out;
    }
    auto s = r_.scalar(v, key);
    if (!s) return std::nullopt;
    if (whitespace) {
      std::istringstream in(*s);
      for (std::string word; in >> word;) out.push_back(word);
    } else {
      out.push_back(*s);
    }
    return out;
  }

  template <typename Spec>
  void read_label(const YAML::Node& v, const std::string& key, Located<Spec>& e) {
    auto s = r_.scalar(v, key);
    if (!s) return;
    if (!valid_name(*s)) {
      r_.error(v, key, fmt::format("'{}' is not a valid label (use letters, digits, . _ + -)", *s));
      return;
    }
    e.spec.label = *s;
    e.explicit_label = true;
  }

  // "fault-vs-truncate" or {name: fault-vs-layout, label: ..., ops: [...], duration: 30s, ...}.
  void read_workload(const YAML::Node& v, const std::string& key) {
    Located<WorkloadSpec> e{{}, v, key};
    if (v.IsMap() && !v["name"]) {
      r_.error(v, key, fmt::format("missing 'name' (one of {})", join(workload_names())));
      return;
    }
    const YAML::Node name_node = v.IsMap() ? v["name"] : v;
    const std::string name_key = v.IsMap() ? child_key(key, "name") : key;
    auto name = r_.scalar(name_node, name_key);
    if (!name) return;
    const WorkloadDef* def = find_workload(*name);
    if (!def) {
      r_.error(name_node, name_key,
               fmt::format("unknown workload '{}'{}", *name, hint(*name, workload_names())));
      return;
    }
    e.spec.name = *name;
    e.spec.label = *name;
    const std::size_t errors = r_.error_count();
    if (v.IsMap()) {
      const std::vector<const ParamDef*> params = workload_params(*def);
      std::vector<std::string_view> allowed = {"name", "label", "duration", "iterations",
                                               "injectors"};
      for (const ParamDef* p : params) allowed.push_back(p->key);
      auto fields = r_.map(v, key, allowed, [&](std::string_view k) { return elsewhere(k, *def); });
      if (!fields) return;
      std::map<std::string, YAML::Node> nodes;
      for (const auto& f : *fields) {
        const std::string fkey = child_key(key, f.name);
        nodes.emplace(f.name, f.value);
        if (f.name == "label") {
          read_label(f.value, fkey, e);
        } else if (f.name == "duration") {
          if (auto d = r_.duration(f.value, fkey, 0.001)) e.spec.duration_s = *d;
        } else if (f.name == "iterations") {
          if (auto n = r_.integer(f.value, fkey, 1)) e.spec.iterations = *n;
        } else if (f.name == "injectors") {
          read_workload_injectors(f.value, fkey, e.spec);
        }
      }
      for (const ParamDef* p : params) {  // registry order, so argv is independent of YAML order
        if (!nodes.count(std::string(p->key))) continue;
        if (auto value = read_param(*p, nodes[std::string(p->key)], child_key(key, p->key))) {
          e.spec.params.push_back({std::string(p->key), *value});
        }
      }
      if (r_.error_count() != errors) return;
      for (const Problem& p : workload_problems(e.spec)) {
        r_.error(nodes.count(p.key) ? nodes[p.key] : v, p.key.empty() ? key : child_key(key, p.key),
                 p.message);
      }
    }
    if (r_.error_count() == errors) workloads_.push_back(std::move(e));
  }

  // For a key that another workload takes, say so: a plain "did you mean" would mislead.
  static std::string elsewhere(std::string_view key, const WorkloadDef& def) {
    std::vector<std::string_view> owners;
    for (const WorkloadDef& other : workload_defs()) {
      for (const ParamDef& p : other.params) {
        if (p.key == key) owners.push_back(other.name);
      }
    }
    if (owners.empty()) return "";
    return fmt::format("'{}' is not a parameter of {} (only {} take it)", key, def.name,
                       join(owners));
  }

  // Normalised text of a parameter value: sizes in bytes, durations in seconds, bools 0/1,
  // lists comma-joined.
  std::optional<std::string> read_param(const ParamDef& p, const YAML::Node& v,
                                        const std::string& key) {
    switch (p.type) {
      case ParamType::kInt:
        if (auto n = r_.integer(v, key, p.min, p.max)) return std::to_string(*n);
        return std::nullopt;
      case ParamType::kSize:
        if (auto n = r_.size(v, key, p.min, p.max)) return std::to_string(*n);
        return std::nullopt;
      case ParamType::kDuration:
        if (auto d = r_.duration(v, key, p.min, p.max)) return format_seconds(*d);
        return std::nullopt;
      case ParamType::kBool:
        if (auto b = r_.boolean(v, key)) return *b ? "1" : "0";
        return std::nullopt;
      case ParamType::kString: {
        auto s = r_.scalar(v, key);
        if (s && s->empty()) r_.error(v, key, "must not be empty");
        return s && !s->empty() ? s : std::nullopt;
      }
      case ParamType::kChoice: {
        auto s = r_.scalar(v, key);
        if (s && !choice(p, v, key, *s)) return std::nullopt;
        return s;
      }
      case ParamType::kChoiceList:
        return choice_list(p, v, key);
    }
    return std::nullopt;
  }

  bool choice(const ParamDef& p, const YAML::Node& at, const std::string& key,
              const std::string& value) {
    if (std::find(p.choices.begin(), p.choices.end(), value) != p.choices.end()) return true;
    std::string noun = p.key == "ops" ? "operation" : std::string(p.key);
    std::replace(noun.begin(), noun.end(), '_', ' ');
    r_.error(at, key, fmt::format("unknown {} '{}' (expected {})", noun, value, join(p.choices)));
    return false;
  }

  std::optional<std::string> choice_list(const ParamDef& p, const YAML::Node& v,
                                         const std::string& key) {
    std::vector<YAML::Node> items;
    if (v.IsSequence()) {
      for (std::size_t i = 0; i < v.size(); ++i) items.push_back(v[i]);
    } else {
      items.push_back(v);  // a single value stands for a list of one
    }
    if (items.empty()) {
      r_.error(v, key, fmt::format("needs at least one of {}", join(p.choices)));
      return std::nullopt;
    }
    std::vector<std::string> seen;
    bool ok = true;
    for (const YAML::Node& item : items) {
      auto s = r_.scalar(item, key);
      if (!s || !choice(p, item, key, *s)) {
        ok = false;
      } else if (std::find(seen.begin(), seen.end(), *s) != seen.end()) {
        r_.error(item, key, fmt::format("'{}' is listed twice", *s));
        ok = false;
      } else {
        seen.push_back(*s);
      }
    }
    if (!ok) return std::nullopt;
    std::string out;
    for (const std::string& s : seen) out += (out.empty() ? "" : ",") + s;
    return out;
  }

  // A workload's own injector axis, in place of the campaign's for its cells.
  void read_workload_injectors(const YAML::Node& v, const std::string& key, WorkloadSpec& w) {
    auto items = r_.list(v, key);
    if (!items) return;
    if (items->empty()) r_.error(v, key, "needs at least one injector set (or 'none')");
    std::vector<Located<InjectorSet>> sets;
    for (std::size_t i = 0; i < items->size(); ++i)
      if (auto set = read_injector_set((*items)[i], index_key(key, i))) sets.push_back(*set);
    assign_labels(sets, "injector set");
    for (auto& s : sets) w.injector_sets.push_back(std::move(s.spec));
  }

  // "none", "poison", {name: poison, count: 2}, or a list of the last two forms.
  std::optional<Located<InjectorSet>> read_injector_set(const YAML::Node& v,
                                                        const std::string& key) {
    Located<InjectorSet> e{{}, v, key};
    std::vector<std::pair<YAML::Node, std::string>> items;
    if (v.IsSequence()) {
      if (v.size() == 0) r_.error(v, key, "empty injector set (write 'none' for no injectors)");
      for (std::size_t i = 0; i < v.size(); ++i) items.emplace_back(v[i], index_key(key, i));
    } else {
      items.emplace_back(v, key);
    }
    const std::size_t errors = r_.error_count();
    for (const auto& [node, ikey] : items) {
      auto spec = read_injector(node, ikey, items.size() > 1);
      if (!spec) continue;
      if (spec->name == kNoInjector) continue;
      if (std::any_of(e.spec.injectors.begin(), e.spec.injectors.end(),
                      [&](const InjectorSpec& s) { return s.name == spec->name; })) {
        r_.error(node, ikey, fmt::format("injector '{}' appears twice in this set", spec->name));
        continue;
      }
      injector_nodes_.emplace_back(node, ikey, spec->name);
      e.spec.injectors.push_back(std::move(*spec));
    }
    if (r_.error_count() != errors) return std::nullopt;
    for (const InjectorSpec& s : e.spec.injectors) {
      e.spec.label += (e.spec.label.empty() ? "" : "+") + s.name;
    }
    if (e.spec.label.empty()) e.spec.label = kNoInjector;
    return e;
  }

  std::optional<InjectorSpec> read_injector(const YAML::Node& v, const std::string& key,
                                            bool in_group) {
    if (v.IsMap() && !v["name"]) {
      r_.error(v, key, fmt::format("missing 'name' (one of {})", join(injector_names())));
      return std::nullopt;
    }
    const YAML::Node name_node = v.IsMap() ? v["name"] : v;
    const std::string name_key = v.IsMap() ? child_key(key, "name") : key;
    auto name = r_.scalar(name_node, name_key);
    if (!name) return std::nullopt;
    InjectorSpec spec{*name, {}};
    if (*name == kNoInjector) {
      if (in_group || v.IsMap()) {
        r_.error(name_node, name_key, "'none' must stand alone as an injector set");
        return std::nullopt;
      }
      return spec;
    }
    const InjectorDef* def = find_injector(*name);
    if (!def) {
      r_.error(name_node, name_key,
               fmt::format("unknown injector '{}'{}", *name, hint(*name, injector_names())));
      return std::nullopt;
    }
    std::map<std::string, YAML::Node> nodes;
    if (v.IsMap()) {
      std::vector<std::string_view> allowed = {"name"};
      for (const ParamDef& p : def->params) allowed.push_back(p.key);
      auto fields = r_.map(v, key, allowed);
      if (!fields) return std::nullopt;
      for (const auto& f : *fields) nodes.emplace(f.name, f.value);
    }
    bool ok = true;
    for (const ParamDef& p : def->params) {
      if (!nodes.count(std::string(p.key))) {
        if (p.required) {
          r_.error(v, key, fmt::format("injector '{}' needs '{}'", *name, p.key));
          ok = false;
        }
        continue;
      }
      auto value = read_param(p, nodes[std::string(p.key)], child_key(key, p.key));
      if (value) {
        spec.params.push_back({std::string(p.key), *value});
      } else {
        ok = false;
      }
    }
    return ok ? std::optional(spec) : std::nullopt;
  }

  // Rules that involve more than one entry.
  void cross_checks(const YAML::Node& root) {
    assign_labels(fs_, "filesystem");
    assign_labels(workloads_, "workload");
    assign_labels(sets_, "injector set");

    for (const auto& [node, key, name] : injector_nodes_) {
      const InjectorDef* def = find_injector(name);
      if (def && c_.vm.vcpus < def->min_vcpus) {
        r_.error(node, key,
                 fmt::format("injector '{}' needs at least {} vcpus (vm.vcpus is {})", name,
                             def->min_vcpus, c_.vm.vcpus));
      }
    }
    for (const auto& f : fs_) {
      if (f.spec.name == "xfs" && c_.vm.nvdimm_bytes < kXfsMinNvdimm) {
        r_.error(f.node, f.key,
                 fmt::format("xfs needs an NVDIMM of at least 320M (mkfs.xfs refuses filesystems "
                             "under 300M); vm.nvdimm is {} bytes",
                             c_.vm.nvdimm_bytes));
      }
    }

    // Every cell needs a budget, or the workload would run forever.
    if (!has_budget_) {
      const bool none = std::none_of(workloads_.begin(), workloads_.end(), [](const auto& w) {
        return w.spec.duration_s || w.spec.iterations;
      });
      if (none && !workloads_.empty()) {
        r_.error(root, "duration", "no run budget: set 'duration' or 'iterations'");
      } else {
        for (const auto& w : workloads_) {
          if (!w.spec.duration_s && !w.spec.iterations) {
            r_.error(w.node, w.key,
                     "no run budget: set 'duration' or 'iterations' here or at the top level");
          }
        }
      }
    }

    std::size_t possible = 0;
    for (const auto& w : workloads_) {
      for (const auto& f : fs_) {
        auto why = impossible(f.spec, w.spec);
        if (!why) {
          ++possible;
        } else if (c_.skip_impossible) {
          r_.note(w.node, w.key,
                  fmt::format("note: skipping {} on {} ({}): {}", w.spec.label, f.spec.label, f.key,
                              *why));
        } else {
          r_.error(w.node, w.key,
                   fmt::format("{} cannot run on {} ({}): {}; drop one of them or set "
                               "skip_impossible: true",
                               w.spec.name, f.spec.label, f.key, *why));
        }
      }
    }
    if (c_.skip_impossible && possible == 0 && !workloads_.empty() && !fs_.empty()) {
      r_.error(root, "skip_impossible", "every filesystem x workload combination is impossible");
    }
  }

  // Labels name cells, so they must be unique per axis. Repeated default labels get "~2", "~3"
  // in file order; explicit labels must already be unique.
  template <typename Spec>
  void assign_labels(std::vector<Located<Spec>>& entries, std::string_view what) {
    std::map<std::string, int> auto_count;
    for (auto& e : entries) {
      if (e.explicit_label) continue;
      const int n = ++auto_count[e.spec.label];
      if (n > 1) e.spec.label += fmt::format("~{}", n);
    }
    std::map<std::string, std::string> seen;
    for (auto& e : entries) {
      if (auto [it, fresh] = seen.emplace(e.spec.label, e.key); !fresh) {
        r_.error(e.node, e.key,
                 fmt::format("{} label '{}' is already used by {}; give it a distinct 'label'",
                             what, e.spec.label, it->second));
      }
    }
  }

  Campaign finish() {
    // Cross-entry checks run last; report in file order anyway.
    const auto by_position = [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    };
    std::stable_sort(r_.errors().begin(), r_.errors().end(), by_position);
    std::stable_sort(r_.notes().begin(), r_.notes().end(), by_position);
    if (r_.error_count() > 0) throw ValidationError(std::move(r_.errors()));
    for (auto& f : fs_) c_.filesystems.push_back(std::move(f.spec));
    for (auto& w : workloads_) c_.workloads.push_back(std::move(w.spec));
    if (!sets_.empty()) c_.injector_sets.clear();
    for (auto& s : sets_) c_.injector_sets.push_back(std::move(s.spec));
    c_.notes = std::move(r_.notes());
    return std::move(c_);
  }

  Reader r_;
  std::string base_dir_;
  Campaign c_;
  std::vector<Located<FsSpec>> fs_;
  std::vector<Located<WorkloadSpec>> workloads_;
  std::vector<Located<InjectorSet>> sets_;
  std::vector<std::tuple<YAML::Node, std::string, std::string>> injector_nodes_;
  bool has_budget_ = false;
};

Campaign load(std::string_view yaml, const std::string& file, const std::string& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    Diagnostic d{file, 0, 0, "", fmt::format("YAML syntax error: {}", e.msg)};
    if (!e.mark.is_null()) {
      d.line = e.mark.line + 1;
      d.column = e.mark.column + 1;
    }
    throw ValidationError({d});
  }
  return Loader(file, base_dir, fs::path(file).stem().string()).load(root);
}

}  // namespace

std::string add_kernel(std::vector<std::string>& kernels, std::string kernel,
                       const std::string& as_given) {
  const std::string label = kernel_label(kernel);
  for (const auto& k : kernels) {
    if (kernel_label(k) != label) continue;
    if (k == kernel)
      return fmt::format("kernel '{}' is listed twice{}", as_given,
                         as_given == kernel ? "" : fmt::format(" (as '{}')", kernel));
    return fmt::format("kernel '{}' has the same file name as '{}'; cell ids would collide", kernel,
                       k);
  }
  kernels.push_back(std::move(kernel));
  return "";
}

CanonicalKernel canonical_kernel(std::string kernel, const std::string& base_dir) {
  if (kernel.rfind("src:", 0) == 0) {
    // A developer's kernel tree, built with our fragments in its own object directory and
    // keyed by HEAD plus the uncommitted diff.
    fs::path p(kernel.substr(4));
    if (p.empty()) {
      return {{}, "src: needs a path to a kernel git tree (src:PATH)"};
    }
    if (p.is_relative() && !base_dir.empty()) p = fs::path(base_dir) / p;
    p = p.lexically_normal();
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      return {{}, fmt::format("kernel tree '{}' not found", p.string())};
    }
    if (!fs::exists(p / "Makefile", ec) || !fs::is_directory(p / "arch" / "x86", ec)) {
      return {{},
              fmt::format("'{}' is not a Linux source tree (no Makefile or arch/x86)", p.string())};
    }
    if (!fs::exists(p / ".git", ec)) {
      return {{},
              fmt::format("kernel tree '{}' is not a git checkout (images are keyed by its "
                          "commit and diff)",
                          p.string())};
    }
    kernel = "src:" + p.string();
  } else if (kernel.rfind("patch:", 0) == 0) {
    // A Debian kernel with the user's patch: patch:FILE (on 6.1) or patch:FILE@6.12.
    auto on = image::split_on_kernel(std::string_view(kernel).substr(6));
    const std::string& file = on.what;
    fs::path p(file);
    if (p.is_relative() && !base_dir.empty()) p = fs::path(base_dir) / p;
    p = p.lexically_normal();
    std::error_code ec;
    if (file.empty() || !fs::is_regular_file(p, ec)) {
      return {{},
              fmt::format("patch '{}' not found (patch:FILE[@<kernel>])",
                          file.empty() ? kernel : p.string())};
    }
    kernel = "patch:" + p.string() + on.suffix();
  } else if (kernel.find('/') != std::string::npos) {
    fs::path p(kernel);
    if (p.is_relative() && !base_dir.empty()) p = fs::path(base_dir) / p;
    kernel = p.lexically_normal().string();
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      return {{}, fmt::format("kernel image '{}' not found", kernel)};
    }
  } else if (kernel.rfind("mutant:", 0) == 0) {
    // A patch in guest-images/mutants/ (checked when its image is built), on the default
    // Debian kernel or on the one after '@': mutant:<id>@6.12.
    const auto m = image::parse_mutant_name(kernel);
    if (!m.error.empty()) {
      return {{}, m.error};
    }
    kernel = "mutant:" + m.on.what + m.on.suffix();  // mutant:<id>@6.1 is mutant:<id>
  } else if (auto builtin = image::parse_builtin_kernel(kernel)) {
    kernel = builtin->canonical();  // "6.1" is "default": one name, one cell id
  } else {
    return {{},
            fmt::format("unknown kernel '{}'{}; a bzImage path must contain '/'", kernel,
                        hint(kernel, builtin_kernel_hints()))};
  }
  return {std::move(kernel), {}};
}

Campaign load_string(std::string_view yaml, const std::string& name_for_errors) {
  return load(yaml, name_for_errors, "");
}

Campaign load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || fs::is_directory(path, ec)) {
    const std::string why = fs::is_directory(path, ec) ? "is a directory" : std::strerror(errno);
    throw ValidationError({{path, 0, 0, "", fmt::format("cannot read campaign file: {}", why)}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load(text.str(), path, fs::path(path).parent_path().string());
}

}  // namespace dt::campaign
