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

PrivateCopies::Store PrivateCopies::begin_store(const FileModel& m, uint64_t b, const StampId& s) {
  Store st{0, m.read_begin(b)};
  std::lock_guard lk(mu_);
  st.id = next_id_++;
  inflight_.emplace(st.id, st);
  mine_[b].push_back(s);
  return st;
}

void PrivateCopies::end_store(const Store& st) {
  std::lock_guard lk(mu_);
  inflight_.erase(st.id);
}

PrivateCopies::Read PrivateCopies::begin_read(const FileModel& m, uint64_t b) const {
  // The load's own snapshot first: a store registered after this lookup copies the file no
  // earlier than the snapshot, so it needs no entry.
  Read r{m.read_begin(b), {}};
  std::lock_guard lk(mu_);
  for (const auto& [id, st] : inflight_)
    if (st.snap.block == b) r.stores.push_back(st.snap);
  return r;
}

ReadView PrivateCopies::end_read(const FileModel& m, const Read& r) const {
  ReadView v = m.read_end(r.snap);
  for (const ReadSnap& s : r.stores) {
    const ReadView since = m.read_end(s);
    for (const Content& c : since.legal.contents) v.legal.add(c);
    v.legal.unknown = v.legal.unknown || since.legal.unknown;
    v.conclusive = v.conclusive && since.conclusive;
  }
  return v;
}

std::vector<StampId> PrivateCopies::mine(uint64_t b) const {
  std::lock_guard lk(mu_);
  const auto it = mine_.find(b);
  return it == mine_.end() ? std::vector<StampId>{} : it->second;
}

void PrivateCopies::forget() {
  std::lock_guard lk(mu_);
  inflight_.clear();
  mine_.clear();
}

}  // namespace dt::workload
