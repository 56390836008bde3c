// dt-partial-block: sizes and ranges that do not end on a block boundary, with faulting readers
// (seeds 000/002/003: truncate vs fault and the i_size rechecks; the partial-block zeroing that
// every DAX filesystem does through dax_truncate_page / dax_zero_range / iomap_zero_range when
// a truncate, a hole punch, a zero range or a write past EOF ends inside a block).
//
// Thread 0 owns the file: it writes random byte ranges (pwrite, which may extend the file, and
// stores through its own mapping, always inside EOF), truncates to sizes that are rarely block
// multiples, and punches or zeroes unaligned ranges (where the filesystem has them). It keeps a
// byte-exact model of the file and after every operation checks the blocks around the
// operation's edges through pread and through its mapping. Nothing ever stores beyond EOF, so
// the tail of the EOF page beyond EOF must read as zeros (POSIX zero-fill of the partial last
// page), and so must every byte a truncate cut off once the file grows again.
// The other threads fault random pages through long-lived read-only shared mappings and judge
// a page against the model only when thread 0 did nothing meanwhile (a sequence counter, odd
// while it works): a page beyond the EOF page must SIGBUS, one below EOF must not.
// DT_SABOTAGE_TAIL=1 (tests only, a positive control for the oracle on any host): after every
// truncate into a block, thread 0 stores one byte beyond the new EOF, as a missed tail zeroing
// would leave it; the check that follows must report nonzero-hole.
// Verdicts: nonzero-hole (a byte that must be zero is not: a partial zeroing missed it),
// lost-write (written bytes read as zeros: a zeroing went too far), stale-data (other wrong
// bytes), stale-mapping (the mapping shows other bytes than read() returns at the same moment:
// a PTE left on the zero page or an old block), size-mismatch, missing-sigbus /
// unexpected-sigbus. Each carries the damaged byte runs
// and thread 0's last operations.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "byte_runs.hpp"
#include "hotfile.hpp"
#include "workload.hpp"

namespace dt::workload {
namespace {

const std::vector<std::string> kAllOps = {"write", "mapwrite", "truncate", "punch", "zero"};

struct OpRecord {
  const char* op = "";
  uint64_t off = 0, len = 0, size_after = 0;
  int err = 0;
};

// The byte-exact model and what readers may see of it. Thread 0 changes `bytes` and `eof` only
// while `seq` is odd; readers copy the words they need and trust them only if `seq` was the same
// even value before and after (a seqlock). Bytes at and beyond `eof` are always zero.
class ByteModel {
 public:
  explicit ByteModel(uint64_t max) : words_((max + 7) / 8) {}
  uint64_t max() const { return words_.size() * 8; }

  void begin() { seq_.fetch_add(1, std::memory_order_acq_rel); }  // odd: changing
  void end() { seq_.fetch_add(1, std::memory_order_acq_rel); }    // even: stable
  uint64_t seq() const { return seq_.load(std::memory_order_acquire); }
  uint64_t eof() const { return eof_.load(std::memory_order_relaxed); }
  void set_eof(uint64_t e) { eof_.store(e, std::memory_order_relaxed); }
  // After an operation failed midway the bytes beyond EOF are unknown: a truncate that failed
  // after setting i_size (ext4: no journal handle for ext4_truncate) neither zeroed the EOF
  // block's tail nor freed the blocks beyond, and a later growth exposes them. Not judged until
  // a truncate that shrinks (or keeps) the size succeeds, which zeroes and frees past EOF.
  bool unsure() const { return unsure_.load(std::memory_order_relaxed); }
  void set_unsure(bool u) { unsure_.store(u, std::memory_order_relaxed); }

  uint8_t byte(uint64_t off) const {
    const uint64_t w = __atomic_load_n(&words_[off / 8], __ATOMIC_RELAXED);
    return static_cast<uint8_t>(w >> (8 * (off % 8)));
  }
  void copy_out(uint64_t off, uint64_t len, uint8_t* dst) const {
    for (uint64_t i = 0; i < len; ++i) dst[i] = byte(off + i);
  }
  void set(uint64_t off, const uint8_t* src, uint64_t len) {
    for (uint64_t i = 0; i < len; ++i) set_byte(off + i, src ? src[i] : 0);
  }

