// dt-poison: memory failure on DAX-mapped file pages while the file is truncated and punched
// (the guest half of the `poison` injector, see injectors/README.md).
//
// Mapper processes (--threads N, forked before anything else runs, each with
// PR_MCE_KILL_EARLY) map the hot file and read its pages in a loop. The parent alternates two
// phases until --duration/--iterations:
//
//  - checked: the mutator is paused, block b is allocated (pwrite), every mapper faults b in
//    and acknowledges, the parent faults it in too and calls madvise(MADV_HWPOISON) on it.
//    Then it waits for each mapper's SIGBUS for b. Per-mapper delivery is counted, not
//    judged: what is expected differs per filesystem and is encoded host-side.
//  - racing: the mutator truncates down/up and punches the same pages while the parent
//    poisons the pmem pfn it just faulted in through hwpoison_inject's corrupt-pfn (the pfn
//    comes from /proc/self/pagemap and must lie in a "Persistent Memory" range of
//    /proc/iomem: madvise could fault a freshly punched hole in and poison the zero page).
//
// Result extras: checked_poisons, delivery {expected, delivered, missing}, per-mapper SIGBUS
// counts by si_code, madvise/corrupt-pfn successes and errors, mutator ops. No verdicts: the
// data is untouched by simulated poison; the harness judges the counts.
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "fs.hpp"
#include "prng.hpp"
#include "run.hpp"
#include "spawn.hpp"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

namespace dt::workload {
namespace {

constexpr uint64_t kPage = 4096;
constexpr unsigned kMaxMappers = 8;
constexpr uint64_t kIdle = ~uint64_t{0};

struct MapperState {
  std::atomic<uint64_t> touched{0};  // last request epoch served
  std::atomic<uint64_t> bus_ao{0}, bus_ar{0}, bus_adrerr{0}, bus_other{0};
  std::atomic<uint64_t> last_bus_block{kIdle};
  std::atomic<uint64_t> reads{0};
  std::atomic<int> alive{0};
};

// Shared between the parent and the forked mappers (MAP_SHARED|MAP_ANONYMOUS).
struct Shared {
  std::atomic<int> stop{0};
  std::atomic<uint64_t> epoch{0};
  std::atomic<uint64_t> target{kIdle};  // block to fault in and hold for a checked poison
  MapperState m[kMaxMappers];
};

void sleep_ms(double ms);

// The forked mappers: told to stop and reaped on every way out of the parent, a throw
// included (left alone they would spin on the shared state forever), and only those really
// forked. A mapper that ignores the stop for 10 s (stuck in the kernel) is killed.
class Mappers {
 public:
  explicit Mappers(Shared* sh) : sh_(sh) {}
  ~Mappers() { stop_and_reap(); }
  Mappers(const Mappers&) = delete;
  Mappers& operator=(const Mappers&) = delete;
  void add(pid_t p) { kids_.push_back({p, false, 0}); }
  std::size_t size() const { return kids_.size(); }
  // Each mapper's wait status, or nullopt when it could not be reaped.
  std::vector<std::optional<int>> stop_and_reap() {
    sh_->stop = 1;
    for (int waited_ms = 0;; waited_ms += 10) {
      bool all = true;
      for (auto& k : kids_) {
        if (!k.reaped && ::waitpid(k.pid, &k.status, WNOHANG) == k.pid) k.reaped = true;
        all = all && k.reaped;
      }
      if (all) break;
      if (waited_ms == 10000)
        for (auto& k : kids_)
          if (!k.reaped) ::kill(k.pid, SIGKILL);
      if (waited_ms > 20000) break;  // unkillable (D state): the kernel's problem, reported
      sleep_ms(10);
    }
    std::vector<std::optional<int>> out;
    for (auto& k : kids_) out.push_back(k.reaped ? std::optional<int>(k.status) : std::nullopt);
    return out;
  }

