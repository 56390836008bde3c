#include "campaign/constraints.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "campaign/registry.hpp"
#include "campaign/suggest.hpp"

namespace dt::campaign {
namespace {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const std::size_t n = s.find(sep);
    out.emplace_back(s.substr(0, n));
    if (n == std::string_view::npos) break;
    s.remove_prefix(n + 1);
  }
  return out;
}

// Ops named by the workload's `ops` parameter (empty when it has none).
std::vector<const OpDef*> ops_of(const WorkloadSpec& workload) {
  std::vector<const OpDef*> out;
  if (const std::string* ops = workload.param("ops")) {
    for (const std::string& name : split(*ops, ',')) {
      if (const OpDef* op = find_op(name)) out.push_back(op);
    }
  }
  return out;
}

std::string op_names(const std::vector<const OpDef*>& ops) {
  std::vector<std::string_view> names;
  for (const OpDef* op : ops) names.push_back(op->name);
  return join(names);
}

// The block size requested on the mkfs command line: "-b 1024" (mke2fs) or "-b size=1k" (xfs).
std::optional<std::uint64_t> mkfs_block_size(const FsSpec& fs) {
  for (std::size_t i = 0; i + 1 < fs.mkfs_args.size(); ++i) {
    if (fs.mkfs_args[i] != "-b") continue;
    std::string value = fs.mkfs_args[i + 1];
    if (value.starts_with("size=")) value.erase(0, 5);
    try {
      return parse_size(value);
    } catch (const std::invalid_argument&) {
      return std::nullopt;  // mkfs itself will complain with a better message
    }
  }
  return std::nullopt;
}

bool mkfs_disables_reflink(const FsSpec& fs) {
  return std::any_of(fs.mkfs_args.begin(), fs.mkfs_args.end(), [](const std::string& arg) {
    const auto opts = split(arg, ',');
    return std::find(opts.begin(), opts.end(), "reflink=0") != opts.end();
  });
}

}  // namespace

std::vector<Problem> fs_problems(const FsSpec& fs) {
  std::vector<Problem> out;
  const FsDef* def = find_fs(fs.name);
  if (!def) return out;

  const auto opts = split(fs.mount_opts, ',');
  const bool dax = std::any_of(opts.begin(), opts.end(), [&](const std::string& o) {
    return std::find(def->dax_opts.begin(), def->dax_opts.end(), o) != def->dax_opts.end();
  });
  auto dax_with_value = std::find_if(opts.begin(), opts.end(),
                                     [](const std::string& o) { return o.starts_with("dax="); });
  if (fs.name == "ext2" && dax_with_value != opts.end()) {
    out.push_back({"mount", fmt::format("ext2 does not understand '{}'; it only knows 'dax'",
                                        *dax_with_value)});
  } else if (!dax) {
    out.push_back({"mount", fmt::format("mount options '{}' do not enable DAX on {} (use {})",
                                        fs.mount_opts, fs.name, join(def->dax_opts, " or "))});
  }

  if (auto bs = mkfs_block_size(fs); bs && *bs != kBlockSize) {
    out.push_back({"mkfs", fmt::format("DAX needs a {}-byte block size (the page size), not {}",
                                       kBlockSize, *bs)});
  }
  return out;
}

std::vector<Problem> workload_problems(const WorkloadSpec& workload) {
  std::vector<Problem> out;
  std::vector<const OpDef*> aligned;
  for (const OpDef* op : ops_of(workload)) {
    if (op->block_aligned) aligned.push_back(op);
  }
  const std::string* size = workload.param("file_size");
  if (!aligned.empty() && size && std::stoull(*size) % kBlockSize != 0) {
    out.push_back({"file_size", fmt::format("ops {} need a file_size that is a multiple of {}; "
                                            "{} is not",
                                            op_names(aligned), kBlockSize, *size)});
  }
  return out;
}

std::optional<std::string> impossible(const FsSpec& fs, const WorkloadSpec& workload) {
  const WorkloadDef* wdef = find_workload(workload.name);
  const FsDef* fdef = find_fs(fs.name);
  if (!wdef || !fdef) return std::nullopt;

  for (const FsRestriction& r : wdef->unsupported) {
    if (r.fs == fs.name) return std::string(r.reason);
  }
  std::vector<const OpDef*> needs_fallocate;
  for (const OpDef* op : ops_of(workload)) {
    if (op->fallocate) needs_fallocate.push_back(op);
  }
  if (!fdef->fallocate && !needs_fallocate.empty()) {
    return fmt::format("{} has no fallocate(2), needed by ops {}", fs.name,
                       op_names(needs_fallocate));
  }
  if (workload.name == "reflink" && mkfs_disables_reflink(fs)) {
    return std::string("mkfs disables reflink (reflink=0)");
  }
  return std::nullopt;
}

}  // namespace dt::campaign
