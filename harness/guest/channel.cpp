#include "guest/channel.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace dt::guest {

json decode_line(const std::string& line) {
  auto j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string())
    return {{"type", "garbage"}, {"raw", line.substr(0, 512)}};
  return j;
}

bool Channel::send(const json& msg) {
  if (!fd_) return false;
  return write_all(fd_.get(), msg.dump() + "\n");
}

bool Channel::fill(double timeout_s) {
  if (!fd_ || eof_) return false;
  pollfd p{fd_.get(), POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(timeout_s * 1000));
  if (r <= 0) return false;
  char buf[65536];
  ssize_t n = ::read(fd_.get(), buf, sizeof buf);
  if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
    eof_ = true;
    return false;
  }
  if (n > 0) lines_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  return true;
}

std::optional<json> Channel::next(double timeout_s) {
  if (auto l = lines_.next()) return decode_line(*l);
  if (fill(timeout_s)) {
    while (fill(0)) {
    }
    if (auto l = lines_.next()) return decode_line(*l);
  }
  if (eof_ && !eof_reported_) {
    eof_reported_ = true;
    return json{{"type", "eof"}};
  }
  return std::nullopt;
}

}  // namespace dt::guest