 private:
  void set_byte(uint64_t off, uint8_t v) {
    uint64_t& w = words_[off / 8];
    const unsigned sh = 8 * (off % 8);
    const uint64_t nw =
        (__atomic_load_n(&w, __ATOMIC_RELAXED) & ~(uint64_t{0xff} << sh)) | (uint64_t{v} << sh);
    __atomic_store_n(&w, nw, __ATOMIC_RELAXED);
  }
  std::vector<uint64_t> words_;
  std::atomic<uint64_t> seq_{0};
  std::atomic<uint64_t> eof_{0};
  std::atomic<bool> unsure_{false};
};

// Runs of bytes where `got` differs from `want`, the first few, as a verdict lists them.
nlohmann::json diff_runs(const uint8_t* got, const uint8_t* want, size_t n, uint64_t base,
                         size_t* bytes, bool* want_zero, bool* got_zero) {
  nlohmann::json runs = nlohmann::json::array();
  *want_zero = *got_zero = true;
  *bytes = for_each_byte_run(got, want, n, [&](const ByteRun& r) {
    *want_zero = *want_zero && r.want_zero;
    *got_zero = *got_zero && r.got_zero;
    if (runs.size() < 4)
      runs.push_back({{"offset", base + r.offset},
                      {"len", r.len},
                      {"expected", r.want_zero ? "zeros" : "data"},
                      {"found", r.got_zero ? "zeros" : "data"}});
  });
  return runs;
}

// Data bytes for a write: never zero, so a zeroing that reaches them shows.
std::vector<uint8_t> random_bytes(Worker& w, uint64_t n) {
  std::vector<uint8_t> data(n);
  for (auto& b : data) b = static_cast<uint8_t>(w.rng.range(1, 255));
  return data;
}

class PartialBlock {
 public:
  PartialBlock(Run& run, int fd, uint64_t max, std::vector<std::string> ops)
      : run_(run), fd_(fd), model_(max), ops_(std::move(ops)), path_(run.file_path("pb")) {}

  // Thread 0: one operation, then the check of its neighbourhood.
  void mutate(Worker& w, char* map) {
    const uint64_t max = model_.max(), eof = model_.eof();
    const std::string& op = ops_[w.rng.below(ops_.size())];
    OpRecord r{op.c_str()};
    model_.begin();
    if (op == "write") {
      r.off = w.rng.below(max);
      r.len = std::min<uint64_t>(w.rng.range(1, 2 * kBlockSize), max - r.off);
      const std::vector<uint8_t> data = random_bytes(w, r.len);
      r.err = pwrite_full(fd_, data.data(), r.len, r.off);
      if (!r.err) {
        model_.set(r.off, data.data(), r.len);
        model_.set_eof(std::max(eof, r.off + r.len));
      }
    } else if (op == "mapwrite") {
      if (eof == 0) {
        model_.end();
        return;
      }
      r.off = w.rng.below(eof);
      r.len = std::min<uint64_t>(w.rng.range(1, 2 * kBlockSize), eof - r.off);
      const std::vector<uint8_t> data = random_bytes(w, r.len);
      const Access a = guarded_copy(map + r.off, data.data(), r.len);
      if (a.sigbus) {
        r.err = EFAULT;  // a store inside EOF must not fault; judged below as unexpected
        unexpected_sigbus(r.off, w.ctx(), "thread 0's store inside EOF");
      } else {
        model_.set(r.off, data.data(), r.len);
      }
    } else if (op == "truncate") {
      // Mostly inside a block; now and then exactly on a boundary.
      const uint64_t blocks = max / kBlockSize;
      r.off = w.rng.below(4) == 0 ? w.rng.below(blocks + 1) * kBlockSize : w.rng.below(max + 1);
      r.err = do_ftruncate(fd_, r.off);
      if (!r.err && sabotage_ && r.off % kBlockSize != 0) map[r.off] = 0x5a;
      if (!r.err) {
        if (r.off < eof) model_.set(r.off, nullptr, eof - r.off);
        model_.set_eof(r.off);
        if (r.off <= eof) model_.set_unsure(false);
      }
    } else {  // punch, zero: KEEP_SIZE, unaligned both ends
      r.off = w.rng.below(max);
      r.len = std::min<uint64_t>(w.rng.range(1, 3 * kBlockSize), max - r.off);
      r.err = do_fallocate(fd_, fallocate_mode(op), r.off, r.len);
      if (!r.err) model_.set(r.off, nullptr, std::min(r.off + r.len, std::max(eof, r.off)) - r.off);
    }
    r.size_after = model_.eof();
    remember(r);
    if (r.err) {
      // The kernel may have done part of it (an injected ENOMEM midway): adopt the file as it
      // is; nothing about this operation is judged.
      resync();
      model_.set_unsure(true);
      ++run_.rep().inconclusive;
      model_.end();
      run_.iteration();
      return;
    }
    if (model_.unsure() && model_.eof() > eof) adopt(eof, model_.eof());  // exposed: unknown
    model_.end();
    run_.iteration();
    // The blocks the operation touched and their neighbours, where a partial zeroing goes wrong.
    const uint64_t lo = r.off >= kBlockSize ? (r.off / kBlockSize - 1) * kBlockSize : 0;
    const uint64_t hi = std::min(max, (r.off + r.len) / kBlockSize * kBlockSize + 2 * kBlockSize);
    check_range(lo, hi, map, w.ctx());
    // A size change also has an edge at the old EOF: growing past it must expose zeros in the
    // old EOF block's tail (what the last shrink zeroed, or the zeroing on extension did).
    if (model_.eof() != eof && (eof + kBlockSize < lo || eof >= hi)) {
      const uint64_t old_lo = eof >= kBlockSize ? (eof / kBlockSize - 1) * kBlockSize : 0;
      check_range(old_lo, std::min(max, eof / kBlockSize * kBlockSize + 2 * kBlockSize), map,
                  w.ctx());
    }
  }

