#include "acklog.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include "model.hpp"
#include "stamp.hpp"
#include "verify.hpp"

namespace dt::workload {

bool AckLog::open(const std::string& path) {
  fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
  return bool(fd_);
}

void AckLog::append(nlohmann::json rec, bool durable) {
  rec["seq"] = next_seq_++;
  if (durable) {
    const std::string line = rec.dump() + "\n";
    pwrite_full(fd_.get(), line.data(), line.size(), 0);  // O_APPEND: offset ignored
    ::fdatasync(fd_.get());
  } else {
    rec["host_only"] = true;
  }
  if (mirror_)
    mirror_(rec);
  else if (early_.size() < 64)
    early_.push_back(rec);
}

void AckLog::set_mirror(std::function<void(const nlohmann::json&)> mirror) {
  std::lock_guard lk(mu_);
  mirror_ = std::move(mirror);
  for (auto& r : early_) mirror_(r);
  early_.clear();
}

void AckLog::record(nlohmann::json rec) {
  std::lock_guard lk(mu_);
  append(rec);
}

uint64_t AckLog::intent(nlohmann::json rec, bool durable) {
  std::lock_guard lk(mu_);
  const uint64_t op = next_op_++;
  rec["rec"] = "intent";
  rec["op"] = op;
  append(std::move(rec), durable);
  return op;
}

void AckLog::ack(uint64_t op, bool durable) {
  std::lock_guard lk(mu_);
  append({{"rec", "ack"}, {"op", op}}, durable);
}

namespace {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

struct LoggedOp {
  uint64_t intent = 0, ack = kNever;  // log positions
  nlohmann::json rec;
};

struct LoggedFile {
  uint32_t id = 0;
  std::string path;
  uint64_t blocks = 0;
  std::vector<LoggedOp*> ops;
  std::set<uint64_t> gens;  // generations of every logged write
};

// Ops whose result may be what survived: not superseded by an acked op that
// started after they were acknowledged.
template <class Touches>
std::vector<const LoggedOp*> survivors(const LoggedFile& f, Touches touches) {
  uint64_t last_acked_intent = 0;
  for (const LoggedOp* o : f.ops)
    if (o->ack != kNever && touches(*o)) last_acked_intent = std::max(last_acked_intent, o->intent);
  std::vector<const LoggedOp*> out;
  for (const LoggedOp* o : f.ops)
    if (touches(*o) && (o->ack == kNever || o->ack >= last_acked_intent)) out.push_back(o);
  return out;
}

// Every record of the logs named in paths (comma-separated), in "seq" order; a log
// without sequence numbers (older writers) keeps its file order.
std::vector<nlohmann::json> read_logs(const std::string& paths, bool& found_first) {
  std::vector<nlohmann::json> recs;
  bool all_seq = true;
  size_t start = 0;
  for (bool first = true;; first = false) {
    const size_t comma = paths.find(',', start);
    const std::string path =
        paths.substr(start, comma == std::string::npos ? comma : comma - start);
    std::ifstream in(path);
    if (first) found_first = bool(in);
    for (std::string line; in && std::getline(in, line);) {
      auto r = nlohmann::json::parse(line, nullptr, false);
      if (r.is_discarded() || !r.is_object() || !r.contains("rec")) continue;  // torn tail
      all_seq = all_seq && r.contains("seq");
      recs.push_back(std::move(r));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!all_seq) return recs;
  std::stable_sort(recs.begin(), recs.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a["seq"].get<uint64_t>() < b["seq"].get<uint64_t>();
  });
  recs.erase(std::unique(recs.begin(), recs.end(),
                         [](const nlohmann::json& a, const nlohmann::json& b) {
                           return a["seq"] == b["seq"];
                         }),
             recs.end());
  return recs;
}

}  // namespace

int verify_ack_log(const std::string& log_paths, Reporter& rep) {
  bool found = false;
  const std::vector<nlohmann::json> recs = read_logs(log_paths, found);
  if (!found) return -1;
  uint64_t run = 0;
  bool header = false;
  std::map<uint32_t, LoggedFile> files;
  std::map<uint64_t, LoggedOp> ops;  // by op id (state records use negative-free ids)
  uint64_t pos = 0, synthetic = 1ull << 62;
  for (const nlohmann::json& r : recs) {
    ++pos;
    const std::string kind = r["rec"];
    if (kind == "header") {
      run = r.value("run", uint64_t{0});
      header = true;
    } else if (kind == "file") {
      LoggedFile& f = files[r.value("file", 0u)];
      f.id = r.value("file", 0u);
      f.path = r.value("path", "");
      f.blocks = r.value("blocks", uint64_t{0});
    } else if (kind == "state" || kind == "intent") {
      const uint64_t id = kind == "state" ? synthetic++ : r.value("op", uint64_t{0});
      LoggedOp& o = ops[id];
      o.intent = pos;
      if (kind == "state") o.ack = pos;
      o.rec = r;
      auto it = files.find(r.value("file", 0u));
      if (it != files.end()) {
        it->second.ops.push_back(&o);
        if (r.value("kind", "") == "write") it->second.gens.insert(r.value("gen", uint64_t{0}));
        if (kind == "state" && r.contains("gens") && r["gens"].is_array())
          for (const auto& g : r["gens"]) it->second.gens.insert(g.get<uint64_t>());
      }
    } else if (kind == "ack") {
      auto it = ops.find(r.value("op", uint64_t{0}));
      if (it != ops.end()) it->second.ack = pos;
    }
  }
  if (!header) return -1;
  int checked = 0;
  for (auto& [id, f] : files) {
    ++checked;
    const FileIdent ident{run, f.id, f.path};
    Fd fd(::open(f.path.c_str(), O_RDONLY | O_CLOEXEC));
    ++rep.checks;
    if (!fd) {
      Verdict v;
      v.check = "lost-write";
      v.file = f.path;
      v.message = f.path + " named in the ack log is missing";
      rep.verdict(v);
      continue;
    }
    // Sizes: the state record and truncates.
    auto sized = [](const LoggedOp& o) {
      return o.rec["rec"] == "state" || o.rec.value("kind", "") == "truncate";
    };
    std::vector<uint64_t> sizes;
    for (const LoggedOp* o : survivors(f, sized))
      sizes.push_back(o->rec.value("size", uint64_t{0}));
    const auto actual = uint64_t(::lseek(fd.get(), 0, SEEK_END));
    if (std::find(sizes.begin(), sizes.end(), actual) == sizes.end()) {
      Verdict v;
      v.check = "size-mismatch";
      v.file = f.path;
      v.offset = actual;
      v.expected = {{"sizes", sizes}};
      v.found = {{"size", actual}};
      v.message = f.path + " is " + std::to_string(actual) +
                  " bytes after the crash; acked sizes allow only others";
      rep.verdict(v);
    }
    const uint64_t min_size = sizes.empty() ? 0 : *std::min_element(sizes.begin(), sizes.end());
    alignas(64) char buf[kBlockSize];
    for (uint64_t b = 0; b < std::min(f.blocks, blocks_for(actual)); ++b) {
      auto touches = [b](const LoggedOp& o) {
        if (o.rec["rec"] == "state") return true;
        const std::string k = o.rec.value("kind", "");
        if (k == "write") return o.rec.value("block", kNever) == b;
        if (k == "punch")
          return b >= o.rec.value("first", kNever) &&
                 b < o.rec.value("first", kNever) + o.rec.value("count", uint64_t{0});
        if (k == "truncate") return blocks_for(o.rec.value("size", uint64_t{0})) <= b;
        return false;
      };
      Legal legal;
      for (const LoggedOp* o : survivors(f, touches)) {
        const auto& r = o->rec;
        if (r["rec"] == "state") {
          const auto& gens = r["gens"];
          const uint64_t g = b < gens.size() ? gens[b].get<uint64_t>() : 0;
          const uint32_t w = b < r["writers"].size() ? r["writers"][b].get<uint32_t>() : 0;
          legal.add(g ? Content::stamp(StampId{run, f.id, w, b, g}) : Content::zeros());
        } else if (r.value("kind", "") == "write") {
          legal.add(Content::stamp(
              StampId{run, f.id, r.value("writer", 0u), b, r.value("gen", uint64_t{0})}));
        } else {
          legal.add(Content::zeros());
        }
      }
      if (b * kBlockSize >= min_size) legal.add(Content::zeros());  // beyond some legal EOF
      const ssize_t n = ::pread(fd.get(), buf, kBlockSize, off_t(b * kBlockSize));
      if (n <= 0) continue;
      if (size_t(n) < kBlockSize) std::memset(buf + n, 0, kBlockSize - size_t(n));
      ++rep.checks;
      if (content_legal(buf, legal)) continue;
      // A store whose intent the log does not hold at all: a host-only intent still on its
      // way to the harness when the power went (fdatasync'ed intents are all in the guest's
      // log, which is checked for lost records separately). Its stamp, whole or partly
      // written over what was legal, is legal too.
      const Parsed p = parse_block(buf);
      if ((p.kind == BlockKind::kStamp || p.kind == BlockKind::kTorn) && p.id.run == run &&
          p.id.file == f.id && p.id.block == b && !f.gens.count(p.id.gen)) {
        legal.add(Content::stamp(p.id));
        if (content_legal(buf, legal)) continue;
      }
      rep.verdict(classify(ident, b, buf, legal, OpCtx{-1, 0}));
    }
  }
  return checked;
}

}  // namespace dt::workload
