// dt-map-sync: MAP_SYNC write faults racing punch/truncate, with an ack log
// for power-cut verification (seeds 002/003: fault vs truncate; MAP_SYNC's
// synchronous metadata commit on the write fault adds a journal/log force in
// the middle of the fault path).
//
// Writers store stamps through a MAP_SHARED_VALIDATE|MAP_SYNC mapping and
// flush the cache lines; from then on the data must survive a power cut
// without fsync, so the write is acknowledged in --ack-log. Thread 0 punches
// and truncates (each fsync'ed, then acknowledged). Every access is judged by
// the model as usual. --verify-only reads the ack log after a crash/reboot and
// checks that no acknowledged write was lost or rolled back (lost-write,
// stale-data) and no punched/truncated range came back (nonzero-hole).
// Without DAX (host) MAP_SYNC is refused: acks then follow msync(MS_SYNC).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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

int body(Run& run) {
  const Options& o = run.opt();
  if (o.verify_only) return verify_only(run);
  const std::string log_path = o.ack_log.empty() ? run.file_path("acklog") : o.ack_log;
  HotFile hot(run, "hot", o.file_size);
  AckLog log;
  if (!hot.ok() || !log.open(log_path)) {
    std::fprintf(stderr, "dt-%s: cannot create %s / %s: %s\n", o.workload.c_str(),
                 hot.path().c_str(), log_path.c_str(), std::strerror(errno));
    return kExitUsage;
  }
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
  run.start({{"hot_blocks", hot.max_blocks()}, {"ack_log", log_path}, {"map_sync", sync}});
  if (o.ack_stdout)
    log.set_mirror([&run](const nlohmann::json& rec) {
      run.rep().emit({{"type", "ack-log"}, {"rec", rec}});
    });
  run.run_threads(std::max(o.threads, 2u), [&](unsigned t) {
    Worker w(o.seed, t);
    const int flags = sync ? MAP_SHARED_VALIDATE | MAP_SYNC : MAP_SHARED;
    Mapping map(hot.fd(), 0, hot.max_blocks() * kBlockSize, PROT_READ | PROT_WRITE, flags);
    if (!map.ok()) return;
    const uint64_t nb = hot.max_blocks();
    while (!run.stopping()) {
      ++w.op;
      const uint64_t b = w.rng.below(nb);
      if (t == 0) {
        run.iteration();
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
          hot.map_read(map.data(), b, w.ctx());
        }
        continue;
      }
      if (w.rng.chance(30)) {
        hot.map_read(map.data(), b, w.ctx());
        continue;
      }
      uint64_t op = 0;
      bool stored = false;
      hot.map_write(map.data(), b, w.writer(), w.ctx(), sync, &stored, [&](const StampId& s) {
        op = log.intent(
            {{"file", fid}, {"kind", "write"}, {"block", b}, {"gen", s.gen}, {"writer", s.writer}});
      });
      if (!stored) continue;
      if (!sync && ::msync(map.data() + b * kBlockSize, kBlockSize, MS_SYNC) != 0) continue;
      log.ack(op);
    }
  });
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  return workload_main(argc, argv, Spec{"map-sync", kAckLog | kVerifyOnly}, body);
}