  // Readers: a random page through their own mapping, judged if nothing changed meanwhile.
  void read_page(Worker& w, const char* map) {
    const uint64_t pages = model_.max() / kBlockSize;
    const uint64_t p = w.rng.below(pages);
    alignas(64) uint8_t got[kBlockSize];
    const uint64_t s1 = model_.seq();
    const Access a = guarded_copy(got, map + p * kBlockSize, kBlockSize);
    std::array<uint8_t, kBlockSize> want;
    model_.copy_out(p * kBlockSize, kBlockSize, want.data());
    const uint64_t eof = model_.eof();
    const bool unsure = model_.unsure();
    if (model_.seq() != s1 || (s1 & 1)) return;  // thread 0 changed something: not judged
    ++run_.rep().checks;
    const bool inside = p * kBlockSize < eof;
    if (a.sigbus && inside) return unexpected_sigbus(p * kBlockSize, w.ctx(), "a load");
    if (!a.sigbus && !inside && !unsure && !blind_) {
      Verdict v;
      v.check = "missing-sigbus";
      v.file = path_;
      v.offset = p * kBlockSize;
      v.ctx = w.ctx();
      v.expected = {{"eof", eof}, {"kind", "sigbus"}};
      v.found = {{"kind", "data"}};
      v.message = "a load of page " + std::to_string(p) + " of " + path_ + " beyond EOF (" +
                  std::to_string(eof) + " bytes) did not SIGBUS";
      return report(std::move(v));
    }
    if (a.sigbus || !inside || std::memcmp(got, want.data(), kBlockSize) == 0) return;
    // Wrong bytes through the mapping: does read() see the model's bytes (a stale mapping) or
    // the same wrong ones (the data itself)? Judged only if nothing changed meanwhile either.
    const uint64_t in_eof = std::min<uint64_t>(eof - p * kBlockSize, kBlockSize);
    std::array<uint8_t, kBlockSize> via_read;
    const ReadResult rr = pread_full(fd_, via_read.data(), in_eof, p * kBlockSize);
    if (model_.seq() != s1) return;
    const bool read_agrees = rr.error == 0 && rr.bytes == in_eof &&
                             std::memcmp(via_read.data(), want.data(), in_eof) == 0;
    judge(p * kBlockSize, got, want.data(), kBlockSize, eof, unsure, read_agrees, w.ctx(),
          "mapping");
  }

  // After the race: the whole file, both ways.
  void final_check(char* map) { check_range(0, model_.max(), map, OpCtx{-1, 0}); }

