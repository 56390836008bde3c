// The oracle for reads through a MAP_PRIVATE mapping of a file under attack: until a page is
// copied on write it shows the file, afterwards the private copy, and a zap (MADV_DONTNEED,
// truncate) drops the copy so the file shows through again.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "model.hpp"
#include "report.hpp"
#include "stamp.hpp"

namespace dt::workload {

// Judges what a load of block b through a private mapping returned: any content legal for
// the file during the access (view), or one of the private stamps this mapping stored at b
// (mine), or, while a private store raced a zap or its own copy-on-write, a word-by-word mix
// of those. SIGBUS follows the file's EOF as for shared mappings. A private stamp that is
// not this mapping's is a cow-leak (another mapping's private data).
std::optional<Verdict> judge_private(const FileIdent& m, uint64_t b, const void* data, bool sigbus,
                                     ReadView view, const std::vector<StampId>& mine,
                                     const OpCtx& ctx);

// What one MAP_PRIVATE mapping of a file may show beside the file during an access. A private
// store's copy-on-write copies the file at its first fault and the copy is mapped before the
// store lands, so a storing thread preempted in between shows the others the file as it was
// at the copy: older, perhaps, than anything legal during their own access. A load that
// began while a store to its block was in flight may therefore see the file as it was at any
// time since that store began (and word mixes with the stamp being stored). Also keeps the
// private stamps stored per block. Thread-safe.
class PrivateCopies {
 public:
  struct Store {
    uint64_t id = 0;
    ReadSnap snap;  // the file when the store began (its block): the copy is at least this recent
  };
  struct Read {
    ReadSnap snap;
    std::vector<ReadSnap> stores;  // stores to the block in flight when the load began
  };

  // Before the store of stamp s at block b (the file snapshot first, then registered).
  Store begin_store(const FileModel& m, uint64_t b, const StampId& s);
  void end_store(const Store& st);
  Read begin_read(const FileModel& m, uint64_t b) const;
  // What the load may have returned from the file (its legal contents during the access and
  // since each store in flight at its start), and this mapping's private stamps at the block.
  ReadView end_read(const FileModel& m, const Read& r) const;
  std::vector<StampId> mine(uint64_t b) const;
  // The mapping was replaced: no private copies, no stores in flight (callers exclude them).
  void forget();

 private:
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Store> inflight_;             // by id
  std::map<uint64_t, std::vector<StampId>> mine_;  // by block
};

}  // namespace dt::workload
