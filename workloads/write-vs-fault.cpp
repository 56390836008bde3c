// dt-write-vs-fault: write(2)/O_DIRECT writes racing page faults on the same
// blocks (seed 001: "direct IO also needs to exclude page faults for proper
// mmap coherency"), with an optional sync storm.
//
// Thread 0 rewrites random blocks of a small file with pwrite (O_DIRECT with
// --direct-io 1) and now and then punches a block back into a hole, so the
// write path and the fault path race to allocate the same block; the other
// threads load, store and pread the same blocks. With --sync-storm 1 an extra
// thread hammers fsync/fdatasync/msync/sync_file_range (DAX writeback of
// dirty mapping entries vs faults). The file size never changes here, so any
// SIGBUS is a bug; a double allocation shows as a lost write or a stamp from
// a generation that was overwritten (stale-data), or as this file's block in
// a fill file.
//
// Beside the race, the writeback oracle (lib/wbtrace.hpp) stores into a file
// of its own, fsyncs, and checks with the fs_dax:dax_writeback_one tracepoint
// that every page stored since the previous fsync was written back
// (unflushed-store): coherent emulated pmem hides a lost dirty tag from data
// checks.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "wbtrace.hpp"
#include "workload.hpp"

namespace dt::workload {
namespace {

void sync_storm(HotFile& hot, Run& run, Worker& w, char* map) {
  while (!run.stopping()) {
    ++w.op;
    const uint64_t b = w.rng.below(hot.max_blocks());
    switch (w.rng.below(4)) {
      case 0:
        ::fsync(hot.fd());
        break;
      case 1:
        ::fdatasync(hot.fd());
        break;
      case 2:
        ::msync(map + b * kBlockSize, kBlockSize, MS_SYNC);
        break;
      default:
        ::sync_file_range(
            hot.fd(), off_t(b * kBlockSize), kBlockSize,
            SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    }
  }
}

int body(Run& run) {
  const Options& o = run.opt();
  HotFile hot(run, "hot", o.file_size);
  if (!hot.ok()) return hot.creation_failed(run);
  hot.attach_as_hot(run, o.file_size);
  Fd dio;
  if (o.direct_io) {
    dio.reset(::open(hot.path().c_str(), O_RDWR | O_DIRECT | O_CLOEXEC));
    if (!dio) run.rep().skip("O_DIRECT open failed (" + errno_name(errno) + "): buffered writes");
  }
  const bool punch = !probe_layout_ops(run, {"punch"}).empty();
  WritebackOracle wb(run);
  run.start({{"hot_blocks", hot.max_blocks()},
             {"direct_io", bool(dio)},
             {"sync_storm", bool(o.sync_storm)},
             {"punch", punch}});
  wb.start();
  const unsigned racers = o.threads + (o.sync_storm ? 1 : 0);
  run.run_threads(racers, [&](unsigned t) {
    Worker w(o.seed, t);
    Mapping map(hot.fd(), 0, hot.max_blocks() * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED);
    if (!map.ok()) return;
    if (t == o.threads) return sync_storm(hot, run, w, map.data());
    AlignedBuf buf = aligned_buf(kBlockSize);
    bool use_dio = bool(dio);
    while (!run.stopping()) {
      ++w.op;
      const uint64_t b = w.rng.below(hot.max_blocks());
      if (t == 0 && (o.threads > 1 || w.op % 2 == 0)) {
        run.iteration();
        if (punch && w.rng.chance(10)) {
          hot.punch(b, 1);  // a hole again: the next write and fault both allocate
        } else if (int e = hot.pwrite_stamp(b, w.writer(), use_dio ? dio.get() : -1, buf.get());
                   e == EINVAL && use_dio) {
          run.rep().skip("O_DIRECT write rejected (EINVAL): buffered writes");
          use_dio = false;
        }
        continue;
      }
      const uint64_t r = w.rng.below(100);
      if (r < 45)
        hot.map_read(map.data(), b, w.ctx());
      else if (r < 85)
        hot.map_write(map.data(), b, w.writer(), w.ctx());
      else
        hot.pread_check(b, w.ctx());
    }
  });
  wb.stop();
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  return workload_main(argc, argv, Spec{"write-vs-fault", kDirectIo | kSyncStorm}, body);
}
