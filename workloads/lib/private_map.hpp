// The oracle for reads through a MAP_PRIVATE mapping of a file under attack: until a page is
// copied on write it shows the file, afterwards the private copy, and a zap (MADV_DONTNEED,
// truncate) drops the copy so the file shows through again.
#pragma once

#include <cstdint>
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
std::optional<Verdict> judge_private(const FileIdent& m, uint64_t b, const void* data,
                                     bool sigbus, ReadView view,
                                     const std::vector<StampId>& mine, const OpCtx& ctx);

}  // namespace dt::workload
