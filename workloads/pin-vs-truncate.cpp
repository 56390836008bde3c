// dt-pin-vs-truncate: pages of a DAX mapping pinned by the kernel (O_DIRECT
// I/O using the mapping as its buffer, or vmsplice into a pipe that is not
// drained yet) while the file is truncated or punched (seed 004: the DAX
// page/pgmap reference rules; truncate must wait for pinned DAX pages,
// dax_layout_busy_page, before it frees their blocks).
//
// Thread 0 truncates/punches the hot file; every such call runs under the
// operation watchdog: waiting longer than --op-timeout is reported as
// op-timeout (the wait is interruptible, the hung-task detector never sees
// it). The other threads pin hot pages with the --pin methods:
//  odirect: O_DIRECT pread from a stamped source file INTO the mapping
//           (a write to the hot block, modelled as such), and O_DIRECT pwrite
//           FROM the mapping to a sink file, whose bytes are then judged as a
//           read of the hot block;
//  vmsplice: vmsplice the mapped page into a pipe, hold it a few ms, then
//           drain and judge the bytes (a pipe keeps a page reference, so
//           reading it after a completed truncate must not show a reused
//           block: misplaced-stamp).
// If truncate frees a pinned block, the DMA-style write lands in whatever
// reuses it: another file's block holds the source file's stamp.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "workload.hpp"