 private:
  struct Kid {
    pid_t pid;
    bool reaped;
    int status;
  };
  Shared* sh_;
  std::vector<Kid> kids_;
};

// Per-thread SIGBUS guard: an access fault (BUS_MCEERR_AR/ADRERR) jumps back; an action-
// optional one (BUS_MCEERR_AO) or the forced one madvise's caller gets on return is counted.
thread_local sigjmp_buf* t_jmp = nullptr;
thread_local int t_code = 0;
MapperState* g_self = nullptr;  // this process's counters (mappers), or nullptr
char* g_base = nullptr;
std::atomic<uint64_t> g_parent_ao{0}, g_parent_ar{0}, g_parent_other{0};
std::atomic<int> g_parent_other_code{0};

void on_sigbus(int, siginfo_t* si, void*) {
  const int code = si->si_code;
  if (g_self) {
    (code == BUS_MCEERR_AO   ? g_self->bus_ao
     : code == BUS_MCEERR_AR ? g_self->bus_ar
     : code == BUS_ADRERR    ? g_self->bus_adrerr
                             : g_self->bus_other)
        .fetch_add(1);
    const auto a = static_cast<char*>(si->si_addr);
    if (g_base && a >= g_base) g_self->last_bus_block = uint64_t(a - g_base) / kPage;
  } else {
    (code == BUS_MCEERR_AO   ? g_parent_ao
     : code == BUS_MCEERR_AR ? g_parent_ar
                             : g_parent_other)
        .fetch_add(1);
    if (code != BUS_MCEERR_AO && code != BUS_MCEERR_AR) g_parent_other_code = code;
  }
  if (t_jmp && code != BUS_MCEERR_AO) {
    t_code = code;
    siglongjmp(*t_jmp, 1);
  }
}

void install_handler() {
  struct sigaction sa {};
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, nullptr);
}

// One guarded access; false if it raised SIGBUS.
template <class F>
bool guarded(F&& f) {
  sigjmp_buf jb;
  if (sigsetjmp(jb, 1)) {
    t_jmp = nullptr;
    return false;
  }
  t_jmp = &jb;
  f();
  t_jmp = nullptr;
  return true;
}

void sleep_ms(double ms) {
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
}

[[noreturn]] void mapper_main(Shared* sh, unsigned idx, int fd, uint64_t bytes, uint64_t seed) {
  MapperState& me = sh->m[idx];
  g_self = &me;
  prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0);
  Mapping map(fd, 0, bytes, PROT_READ, MAP_SHARED);
  if (!map.ok()) _exit(3);
  g_base = map.data();
  me.alive = 1;
  Prng rng(seed, 100 + idx);
  const uint64_t nb = bytes / kPage;
  volatile uint64_t sink = 0;
  uint64_t served = 0;
  while (!sh->stop.load()) {
    const uint64_t e = sh->epoch.load();
    const uint64_t target = sh->target.load();
    if (target != kIdle) {
      if (e != served) {
        guarded([&] {
          sink = sink + *reinterpret_cast<volatile uint64_t*>(map.data() + target * kPage);
        });
        served = e;
        me.touched = e;
      }
      sleep_ms(0.2);  // hold: touch nothing else while the parent poisons
      continue;
    }
    const uint64_t b = rng.below(nb);
    guarded([&] { sink = sink + *reinterpret_cast<volatile uint64_t*>(map.data() + b * kPage); });
    me.reads.fetch_add(1);
  }
  _exit(0);
}

struct Range {
  uint64_t lo, hi;  // physical addresses, inclusive
};

std::vector<Range> pmem_ranges() {
  std::vector<Range> out;
  std::ifstream in("/proc/iomem");
  for (std::string line; std::getline(in, line);) {
    if (line.find("Persistent Memory") == std::string::npos &&
        line.find("namespace") == std::string::npos)
      continue;
    unsigned long long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), " %llx-%llx", &lo, &hi) == 2 && hi > lo) out.push_back({lo, hi});
  }
  return out;
}

