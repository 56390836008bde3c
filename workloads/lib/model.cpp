#include "model.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace dt::workload {
namespace {

// Beyond this many candidates a block is no longer worth tracking exactly.
constexpr size_t kMaxCandidates = 24;
constexpr size_t kMaxHistory = 64;

}  // namespace

bool Legal::has(const Content& c) const {
  return std::find(contents.begin(), contents.end(), c) != contents.end();
}

void Legal::add(const Content& c) {
  if (has(c)) return;
  contents.push_back(c);
  if (contents.size() > kMaxCandidates) unknown = true;
}

bool Legal::all_zero() const {
  return std::all_of(contents.begin(), contents.end(), [](const Content& c) { return c.zero; });
}

FileModel::FileModel(uint64_t run, uint32_t id, std::string path, uint64_t max_blocks,
                     uint64_t size)
    : run_(run), id_(id), path_(std::move(path)), max_blocks_(max_blocks), blocks_(max_blocks) {
  for (auto& b : blocks_) b.legal.contents = {Content::zeros()};
  trace_ = std::getenv("DT_MODEL_TRACE") != nullptr;
  sizes_ = {size};
}

StampId FileModel::make_stamp(uint64_t b, uint32_t writer) {
  std::lock_guard lk(mu_);
  return StampId{run_, id_, writer, b, next_gen_++};
}

void FileModel::add_legal(uint64_t b, const Content& c) {
  Block& blk = blocks_[b];
  if (blk.legal.has(c)) return;
  blk.legal.add(c);
  blk.hist.emplace_back(ver_, c);
  if (blk.hist.size() > kMaxHistory) {
    blk.lost_ver = std::max(blk.lost_ver, blk.hist.front().first);
    blk.hist.pop_front();
  }
}

void FileModel::add_size(uint64_t s) {
  if (std::find(sizes_.begin(), sizes_.end(), s) != sizes_.end()) return;
  sizes_.push_back(s);
  size_hist_.emplace_back(ver_, s);
  if (size_hist_.size() > kMaxHistory) {
    size_lost_ver_ = std::max(size_lost_ver_, size_hist_.front().first);
    size_hist_.pop_front();
  }
}

std::vector<Legal> FileModel::shifted(const Op& op) const {
  std::vector<Legal> out(op.last - op.first);
  for (uint64_t b = op.first; b < op.last; ++b) {
    Legal& l = out[b - op.first];
    if (op.kind == Kind::kCollapse) {
      // Data from b+shift moves down; the vacated tail is beyond the new EOF.
      if (b + op.shift < max_blocks_)
        l = blocks_[b + op.shift].legal;
      else
        l.contents = {Content::zeros()};
    } else {  // kInsert: a hole opens at [first, first+shift), the rest moves up.
      if (b < op.first + op.shift)
        l.contents = {Content::zeros()};
      else
        l = blocks_[b - op.shift].legal;
    }
  }
  return out;
}

