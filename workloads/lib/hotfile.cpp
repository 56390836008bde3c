#include "hotfile.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "cli.hpp"
#include "run.hpp"
#include "sigbus.hpp"
#include "verify.hpp"

namespace dt::workload {
namespace {

// Errors after which the kernel may have done part of the work.
FileModel::Outcome outcome_of(int err) {
  if (err == 0) return FileModel::Outcome::kDone;
  if (err == EOPNOTSUPP || err == EINVAL || err == EBADF || err == EPERM || err == EFBIG)
    return FileModel::Outcome::kNoEffect;
  return FileModel::Outcome::kUnknown;
}

}  // namespace

int fallocate_mode(const std::string& op) {
  if (op == "punch") return FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
  if (op == "collapse") return FALLOC_FL_COLLAPSE_RANGE;
  if (op == "insert") return FALLOC_FL_INSERT_RANGE;
  if (op == "zero") return FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
  return -1;
}

std::vector<std::string> probe_layout_ops(Run& run, const std::vector<std::string>& wanted) {
  static const std::map<std::string, std::string> kNames = {{"punch", "PUNCH_HOLE"},
                                                            {"zero", "ZERO_RANGE"},
                                                            {"collapse", "COLLAPSE_RANGE"},
                                                            {"insert", "INSERT_RANGE"}};
  std::vector<std::string> ok;
  const std::string path = run.file_path("probe");
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  std::vector<char> buf(8 * kBlockSize, 'x');
  for (const auto& op : wanted) {
    if (fallocate_mode(op) < 0) continue;
    if (!fd || pwrite_full(fd.get(), buf.data(), buf.size(), 0) != 0) break;
    const int e = do_fallocate(fd.get(), fallocate_mode(op), 2 * kBlockSize, kBlockSize);
    if (e == 0)
      ok.push_back(op);
    else
      run.rep().skip("FALLOC_FL_" + kNames.at(op) + " unsupported here: " + errno_name(e));
  }
  ::unlink(path.c_str());
  return ok;
}

HotFile::HotFile(Run& run, const std::string& name, uint64_t max_size, bool populate) : run_(run) {
  const std::string path = run.file_path(name);
  ::unlink(path.c_str());
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  const uint64_t nb = blocks_for(max_size);
  model_ = std::make_unique<FileModel>(run.nonce(), run.new_file_id(), path, nb, 0);
  if (!fd_) return;
  if (!populate) return;
  do_ftruncate(fd_.get(), nb * kBlockSize);
  model_->set_size(nb * kBlockSize);
  for (uint64_t b = 0; b < nb; ++b) pwrite_stamp(b, 0);
}

bool HotFile::report(std::optional<Verdict> v) {
  if (!v) return true;
  run_.rep().verdict(*v);
  return false;
}

int HotFile::truncate(uint64_t size) {
  const auto t = model_->begin_truncate(size);
  const int e = do_ftruncate(fd_.get(), size);
  model_->end(t, outcome_of(e));
  return e;
}

int HotFile::punch(uint64_t first, uint64_t count) {
  const auto t = model_->begin_zero(first, count);
  const int e = do_fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                             first * kBlockSize, count * kBlockSize);
  model_->end(t, outcome_of(e));
  return e;
}

int HotFile::zero_range(uint64_t first, uint64_t count) {
  const auto t = model_->begin_zero(first, count);
  const int e = do_fallocate(fd_.get(), FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
                             first * kBlockSize, count * kBlockSize);
  model_->end(t, outcome_of(e));
  return e;
}

int HotFile::collapse(uint64_t first, uint64_t count) {
  const auto t = model_->begin_collapse(first, count);
  const int e =
      do_fallocate(fd_.get(), FALLOC_FL_COLLAPSE_RANGE, first * kBlockSize, count * kBlockSize);
  model_->end(t, outcome_of(e));
  return e;
}

int HotFile::insert(uint64_t first, uint64_t count) {
  const auto t = model_->begin_insert(first, count);
  const int e =
      do_fallocate(fd_.get(), FALLOC_FL_INSERT_RANGE, first * kBlockSize, count * kBlockSize);
  model_->end(t, outcome_of(e));
  return e;
}

