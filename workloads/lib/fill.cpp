#include "fill.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "run.hpp"
#include "spawn.hpp"
#include "verify.hpp"

namespace dt::workload {
namespace {

constexpr uint64_t kChunkBlocks = 64;   // growth step: 256 KiB per pwrite
constexpr uint64_t kVerifyWindow = 64;  // blocks re-read per loop turn
constexpr uint32_t kFillWriter = 0x4000'0000u;
// A block a failed write or free may have left either way (ENOSPC, an injected ENOMEM): not
// judged until it is written again.
constexpr uint32_t kUnknownGen = UINT32_MAX;

}  // namespace

Filler::Filler(Run& run, unsigned index, uint64_t target_bytes, Io io)
    : run_(run),
      io_(std::move(io)),
      index_(index),
      target_blocks_(target_bytes / kBlockSize),
      rng_(run.opt().seed, 0xf111'0000u + index),
      buf_(kChunkBlocks * kBlockSize) {
  ident_.run = run.nonce();
  ident_.id = run.new_file_id();
  ident_.path = run.file_path("fill" + std::to_string(index));
  fd_.reset(::open(ident_.path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd_) run.rep().skip("cannot create fill file " + ident_.path + ": " + std::strerror(errno));
}

StampId Filler::stamp(uint64_t b) const {
  return StampId{ident_.run, ident_.id, kFillWriter + index_, b, gens_[b]};
}

int Filler::write_blocks(uint64_t first, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    gens_[first + i] = next_gen_++;
    fill_block(buf_.data() + i * kBlockSize, stamp(first + i));
  }
  return io_.pwrite(fd_.get(), buf_.data(), count * kBlockSize, first * kBlockSize);
}

// Appends a chunk while the filesystem has more than the reserve free.
bool Filler::grow() {
  if (full_ || gens_.size() >= target_blocks_) return false;
  if (fs_avail(fd_.get()) < run_.reserve()) {
    full_ = true;
    return false;
  }
  const uint64_t first = gens_.size();
  const uint64_t n = std::min<uint64_t>(kChunkBlocks, target_blocks_ - first);
  gens_.resize(first + n, 0);
  if (int e = write_blocks(first, n); e != 0) {
    // Out of space: drop the partial chunk, the file is as full as it gets.
    gens_.resize(first);
    do_ftruncate(fd_.get(), first * kBlockSize);
    full_ = true;
    return false;
  }
  return true;
}

// Frees a few blocks and allocates them again, so blocks freed by the racing
// workload get reused by this file while the fault that mapped them may linger.
void Filler::churn() {
  if (gens_.empty()) return;
  const uint64_t n = std::min<uint64_t>(rng_.range(1, 16), gens_.size());
  uint64_t first = rng_.below(gens_.size() - n + 1);
  if (punch_ok_) {
    const int e = io_.fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                first * kBlockSize, n * kBlockSize);
    if (e == EOPNOTSUPP) {
      punch_ok_ = false;  // ext2: churn the tail with truncate instead
    } else if (e == 0) {
      std::fill_n(gens_.data() + first, n, 0);
      verify(first, n);
    }  // else it may have freed part of the range: the write below covers all of it
  }
  if (!punch_ok_) {
    first = gens_.size() - n;
    if (do_ftruncate(fd_.get(), first * kBlockSize) != 0) {
      std::fill_n(gens_.data() + first, n, kUnknownGen);
      return;
    }
    gens_.resize(first);
    gens_.resize(first + n, 0);
  }
  if (write_blocks(first, n) != 0) {
    // ENOSPC (the fs is fuller than we aimed for) or ENOMEM: part of the range may hold the
    // new stamps. Free it again, and model what that leaves.
    if (!punch_ok_) {
      gens_.resize(first);  // beyond the modelled EOF: never read, overwritten by growth
      do_ftruncate(fd_.get(), first * kBlockSize);
    } else {
      const bool freed = io_.fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                       first * kBlockSize, n * kBlockSize) == 0;
      std::fill_n(gens_.data() + first, n, freed ? 0 : kUnknownGen);
    }
    return;
  }
  verify(first, n);
}