FileModel::Ticket FileModel::begin(Op op) {
  std::lock_guard lk(mu_);
  const Ticket t{next_op_++, ver_};
  ++ver_;
  op.last = std::min(op.last, max_blocks_);
  op.first = std::min(op.first, op.last);
  if (op.kind == Kind::kCollapse || op.kind == Kind::kInsert) op.after = shifted(op);
  // Any overlap in time on a shared block makes both ops' outcomes uncertain.
  static constexpr const char* kKindNames[] = {"write",    "zero",   "truncate",
                                               "collapse", "insert", "clone"};
  const uint64_t gen = op.kind == Kind::kWrite && !op.after.empty() &&
                               !op.after[0].contents.empty() && !op.after[0].contents[0].zero
                           ? op.after[0].contents[0].id.gen
                           : 0;
  for (uint64_t b = op.first; b < op.last; ++b) {
    Block& blk = blocks_[b];
    blk.recent[blk.recent_next] =
        OpNote{t.id, t.ver_before, kKindNames[int(op.kind)], -1, gen, false};
    blk.recent_next = (blk.recent_next + 1) % blk.recent.size();
    for (uint64_t other : blk.inflight) {
      op.contended = true;
      ops_.at(other).contended = true;
    }
    blk.inflight.push_back(t.id);
    op.before.push_back(blk.legal);
  }
  // A truncate that grows the file moves no block: beyond the new EOF stays whatever was
  // there. That is zero, unless a failed truncate left blocks behind its EOF (ext4 sets i_size
  // before ext4_truncate frees them, and the call fails when that cannot start a transaction).
  if (op.kind == Kind::kTruncate && stale_beyond_eof_ &&
      std::any_of(sizes_.begin(), sizes_.end(), [&](uint64_t s) { return s < op.new_sizes[0]; }))
    for (size_t i = 0; i < op.after.size(); ++i) {
      for (const Content& c : op.before[i].contents) op.after[i].add(c);
      op.after[i].unknown = op.after[i].unknown || op.before[i].unknown;
    }
  // Block overlap makes contents uncertain; only another size change makes
  // the size uncertain (the size-changing thread relies on an exact size).
  if (op.size_op) {
    for (uint64_t other : size_inflight_) {
      op.size_contended = true;
      ops_.at(other).size_contended = true;
    }
    size_inflight_.push_back(t.id);
    op.sizes_before = sizes_;
    if (op.kind == Kind::kCollapse || op.kind == Kind::kInsert) {
      op.new_sizes.clear();
      for (uint64_t s : sizes_) {
        const uint64_t d = op.shift * kBlockSize;
        op.new_sizes.push_back(op.kind == Kind::kInsert ? s + d : s - std::min(s, d));
      }
    }
    for (uint64_t s : op.new_sizes) add_size(s);
  }
  for (uint64_t b = op.first; b < op.last; ++b) {
    for (const Content& c : op.after[b - op.first].contents) add_legal(b, c);
    // A collapse/insert already in flight may run after this op's effect:
    // then the effect shows up where the shift moves block b, even while the
    // shift is still in flight (its end-time union comes too late for readers).
    for (uint64_t other : blocks_[b].inflight) {
      if (other == t.id) continue;
      const Op& x = ops_.at(other);
      uint64_t dest = max_blocks_;
      if (x.kind == Kind::kCollapse && b >= x.first + x.shift)
        dest = b - x.shift;
      else if (x.kind == Kind::kInsert && b >= x.first && b + x.shift < max_blocks_)
        dest = b + x.shift;
      if (dest >= max_blocks_) continue;
      for (const Content& c : op.after[b - op.first].contents) add_legal(dest, c);
    }
    // Lock order: this (source) model, then the clone destination's.
    for (const auto& [fid, f] : forwards_)
      if (b >= f.first && b < f.first + f.n)
        f.dst->add_external(f.dst_first + (b - f.first), op.after[b - op.first]);
  }
  if (trace_)
    std::fprintf(stderr, "model %u v%llu begin #%llu kind=%d [%llu,%llu) shift=%llu after0=%s\n",
                 id_, (unsigned long long)ver_, (unsigned long long)t.id, int(op.kind),
                 (unsigned long long)op.first, (unsigned long long)op.last,
                 (unsigned long long)op.shift,
                 op.after.empty() || op.after[0].contents.empty() || op.after[0].contents[0].zero
                     ? "zero"
                     : std::to_string(op.after[0].contents[0].id.gen).c_str());
  ops_.emplace(t.id, std::move(op));
  return t;
}

FileModel::Ticket FileModel::begin_write(uint64_t b, const Content& c) {
  Op op{Kind::kWrite, b, b + 1};
  op.after = {Legal{{c}}};
  return begin(std::move(op));
}

FileModel::Ticket FileModel::begin_zero(uint64_t first, uint64_t count) {
  Op op{Kind::kZero, first, first + count};
  op.after.assign(count, Legal{{Content::zeros()}});
  return begin(std::move(op));
}

