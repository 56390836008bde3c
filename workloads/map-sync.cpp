// dt-map-sync: MAP_SYNC write faults racing punch/truncate, with an ack log
// for power-cut verification (seeds 002/003: fault vs truncate; MAP_SYNC's
// synchronous metadata commit on the write fault adds a journal/log force in
// the middle of the fault path).
//
// Writers store stamps through a MAP_SHARED_VALIDATE|MAP_SYNC mapping and
// flush the cache lines; from then on the data must survive a power cut
// without fsync, so the write is acknowledged in --ack-log. Every access is
// judged by the model as usual. The run alternates two phases:
//  busy:  thread 0 punches and truncates (each fsync'ed, then acknowledged),
//         writers store anywhere; every ack-log record is fdatasync'ed;
//  quiet: thread 0 punches a few blocks (fsync'ed, acknowledged), waits until
//         no busy operation is in flight and then does nothing; each writer
//         stores into one of those holes, so every store is an allocating
//         MAP_SYNC write fault, and acknowledges it host-only (the record goes
//         to the harness over --ack-stdout, never to the log file): nothing
//         but the fault's own synchronous commit makes the new block durable.
//         A fault that skips it (no VM_FAULT_NEEDDSYNC) leaves the allocation
//         in the running transaction, and a power cut now loses the store.
// --verify-only reads the ack log(s) after a crash/reboot and checks that no
// acknowledged write was lost or rolled back (lost-write, stale-data) and no
// punched/truncated range came back (nonzero-hole).
// Without DAX (host) MAP_SYNC is refused: acks then follow msync(MS_SYNC).
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
#include <thread>

#include "acklog.hpp"
#include "workload.hpp"

