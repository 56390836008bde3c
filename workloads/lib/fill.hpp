// Background allocators: files that grow until the filesystem is nearly full,
// then keep freeing and re-allocating blocks, so a block freed by a racing
// truncate/punch is handed to one of them at once. Every block they hold is
// stamped and re-verified, so a store through a stale mapping into a freed and
// reused block shows up here as another file's stamp (misplaced-stamp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fs.hpp"
#include "model.hpp"
#include "prng.hpp"

namespace dt::workload {

class Run;

// The calls that change a fill file: tests replace them, since an ENOMEM from the middle of a
// write or a punch (what failslab gives in guests) cannot be had on the host.
struct FillIo {
  std::function<int(int fd, const void* buf, size_t len, uint64_t off)> pwrite = pwrite_full;
  std::function<int(int fd, int mode, uint64_t off, uint64_t len)> fallocate = do_fallocate;
};

class Filler {
 public:
  using Io = FillIo;
  Filler(Run& run, unsigned index, uint64_t target_bytes, Io io = {});
  void loop();          // until run.stopping()
  size_t verify_all();  // final check of every block (in parallel: the file is stable)
  const std::string& path() const { return ident_.path; }
  uint64_t bytes() const { return gens_.size() * kBlockSize; }

 private:
  bool grow();
  void churn();
  size_t verify(uint64_t first, uint64_t count) { return verify(first, count, buf_.data()); }
  size_t verify(uint64_t first, uint64_t count, char* buf);  // buf: kChunkBlocks blocks
  int write_blocks(uint64_t first, uint64_t count);
  StampId stamp(uint64_t b) const;

  Run& run_;
  Io io_;
  unsigned index_;
  uint64_t target_blocks_;
  FileIdent ident_;
  Fd fd_;
  Prng rng_;
  // Compact model: generation per block, 0 = hole. Fill files can be large.
  std::vector<uint32_t> gens_;
  uint32_t next_gen_ = 1;
  uint64_t cursor_ = 0;
  bool full_ = false;
  bool punch_ok_ = true;
  uint64_t op_ = 0;
  std::vector<char> buf_;  // blocks being written, then read back (never both at once)
};

}  // namespace dt::workload
