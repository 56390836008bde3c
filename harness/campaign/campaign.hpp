// Campaign files: a declarative YAML matrix (filesystems x workloads x injector sets x kernels x
// repetitions) that the orchestrator turns into VM runs. Everything is validated at load time so
// that a typo fails in milliseconds instead of after a VM boot. Schema: campaigns/README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dt::campaign {

// Normalised: sizes in bytes, durations in seconds, bools 0/1, lists comma-joined.
struct Param {
  std::string key;
  std::string value;
  bool operator==(const Param&) const = default;
};

struct FsSpec {
  std::string name;  // xfs, ext4, ext2
  std::vector<std::string> mkfs_args;
  std::string mount_opts;
  std::string label;  // unique within the campaign; used in cell ids (defaults to name)
};

struct InjectorSpec {
  std::string name;
  std::vector<Param> params;
};

// One point of the injector axis: the injectors that run together in a cell (empty = "none").
struct InjectorSet {
  std::vector<InjectorSpec> injectors;
  std::string label;  // "none", "poison", "failslab+pause-jitter", ...
};

struct WorkloadSpec {
  std::string name;           // guest binary is "dt-" + name
  std::vector<Param> params;  // in registry order, so argv does not depend on YAML key order
  std::string label;          // unique within the campaign; used in cell ids (defaults to name)
  std::optional<double> duration_s;         // per-workload override of the campaign budget
  std::optional<std::uint64_t> iterations;  // per-workload override of the campaign budget
  // Per-workload injector axis (empty: the campaign's), e.g. power cuts for map-sync only.
  std::vector<InjectorSet> injector_sets;

  // Normalised value of a parameter, if it was given.
  const std::string* param(std::string_view key) const;
};

struct VmShape {
  int vcpus = 2;
  std::uint64_t memory_bytes = 1ull << 30;
  std::uint64_t nvdimm_bytes = 512ull << 20;  // label-less: all of it is the namespace
  int nvdimm_count = 1;
};

struct Cell {
  std::size_t index = 0;  // position in the full (unsharded) matrix
  std::string id;         // "<fs>/<workload>/<injectors>/<kernel>/r<repetition>", unique, stable
  FsSpec fs;
  WorkloadSpec workload;
  std::vector<InjectorSpec> injectors;
  std::string kernel;  // "default", "kasan" or a path to a bzImage
  VmShape vm;
  double duration_s = 0;         // 0 = unlimited (then iterations bounds the run)
  std::uint64_t iterations = 0;  // 0 = unlimited
  int repetition = 0;
  std::uint64_t seed = 0;  // derived from campaign seed + id, so reordering cells keeps seeds

  // {"dt-<workload>", "--dir", dir, "--seed", S, ["--duration", D], ["--iterations", N],
  //  "--<param-key with _ -> ->", value, ...}
  std::vector<std::string> workload_argv(const std::string& dir) const;
};

struct Diagnostic {
  std::string file;
  int line = 0;     // 1-based; 0 when the problem has no position (e.g. missing file)
  int column = 0;   // 1-based
  std::string key;  // path of the offending key, e.g. "workloads[1].ops"; may be empty
  std::string message;

  // "quick.yaml:12:5: workloads[1].ops: unknown operation 'pinch' (expected ...)"
  std::string str() const;
};

class ValidationError : public std::runtime_error {
 public:
  explicit ValidationError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

struct Campaign {
  std::string name, description, path;
  std::vector<std::string> kernels{"default"};  // axis; paths are resolved against the file's dir
  VmShape vm;
  double duration_s = 0;
  std::uint64_t iterations = 0;
  int repetitions = 1;
  std::uint64_t seed = 0;
  bool skip_impossible = false;
  // Cells per booted guest: the VM pool is the default, as syzkaller reuses its VMs; 1 boots a
  // fresh VM for every cell. run --reuse-vm / --fresh-vm override it.
  int reuse_vm = 10;
  std::vector<FsSpec> filesystems;
  std::vector<WorkloadSpec> workloads;
  std::vector<InjectorSet> injector_sets{InjectorSet{{}, "none"}};
  std::vector<Diagnostic> notes;  // informational, e.g. impossible cells dropped

  // Full matrix in a fixed order (fs, workload, injector set, kernel, repetition), without the
  // impossible combinations (which only survive validation when skip_impossible is set).
  std::vector<Cell> cells() const;
};

// One spelling per kernel, for campaign files and --kernel alike (cell ids derive from it):
// built-in names canonical ("6.1" is "default"), mutant:<id>@6.1 is mutant:<id>, paths in
// src:, patch: and bzImage names made absolute against base_dir (when given) and checked.
struct CanonicalKernel {
  std::string name;
  std::string error;  // one line; empty when name is valid
};
CanonicalKernel canonical_kernel(std::string kernel, const std::string& base_dir);
// Appends a canonical kernel to a campaign's list unless its cell-id label (kernel_label) is
// already taken: the same kernel twice, or two bzImages with one file name. Returns why it was
// refused (one line, naming `as_given`), or "" when it was added.
std::string add_kernel(std::vector<std::string>& kernels, std::string kernel,
                       const std::string& as_given);

// Both throw ValidationError listing every problem found (also YAML syntax errors, missing file).
Campaign load_file(const std::string& path);
Campaign load_string(std::string_view yaml, const std::string& name_for_errors);

// --shard K/N with 1-based K: cells whose index % n == k - 1. Deterministic, disjoint, and the
// union over K is the whole matrix. Throws std::invalid_argument for a bad K/N.
std::vector<Cell> shard(const std::vector<Cell>& cells, int k, int n);
std::pair<int, int> parse_shard(std::string_view spec);  // "2/4" -> {2, 4}

// "512M", "1G", "64K", "2MiB", "4096" (binary multiples). Throws std::invalid_argument.
std::uint64_t parse_size(std::string_view text);
// "20s", "5m", "1h", "200ms", "1h30m", "1.5" (seconds). Throws std::invalid_argument.
double parse_duration(std::string_view text);

}  // namespace dt::campaign
