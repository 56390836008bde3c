// dt-reflink: DAX faults and copy-on-write on shared (reflinked) extents
// (XFS reflink+DAX: a write fault on a shared extent must copy the data to a
// new block and never let the store reach the still-shared block; seed 001's
// extent manipulation vs fault serialisation applies to remapping too).
//
// src is stamped, dst cloned from it with FICLONE. Thread 0 re-shares random
// ranges with FICLONERANGE (src -> dst, also at different offsets), punches
// dst and rewrites src blocks; the other threads load/store/pread both files
// through long-lived mappings. Checks: a store to one file never shows up in
// the other (misplaced-stamp: the other file's id), clones expose exactly the
// source's data at clone time (stale-data otherwise), no SIGBUS. Skips (exit
// 4) where FICLONE is unsupported (EOPNOTSUPP/EXDEV/EINVAL/ENOTTY: ext2/ext4,
// XFS without reflink, DAX/non-DAX mix).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "workload.hpp"

namespace dt::workload {
namespace {

// Clones src[sfirst, sfirst+n) onto dst[dfirst, ...), bracketed in dst's model.
void clone(HotFile& src, HotFile& dst, uint64_t sfirst, uint64_t dfirst, uint64_t n) {
  std::vector<ReadSnap> snaps;
  std::vector<Legal> from;
  for (uint64_t i = 0; i < n; ++i) {
    snaps.push_back(src.model().read_begin(sfirst + i));
    from.push_back(snaps.back().legal);
  }
  const auto t = dst.model().begin_clone(dfirst, from);
  // Stores to src while the clone runs may be copied: legal in dst at once.
  const uint64_t fwd = src.model().forward(sfirst, n, &dst.model(), dfirst);
  const int e =
      clone_range(dst.fd(), src.fd(), sfirst * kBlockSize, n * kBlockSize, dfirst * kBlockSize);
  src.model().unforward(fwd);
  // Whatever src held at any time during the clone may have been copied.
  std::vector<std::pair<uint64_t, Legal>> extra;
  for (uint64_t i = 0; i < n; ++i) {
    const ReadView v = src.model().read_end(snaps[i]);
    Legal l = v.legal;
    l.unknown = l.unknown || !v.conclusive;
    if (l.contents != from[i].contents || l.unknown) extra.emplace_back(dfirst + i, l);
  }
  dst.model().end(t,
                  e == 0                                           ? FileModel::Outcome::kDone
                  : (e == EINVAL || e == EOPNOTSUPP || e == EXDEV) ? FileModel::Outcome::kNoEffect
                                                                   : FileModel::Outcome::kUnknown,
                  extra);
}

int body(Run& run) {
  const Options& o = run.opt();
  HotFile src(run, "src", o.file_size);
  HotFile dst(run, "dst", o.file_size, false);
  if (!src.ok() || !dst.ok()) return run.cannot_create("files in " + o.dir);
  run.set_dax(probe_dax(src.fd()));
  run.set_hot_bytes(2 * o.file_size);
  run.track(src.model(), src.fd());
  run.track(dst.model(), dst.fd());
  if (const int e = clone_file(dst.fd(), src.fd()); e != 0)
    return run.skip_all("FICLONE unsupported here: " + errno_name(e));
  dst.model().set_size(o.file_size);
  for (uint64_t b = 0; b < dst.max_blocks(); ++b)
    dst.model().set(b, src.model().legal(b).contents.front());
  const bool punch = !probe_layout_ops(run, {"punch"}).empty();
  run.start({{"hot_blocks", src.max_blocks()}, {"punch", punch}});
  const uint64_t nb = src.max_blocks();
  run.run_threads(std::max(o.threads, 2u), [&](unsigned t) {
    Worker w(o.seed, t);
    Mapping ms(src.fd(), 0, nb * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED);
    Mapping md(dst.fd(), 0, nb * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED);
    if (!ms.ok() || !md.ok()) return;
    while (!run.stopping()) {
      ++w.op;
      if (t == 0) {
        run.iteration();
        const uint64_t r = w.rng.below(100);
        const uint64_t n = w.rng.range(1, std::min<uint64_t>(4, nb));
        if (r < 50) {
          const uint64_t sf = w.rng.below(nb - n + 1);
          const uint64_t df = w.rng.chance(70) ? sf : w.rng.below(nb - n + 1);
          clone(src, dst, sf, df, n);
        } else if (r < 65 && punch) {
          dst.punch(w.rng.below(nb - n + 1), n);
        } else {
          src.pwrite_stamp(w.rng.below(nb), w.writer());
        }
        continue;
      }
      HotFile& f = w.rng.chance(60) ? dst : src;
      char* map = &f == &dst ? md.data() : ms.data();
      const uint64_t b = w.rng.below(nb);
      const uint64_t r = w.rng.below(100);
      if (r < 45)
        f.map_read(map, b, w.ctx());
      else if (r < 85)
        f.map_write(map, b, w.writer(), w.ctx());  // CoW break on a shared extent
      else
        f.pread_check(b, w.ctx());
    }
  });
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  return workload_main(argc, argv, Spec{"reflink"}, body);
}