// Reads whole chunks (one pread per 256 KiB, not per block: syscalls dominate under TCG,
// and the final check of a 270 MB fill was 5-7 s of every cell) and judges block by block.
size_t Filler::verify(uint64_t first, uint64_t count, char* buf) {
  size_t bad = 0;
  const uint64_t end = std::min<uint64_t>(first + count, gens_.size());
  const uint64_t size = gens_.size() * kBlockSize;
  ReadView view;
  view.eof = {size, size};
  for (uint64_t b0 = first; b0 < end; b0 += kChunkBlocks) {
    const uint64_t n = std::min<uint64_t>(kChunkBlocks, end - b0);
    // A short chunk is not EOF (an injected ENOMEM ends a read after some progress): only
    // blocks at or past a real EOF are judged as missing, blocks a failed read did not reach
    // are not judged at all.
    const ReadResult got = pread_full(fd_.get(), buf, n * kBlockSize, b0 * kBlockSize);
    if (got.bytes < n * kBlockSize) std::memset(buf + got.bytes, 0, n * kBlockSize - got.bytes);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t b = b0 + i;
      const bool past_read = got.bytes <= i * kBlockSize;  // read 0 bytes of this block
      if (past_read && !got.eof) break;
      if (gens_[b] == kUnknownGen) {
        ++run_.rep().inconclusive;
        continue;
      }
      ++run_.rep().checks;
      const char* data = buf + i * kBlockSize;
      const Content want = gens_[b] ? Content::stamp(stamp(b)) : Content::zeros();
      // The common case, exactly the expected block, without judge()'s copy and parse: the
      // buffer is ours, so comparing in place is safe (it was a third of the final check).
      if (!past_read && block_equals(data, want)) continue;
      // The filler is the only writer of its file, so the expected state is exact.
      view.legal.contents = {want};
      if (auto v =
              judge(ident_, b, Via::kRead, data, past_read, view, OpCtx{int(1000 + index_), op_})) {
        run_.rep().verdict(*v);
        ++bad;
      }
    }
  }
  return bad;
}

void Filler::loop() {
  if (!fd_) return;
  while (!run_.stopping()) {
    ++op_;
    if (!grow()) {
      churn();
      // Leave the CPUs to the racing threads once the fs is full.
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (!gens_.empty()) {
      verify(cursor_, kVerifyWindow);
      cursor_ = cursor_ + kVerifyWindow >= gens_.size() ? 0 : cursor_ + kVerifyWindow;
    }
  }
}

// The final check reads every block of a file that no thread changes any more: split it over
// the CPUs (under TCG the copy to user space and the judging of a 400 MB fill took seconds of
// every cell on one CPU), one buffer each. (A read-only mapping instead of the copy was twice as
// slow under TCG: a page fault per 4 KiB costs more than the copy.)
size_t Filler::verify_all() {
  if (!fd_) return 0;
  const uint64_t n = gens_.size();
  const uint64_t workers =
      std::clamp<uint64_t>(std::thread::hardware_concurrency(), 1, std::max<uint64_t>(1, n / 1024));
  if (workers < 2) return verify(0, n);
  std::vector<size_t> bad(workers, 0);
  std::vector<std::thread> threads;
  const uint64_t per = (n + workers - 1) / workers;
  for (uint64_t w = 1; w < workers; ++w)
    threads.push_back(spawn_thread([this, w, per, n, &bad] {
      std::vector<char> buf(kChunkBlocks * kBlockSize);
      const uint64_t first = std::min(n, w * per);
      bad[w] = verify(first, std::min(per, n - first), buf.data());
    }));
  bad[0] = verify(0, std::min(per, n));
  for (auto& t : threads) t.join();
  size_t total = 0;
  for (auto b : bad) total += b;
  return total;
}

}  // namespace dt::workload
