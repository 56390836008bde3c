// dt-fault-vs-truncate: page faults racing truncate (seeds 000, 002, 003).
//
// Thread 0 shrinks and re-extends a small file in a tight loop (and restamps
// blocks so there is data to lose); the other threads fault exactly those
// pages through long-lived shared mappings, loading and storing stamps, and
// pread them. The bug class: a fault that looked at i_size before truncate
// updated it inserts a mapping after truncate's unmap ran, so the page of a
// freed block stays mapped; the block is reused by a fill file and stores land
// there (misplaced-stamp in the fill file), or loads see the other file's data
// (misplaced-stamp here), or data survives the truncate (nonzero-hole after
// re-extension), or SIGBUS/no SIGBUS disagrees with i_size.
//
// Two more threads (always, on top of --threads) write back the same pages: fsync,
// fdatasync, and a store followed by msync(MS_SYNC) of that page. Writeback locks each
// dirty DAX entry while it flushes, so faults, writebacks and truncate's entry deletion
// queue on the same few entries and every waker must wake every waiter that has to run
// (a lost wakeup leaves a thread asleep for good: the run's progress watchdog reports it
// as stalled-thread).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "workload.hpp"

namespace dt::workload {
namespace {

void mutate(HotFile& hot, Worker& w, Run& run) {
  const uint64_t nb = hot.max_blocks();
  const uint64_t cur = hot.blocks();
  const uint64_t r = w.rng.below(100);
  if (r < 45) {
    // Shrink to a random block boundary: the pages beyond it are the ones
    // the faulting threads are hammering.
    hot.truncate(w.rng.below(cur + 1) * kBlockSize);
  } else if (r < 80) {
    hot.truncate(nb * kBlockSize);  // extension must expose zeros, not old data
  } else {
    for (uint64_t k = w.rng.range(1, 4); k > 0 && cur > 0; --k)
      hot.pwrite_stamp(w.rng.below(cur), w.writer());
  }
  run.iteration();
}

void fault(HotFile& hot, Worker& w, char* map) {
  const uint64_t b = w.rng.below(hot.max_blocks());
  const uint64_t r = w.rng.below(100);
  if (r < 45) {
    hot.map_read(map, b, w.ctx());
  } else if (r < 80) {
    hot.map_write(map, b, w.writer(), w.ctx());
  } else if (r < 90) {
    hot.pread_check(b, w.ctx());
  } else {
    // Dirty the page and write it back at once (beyond EOF the store SIGBUSes: legal).
    bool stored = false;
    hot.map_write(map, b, w.writer(), w.ctx(), false, &stored);
    if (stored) ::msync(map + b * kBlockSize, kBlockSize, MS_SYNC);
  }
}

// Writeback thread: waits on the entries the faulting threads lock and dirty.
void sync_one(HotFile& hot, Worker& w, char* map) {
  const uint64_t nb = hot.max_blocks();
  const uint64_t r = w.rng.below(100);
  if (r < 40) {
    const uint64_t b = w.rng.below(nb);
    bool stored = false;
    hot.map_write(map, b, w.writer(), w.ctx(), false, &stored);
    if (stored) ::msync(map + b * kBlockSize, kBlockSize, MS_SYNC);
  } else if (r < 60) {
    ::fsync(hot.fd());
  } else if (r < 80) {
    ::fdatasync(hot.fd());
  } else {
    ::msync(map, nb * kBlockSize, MS_SYNC);
  }
}

constexpr unsigned kSyncThreads = 2;

int body(Run& run) {
  const Options& o = run.opt();
  HotFile hot(run, "hot", o.file_size);
  if (!hot.ok()) return hot.creation_failed(run);
  hot.attach_as_hot(run, o.file_size);
  run.start({{"hot_blocks", hot.max_blocks()}, {"sync_threads", kSyncThreads}});
  run.run_threads(o.threads + kSyncThreads, [&](unsigned t) {
    Worker w(o.seed, t);
    // Each thread has its own long-lived mapping: stale PTEs persist in it.
    Mapping map(hot.fd(), 0, hot.max_blocks() * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED);
    if (!map.ok()) return;
    while (!run.stopping()) {
      ++w.op;
      const bool mutator = t == 0 && (o.threads > 1 || w.op % 2 == 0);
      if (t >= o.threads)
        sync_one(hot, w, map.data());
      else if (mutator)
        mutate(hot, w, run);
      else
        fault(hot, w, map.data());
    }
  });
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  return workload_main(argc, argv, Spec{"fault-vs-truncate"}, body);
}