FileModel::Ticket FileModel::begin_truncate(uint64_t new_size) {
  // Blocks at and beyond the new EOF become zero (what an extension reads);
  // growing changes no contents, only where SIGBUS is legal.
  const uint64_t first = blocks_for(new_size);
  Op op{Kind::kTruncate, first, max_blocks_};
  op.after.assign(max_blocks_ > first ? max_blocks_ - first : 0, Legal{{Content::zeros()}});
  op.size_op = true;
  op.new_sizes = {new_size};
  return begin(std::move(op));
}

FileModel::Ticket FileModel::begin_collapse(uint64_t first, uint64_t count) {
  Op op{Kind::kCollapse, first, max_blocks_};
  op.shift = count;
  op.size_op = true;  // new sizes derive from the sizes legal at begin
  return begin(std::move(op));
}

FileModel::Ticket FileModel::begin_insert(uint64_t first, uint64_t count) {
  Op op{Kind::kInsert, first, max_blocks_};
  op.shift = count;
  op.size_op = true;
  return begin(std::move(op));
}

FileModel::Ticket FileModel::begin_clone(uint64_t first, const std::vector<Legal>& src) {
  Op op{Kind::kClone, first, first + src.size()};
  op.after = src;
  return begin(std::move(op));
}

void FileModel::end(const Ticket& t, Outcome o,
                    const std::vector<std::pair<uint64_t, Legal>>& extra) {
  std::lock_guard lk(mu_);
  ++ver_;
  auto it = ops_.find(t.id);
  if (it == ops_.end()) return;
  Op op = std::move(it->second);
  ops_.erase(it);
  if (trace_)
    std::fprintf(stderr, "model %u v%llu end #%llu outcome=%d contended=%d\n", id_,
                 (unsigned long long)ver_, (unsigned long long)t.id, int(o), int(op.contended));
  // Extras (sources that changed meanwhile) are legal and make the op uncertain.
  for (const auto& [b, l] : extra) {
    if (b < op.first || b >= op.last) continue;
    for (const Content& c : l.contents) add_legal(b, c);
    if (l.unknown) blocks_[b].legal.unknown = true;
    op.contended = true;
  }
  // A shift that raced other ops may have moved their results too.
  if (op.contended && (op.kind == Kind::kCollapse || op.kind == Kind::kInsert) &&
      o != Outcome::kNoEffect) {
    const auto moved = shifted(op);
    for (uint64_t b = op.first; b < op.last; ++b)
      for (const Content& c : moved[b - op.first].contents) add_legal(b, c);
  }
  for (uint64_t b = op.first; b < op.last; ++b) {
    Block& blk = blocks_[b];
    for (auto& n : blk.recent)
      if (n.op == t.id) {
        n.outcome = int(o);
        n.contended = op.contended;
      }
    std::erase(blk.inflight, t.id);
    if (op.contended || !blk.inflight.empty() || o == Outcome::kUnknown) continue;
    blk.legal = o == Outcome::kDone ? op.after[b - op.first] : op.before[b - op.first];
  }
  if (op.kind == Kind::kTruncate) {
    // Only a truncate that shrank from every size the file may have had freed what lies
    // beyond its EOF.
    const bool shrank = std::all_of(op.sizes_before.begin(), op.sizes_before.end(),
                                    [&](uint64_t s) { return s >= op.new_sizes[0]; });
    if (o == Outcome::kUnknown)
      stale_beyond_eof_ = true;
    else if (o == Outcome::kDone && shrank && !op.size_contended)
      stale_beyond_eof_ = false;
  }
  if (op.size_op) {
    std::erase(size_inflight_, t.id);
    if (!op.size_contended && size_inflight_.empty() && o != Outcome::kUnknown)
      sizes_ = o == Outcome::kDone ? op.new_sizes : op.sizes_before;
  }
}

EofRange FileModel::eof_now() const {
  const auto [lo, hi] = std::minmax_element(sizes_.begin(), sizes_.end());
  return {*lo, *hi};
}

