// dt-mixed: an fsx-style random mix of every operation on one file from
// several threads, judged by the full model (all seeds at once).
//
// Each thread draws operations from --ops with its own seeded PRNG. Size
// changes (truncate, collapse, insert) and size-extending pwrites belong to
// thread 0, the only thread that may rely on an exact size; every other
// operation may come from any thread: loads/stores through per-thread shared
// mappings, pread, O_DIRECT pread, punch, zero range, fsync, msync.
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

// The campaign registry (harness/campaign/registry.cpp) offers exactly these values; a test
// (workload_contract) checks the two against each other. "fault" = mapread + mapwrite.
const std::vector<std::string> kAll = {"read",     "write", "mapread", "mapwrite", "fault",
                                       "truncate", "punch", "zero",    "collapse", "insert",
                                       "fsync",    "msync", "dio"};

std::vector<std::string> expand_aliases(const std::vector<std::string>& ops) {
  std::vector<std::string> out;
  auto add = [&](const std::string& op) {
    if (std::find(out.begin(), out.end(), op) == out.end()) out.push_back(op);
  };
  for (const auto& op : ops) {
    if (op == "fault") {
      add("mapread");
      add("mapwrite");
    } else {
      add(op);
    }
  }
  return out;
}

bool size_op(const std::string& op) {
  return op == "truncate" || op == "collapse" || op == "insert" || op == "write";
}

int body(Run& run) {
  const Options& o = run.opt();
  HotFile hot(run, "hot", o.file_size);
  if (!hot.ok()) return hot.creation_failed(run);
  hot.attach_as_hot(run, o.file_size);
  // Layout ops the filesystem refuses are dropped from the mix (with a skip line).
  std::vector<std::string> layout, ops;
  const std::vector<std::string> wanted = expand_aliases(o.ops);
  for (const auto& op : wanted)
    if (fallocate_mode(op) >= 0) layout.push_back(op);
  const auto supported = probe_layout_ops(run, layout);
  for (const auto& op : wanted)
    if (fallocate_mode(op) < 0 ||
        std::find(supported.begin(), supported.end(), op) != supported.end())
      ops.push_back(op);
  Fd dio(::open(hot.path().c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  if (std::find(ops.begin(), ops.end(), "dio") != ops.end() && !dio) {
    run.rep().skip("O_DIRECT unsupported here (" + errno_name(errno) + "): no dio reads");
    std::erase(ops, std::string("dio"));
  }
  if (ops.empty()) return run.skip_all("no requested operation is supported");
  std::vector<std::string> shared_ops;
  for (const auto& op : ops)
    if (!size_op(op)) shared_ops.push_back(op);
  run.start({{"hot_blocks", hot.max_blocks()}, {"ops", ops}});
  run.run_threads(o.threads, [&](unsigned t) {
    Worker w(o.seed, t);
    Mapping map(hot.fd(), 0, hot.max_blocks() * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED);
    if (!map.ok()) return;
    AlignedBuf buf = aligned_buf(kBlockSize);
    const auto& mine = t == 0 ? ops : shared_ops;
    if (mine.empty()) return;
    const uint64_t nb = hot.max_blocks();
    while (!run.stopping()) {
      ++w.op;
      if (t == 0) run.iteration();
      const std::string& op = mine[w.rng.below(mine.size())];
      const uint64_t b = w.rng.below(nb);
      const uint64_t n = w.rng.range(1, 3);
      if (op == "read") {
        hot.pread_check(b, w.ctx());
      } else if (op == "mapread") {
        hot.map_read(map.data(), b, w.ctx());
      } else if (op == "mapwrite") {
        hot.map_write(map.data(), b, w.writer(), w.ctx());
      } else if (op == "write") {
        // Thread 0 only: may extend the file by exactly one block.
        const uint64_t cur = hot.blocks();
        const uint64_t wb = std::min(b, cur);
        if (wb == cur && cur < nb) hot.truncate((cur + 1) * kBlockSize);
        if (wb < hot.blocks()) hot.pwrite_stamp(wb, w.writer());
      } else if (op == "truncate") {
        hot.truncate(w.rng.chance(50) ? nb * kBlockSize : w.rng.below(nb + 1) * kBlockSize);
      } else if (op == "punch" || op == "zero") {
        op == "punch" ? hot.punch(b, std::min(n, nb - b)) : hot.zero_range(b, std::min(n, nb - b));
      } else if (op == "collapse") {
        const uint64_t cur = hot.blocks();
        if (cur >= 2) {
          const uint64_t k = std::min(n, cur - 1);
          hot.collapse(w.rng.below(cur - k), k);
        }
      } else if (op == "insert") {
        const uint64_t cur = hot.blocks();
        if (cur >= 1 && cur + n <= nb) hot.insert(w.rng.below(cur), n);
      } else if (op == "fsync") {
        w.rng.chance(50) ? ::fsync(hot.fd()) : ::fdatasync(hot.fd());
      } else if (op == "msync") {
        ::msync(map.data() + b * kBlockSize, kBlockSize, MS_SYNC);
      } else if (op == "dio") {
        // O_DIRECT read: a different path to the same blocks, judged like pread.
        const ReadSnap s = hot.model().read_begin(b);
        const ssize_t r = ::pread(dio.get(), buf.get(), kBlockSize, off_t(b * kBlockSize));
        if (r < 0) continue;
        if (size_t(r) < kBlockSize) std::memset(buf.get() + r, 0, kBlockSize - size_t(r));
        ++run.rep().checks;
        if (auto v = judge(hot.model().ident(), b, Via::kRead, buf.get(), r == 0,
                           hot.model().read_end(s), w.ctx()))
          run.rep().verdict(*v);
      }
    }
  });
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  return workload_main(argc, argv, Spec{"mixed", kOps, 64 * 1024, kAll}, body);
}
