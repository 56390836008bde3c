// The file model: what every block of a file may legally contain, and which
// sizes the file may legally have, while operations race on it.
//
// Every change (a store through a mapping, pwrite, punch, truncate, collapse,
// insert, clone) is bracketed by begin_*() before the syscall/store and end()
// after it. begin adds the operation's result to each affected block's legal
// set; end narrows the set to exactly that result only if no other operation
// overlapped it in time on any of its blocks and the outcome is known. If ops
// overlapped, the kernel may have applied them in either order (or, for a
// store racing an unmap, partly each), so the union stays legal until a later
// uncontended operation pins the block down again. This over-approximates the
// legal outcomes, never under-approximates them: a reported verdict is an
// outcome no ordering of the racing operations can produce.
//
// Readers take a snapshot before an access and ask after it for everything
// that was legal at any moment in between (read_begin/read_end), using a
// per-block history of additions, so an op that starts and finishes during the
// access is still accounted for.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "stamp.hpp"

namespace dt::workload {

struct Legal {
  std::vector<Content> contents;  // any of these, or a word-wise mix if >1
  bool unknown = false;           // too many racing outcomes to track: not checked
  bool has(const Content& c) const;
  void add(const Content& c);
  bool all_zero() const;
};

// Enough to attribute a block to a file (verdicts, fill files without a model).
struct FileIdent {
  uint64_t run = 0;
  uint32_t id = 0;
  std::string path;
};

struct EofRange {
  uint64_t lo = 0;  // smallest size the file had during the access
  uint64_t hi = 0;  // largest size
};

struct ReadSnap {
  uint64_t ver = 0;
  uint64_t block = 0;
  Legal legal;
  EofRange eof;
};

// One of the last operations on a block: a verdict carries them (what happened to the block
// before it went wrong is the first thing a developer asks).
struct OpNote {
  uint64_t op = 0;         // 0: an empty slot
  uint64_t ver = 0;        // model version at its begin
  const char* kind = "";   // write, zero, truncate, collapse, insert, clone
  int outcome = -1;        // -1 in flight, else FileModel::Outcome
  uint64_t gen = 0;        // the stamp a write stores, 0 otherwise
  bool contended = false;  // another op overlapped it
};

struct ReadView {
  bool conclusive = true;  // false: history overflowed, the access is not judged
  Legal legal;
  EofRange eof;
  // The block's last operations, oldest first (a fixed array: read_end is on every access).
  std::array<OpNote, 4> recent{};
  std::size_t recent_count = 0;
};

class FileModel {
 public:
  enum class Outcome {
    kDone,      // the operation took full effect
    kNoEffect,  // it failed before changing anything (e.g. SIGBUS on the first store)
    kUnknown,   // partial or unknown effect: keep every outcome legal
  };
  struct Ticket {
    uint64_t id = 0;
    uint64_t ver_before = 0;  // model version just before begin: for EOF checks
  };

  FileModel(uint64_t run, uint32_t id, std::string path, uint64_t max_blocks, uint64_t size);
  FileModel(const FileModel&) = delete;
  FileModel& operator=(const FileModel&) = delete;

  uint64_t run() const { return run_; }
  uint32_t id() const { return id_; }
  const std::string& path() const { return path_; }
  uint64_t max_blocks() const { return max_blocks_; }
  FileIdent ident() const { return {run_, id_, path_}; }

  // A fresh stamp for a write at block b; generations are unique per file.
  StampId make_stamp(uint64_t b, uint32_t writer);

  Ticket begin_write(uint64_t b, const Content& c);
  Ticket begin_zero(uint64_t first, uint64_t count);  // punch hole / zero range
  Ticket begin_truncate(uint64_t new_size);
  Ticket begin_collapse(uint64_t first, uint64_t count);
  Ticket begin_insert(uint64_t first, uint64_t count);
  // Clone: block first+i becomes src[i] (legal sets of the source blocks).
  Ticket begin_clone(uint64_t first, const std::vector<Legal>& src);
  // extra: further contents that became legal for some blocks during the op
  // (e.g. the clone source changed meanwhile); they make those blocks uncertain.
  void end(const Ticket& t, Outcome o, const std::vector<std::pair<uint64_t, Legal>>& extra = {});

  // While a clone from this file is in flight, whatever becomes legal in
  // blocks [first, first+n) here is also legal at dst[dst_first...] at once
  // (the clone may copy it). Also forwards the current contents. Returns an id.
  uint64_t forward(uint64_t first, uint64_t n, FileModel* dst, uint64_t dst_first);
  void unforward(uint64_t id);
  // Contents that became legal from outside (a forwarded clone source): makes
  // the ops in flight on b uncertain.
  void add_external(uint64_t b, const Legal& l);

  ReadSnap read_begin(uint64_t b) const;
  ReadView read_end(const ReadSnap& s) const;

  // Current state (exact when nothing is in flight).
  Legal legal(uint64_t b) const;
  std::vector<uint64_t> sizes() const;
  uint64_t size() const;  // largest legal size
  size_t inflight() const;

  // Directly set a block/size when no operation is in flight (fill files,
  // models rebuilt from an ack log).
  void set(uint64_t b, const Content& c);
  void set_size(uint64_t size);

 private:
  enum class Kind { kWrite, kZero, kTruncate, kCollapse, kInsert, kClone };
  struct Op {
    Kind kind;
    uint64_t first = 0, last = 0;  // blocks [first, last) whose contents change
    uint64_t shift = 0;            // collapse/insert distance in blocks
    std::vector<Legal> before, after;
    bool size_op = false;
    std::vector<uint64_t> new_sizes;  // one per size legal at begin (collapse/insert are relative)
    std::vector<uint64_t> sizes_before;
    bool contended = false;       // another op overlapped on a block
    bool size_contended = false;  // another size-changing op overlapped
  };
  struct Block {
    Legal legal;
    std::vector<uint64_t> inflight;                 // op ids
    std::deque<std::pair<uint64_t, Content>> hist;  // (version, content added)
    uint64_t lost_ver = 0;                          // newest version dropped from hist
    std::array<OpNote, std::tuple_size_v<decltype(ReadView::recent)>>
        recent{};  // ring, recent_next is the oldest
    unsigned recent_next = 0;
  };

  Ticket begin(Op op);
  void add_legal(uint64_t b, const Content& c);
  void add_size(uint64_t s);
  std::vector<Legal> shifted(const Op& op) const;  // op applied to the current sets
  EofRange eof_now() const;

  const uint64_t run_;
  const uint32_t id_;
  const std::string path_;
  const uint64_t max_blocks_;

  bool trace_ = false;  // DT_MODEL_TRACE=1: log begin/end to stderr (debugging)
  mutable std::mutex mu_;
  uint64_t ver_ = 1;
  uint64_t next_gen_ = 1;
  uint64_t next_op_ = 1;
  std::vector<Block> blocks_;
  std::map<uint64_t, Op> ops_;
  struct Forward {
    uint64_t first, n;
    FileModel* dst;
    uint64_t dst_first;
  };
  std::map<uint64_t, Forward> forwards_;
  std::vector<uint64_t> sizes_;
  // A truncate failed midway: blocks beyond EOF may still hold data until a shrink succeeds.
  bool stale_beyond_eof_ = false;
  std::vector<uint64_t> size_inflight_;
  std::deque<std::pair<uint64_t, uint64_t>> size_hist_;
  uint64_t size_lost_ver_ = 0;
};

inline uint64_t blocks_for(uint64_t bytes) {
  return (bytes + kBlockSize - 1) / kBlockSize;
}

}  // namespace dt::workload