// The pfn backing a mapped address (root only), or 0.
uint64_t pfn_of(const void* addr) {
  Fd pm(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
  if (!pm) return 0;
  uint64_t entry = 0;
  const off_t off = off_t(reinterpret_cast<uintptr_t>(addr) / kPage * sizeof entry);
  if (::pread(pm.get(), &entry, sizeof entry, off) != sizeof entry) return 0;
  if (!(entry >> 63 & 1)) return 0;
  return entry & ((uint64_t{1} << 55) - 1);
}

bool in_ranges(const std::vector<Range>& rs, uint64_t pfn) {
  for (auto& r : rs)
    if (pfn * kPage >= r.lo && pfn * kPage + kPage - 1 <= r.hi) return true;
  return false;
}

int body(Run& run) {
  const Options& o = run.opt();
  run.disable_fill();
  const unsigned mappers = std::min(std::max(o.threads, 1u), kMaxMappers);
  const uint64_t bytes = (o.file_size ? o.file_size : 64 * 1024) / kPage * kPage;
  const uint64_t nb = bytes / kPage;
  const std::string path = run.file_path("hot");
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return run.cannot_create(path);
  std::vector<char> block(kPage);
  auto write_block = [&](uint64_t b) {
    std::memset(block.data(), int(0x40 + b % 64), kPage);
    return ::pwrite(fd.get(), block.data(), kPage, off_t(b * kPage)) == off_t(kPage);
  };
  for (uint64_t b = 0; b < nb; ++b) write_block(b);
  ::fsync(fd.get());
  // STATX_ATTR_DAX alone: ext2 maps DAX pages but refuses MAP_SYNC.
  const DaxProbe dax = probe_dax(fd.get());
  run.set_dax(dax);
  if (!dax.statx_dax) {
    ::unlink(path.c_str());
    return run.skip_all("not a DAX file: memory failure on page-cache pages is not this test");
  }

  // Mappers first: fork before any thread exists.
  void* shm =
      ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shm == MAP_FAILED) throw std::runtime_error("mmap shared state failed");
  Shared* sh = new (shm) Shared();  // placement into the shared mapping, no ownership
  install_handler();
  Mappers kids(sh);
  for (unsigned i = 0; i < mappers; ++i) {
    pid_t p = ::fork();
    if (p == 0) mapper_main(sh, i, fd.get(), bytes, o.seed);
    if (p < 0)
      throw std::runtime_error("fork of mapper " + std::to_string(i) +
                               " failed: " + std::strerror(errno));
    kids.add(p);
  }
  for (int i = 0; i < 2000; ++i) {
    unsigned up = 0;
    for (unsigned k = 0; k < mappers; ++k) up += sh->m[k].alive.load();
    if (up == mappers) break;
    sleep_ms(1);
  }

  const auto pmem = pmem_ranges();
  Fd corrupt(::open("/sys/kernel/debug/hwpoison/corrupt-pfn", O_WRONLY | O_CLOEXEC));
  if (!corrupt)
    run.rep().skip(
        "no /sys/kernel/debug/hwpoison/corrupt-pfn (CONFIG_HWPOISON_INJECT, debugfs): racing phase "
        "uses none");
  if (pmem.empty())
    run.rep().skip("no Persistent Memory range in /proc/iomem: racing phase skipped");
  const bool punch_ok =
      ::fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 0) == 0 ||
      errno != EOPNOTSUPP;
  if (!punch_ok) run.rep().skip("punch unsupported: the mutator only truncates");

  Mapping map(fd.get(), 0, bytes, PROT_READ | PROT_WRITE, MAP_SHARED);
  if (!map.ok()) throw std::runtime_error("mmap of the hot file failed");
  g_base = map.data();
  run.start({{"mappers", mappers}, {"hot_blocks", nb}, {"corrupt_pfn", bool(corrupt)}});

  std::atomic<bool> racing{false}, mutator_idle{true};
  std::atomic<uint64_t> truncates{0}, punches{0}, rewrites{0};
  std::map<std::string, uint64_t> madv_err, corrupt_err;
  uint64_t checked = 0, expected = 0, delivered = 0, madv_ok = 0, corrupt_ok = 0,
           racing_skipped = 0, own_sigbus_on_access = 0;
  std::vector<uint64_t> missing_by_mapper(mappers, 0);

  std::thread mutator = spawn_thread([&] {
    Prng rng(o.seed, 1);
    while (!run.stopping()) {
      if (!racing.load()) {
        mutator_idle = true;
        sleep_ms(0.5);
        continue;
      }
      mutator_idle = false;
      const uint64_t r = rng.below(100);
      const uint64_t b = rng.below(nb);
      if (r < 35) {
        if (::ftruncate(fd.get(), off_t(b * kPage)) == 0) truncates.fetch_add(1);
        ::ftruncate(fd.get(), off_t(bytes));
      } else if (r < 70 && punch_ok) {
        if (::fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(b * kPage),
                        off_t(kPage)) == 0)
          punches.fetch_add(1);
      } else {
        if (write_block(b)) rewrites.fetch_add(1);
      }
    }
    mutator_idle = true;
  });

  Prng rng(o.seed, 0);
  while (!run.stopping()) {
    run.iteration();
    // Checked poison: quiet file, every mapper holds block b.
    racing = false;
    for (int i = 0; i < 2000 && !mutator_idle.load(); ++i) sleep_ms(0.5);
    const uint64_t b = rng.below(nb);
    ::ftruncate(fd.get(), off_t(bytes));
    write_block(b);
    std::vector<uint64_t> before(mappers);
    for (unsigned k = 0; k < mappers; ++k)
      before[k] = sh->m[k].bus_ao.load() + sh->m[k].bus_ar.load();
    sh->target = b;
    const uint64_t e = sh->epoch.fetch_add(1) + 1;
    for (int i = 0; i < 4000; ++i) {
      unsigned ok = 0;
      for (unsigned k = 0; k < mappers; ++k) ok += sh->m[k].touched.load() == e;
      if (ok == mappers) break;
      sleep_ms(0.5);
    }
    char* p = map.data() + b * kPage;
    if (!guarded([&] { *reinterpret_cast<volatile uint8_t*>(p) = uint8_t(0x40 + b % 64); }))
      ++own_sigbus_on_access;
    if (::madvise(p, kPage, MADV_HWPOISON) == 0) {
      ++madv_ok;
      ++checked;
      // Signals are queued before madvise returns; give the mappers a moment to run.
      for (int i = 0; i < 400; ++i) {
        unsigned got = 0;
        for (unsigned k = 0; k < mappers; ++k)
          got += sh->m[k].bus_ao.load() + sh->m[k].bus_ar.load() > before[k];
        if (got == mappers) break;
        sleep_ms(1);
      }
      for (unsigned k = 0; k < mappers; ++k) {
        ++expected;
        if (sh->m[k].bus_ao.load() + sh->m[k].bus_ar.load() > before[k])
          ++delivered;
        else
          ++missing_by_mapper[k];
      }
    } else {
      ++madv_err[std::strerror(errno)];
    }
    sh->target = kIdle;
    sh->epoch.fetch_add(1);

    // Racing poisons: the pfn we just faulted in, while the mutator runs.
    racing = true;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    while (std::chrono::steady_clock::now() < until && !run.stopping()) {
      const uint64_t rb = rng.below(nb);
      char* rp = map.data() + rb * kPage;
      if (!corrupt || pmem.empty()) {
        sleep_ms(5);
        continue;
      }
      if (!guarded([&] { *reinterpret_cast<volatile uint8_t*>(rp) = uint8_t(0x40 + rb % 64); })) {
        ++own_sigbus_on_access;
        continue;
      }
      const uint64_t pfn = pfn_of(rp);
      if (!pfn || !in_ranges(pmem, pfn)) {
        ++racing_skipped;
        continue;
      }
      const std::string v = std::to_string(pfn);
      if (::write(corrupt.get(), v.data(), v.size()) == ssize_t(v.size()))  // debugfs: no pwrite
        ++corrupt_ok;
      else
        ++corrupt_err[std::strerror(errno)];
      sleep_ms(20);
    }
  }
  racing = false;
  run.request_stop();
  mutator.join();
  const auto statuses = kids.stop_and_reap();
  nlohmann::json per_mapper = nlohmann::json::array();
  for (std::size_t k = 0; k < kids.size(); ++k) {
    const bool w = statuses[k].has_value();
    const int status = statuses[k].value_or(0);
    const MapperState& m = sh->m[k];
    per_mapper.push_back({{"ao", m.bus_ao.load()},
                          {"ar", m.bus_ar.load()},
                          {"adrerr", m.bus_adrerr.load()},
                          {"other", m.bus_other.load()},
                          {"reads", m.reads.load()},
                          {"missing", missing_by_mapper[k]},
                          {"exit", w && WIFEXITED(status) ? WEXITSTATUS(status) : -1},
                          {"signal", w && WIFSIGNALED(status) ? WTERMSIG(status) : 0}});
  }
  run.add_result("checked_poisons", checked);
  run.add_result(
      "delivery",
      {{"expected", expected}, {"delivered", delivered}, {"missing", expected - delivered}});
  run.add_result("mappers", per_mapper);
  run.add_result("madvise", {{"ok", madv_ok}, {"errors", madv_err}});
  run.add_result("corrupt_pfn",
                 {{"ok", corrupt_ok}, {"errors", corrupt_err}, {"not_pmem", racing_skipped}});
  run.add_result("poisoner_sigbus", {{"ao", g_parent_ao.load()},
                                     {"ar", g_parent_ar.load()},
                                     {"other", g_parent_other.load()},
                                     {"other_si_code", g_parent_other_code.load()},
                                     {"on_access", own_sigbus_on_access}});
  run.add_result("mutator", {{"truncates", truncates.load()},
                             {"punches", punches.load()},
                             {"rewrites", rewrites.load()}});
  sh->~Shared();
  ::munmap(shm, sizeof(Shared));
  if (!o.keep_files) ::unlink(path.c_str());
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  auto opt = parse_cli(argc, argv, Spec{"poison", 0});
  if (!opt) return kExitUsage;
  try {
    Run run(*opt);
    return body(run);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dt-poison: %s\n", e.what());
    return kExitFail;
  }
}