uint64_t FileModel::forward(uint64_t first, uint64_t n, FileModel* dst, uint64_t dst_first) {
  std::lock_guard lk(mu_);
  const uint64_t id = next_op_++;
  forwards_[id] = Forward{first, n, dst, dst_first};
  for (uint64_t i = 0; i < n && first + i < max_blocks_; ++i)
    dst->add_external(dst_first + i, blocks_[first + i].legal);
  return id;
}

void FileModel::unforward(uint64_t id) {
  std::lock_guard lk(mu_);
  forwards_.erase(id);
}

void FileModel::add_external(uint64_t b, const Legal& l) {
  std::lock_guard lk(mu_);
  if (b >= max_blocks_) return;
  ++ver_;
  for (const Content& c : l.contents) add_legal(b, c);
  if (l.unknown) blocks_[b].legal.unknown = true;
  for (uint64_t id : blocks_[b].inflight) ops_.at(id).contended = true;
}

ReadSnap FileModel::read_begin(uint64_t b) const {
  std::lock_guard lk(mu_);
  ReadSnap s;
  s.ver = ver_;
  s.block = b;
  if (b < max_blocks_) s.legal = blocks_[b].legal;
  s.eof = eof_now();
  return s;
}

ReadView FileModel::read_end(const ReadSnap& s) const {
  std::lock_guard lk(mu_);
  ReadView v;
  v.eof = s.eof;
  const EofRange now = eof_now();
  v.eof.lo = std::min(v.eof.lo, now.lo);
  v.eof.hi = std::max(v.eof.hi, now.hi);
  for (const auto& [ver, size] : size_hist_) {
    if (ver < s.ver) continue;
    v.eof.lo = std::min(v.eof.lo, size);
    v.eof.hi = std::max(v.eof.hi, size);
  }
  if (size_lost_ver_ >= s.ver) v.conclusive = false;
  if (s.block >= max_blocks_) {
    v.legal.contents = {Content::zeros()};
    return v;
  }
  const Block& blk = blocks_[s.block];
  v.legal = s.legal;
  for (const Content& c : blk.legal.contents) v.legal.add(c);
  for (const auto& [ver, c] : blk.hist)
    if (ver >= s.ver) v.legal.add(c);
  v.legal.unknown = v.legal.unknown || blk.legal.unknown;
  if (blk.lost_ver >= s.ver) v.conclusive = false;
  for (std::size_t i = 0; i < blk.recent.size(); ++i) {
    const OpNote& n = blk.recent[(blk.recent_next + i) % blk.recent.size()];
    if (n.op != 0) v.recent[v.recent_count++] = n;
  }
  return v;
}

Legal FileModel::legal(uint64_t b) const {
  std::lock_guard lk(mu_);
  return b < max_blocks_ ? blocks_[b].legal : Legal{{Content::zeros()}};
}

std::vector<uint64_t> FileModel::sizes() const {
  std::lock_guard lk(mu_);
  return sizes_;
}

uint64_t FileModel::size() const {
  std::lock_guard lk(mu_);
  return eof_now().hi;
}

size_t FileModel::inflight() const {
  std::lock_guard lk(mu_);
  return ops_.size();
}

void FileModel::set(uint64_t b, const Content& c) {
  std::lock_guard lk(mu_);
  ++ver_;
  if (b >= max_blocks_) return;
  blocks_[b].legal = Legal{{c}};
  blocks_[b].hist.emplace_back(ver_, c);
  if (blocks_[b].hist.size() > kMaxHistory) {
    blocks_[b].lost_ver = std::max(blocks_[b].lost_ver, blocks_[b].hist.front().first);
    blocks_[b].hist.pop_front();
  }
}

void FileModel::set_size(uint64_t size) {
  std::lock_guard lk(mu_);
  ++ver_;
  sizes_.clear();
  add_size(size);
}

}  // namespace dt::workload