int HotFile::pwrite_stamp(uint64_t b, uint32_t writer, int fd, char* buf) {
  alignas(64) char local[kBlockSize];
  char* p = buf ? buf : local;
  const StampId s = model_->make_stamp(b, writer);
  fill_block(p, s);
  const auto t = model_->begin_write(b, Content::stamp(s));
  const int e = pwrite_full(fd >= 0 ? fd : fd_.get(), p, kBlockSize, b * kBlockSize);
  model_->end(t, outcome_of(e));
  return e;
}

bool HotFile::pread_check(uint64_t b, const OpCtx& ctx) {
  alignas(64) char buf[kBlockSize];
  const ReadSnap s = model_->read_begin(b);
  const ssize_t n = ::pread(fd_.get(), buf, kBlockSize, off_t(b * kBlockSize));
  if (n < 0) return true;
  if (size_t(n) < kBlockSize) std::memset(buf + n, 0, kBlockSize - size_t(n));
  ++run_.rep().checks;
  const ReadView v = model_->read_end(s);
  if (!v.conclusive) ++run_.rep().inconclusive;
  auto verdict = judge(model_->ident(), b, Via::kRead, buf, n == 0, v, ctx);
  if (verdict && std::getenv("DT_MODEL_TRACE"))
    std::fprintf(stderr, "pread verdict block %llu snap v%llu\n", (unsigned long long)b,
                 (unsigned long long)s.ver);
  return report(std::move(verdict));
}

bool HotFile::map_read(const char* map, uint64_t b, const OpCtx& ctx) {
  alignas(64) char buf[kBlockSize];
  const ReadSnap s = model_->read_begin(b);
  const Access a = guarded_copy(buf, map + b * kBlockSize, kBlockSize);
  ++run_.rep().checks;
  const ReadView v = model_->read_end(s);
  if (!v.conclusive) ++run_.rep().inconclusive;
  auto verdict = judge(model_->ident(), b, Via::kMap, buf, a.sigbus, v, ctx);
  if (verdict && std::getenv("DT_MODEL_TRACE"))
    std::fprintf(stderr, "map_read verdict block %llu snap v%llu\n", (unsigned long long)b,
                 (unsigned long long)s.ver);
  return report(std::move(verdict));
}

bool HotFile::map_write(char* map, uint64_t b, uint32_t writer, const OpCtx& ctx, bool flush,
                        bool* stored, const std::function<void(const StampId&)>& before_store) {
  alignas(64) char buf[kBlockSize];
  const StampId s = model_->make_stamp(b, writer);
  if (before_store) before_store(s);
  fill_block(buf, s);
  const ReadSnap snap = model_->read_begin(b);
  const auto t = model_->begin_write(b, Content::stamp(s));
  const Access a = guarded_copy(map + b * kBlockSize, buf, kBlockSize);
  if (flush && !a.sigbus) flush_lines(map + b * kBlockSize, kBlockSize);
  // A store that faulted before its first byte changed nothing; one that
  // faulted midway (unmapped by a racing truncate) left part of the block.
  model_->end(t, !a.sigbus     ? FileModel::Outcome::kDone
                 : a.done == 0 ? FileModel::Outcome::kNoEffect
                               : FileModel::Outcome::kUnknown);
  if (stored) *stored = !a.sigbus;
  if (a.sigbus) {
    ++run_.rep().checks;
    ReadView v = model_->read_end(snap);
    auto verdict = judge(model_->ident(), b, Via::kMap, buf, true, v, ctx);
    // A write fault that must allocate on a full filesystem legitimately
    // SIGBUSes (ENOSPC); the fill leaves a reserve, so this is rare.
    if (verdict && run_.space_low(fd_.get())) {
      run_.rep().skip(
          "write fault SIGBUS while the filesystem was nearly full (ENOSPC): not judged");
      return true;
    }
    return report(std::move(verdict));
  }
  return map_read(map, b, ctx);
}

bool HotFile::judge_data(const ReadSnap& snap, const void* data, const OpCtx& ctx) {
  ++run_.rep().checks;
  ReadView v = model_->read_end(snap);
  if (!v.conclusive) {
    ++run_.rep().inconclusive;
    return true;
  }
  if (content_legal(data, v.legal)) return true;
  return report(classify(model_->ident(), snap.block, data, v, ctx));
}

int HotFile::creation_failed(const Run& run) const {
  return run.cannot_create(path());
}

void HotFile::attach_as_hot(Run& run, uint64_t hot_bytes) {
  run.set_dax(probe_dax(fd()));
  run.set_hot_bytes(hot_bytes);
  run.track(model(), fd());
}

}  // namespace dt::workload
