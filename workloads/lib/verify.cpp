#include "verify.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "fs.hpp"
#include "sigbus.hpp"

namespace dt::workload {
namespace {

nlohmann::json legal_json(const Legal& l) {
  if (l.contents.size() == 1) return to_json(l.contents[0]);
  nlohmann::json any = nlohmann::json::array();
  for (const Content& c : l.contents) any.push_back(to_json(c));
  return {{"any_of", any}};
}

uint64_t eof_blocks(uint64_t size) {
  return blocks_for(size);
}

}  // namespace

bool content_legal(const void* data, const Legal& legal) {
  if (legal.unknown) return true;
  const Parsed p = parse_block(data);
  if (p.kind == BlockKind::kZero && legal.has(Content::zeros())) return true;
  if (p.kind == BlockKind::kStamp && legal.has(Content::stamp(p.id))) return true;
  if (legal.contents.size() < 2) return false;
  std::vector<uint64_t> images(legal.contents.size() * kWords);
  for (size_t i = 0; i < legal.contents.size(); ++i)
    fill_content(&images[i * kWords], legal.contents[i]);
  uint64_t w[kWords];
  std::memcpy(w, data, sizeof w);
  const size_t n = legal.contents.size();
  for (size_t i = 0; i < kWords; ++i) {
    bool any = false;
    for (size_t c = 0; c < n && !any; ++c) any = images[c * kWords + i] == w[i];
    if (any) continue;
    // Byte by byte: x86 gives string copies (rep movsb in copy_to_user, in memcpy) no atomicity
    // beyond a byte, and TCG emulates them byte by byte, so a read racing a write of the same
    // block may see a word that is half old, half new. Every byte must still come from a legal
    // content at the same place.
    for (unsigned byte = 0; byte < 8; ++byte) {
      const unsigned shift = 8 * byte;
      const uint64_t got = (w[i] >> shift) & 0xff;
      bool ok = false;
      for (size_t c = 0; c < n && !ok; ++c) ok = ((images[c * kWords + i] >> shift) & 0xff) == got;
      if (!ok) return false;
    }
  }
  return true;
}

Verdict classify(const FileIdent& m, uint64_t block, const void* data, const Legal& legal,
                 const OpCtx& ctx) {
  const Parsed p = parse_block(data);
  Verdict v;
  v.file = m.path;
  v.offset = block * kBlockSize;
  v.expected = legal_json(legal);
  v.found = to_json(p);
  v.ctx = ctx;
  const std::string at = "block " + std::to_string(block) + " of " + m.path;
  const bool hole = legal.all_zero();
  switch (p.kind) {
    case BlockKind::kZero:
      v.check = "lost-write";
      v.message = at + " reads as zeros but must hold a completed write";
      break;
    case BlockKind::kTorn:
    case BlockKind::kGarbage:
      v.check = hole ? "nonzero-hole" : "torn-block";
      v.message = at +
                  (hole ? " must read as zeros (hole/punched/beyond old EOF) but holds "
                        : " holds a damaged block: ") +
                  (p.kind == BlockKind::kTorn
                       ? "a stamp header (" + describe(p.id) + ") with a corrupt body at word " +
                             std::to_string(p.bad_word) + " (" + describe_damage(p) + ")"
                       : "non-zero data without a stamp");
      break;
    case BlockKind::kStamp: {
      if (p.id.writer & kPrivateWriter) {
        v.check = "cow-leak";
        v.message = at + " holds MAP_PRIVATE copy-on-write data (" + describe(p.id) + ")";
        break;
      }
      if (p.id.run != m.run) {
        v.check = "misplaced-stamp";
        v.message = at + " holds a block from another run (" + describe(p.id) + ")";
        break;
      }
      const bool same_file =
          std::any_of(legal.contents.begin(), legal.contents.end(),
                      [&](const Content& c) { return !c.zero && c.id.file == p.id.file; });
      if (p.id.file != m.id && !same_file) {
        v.check = "misplaced-stamp";
        v.message = at + " holds another file's block (" + describe(p.id) +
                    "): data of a freed and reused block";
        break;
      }
      if (hole) {
        v.check = "nonzero-hole";
        v.message = at + " must read as zeros but still holds " + describe(p.id);
        break;
      }
      uint64_t max_gen = 0;
      bool same_block = false;
      for (const Content& c : legal.contents) {
        if (c.zero || c.id.file != p.id.file || c.id.block != p.id.block) continue;
        same_block = true;
        max_gen = std::max(max_gen, c.id.gen);
      }
      if (!same_block) {
        v.check = "misplaced-stamp";
        v.message = at + " holds data written at block " + std::to_string(p.id.block) + " (" +
                    describe(p.id) + ")";
      } else {
        v.check = "stale-data";
        v.message = at + " holds generation " + std::to_string(p.id.gen) +
                    (p.id.gen < max_gen
                         ? ", older than the last write (gen " + std::to_string(max_gen) + ")"
                         : ", never legal here");
      }
      break;
    }
  }
  return v;
}

namespace {

nlohmann::json recent_ops_json(const ReadView& view) {
  static constexpr const char* kOutcomes[] = {"done", "no-effect", "unknown"};
  nlohmann::json a = nlohmann::json::array();
  for (std::size_t i = 0; i < view.recent_count; ++i) {
    const OpNote& n = view.recent[i];
    nlohmann::json j = {{"v", n.ver},
                        {"op", n.kind},
                        {"outcome", n.outcome < 0 ? "in-flight" : kOutcomes[n.outcome]}};
    if (n.gen) j["gen"] = n.gen;
    if (n.contended) j["contended"] = true;
    a.push_back(std::move(j));
  }
  return a;
}

}  // namespace

Verdict classify(const FileIdent& m, uint64_t block, const void* data, const ReadView& view,
                 const OpCtx& ctx) {
  Verdict v = classify(m, block, data, view.legal, ctx);
  v.recent_ops = recent_ops_json(view);
  return v;
}

std::optional<Verdict> judge(const FileIdent& m, uint64_t b, Via via, const void* data, bool fault,
                             const ReadView& view, const OpCtx& ctx) {
  if (!view.conclusive) return std::nullopt;
  const uint64_t lo = eof_blocks(view.eof.lo), hi = eof_blocks(view.eof.hi);
  // The common, legal case first: building a verdict allocates (strings, JSON).
  if (fault ? b >= lo : b < hi && content_legal(data, view.legal)) return std::nullopt;
  if (!fault && b < hi) return classify(m, b, data, view, ctx);
  Verdict v;
  v.file = m.path;
  v.offset = b * kBlockSize;
  v.ctx = ctx;
  v.expected = {{"eof_min", view.eof.lo}, {"eof_max", view.eof.hi}};
  v.recent_ops = recent_ops_json(view);
  if (fault) {
    // (beyond the smallest EOF seen during the access a fault is legal: handled above)
    v.check = via == Via::kMap ? "unexpected-sigbus" : "short-read";
    v.found = {{"kind", via == Via::kMap ? "sigbus" : "eof"}};
    v.message = (via == Via::kMap ? "SIGBUS" : "pread hit EOF") + std::string(" at block ") +
                std::to_string(b) + " of " + m.path +
                ", inside EOF (>= " + std::to_string(view.eof.lo) + " bytes) for the whole access";
    return v;
  }
  // Data at or beyond the largest EOF seen during the access.
  v.check = via == Via::kMap ? "missing-sigbus" : "read-beyond-eof";
  v.found = to_json(parse_block(data));
  v.message =
      std::string(via == Via::kMap ? "load through the mapping succeeded" : "pread returned data") +
      " at block " + std::to_string(b) + " of " + m.path + ", beyond EOF (" +
      std::to_string(view.eof.hi) + " bytes) for the whole access";
  return v;
}

size_t verify_blocks(const FileModel& m, int fd, uint64_t first, uint64_t count, Reporter& rep,
                     const OpCtx& ctx) {
  size_t bad = 0;
  const FileIdent id = m.ident();
  alignas(64) char buf[kBlockSize];
  for (uint64_t b = first; b < first + count && b < m.max_blocks(); ++b) {
    const ReadSnap s = m.read_begin(b);
    const ssize_t n = ::pread(fd, buf, kBlockSize, off_t(b * kBlockSize));
    if (n < 0) continue;
    if (size_t(n) < kBlockSize) std::memset(buf + n, 0, kBlockSize - size_t(n));
    ++rep.checks;
    if (auto v = judge(id, b, Via::kRead, buf, n == 0, m.read_end(s), ctx)) {
      rep.verdict(*v);
      ++bad;
    }
  }
  return bad;
}

size_t verify_file(const FileModel& m, int fd, Reporter& rep, const OpCtx& ctx, bool via_map) {
  size_t bad = 0;
  const FileIdent id = m.ident();
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  const auto actual = uint64_t(st.st_size);
  const auto sizes = m.sizes();
  ++rep.checks;
  if (std::find(sizes.begin(), sizes.end(), actual) == sizes.end()) {
    Verdict v;
    v.check = "size-mismatch";
    v.file = m.path();
    v.offset = actual;
    v.expected = {{"sizes", sizes}};
    v.found = {{"size", actual}};
    v.ctx = ctx;
    v.message = m.path() + " is " + std::to_string(actual) + " bytes, not a size the model allows";
    rep.verdict(v);
    ++bad;
  }
  const uint64_t nb = std::min(m.max_blocks(), std::max(blocks_for(actual), blocks_for(m.size())));
  bad += verify_blocks(m, fd, 0, nb, rep, ctx);
  if (!via_map || m.max_blocks() == 0) return bad;
  Mapping map(fd, 0, m.max_blocks() * kBlockSize, PROT_READ, MAP_SHARED);
  if (!map.ok()) return bad;
  alignas(64) char buf[kBlockSize];
  for (uint64_t b = 0; b < m.max_blocks(); ++b) {
    const ReadSnap s = m.read_begin(b);
    const Access a = guarded_copy(buf, map.data() + b * kBlockSize, kBlockSize);
    ++rep.checks;
    if (auto v = judge(id, b, Via::kMap, buf, a.sigbus, m.read_end(s), ctx)) {
      rep.verdict(*v);
      ++bad;
    }
  }
  return bad;
}

}  // namespace dt::workload