namespace dt::workload {
namespace {

const std::vector<std::string> kPins = {"odirect", "vmsplice"};

struct Files {
  HotFile& hot;
  HotFile& src;  // stamped once, never changed: the DIO read source
  int src_dio;
  int sink_dio;
};

void mutate(Files& f, Worker& w, Run& run) {
  const uint64_t nb = f.hot.max_blocks(), cur = f.hot.blocks();
  const uint64_t r = w.rng.below(100);
  const OpCtx ctx = w.ctx();
  if (r < 40) {
    const uint64_t s = w.rng.below(cur + 1);
    run.watch_begin(w.thread, "truncate", ctx, f.hot.path(), s * kBlockSize);
    f.hot.truncate(s * kBlockSize);
  } else if (r < 70) {
    run.watch_begin(w.thread, "truncate", ctx, f.hot.path(), nb * kBlockSize);
    f.hot.truncate(nb * kBlockSize);
  } else if (r < 85 && cur > 0) {
    const uint64_t b = w.rng.below(cur);
    run.watch_begin(w.thread, "punch", ctx, f.hot.path(), b * kBlockSize);
    f.hot.punch(b, std::min<uint64_t>(w.rng.range(1, 2), cur - b));
  } else if (cur > 0) {
    f.hot.pwrite_stamp(w.rng.below(cur), w.writer());
  }
  run.watch_end(w.thread);
  run.iteration();
}

// EFAULT from pinning a page beyond EOF is that path's SIGBUS.
void judge_fault(Run& run, HotFile& hot, const ReadSnap& s, uint64_t b, const OpCtx& ctx) {
  ++run.rep().checks;
  alignas(64) char none[kBlockSize] = {};
  if (auto v = judge(hot.model().ident(), b, Via::kMap, none, true, hot.model().read_end(s), ctx)) {
    v->message += " (EFAULT pinning the page)";
    run.rep().verdict(*v);
  }
}

void pin_odirect(Files& f, Worker& w, Run& run, char* map, char* bounce, uint64_t slot) {
  const uint64_t b = w.rng.below(f.hot.max_blocks());
  if (w.rng.chance(50)) {
    // DIO read into the mapped page: the device (here: the fs) writes to a pinned page.
    const uint64_t sb = w.rng.below(f.src.max_blocks());
    const Content c = f.src.model().legal(sb).contents.front();
    const ReadSnap snap = f.hot.model().read_begin(b);
    const auto t = f.hot.model().begin_write(b, c);
    const ssize_t n = ::pread(f.src_dio, map + b * kBlockSize, kBlockSize, off_t(sb * kBlockSize));
    const int e = n < 0 ? errno : 0;
    f.hot.model().end(t, n == ssize_t(kBlockSize) ? FileModel::Outcome::kDone
                         : e == EFAULT            ? FileModel::Outcome::kNoEffect
                                                  : FileModel::Outcome::kUnknown);
    if (e == EFAULT) judge_fault(run, f.hot, snap, b, w.ctx());
    return;
  }
  // DIO write from the mapped page to the sink, then judge what was written.
  const ReadSnap snap = f.hot.model().read_begin(b);
  const ssize_t n =
      ::pwrite(f.sink_dio, map + b * kBlockSize, kBlockSize, off_t(slot * kBlockSize));
  if (n < 0) {
    if (errno == EFAULT) judge_fault(run, f.hot, snap, b, w.ctx());
    return;
  }
  if (::pread(f.sink_dio, bounce, kBlockSize, off_t(slot * kBlockSize)) == ssize_t(kBlockSize))
    f.hot.judge_data(snap, bounce, w.ctx());
}

void pin_vmsplice(Files& f, Worker& w, Run& run, char* map, int pipe_r, int pipe_w) {
  const uint64_t b = w.rng.below(f.hot.max_blocks());
  const ReadSnap snap = f.hot.model().read_begin(b);
  iovec iov{map + b * kBlockSize, kBlockSize};
  const ssize_t n = ::vmsplice(pipe_w, &iov, 1, 0);
  if (n < 0) {
    if (errno == EFAULT) judge_fault(run, f.hot, snap, b, w.ctx());
    return;
  }
  // Hold the page reference while truncate runs; bounded well below the
  // watchdog so a truncate that waits for us cannot be misreported.
  const double hold = std::min(run.opt().op_timeout / 8, 0.02);
  std::this_thread::sleep_for(std::chrono::duration<double>(hold * double(w.rng.below(100)) / 100));
  alignas(64) char buf[kBlockSize];
  size_t got = 0;
  while (got < size_t(n)) {
    const ssize_t r = ::read(pipe_r, buf + got, size_t(n) - got);
    if (r <= 0) break;
    got += size_t(r);
  }
  if (got == kBlockSize) f.hot.judge_data(snap, buf, w.ctx());
}

int body(Run& run) {
  const Options& o = run.opt();
  HotFile hot(run, "hot", o.file_size);
  HotFile src(run, "src", o.file_size);
  if (!hot.ok() || !src.ok()) {
    std::fprintf(stderr, "dt-%s: cannot create files in %s: %s\n", o.workload.c_str(),
                 o.dir.c_str(), std::strerror(errno));
    return kExitUsage;
  }
  hot.attach_as_hot(run, 3 * o.file_size);
  run.track(src.model(), src.fd());
  const std::string sink_path = run.file_path("sink");
  run.remove_at_end(sink_path);
  Fd src_dio(::open(src.path().c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  Fd sink_dio(::open(sink_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0644));
  std::vector<std::string> pins = o.pin;
  if (std::find(pins.begin(), pins.end(), "odirect") != pins.end() && (!src_dio || !sink_dio)) {
    run.rep().skip("O_DIRECT unsupported here (" + errno_name(errno) + "): no odirect pins");
    std::erase(pins, std::string("odirect"));
  }
  if (pins.empty()) return run.skip_all("no pin method available");
  Files f{hot, src, src_dio.get(), sink_dio.get()};
  run.start({{"hot_blocks", hot.max_blocks()}, {"pin", pins}, {"op_timeout", o.op_timeout}});
  run.run_threads(std::max(o.threads, 2u), [&](unsigned t) {
    Worker w(o.seed, t);
    if (t == 0) {
      while (!run.stopping()) {
        ++w.op;
        mutate(f, w, run);
      }
      return;
    }
    Mapping map(hot.fd(), 0, hot.max_blocks() * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED);
    int p[2];
    if (!map.ok() || ::pipe2(p, O_CLOEXEC) != 0) return;
    Fd pr(p[0]), pw(p[1]);
    AlignedBuf bounce = aligned_buf(kBlockSize);
    while (!run.stopping()) {
      ++w.op;
      const std::string& how = pins[w.rng.below(pins.size())];
      if (how == "odirect")
        pin_odirect(f, w, run, map.data(), bounce.get(), t);
      else
        pin_vmsplice(f, w, run, map.data(), pr.get(), pw.get());
      if (w.rng.chance(20)) hot.map_read(map.data(), w.rng.below(hot.max_blocks()), w.ctx());
    }
  });
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  return workload_main(argc, argv, Spec{"pin-vs-truncate", kPin | kOpTimeout, 64 * 1024, kPins},
                       body);
}
