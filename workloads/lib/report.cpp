#include "report.hpp"

#include <unistd.h>

#include <cerrno>

namespace dt::workload {
namespace {

// The output is a pipe to the agent, and a pipe write fails with ENOMEM while the kernel injects
// allocation failures into this process (fail-page-alloc): stdio would drop or cut the line, so
// a line is written whole, retrying while the failure is transient. Gives up only when the
// reader is gone or the failure persists for ten seconds.
void write_line(int fd, const std::string& s) {
  const char* p = s.data();
  size_t n = s.size();
  for (int failures = 0; n > 0;) {
    const ssize_t w = ::write(fd, p, n);
    if (w > 0) {
      p += w;
      n -= static_cast<size_t>(w);
      failures = 0;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w == 0 || (errno != ENOMEM && errno != EAGAIN) || ++failures > 10000) return;
    ::usleep(1000);
  }
}

}  // namespace

Reporter::Reporter(std::FILE* out, uint64_t seed, unsigned max_printed)
    : out_(out), seed_(seed), max_printed_(max_printed) {}

void Reporter::emit(const nlohmann::json& line) {
  if (!out_) return;
  // Invalid UTF-8 in messages must not abort the run.
  const std::string s = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
  std::lock_guard lk(mu_);
  std::fflush(out_);  // nothing stdio holds may come after this line
  if (const int fd = ::fileno(out_); fd >= 0) {
    write_line(fd, s);
  } else {
    std::fwrite(s.data(), 1, s.size(), out_);
    std::fflush(out_);
  }
}

void Reporter::verdict(const Verdict& v) {
  const uint64_t n = ++failed_;
  if (n > max_printed_) return;  // counted in the result's failed_checks
  {
    std::lock_guard lk(mu_);
    kept_.push_back(v);
  }
  nlohmann::json line = {{"type", "verdict"},   {"check", v.check},       {"file", v.file},
                         {"offset", v.offset},  {"expected", v.expected}, {"found", v.found},
                         {"seed", seed_},       {"op", v.ctx.op},         {"thread", v.ctx.thread},
                         {"message", v.message}};
  if (!v.recent_ops.empty()) line["recent_ops"] = v.recent_ops;
  emit(line);
}

void Reporter::skip(const std::string& reason) {
  {
    std::lock_guard lk(mu_);
    if (!skips_.insert(reason).second) return;
    if (hold_) {
      queued_.push_back(reason);
      return;
    }
  }
  emit({{"type", "skip"}, {"reason", reason}});
}

void Reporter::release_skips() {
  std::vector<std::string> q;
  {
    std::lock_guard lk(mu_);
    hold_ = false;
    q.swap(queued_);
  }
  for (const auto& r : q) emit({{"type", "skip"}, {"reason", r}});
}

std::vector<Verdict> Reporter::verdicts() const {
  std::lock_guard lk(mu_);
  return kept_;
}

}  // namespace dt::workload
