// The oracle's judgement: is what an access returned a legal outcome under the
// model, and if not, which bug class does the evidence point to?
#pragma once

#include <cstdint>
#include <optional>

#include "model.hpp"
#include "report.hpp"

namespace dt::workload {

enum class Via {
  kMap,   // load through a shared mapping: beyond EOF must SIGBUS
  kRead,  // pread: beyond EOF reads nothing
};

// True if data is one of the legal contents, or (when several outcomes raced)
// a byte-by-byte mix of them: a store racing an unmap/zeroing may land partly, and a
// read racing a write may see a string copy half done (no atomicity beyond a byte).
bool content_legal(const void* data, const Legal& legal);

// Names the failure: stale-data, misplaced-stamp, nonzero-hole, lost-write,
// torn-block, cow-leak.
Verdict classify(const FileIdent& m, uint64_t block, const void* data, const Legal& legal,
                 const OpCtx& ctx);
// The same for an access the model judged: the verdict also carries the block's last
// operations (recent_ops: model version at begin, kind, outcome).
Verdict classify(const FileIdent& m, uint64_t block, const void* data, const ReadView& view,
                 const OpCtx& ctx);

// Judges one 4 KiB access of block b. fault = SIGBUS (kMap) or empty read at
// EOF (kRead); data is only looked at when !fault.
std::optional<Verdict> judge(const FileIdent& m, uint64_t b, Via via, const void* data, bool fault,
                             const ReadView& view, const OpCtx& ctx);

// Verifies a whole file whose model is stable (no op in flight): size, every
// block via pread, and, if via_map, every block of the model's window through
// a fresh mapping (SIGBUS exactly from EOF on). Reports and returns failures.
size_t verify_file(const FileModel& m, int fd, Reporter& rep, const OpCtx& ctx, bool via_map);

// pread-checks blocks [first, first+count) of a stable file.
size_t verify_blocks(const FileModel& m, int fd, uint64_t first, uint64_t count, Reporter& rep,
                     const OpCtx& ctx);

}  // namespace dt::workload
