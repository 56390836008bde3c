#include "metrics/exposition.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace dt::metrics {
namespace fs = std::filesystem;

LabelledView::LabelledView(std::shared_ptr<prometheus::Collectable> inner,
                           prometheus::Labels labels)
    : inner_(std::move(inner)), labels_(std::move(labels)) {}

std::vector<prometheus::MetricFamily> LabelledView::Collect() const {
  auto families = inner_->Collect();
  for (auto& f : families)
    for (auto& m : f.metric)
      for (const auto& [k, v] : labels_) {
        if (v.empty()) continue;
        m.label.push_back({k, v});
      }
  return families;
}

std::string to_text(const std::vector<prometheus::MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

void write_textfile(const fs::path& path, const std::string& text) {
  auto fail = [&](const std::string& what, int err) {
    throw InfraError(
        fmt::format("metrics textfile {}: {}: {}", path.string(), what, std::strerror(err)));
  };
  fs::path tmp = path;
  tmp += fmt::format(".tmp{}", ::getpid());  // not *.prom: the collector ignores it
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create " + tmp.string(), errno);
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("write failed", e);
    }
    off += static_cast<std::size_t>(n);
  }
  int synced = ::fsync(fd);
  int e = errno;
  if (::close(fd) != 0 && synced == 0) synced = -1, e = errno;
  if (synced != 0) {
    ::unlink(tmp.c_str());
    fail("cannot flush", e);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename into place", e);
  }
}

}  // namespace dt::metrics
