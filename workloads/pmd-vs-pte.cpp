// dt-pmd-vs-pte: 2 MiB (PMD) DAX faults mixed with 4 KiB (PTE) faults and
// MAP_PRIVATE copy-on-write faults on the same file ranges, while thread 0
// punches whole 2 MiB ranges or single blocks and truncates to sizes that are
// not 2 MiB aligned (forcing PMD fallback) and back (seeds 002/003: the PMD
// fault path's i_size checks and locking vs truncate/punch; seed 004: mapping
// insertion).
//
// Odd threads touch a 2 MiB-aligned shared mapping (PMD faults when the
// extent allows), even threads map small unaligned shared windows (PTE
// faults) and private windows (COW: the private copy must hold what was
// written there, the file must never see it: cow-leak). PMD fault outcomes are
// counted from the fs_dax:dax_pmd_fault_done tracepoint (NOPAGE = mapped as
// PMD, FALLBACK = fell back to PTEs) and reported in the result.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "workload.hpp"

namespace dt::workload {
namespace {

constexpr uint64_t kPmd = 2 * 1024 * 1024;
constexpr uint64_t kPmdBlocks = kPmd / kBlockSize;

// Counts dax_pmd_fault_done events from trace_pipe while the run lasts.
class PmdTrace {
 public:
  explicit PmdTrace(Run& run) : run_(run) {
    for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
      const std::string enable = std::string(root) + "/events/fs_dax/dax_pmd_fault_done/enable";
      if (::access(enable.c_str(), W_OK) == 0) {
        root_ = root;
        break;
      }
    }
    if (root_.empty()) {
      run.rep().skip("tracefs or fs_dax:dax_pmd_fault_done absent: PMD fault outcomes not counted");
      return;
    }
    write_file("/events/fs_dax/dax_pmd_fault_done/enable", "1");
    pipe_.reset(::open((root_ + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!pipe_) {
      run.rep().skip("cannot open trace_pipe: PMD fault outcomes not counted");
      return;
    }
    reader_ = std::thread([this] { loop(); });
  }
  ~PmdTrace() { stop(); }
  void stop() {
    if (reader_.joinable()) {
      done_ = true;
      reader_.join();
      write_file("/events/fs_dax/dax_pmd_fault_done/enable", "0");
    }
    run_.add_result("pmd_nopage", nopage_.load());
    run_.add_result("pmd_fallback", fallback_.load());
    run_.add_result("pmd_counted", bool(pipe_));
  }

 private:
  void write_file(const std::string& rel, const char* v) {
    Fd fd(::open((root_ + rel).c_str(), O_WRONLY | O_CLOEXEC));
    if (fd) (void)!::write(fd.get(), v, std::strlen(v));
  }
  void loop() {
    std::string carry;
    char buf[16384];
    while (true) {
      const ssize_t n = ::read(pipe_.get(), buf, sizeof buf);
      if (n <= 0) {
        if (done_) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      carry.append(buf, size_t(n));
      size_t nl;
      while ((nl = carry.find('\n')) != std::string::npos) {
        const std::string line = carry.substr(0, nl);
        carry.erase(0, nl + 1);
        if (line.find("dax_pmd_fault_done") == std::string::npos) continue;
        if (line.find("FALLBACK") != std::string::npos)
          ++fallback_;
        else if (line.find("NOPAGE") != std::string::npos)
          ++nopage_;
      }
    }
  }

  Run& run_;
  std::string root_;
  Fd pipe_;
  std::thread reader_;
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> nopage_{0}, fallback_{0};
};

void mutate(HotFile& hot, Worker& w, Run& run, bool punch) {
  const uint64_t nb = hot.max_blocks(), cur = hot.blocks();
  const uint64_t pmds = nb / kPmdBlocks;
  const uint64_t r = w.rng.below(100);
  run.iteration();
  if (r < 20 && punch && pmds > 0) {
    hot.punch(w.rng.below(pmds) * kPmdBlocks, kPmdBlocks);  // a whole PMD becomes a hole
  } else if (r < 35 && punch && cur > 0) {
    hot.punch(w.rng.below(cur), 1);  // splits a PMD mapping into PTEs
  } else if (r < 55) {
    // EOF inside a PMD: faults there must fall back (or SIGBUS beyond EOF).
    hot.truncate((nb - w.rng.range(1, kPmdBlocks - 1)) * kBlockSize);
  } else if (r < 70) {
    hot.truncate(nb * kBlockSize);
  } else {
    for (int k = 0; k < 8 && cur > 0; ++k) hot.pwrite_stamp(w.rng.below(cur), w.writer());
  }
}

void pmd_toucher(HotFile& hot, Worker& w, char* map) {
  const uint64_t pmds = hot.max_blocks() / kPmdBlocks;
  const uint64_t base = w.rng.below(pmds) * kPmdBlocks;
  // First touch of the range: the PMD fault (read or write) ...
  if (w.rng.chance(50))
    hot.map_read(map, base + w.rng.below(kPmdBlocks), w.ctx());
  else
    hot.map_write(map, base + w.rng.below(kPmdBlocks), w.writer(), w.ctx());
  // ... then checks across the whole huge page.
  for (int k = 0; k < 8; ++k) hot.map_read(map, base + w.rng.below(kPmdBlocks), w.ctx());
}

void pte_toucher(HotFile& hot, Worker& w, Run& run) {
  const uint64_t nb = hot.max_blocks();
  const uint64_t first = w.rng.below(nb - 3);
  const off_t off = off_t(first * kBlockSize);
  if (w.rng.chance(60)) {
    // Small shared window at an address that cannot take a PMD.
    Mapping win(hot.fd(), off, 4 * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED);
    if (!win.ok()) return;
    char* base = win.data() - first * kBlockSize;  // index by file block
    const uint64_t b = first + w.rng.below(4);
    w.rng.chance(50) ? hot.map_read(base, b, w.ctx()) : hot.map_write(base, b, w.writer(), w.ctx());
    return;
  }
  // Private window: read (file data), COW-write a private stamp, read it back.
  Mapping priv(hot.fd(), off, 4 * kBlockSize, PROT_READ | PROT_WRITE, MAP_PRIVATE);
  if (!priv.ok()) return;
  char* base = priv.data() - first * kBlockSize;
  const uint64_t b = first + w.rng.below(4);
  hot.map_read(base, b, w.ctx());
  alignas(64) char mine[kBlockSize], back[kBlockSize];
  const StampId s = hot.model().make_stamp(b, kPrivateWriter | w.writer());
  fill_block(mine, s);
  const ReadSnap snap = hot.model().read_begin(b);
  const Access a = guarded_copy(base + b * kBlockSize, mine, kBlockSize);
  const Access r = guarded_copy(back, base + b * kBlockSize, kBlockSize);
  ++run.rep().checks;
  if (a.sigbus || r.sigbus) {
    if (auto v = judge(hot.model().ident(), b, Via::kMap, back, true, hot.model().read_end(snap),
                       w.ctx()))
      run.rep().verdict(*v);
  } else if (std::memcmp(back, mine, kBlockSize) != 0) {
    // Truncate/punch zap private COW pages too; then the file shows through.
    hot.judge_data(snap, back, w.ctx());
  }
  hot.pread_check(b, w.ctx());  // the file must not have the private stamp
}

int body(Run& run) {
  const Options& o = run.opt();
  if (o.file_size < kPmd || o.file_size % kPmd)
    return run.skip_all("--file-size must be a multiple of 2 MiB for PMD faults");
  HotFile hot(run, "hot", o.file_size, false);
  if (!hot.ok()) return hot.creation_failed(run);
  // Allocate in one go first: the best chance of 2 MiB-aligned extents.
  if (do_fallocate(hot.fd(), 0, 0, o.file_size) != 0) do_ftruncate(hot.fd(), o.file_size);
  hot.model().set_size(o.file_size);
  for (uint64_t b = 0; b < hot.max_blocks(); ++b) hot.pwrite_stamp(b, 0);
  hot.attach_as_hot(run, o.file_size);
  const bool punch = !probe_layout_ops(run, {"punch"}).empty();
  Mapping huge(hot.fd(), 0, o.file_size, PROT_READ | PROT_WRITE, MAP_SHARED, kPmd);
  if (!huge.ok()) return run.skip_all("2 MiB-aligned mapping failed: " + errno_name(huge.error()));
  run.start({{"hot_blocks", hot.max_blocks()}, {"punch", punch}});
  std::unique_ptr<PmdTrace> trace;
  if (run.dax())
    trace = std::make_unique<PmdTrace>(run);
  else
    run.rep().skip("not DAX: no PMD faults to count");
  run.run_threads(std::max(o.threads, 2u), [&](unsigned t) {
    Worker w(o.seed, t);
    while (!run.stopping()) {
      ++w.op;
      if (t == 0)
        mutate(hot, w, run, punch);
      else if (t % 2)
        pmd_toucher(hot, w, huge.data());
      else
        pte_toucher(hot, w, run);
    }
  });
  if (trace)
    trace->stop();
  else
    run.add_result("pmd_nopage", 0), run.add_result("pmd_fallback", 0),
        run.add_result("pmd_counted", false);
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  return workload_main(argc, argv, Spec{"pmd-vs-pte", 0, 4 * 1024 * 1024}, body);
}
