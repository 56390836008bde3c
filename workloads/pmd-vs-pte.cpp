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
//
// --threads (default 4): thread 0 mutates, odd threads are PMD touchers (two by default,
// so PMD and fallback PTE faults of one mm race on the same page table) and even ones PTE
// touchers. On top of them, always, three threads share one 2 MiB-aligned MAP_PRIVATE
// mapping of the whole file, as xfstests' t_mmap_cow_race does: a reader (private reads
// are PMD faults), a copy-on-write writer (private writes always fall back to PTEs) and a
// zapper that MADV_DONTNEEDs the 2 MiB range all three are working on (the PMD goes, so
// the next read and COW write race for an empty PMD again), writes the file back and now
// and then replaces the mapping (fresh page tables). The private copy must hold what was
// written there and the file must never see it (cow-leak); private reads see the file or
// this mapping's own private data. The PMD touchers also msync their 2 MiB range, so
// writeback waits on PMD entries that faults hold.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "private_map.hpp"
#include "spawn.hpp"
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
    write_file("/events/fs_dax/dax_pmd_load_hole/enable", "1");  // huge zero pages
    pipe_.reset(::open((root_ + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!pipe_) {
      run.rep().skip("cannot open trace_pipe: PMD fault outcomes not counted");
      return;
    }
    reader_ = spawn_thread([this] { loop(); });
  }
  ~PmdTrace() { stop(); }
  void stop() {
    if (reader_.joinable()) {
      done_ = true;
      reader_.join();
      write_file("/events/fs_dax/dax_pmd_fault_done/enable", "0");
      write_file("/events/fs_dax/dax_pmd_load_hole/enable", "0");
    }
    run_.add_result("pmd_nopage", nopage_.load());
    run_.add_result("pmd_fallback", fallback_.load());
    run_.add_result("pmd_zero", zero_.load());
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
        if (line.find("dax_pmd_load_hole:") != std::string::npos) {
          ++zero_;
          continue;
        }
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
  std::atomic<uint64_t> nopage_{0}, fallback_{0}, zero_{0};
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

// The 2 MiB-aligned shared mapping of the whole file that the PMD touchers fault together.
// It is replaced now and then: munmap frees its page tables, so a range that fell back to
// PTEs once can take PMD faults again (racing the PTE faults of the other toucher).
struct SharedHuge {
  explicit SharedHuge(HotFile& h) : hot(h) { remap(); }
  void remap() {
    std::unique_lock lk(mu);
    map = Mapping();
    map = Mapping(hot.fd(), 0, hot.max_blocks() * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED,
                  kPmd);
    ++remaps;
  }
  HotFile& hot;
  std::shared_mutex mu;
  Mapping map;
  std::atomic<uint64_t> remaps{0};
};

void pmd_toucher(HotFile& hot, Worker& w, SharedHuge& sh) {
  {
    std::shared_lock lk(sh.mu);
    if (!sh.map.ok()) return;
    char* map = sh.map.data();
    const uint64_t pmds = hot.max_blocks() / kPmdBlocks;
    const uint64_t base = w.rng.below(pmds) * kPmdBlocks;
    // First touch of the range: the PMD fault (read or write) ...
    if (w.rng.chance(50))
      hot.map_read(map, base + w.rng.below(kPmdBlocks), w.ctx());
    else
      hot.map_write(map, base + w.rng.below(kPmdBlocks), w.writer(), w.ctx());
    // ... then checks across the whole huge page.
    for (int k = 0; k < 8; ++k) hot.map_read(map, base + w.rng.below(kPmdBlocks), w.ctx());
    // Writeback of the PMD entry (waits while a fault holds it, and faults wait for it).
    if (w.rng.chance(15)) ::msync(map + base * kBlockSize, kPmd, MS_SYNC);
  }
  if (w.rng.chance(10)) sh.remap();
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
    // Truncate/punch zap private COW pages too, even in the middle of our store (the rest of
    // it then lands in a fresh copy of the file's block): the file shows through, wholly or
    // in part, beside what we stored.
    ReadView v = hot.model().read_end(snap);
    if (!v.conclusive)
      ++run.rep().inconclusive;
    else if (auto verdict =
                 judge_private(hot.model().ident(), b, back, false, std::move(v), {s}, w.ctx()))
      run.rep().verdict(*verdict);
  }
  hot.pread_check(b, w.ctx());  // the file must not have the private stamp
}

// One MAP_PRIVATE, 2 MiB-aligned mapping of the whole file shared by the private threads.
// Accesses hold mu shared; replacing the mapping holds it exclusively.
class PrivateHuge {
 public:
  PrivateHuge(HotFile& hot, Run& run) : hot_(hot), run_(run) { remap(); }
  bool ok() const { return map_.ok(); }
  int error() const { return map_.error(); }
  uint64_t pmds() const { return hot_.max_blocks() / kPmdBlocks; }
  // The 2 MiB range all private threads work on; moves on with every zap.
  uint64_t focus() const { return (gen_.load() % pmds()) * kPmdBlocks; }

  void read(Worker& w, uint64_t b) {
    std::shared_lock lk(mu_);
    if (!map_.ok()) return;  // the last remap failed (ENOMEM under fault injection)
    alignas(64) char buf[kBlockSize];
    const PrivateCopies::Read r = copies_.begin_read(hot_.model(), b);
    const Access a = guarded_copy(buf, map_.data() + b * kBlockSize, kBlockSize);
    check_private(w, b, r, buf, a.sigbus);
  }

  // Copy-on-write store of a private stamp, read back, and the file must not have it.
  void cow_write(Worker& w, uint64_t b) {
    {
      std::shared_lock lk(mu_);
      if (!map_.ok()) return;
      alignas(64) char mine[kBlockSize], back[kBlockSize];
      const StampId s = hot_.model().make_stamp(b, kPrivateWriter | w.writer());
      fill_block(mine, s);
      const PrivateCopies::Store st = copies_.begin_store(hot_.model(), b, s);
      const Access a = guarded_copy(map_.data() + b * kBlockSize, mine, kBlockSize);
      copies_.end_store(st);
      const Access r = guarded_copy(back, map_.data() + b * kBlockSize, kBlockSize);
      if (a.sigbus || r.sigbus || std::memcmp(back, mine, kBlockSize) != 0)
        check_private(w, b, {st.snap, {}}, back, a.sigbus || r.sigbus);  // zapped: the file
      else
        ++run_.rep().checks;
    }
    hot_.pread_check(b, w.ctx());  // a private stamp in the file is a cow-leak
  }

  // MADV_DONTNEED of the focus range (the PMD, or the PTEs under it, go away and the
  // private copies with them), then the next range becomes the focus.
  void zap(Worker& w) {
    {
      std::shared_lock lk(mu_);
      if (!map_.ok()) return;
      const uint64_t base = focus();
      ::madvise(map_.data() + base * kBlockSize, kPmd, MADV_DONTNEED);
      ++gen_;
      ++zaps_;
    }
    read(w, focus() + w.rng.below(kPmdBlocks));
  }

  // Punches the focus range: the next private read maps a huge zero page (a zero PMD
  // entry) and the next COW write, a PTE fault, downgrades it while the others wait on it.
  void punch_focus(Worker& w, bool can_punch) {
    if (can_punch) hot_.punch(focus(), kPmdBlocks);
    remap(false);
    read(w, focus() + w.rng.below(kPmdBlocks));
  }

  // A fresh mapping: new page tables, so PMD and PTE faults meet an empty PMD again.
  void remap(bool move_on = true) {
    std::unique_lock lk(mu_);
    map_ = Mapping();
    map_ = Mapping(hot_.fd(), 0, hot_.max_blocks() * kBlockSize, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE, kPmd);
    copies_.forget();
    if (move_on) ++gen_;
    ++remaps_;
  }

  void sync(Worker& w) {
    if (w.rng.chance(50)) {
      ::fsync(hot_.fd());
    } else {
      std::shared_lock lk(mu_);
      if (!map_.ok()) return;
      ::msync(map_.data() + focus() * kBlockSize, kPmd, MS_SYNC);
    }
  }

  void result() {
    run_.add_result("private_zaps", zaps_.load());
    run_.add_result("private_remaps", remaps_.load());
  }

 private:
  // What a private read saw: this mapping's own private data, or the file (its legal
  // contents during the access, SIGBUS exactly beyond EOF).
  void check_private(Worker& w, uint64_t b, const PrivateCopies::Read& r, const char* data,
                     bool sigbus) {
    ++run_.rep().checks;
    ReadView v = copies_.end_read(hot_.model(), r);
    if (!v.conclusive) {
      ++run_.rep().inconclusive;
      return;
    }
    if (auto verdict = judge_private(hot_.model().ident(), b, data, sigbus, std::move(v),
                                     copies_.mine(b), w.ctx()))
      run_.rep().verdict(*verdict);
  }

  HotFile& hot_;
  Run& run_;
  std::shared_mutex mu_;
  Mapping map_;
  PrivateCopies copies_;  // private stamps stored here, stores in flight
  std::atomic<uint64_t> gen_{0}, zaps_{0}, remaps_{0};
};

constexpr unsigned kPrivateThreads = 3;

void private_thread(PrivateHuge& ph, Worker& w, unsigned role, bool punch) {
  const uint64_t b = ph.focus() + w.rng.below(kPmdBlocks);
  switch (role) {
    case 0:  // reader: PMD faults on the private range
      ph.read(w, b);
      break;
    case 1:  // COW writer: PTE faults on the same range
      ph.cow_write(w, b);
      break;
    default: {  // zapper
      const uint64_t r = w.rng.below(100);
      if (r < 35)
        ph.zap(w);
      else if (r < 75)
        ph.punch_focus(w, punch);
      else if (r < 90)
        ph.sync(w);
      else
        ph.remap();
    }
  }
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
  SharedHuge huge(hot);
  if (!huge.map.ok())
    return run.skip_all("2 MiB-aligned mapping failed: " + errno_name(huge.map.error()));
  PrivateHuge priv(hot, run);
  if (!priv.ok())
    return run.skip_all("2 MiB-aligned private mapping failed: " + errno_name(priv.error()));
  run.start(
      {{"hot_blocks", hot.max_blocks()}, {"punch", punch}, {"private_threads", kPrivateThreads}});
  std::unique_ptr<PmdTrace> trace;
  if (run.dax())
    trace = std::make_unique<PmdTrace>(run);
  else
    run.rep().skip("not DAX: no PMD faults to count");
  const unsigned racers = std::max(o.threads, 2u);
  run.run_threads(racers + kPrivateThreads, [&](unsigned t) {
    Worker w(o.seed, t);
    while (!run.stopping()) {
      ++w.op;
      if (t >= racers)
        private_thread(priv, w, t - racers, punch);
      else if (t == 0)
        mutate(hot, w, run, punch);
      else if (t % 2)
        pmd_toucher(hot, w, huge);
      else
        pte_toucher(hot, w, run);
    }
  });
  priv.result();
  run.add_result("shared_remaps", huge.remaps.load());
  if (trace)
    trace->stop();
  else
    run.add_result("pmd_nopage", 0), run.add_result("pmd_fallback", 0),
        run.add_result("pmd_zero", 0), run.add_result("pmd_counted", false);
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  return workload_main(
      argc, argv,
      Spec{.workload = "pmd-vs-pte", .default_file_size = 4 * 1024 * 1024, .default_threads = 4},
      body);
}