 private:
  void check_range(uint64_t lo, uint64_t hi, char* map, const OpCtx& ctx) {
    if (blind_) return;
    const uint64_t eof = model_.eof();
    struct stat st {};
    ++run_.rep().checks;
    if (::fstat(fd_, &st) == 0 && uint64_t(st.st_size) != eof) {
      Verdict v;
      v.check = "size-mismatch";
      v.file = path_;
      v.ctx = ctx;
      v.expected = {{"size", eof}};
      v.found = {{"size", st.st_size}};
      v.message = path_ + " is " + std::to_string(st.st_size) + " bytes, the model says " +
                  std::to_string(eof);
      report(std::move(v));
      return;
    }
    std::vector<uint8_t> want(hi - lo), got(hi - lo);
    model_.copy_out(lo, hi - lo, want.data());
    // pread: exactly the bytes below EOF.
    bool read_agrees = false;
    if (lo < eof) {
      const uint64_t n = std::min(hi, eof) - lo;
      const ReadResult rr = pread_full(fd_, got.data(), n, lo);
      ++run_.rep().checks;
      if (rr.error == 0 && rr.bytes == n) {
        read_agrees = std::memcmp(got.data(), want.data(), n) == 0;
        judge(lo, got.data(), want.data(), n, eof, false, false, ctx, "pread");
      }
    }
    // The mapping: every page below EOF whole, so the EOF page's tail beyond EOF too.
    const uint64_t map_hi = std::min(hi, (eof + kBlockSize - 1) / kBlockSize * kBlockSize);
    if (lo < map_hi) {
      const Access a = guarded_copy(got.data(), map + lo, map_hi - lo);
      ++run_.rep().checks;
      if (a.sigbus) return unexpected_sigbus(lo + a.done, ctx, "thread 0's check below EOF");
      judge(lo, got.data(), want.data(), map_hi - lo, eof, model_.unsure(), read_agrees, ctx,
            "mapping");
    }
  }

  // `unsure`: bytes at and beyond EOF are not judged (see ByteModel::unsure). `read_agrees`:
  // read() returned the model's bytes below EOF at the same moment, so a mapping that shows
  // other bytes there maps something else (a stale zero page or an old block): stale-mapping.
  void judge(uint64_t off, const uint8_t* got, const uint8_t* want, size_t n, uint64_t eof,
             bool unsure, bool read_agrees, const OpCtx& ctx, const char* via) {
    if (blind_) {
      ++run_.rep().inconclusive;
      return;
    }
    if (unsure && off + n > eof) n = eof > off ? eof - off : 0;
    if (std::memcmp(got, want, n) == 0) return;
    size_t bytes = 0;
    bool want_zero = false, got_zero = false;
    Verdict v;
    v.found = {{"via", via},
               {"damage", diff_runs(got, want, n, off, &bytes, &want_zero, &got_zero)}};
    v.found["damaged_bytes"] = bytes;
    const uint64_t first = v.found["damage"][0]["offset"];
    const bool stale_mapping = read_agrees && first < eof;
    v.check = stale_mapping ? "stale-mapping"
              : want_zero   ? "nonzero-hole"
              : got_zero    ? "lost-write"
                            : "stale-data";
    if (stale_mapping) v.found["read"] = "the model's bytes";
    v.file = path_;
    v.offset = first / kBlockSize * kBlockSize;
    v.ctx = ctx;
    v.expected = {{"eof", eof}};
    v.message =
        std::string(via) + " of " + path_ + ": " + std::to_string(bytes) +
        " bytes wrong from byte " + std::to_string(first) + " (EOF " + std::to_string(eof) + "): " +
        (stale_mapping ? std::string("the mapping shows ") + (got_zero ? "zeros" : "other bytes") +
                             " where read() returns the file's data (a stale mapping)"
         : want_zero ? "must read as zeros (truncated, punched, zeroed or beyond EOF)"
         : got_zero  ? "written data reads as zeros"
                     : "holds other data");
    report(std::move(v));
  }

  void unexpected_sigbus(uint64_t off, const OpCtx& ctx, const std::string& what) {
    if (blind_) return;
    Verdict v;
    v.check = "unexpected-sigbus";
    v.file = path_;
    v.offset = off / kBlockSize * kBlockSize;
    v.ctx = ctx;
    v.expected = {{"eof", model_.eof()}};
    v.found = {{"kind", "sigbus"}};
    v.message = "SIGBUS on " + what + " at byte " + std::to_string(off) + " of " + path_ +
                ", inside EOF (" + std::to_string(model_.eof()) + " bytes)";
    report(std::move(v));
  }