namespace dt::workload {
namespace {

int verify_only(Run& run) {
  const Options& o = run.opt();
  run.disable_fill();
  run.start({{"verify_only", true}, {"ack_log", o.ack_log}});
  const int n = verify_ack_log(o.ack_log, run.rep());
  if (n < 0) return run.skip_all("ack log " + o.ack_log + " missing or without header");
  run.add_result("files_verified", n);
  return run.finish();
}

enum Phase : int { kBusy = 0, kPending = 1, kQuiet = 2 };

struct Phases {
  std::atomic<int> phase{kBusy};
  std::atomic<unsigned> busy_ops{0};  // writers' busy-phase ops in flight
  std::atomic<size_t> next_hole{0};   // quiet phase: next hole to claim
  std::mutex mu;
  std::vector<uint64_t> holes;  // quiet phase: blocks punched for the writers
  std::atomic<uint64_t> quiet_phases{0}, quiet_acks{0};
  std::atomic<int64_t> last_quiet_ack_ns{0};  // steady clock
  // Under a power cut the harness needs time to see an ack and cut: stores further apart
  // and a longer quiet tail (still well inside ext4's 5 s journal commit interval).
  uint64_t pace_lo = 50, pace_hi = 250;  // ms between a writer's quiet stores
  int64_t tail_ns = 1'500'000'000;       // quiet after the last ack
};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Thread 0, busy phase: punches and truncates, each fsync'ed and acknowledged.
void busy_phase(HotFile& hot, AckLog& log, uint32_t fid, bool punch, char* map, Worker& w,
                Run& run) {
  const uint64_t nb = hot.max_blocks();
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(w.rng.range(300, 800));
  while (!run.stopping() && std::chrono::steady_clock::now() < until) {
    ++w.op;
    run.iteration();
    const uint64_t b = w.rng.below(nb);
    const uint64_t r = w.rng.below(100);
    if (r < 40 && punch) {
      const uint64_t n = std::min<uint64_t>(w.rng.range(1, 2), nb - b);
      const uint64_t op =
          log.intent({{"file", fid}, {"kind", "punch"}, {"first", b}, {"count", n}});
      if (hot.punch(b, n) == 0 && ::fsync(hot.fd()) == 0) log.ack(op);
    } else if (r < 80) {
      const uint64_t size = (w.rng.chance(50) ? nb : w.rng.below(nb + 1)) * kBlockSize;
      const uint64_t op = log.intent({{"file", fid}, {"kind", "truncate"}, {"size", size}});
      if (hot.truncate(size) == 0 && ::fsync(hot.fd()) == 0) log.ack(op);
    } else {
      hot.map_read(map, b, w.ctx());
    }
  }
}

// Thread 0, quiet phase: full size, a few fresh holes (durable and acknowledged), then
// nothing while the writers fill the holes with host-only acknowledged MAP_SYNC stores.
void quiet_phase(HotFile& hot, AckLog& log, uint32_t fid, bool punch, Worker& w, Run& run,
                 Phases& ph) {
  const uint64_t nb = hot.max_blocks();
  ++w.op;
  ph.phase = kPending;
  // No busy-phase store (nor its fdatasync of the ack log) may still be in flight, before the
  // holes are punched: a late busy store into a fresh hole would fill it, and a quiet store
  // there would then be a non-allocating MAP_SYNC fault whose synchronous commit makes every
  // quiet allocation before it durable.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (ph.busy_ops.load() > 0 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  auto durable = [&](nlohmann::json rec, auto&& op) {
    const uint64_t id = log.intent(std::move(rec));
    if (op() != 0 || ::fsync(hot.fd()) != 0) return false;
    log.ack(id);
    return true;
  };
  if (hot.model().size() != nb * kBlockSize &&
      !durable({{"file", fid}, {"kind", "truncate"}, {"size", nb * kBlockSize}},
               [&] { return hot.truncate(nb * kBlockSize); }))
    return;
  const uint64_t n = std::min<uint64_t>(nb, w.rng.range(3, 8));
  std::vector<uint64_t> holes;
  if (punch) {
    while (holes.size() < n) {
      const uint64_t b = w.rng.below(nb);
      if (std::find(holes.begin(), holes.end(), b) != holes.end()) continue;
      if (!durable({{"file", fid}, {"kind", "punch"}, {"first", b}, {"count", 1}},
                   [&] { return hot.punch(b, 1); }))
        return;
      holes.push_back(b);
    }
  } else {
    // No punch (ext2): the last n blocks become holes by truncating down and up again.
    if (!durable({{"file", fid}, {"kind", "truncate"}, {"size", (nb - n) * kBlockSize}},
                 [&] { return hot.truncate((nb - n) * kBlockSize); }) ||
        !durable({{"file", fid}, {"kind", "truncate"}, {"size", nb * kBlockSize}},
                 [&] { return hot.truncate(nb * kBlockSize); }))
      return;
    for (uint64_t b = nb - n; b < nb; ++b) holes.push_back(b);
  }
  {
    std::lock_guard lk(ph.mu);
    ph.holes = holes;
  }
  ph.next_hole = 0;
  ph.phase = kQuiet;
  ++ph.quiet_phases;
  // At least 2..3 s, and a tail past the last acknowledged store once every hole is used:
  // a power cut that follows an ack (the harness needs a moment to see it) still finds the
  // phase quiet. At most 8 s.
  const int64_t t0 = now_ns(), min_ns = int64_t(w.rng.range(2000, 3000)) * 1000000;
  ph.last_quiet_ack_ns = t0;
  while (!run.stopping()) {
    const int64_t t = now_ns();
    if (t - t0 > 8'000'000'000) break;
    if (t - t0 >= min_ns && ph.next_hole.load() >= holes.size() &&
        t - ph.last_quiet_ack_ns.load() >= ph.tail_ns)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int body(Run& run) {
  const Options& o = run.opt();
  if (o.verify_only) return verify_only(run);
  const std::string log_path = o.ack_log.empty() ? run.file_path("acklog") : o.ack_log;
  HotFile hot(run, "hot", o.file_size);
  AckLog log;
  if (!hot.ok() || !log.open(log_path)) return run.cannot_create(hot.path() + " / " + log_path);
  ::fsync(hot.fd());
  // The files' names must survive a power cut too: fsync their directories (ext2 does not
  // persist a new directory entry with the file's own fsync; xfs and ext4 journal it).
  auto dir_of = [](const std::string& f) {
    const auto slash = f.rfind('/');
    return slash == std::string::npos ? std::string(".") : slash == 0 ? "/" : f.substr(0, slash);
  };
  for (const std::string& d : {dir_of(hot.path()), dir_of(log_path), dir_of(hot.path()) + "/.."}) {
    Fd dir(::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) ::fsync(dir.get());
  }
  run.set_dax(probe_dax(hot.fd()));
  run.set_hot_bytes(o.file_size);
  // Under a power cut (--ack-stdout) no fill: on a nearly full filesystem its allocations hit
  // busy extents and force the log (xfs_extent_busy_flush), which commits the quiet phase's
  // allocations whatever their faults did.
  if (o.ack_stdout) {
    run.disable_fill();
    run.rep().skip("--ack-stdout (power cut): no fill files, they would force the log");
  }
  run.track(hot.model(), hot.fd(), true, /*keep=*/true);  // for a later --verify-only
  const uint32_t fid = hot.model().id();
  log.record({{"rec", "header"}, {"run", run.nonce()}, {"seed", o.seed}, {"workload", "map-sync"}});
  log.record({{"rec", "file"}, {"file", fid}, {"path", hot.path()}, {"blocks", hot.max_blocks()}});
  {
    nlohmann::json gens = nlohmann::json::array(), writers = nlohmann::json::array();
    for (uint64_t b = 0; b < hot.max_blocks(); ++b) {
      const Content c = hot.model().legal(b).contents.front();
      gens.push_back(c.zero ? 0 : c.id.gen);
      writers.push_back(c.zero ? 0 : c.id.writer);
    }
    log.record({{"rec", "state"},
                {"file", fid},
                {"size", hot.model().size()},
                {"gens", gens},
                {"writers", writers}});
  }
  const bool sync = run.dax();
  if (!sync) run.rep().skip("MAP_SYNC unsupported (not DAX): acks follow msync(MS_SYNC)");
  const bool punch = !probe_layout_ops(run, {"punch"}).empty();
  run.start({{"hot_blocks", hot.max_blocks()},
             {"ack_log", log_path},
             {"map_sync", sync},
             {"quiet_phases", true}});
  if (o.ack_stdout)
    log.set_mirror([&run](const nlohmann::json& rec) {
      run.rep().emit({{"type", "ack-log"}, {"rec", rec}});
    });
  Phases ph;
  if (o.ack_stdout) ph.pace_lo = 300, ph.pace_hi = 700, ph.tail_ns = 3'000'000'000;
  run.run_threads(std::max(o.threads, 2u), [&](unsigned t) {
    Worker w(o.seed, t);
    const int flags = sync ? MAP_SHARED_VALIDATE | MAP_SYNC : MAP_SHARED;
    Mapping map(hot.fd(), 0, hot.max_blocks() * kBlockSize, PROT_READ | PROT_WRITE, flags);
    if (!map.ok()) return;
    const uint64_t nb = hot.max_blocks();
    if (t == 0) {
      while (!run.stopping()) {
        busy_phase(hot, log, fid, punch, map.data(), w, run);
        if (!run.stopping()) quiet_phase(hot, log, fid, punch, w, run, ph);
        ph.phase = kBusy;
      }
      return;
    }
    // A writer's store: the intent before it, the ack once it is durable (host-only in
    // the quiet phase).
    auto store = [&](uint64_t b, bool durable) {
      uint64_t op = 0;
      bool stored = false;
      hot.map_write(map.data(), b, w.writer(), w.ctx(), sync, &stored, [&](const StampId& s) {
        op = log.intent(
            {{"file", fid}, {"kind", "write"}, {"block", b}, {"gen", s.gen}, {"writer", s.writer}},
            durable);
      });
      if (!stored) return false;
      if (!sync && ::msync(map.data() + b * kBlockSize, kBlockSize, MS_SYNC) != 0) return false;
      log.ack(op, durable);
      return true;
    };
    while (!run.stopping()) {
      ++w.op;
      if (ph.phase.load() == kQuiet) {
        const size_t i = ph.next_hole++;
        uint64_t b = nb;
        {
          std::lock_guard lk(ph.mu);
          if (i < ph.holes.size()) b = ph.holes[i];
        }
        if (b < nb && store(b, false)) {
          ++ph.quiet_acks;
          ph.last_quiet_ack_ns = now_ns();
        }
        // Spread the stores over the phase (50..250 ms apart): acks keep coming.
        const auto pause =
            std::chrono::steady_clock::now() +
            std::chrono::milliseconds(b < nb ? w.rng.range(ph.pace_lo, ph.pace_hi) : 1);
        while (!run.stopping() && std::chrono::steady_clock::now() < pause)
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      // A busy op announces itself before it looks at the phase again, so thread 0 can
      // wait until none is in flight before the quiet phase begins.
      ++ph.busy_ops;
      if (ph.phase.load() != kBusy) {
        --ph.busy_ops;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      const uint64_t b = w.rng.below(nb);
      if (w.rng.chance(30))
        hot.map_read(map.data(), b, w.ctx());
      else
        store(b, true);
      --ph.busy_ops;
    }
  });
  run.add_result("quiet_phases", ph.quiet_phases.load());
  run.add_result("quiet_acks", ph.quiet_acks.load());
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  return workload_main(argc, argv, Spec{"map-sync", kAckLog | kVerifyOnly}, body);
}
