#include "private_map.hpp"

#include "verify.hpp"

namespace dt::workload {

std::optional<Verdict> judge_private(const FileIdent& m, uint64_t b, const void* data, bool sigbus,
                                     ReadView view, const std::vector<StampId>& mine,
                                     const OpCtx& ctx) {
  if (!view.legal.unknown)
    for (const StampId& s : mine) view.legal.add(Content::stamp(s));
  return judge(m, b, Via::kMap, data, sigbus, view, ctx);
}

}  // namespace dt::workload
