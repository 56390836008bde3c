// dt-fault-vs-layout: page faults racing extent manipulation within EOF
// (seed 001: hole punch, collapse/insert range, zero range need the
// filesystem to lock faults out - XFS MMAPLOCK, ext4 invalidate lock).
//
// Thread 0 punches, zeroes, collapses and inserts ranges of a small file in a
// tight loop (--ops), restoring its size and restamping blocks in between; the
// other threads fault the same pages through long-lived mappings, loading,
// storing and preading stamps. Unlike truncate there is no i_size to recheck:
// a fault that maps a block while it is being punched or shifted keeps the
// freed or moved block mapped. Checks: punched/zeroed ranges read zeros,
// collapse/insert move every stamp exactly as the model shifts it, no block
// holds an older generation (stale-data) or another file's / offset's block
// (misplaced-stamp), no SIGBUS inside EOF.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "workload.hpp"

namespace dt::workload {
namespace {

const std::vector<std::string> kLayoutOps = {"punch", "collapse", "insert", "zero"};

void mutate(HotFile& hot, Worker& w, Run& run, const std::vector<std::string>& ops) {
  const uint64_t nb = hot.max_blocks();
  const uint64_t cur = hot.blocks();
  const uint64_t r = w.rng.below(100);
  run.iteration();
  if (r < 15 || cur == 0) {
    if (cur < nb) hot.truncate(nb * kBlockSize);  // collapse shrank it: grow back
    return;
  }
  if (r < 30) {
    for (uint64_t k = w.rng.range(1, 3); k > 0; --k) hot.pwrite_stamp(w.rng.below(cur), w.writer());
    return;
  }
  const std::string& op = ops[w.rng.below(ops.size())];
  uint64_t n = w.rng.range(1, 4);
  if (op == "punch" || op == "zero") {
    const uint64_t first = w.rng.below(cur);
    n = std::min(n, cur - first);
    op == "punch" ? hot.punch(first, n) : hot.zero_range(first, n);
  } else if (op == "collapse") {
    if (cur < 2) return;
    n = std::min(n, cur - 1);
    hot.collapse(w.rng.below(cur - n), n);  // must end strictly before EOF
  } else {
    n = std::min(n, nb - 1);
    if (cur + n > nb) {
      hot.truncate((nb - n) * kBlockSize);  // room for the inserted range
      return;
    }
    hot.insert(w.rng.below(cur), n);
  }
}

int body(Run& run) {
  const Options& o = run.opt();
  HotFile hot(run, "hot", o.file_size);
  if (!hot.ok()) return hot.creation_failed(run);
  hot.attach_as_hot(run, o.file_size);
  const auto ops = probe_layout_ops(run, o.ops);
  if (ops.empty()) return run.skip_all("none of the requested layout operations is supported");
  run.start({{"hot_blocks", hot.max_blocks()}, {"ops", ops}});
  run.run_threads(o.threads, [&](unsigned t) {
    Worker w(o.seed, t);
    Mapping map(hot.fd(), 0, hot.max_blocks() * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED);
    if (!map.ok()) return;
    while (!run.stopping()) {
      ++w.op;
      if (t == 0 && (o.threads > 1 || w.op % 2 == 0)) {
        mutate(hot, w, run, ops);
        continue;
      }
      const uint64_t b = w.rng.below(hot.max_blocks());
      const uint64_t r = w.rng.below(100);
      if (r < 50)
        hot.map_read(map.data(), b, w.ctx());
      else if (r < 85)
        hot.map_write(map.data(), b, w.writer(), w.ctx());
      else
        hot.pread_check(b, w.ctx());
    }
  });
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  return workload_main(argc, argv, Spec{"fault-vs-layout", kOps, 64 * 1024, kLayoutOps}, body);
}
