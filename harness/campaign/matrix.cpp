#include "campaign/matrix.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "campaign/campaign.hpp"
#include "campaign/constraints.hpp"
#include "campaign/units.hpp"

namespace dt::campaign {
namespace {

// FNV-1a and splitmix64: fixed, portable functions (std::hash may differ between builds).
std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

std::string kernel_label(std::string_view kernel) {
  const std::size_t slash = kernel.rfind('/');
  // src:/home/me/linux is "src:linux", patch:/p/fix.patch@6.12 "patch:fix.patch@6.12"; a
  // bzImage path is its file name.
  for (std::string_view prefix : {"src:", "patch:"})
    if (kernel.starts_with(prefix) && slash != std::string_view::npos)
      return std::string(prefix) + std::string(kernel.substr(slash + 1));
  return std::string(slash == std::string_view::npos ? kernel : kernel.substr(slash + 1));
}

std::uint64_t cell_seed(std::uint64_t campaign_seed, std::string_view cell_id) {
  // 63 bits, so guest programs may parse it as a signed 64-bit integer.
  return splitmix64(campaign_seed ^ splitmix64(fnv1a(cell_id))) >> 1;
}

const std::string* WorkloadSpec::param(std::string_view key) const {
  auto it =
      std::find_if(params.begin(), params.end(), [&](const Param& p) { return p.key == key; });
  return it == params.end() ? nullptr : &it->value;
}

// Coverage first: every repetition is one pass over the matrix, and within a pass the
// filesystems rotate under the workloads (round r pairs workload w with filesystem (w+r) mod F),
// so a campaign cut short by a budget or a first finding has touched every filesystem and
// every workload early instead of finishing one filesystem before starting the next.
std::vector<Cell> Campaign::cells() const {
  std::vector<Cell> out;
  const std::size_t nfs = filesystems.size();
  // A workload with an injector axis of its own uses it instead of the campaign's; the k-th
  // set of every workload is run before any (k+1)-th, so coverage stays first.
  const auto sets_of = [&](const WorkloadSpec& w) -> const std::vector<InjectorSet>& {
    return w.injector_sets.empty() ? injector_sets : w.injector_sets;
  };
  std::size_t nsets = injector_sets.size();
  for (const WorkloadSpec& w : workloads) nsets = std::max(nsets, sets_of(w).size());
  for (int rep = 0; rep < repetitions; ++rep) {
    for (std::size_t k = 0; k < nsets; ++k) {
      for (std::size_t round = 0; round < nfs; ++round) {
        for (std::size_t w = 0; w < workloads.size(); ++w) {
          const FsSpec& fs = filesystems[(w + round) % nfs];
          const WorkloadSpec& workload = workloads[w];
          if (k >= sets_of(workload).size()) continue;
          const InjectorSet& set = sets_of(workload)[k];
          if (impossible(fs, workload)) continue;  // only reachable with skip_impossible
          for (const std::string& kernel : kernels) {
            Cell cell;
            cell.index = out.size();
            cell.id = fmt::format("{}/{}/{}/{}/r{}", fs.label, workload.label, set.label,
                                  kernel_label(kernel), rep);
            cell.fs = fs;
            cell.workload = workload;
            cell.injectors = set.injectors;
            cell.kernel = kernel;
            cell.vm = vm;
            cell.duration_s = workload.duration_s.value_or(duration_s);
            cell.iterations = workload.iterations.value_or(iterations);
            cell.repetition = rep;
            cell.seed = cell_seed(seed, cell.id);
            out.push_back(std::move(cell));
          }
        }
      }
    }
  }
  return out;
}

std::vector<std::string> Cell::workload_argv(const std::string& dir) const {
  // --keep-files: the harness checks the filesystem with the files in place (their extent maps
  // are checked too) and then makes a new one, so deleting them is wasted: on xfs, freeing a
  // fragmented 400 MB fill at unmount (deferred inode inactivation) was 1.3 s of every cell.
  std::vector<std::string> argv = {"dt-" + workload.name, "--dir",       dir, "--seed",
                                   std::to_string(seed),  "--keep-files"};
  if (duration_s > 0) {
    argv.insert(argv.end(), {"--duration", format_seconds(duration_s)});
  }
  if (iterations > 0) {
    argv.insert(argv.end(), {"--iterations", std::to_string(iterations)});
  }
  for (const Param& p : workload.params) {
    std::string flag = "--" + p.key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    argv.push_back(std::move(flag));
    argv.push_back(p.value);
  }
  return argv;
}

}  // namespace dt::campaign