  void report(Verdict v) {
    std::lock_guard lk(mu_);
    for (const OpRecord& r : recent_) {
      if (!r.op[0]) continue;
      nlohmann::json j = {{"op", r.op}, {"offset", r.off}, {"size_after", r.size_after}};
      if (r.len) j["len"] = r.len;
      if (r.err) j["error"] = errno_name(r.err);
      v.recent_ops.push_back(j);
    }
    run_.rep().verdict(v);
  }

  void remember(const OpRecord& r) {
    std::lock_guard lk(mu_);
    std::rotate(recent_.begin(), recent_.begin() + 1, recent_.end());
    recent_.back() = r;
  }

  // Adopts [from, to) of the file as the model (thread 0, seq odd).
  void adopt(uint64_t from, uint64_t to) {
    std::vector<uint8_t> buf(to - from, 0);
    if (!read_whole(from, buf.data(), buf.size())) return lose_model();
    model_.set(from, buf.data(), buf.size());
  }

  // Adopts the file's size and bytes as the model (thread 0, seq odd).
  void resync() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return lose_model();
    const uint64_t size = std::min<uint64_t>(st.st_size, model_.max());
    std::vector<uint8_t> buf(model_.max(), 0);
    if (!read_whole(0, buf.data(), size)) return lose_model();
    model_.set(0, buf.data(), buf.size());
    model_.set_eof(size);
  }

  // Reads [from, from + n) whole: under fault injection a read may stop short with ENOMEM, and
  // a model adopted from a short read would call the missing bytes lost.
  bool read_whole(uint64_t from, uint8_t* dst, uint64_t n) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
      const ReadResult rr = pread_full(fd_, dst, n, from);
      if (rr.error == 0 && rr.bytes == n) return true;
      if (rr.error == 0) return false;  // EOF before n: the size moved, nothing to retry
      ::usleep(1000);
    }
    return false;
  }

  // The file could not be read back after a failed operation: the model no longer knows it, so
  // nothing is judged from here on (counted as inconclusive), rather than guessed.
  void lose_model() {
    if (!blind_.exchange(true))
      run_.rep().skip(
          "the file could not be read back after a failed operation: not judged from "
          "then on");
  }

  Run& run_;
  int fd_;
  ByteModel model_;
  std::vector<std::string> ops_;
  std::string path_;
  std::mutex mu_;
  std::array<OpRecord, 4> recent_{};  // thread 0's last operations, oldest first
  const bool sabotage_ = std::getenv("DT_SABOTAGE_TAIL") != nullptr;
  std::atomic<bool> blind_{false};  // lose_model()
};

int body(Run& run) {
  const Options& o = run.opt();
  const uint64_t max = (o.file_size + kBlockSize - 1) / kBlockSize * kBlockSize;
  const std::string path = run.file_path("pb");
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return run.cannot_create(path);
  run.set_dax(probe_dax(fd.get()));
  run.set_hot_bytes(max);
  run.remove_at_end(path);
  // Punch and zero where the filesystem has them (ext2 has no fallocate).
  std::vector<std::string> ops;
  std::vector<std::string> layout;
  for (const auto& op : o.ops) (op == "punch" || op == "zero" ? layout : ops).push_back(op);
  for (const auto& op : probe_layout_ops(run, layout)) ops.push_back(op);
  if (ops.empty()) return run.skip_all("none of the operations is supported here");
  PartialBlock pb(run, fd.get(), max, ops);
  run.start({{"file_size", max}, {"ops", ops}});
  Mapping own(fd.get(), 0, max, PROT_READ | PROT_WRITE, MAP_SHARED);
  if (!own.ok()) return run.skip_all("cannot map the file: " + errno_name(own.error()));
  run.run_threads(o.threads, [&](unsigned t) {
    Worker w(o.seed, t);
    // Each reader keeps its own long-lived mapping: stale PTEs persist in it.
    Mapping map(fd.get(), 0, max, PROT_READ, MAP_SHARED);
    if (!map.ok()) return;
    while (!run.stopping()) {
      ++w.op;
      if (t == 0)
        pb.mutate(w, own.data());
      else
        pb.read_page(w, map.data());
    }
  });
  pb.final_check(own.data());
  return run.finish();
}

}  // namespace
}  // namespace dt::workload

int main(int argc, char** argv) {
  using namespace dt::workload;
  Spec spec{"partial-block"};
  spec.extras = kOps;
  spec.all_ops = kAllOps;
  spec.default_threads = 3;
  return workload_main(argc, argv, spec, body);
}
