#pragma once
// The harness end of the guest protocol (see guest-images/agent/agent.cpp for the wire
// format): JSON lines over the virtio-serial port that QEMU exposes as a unix socket.
// A line that is not JSON (a broken guest can send anything) becomes a "garbage" message
// instead of an exception, so the run records it and carries on.
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "util/fd.hpp"

namespace dt::guest {

using json = nlohmann::json;

class Channel {
 public:
  Channel() = default;
  explicit Channel(UniqueFd fd) : fd_(std::move(fd)) {}

  bool send(const json& msg);
  // Next message, waiting up to timeout_s; nullopt on timeout. {"type":"eof"} once the peer closed.
  std::optional<json> next(double timeout_s);
  int fd() const { return fd_.get(); }
  bool open() const { return static_cast<bool>(fd_) && !eof_; }

 private:
  bool fill(double timeout_s);
  UniqueFd fd_;
  LineBuffer lines_{256 * 1024};
  bool eof_ = false;
  bool eof_reported_ = false;
};

// Decode one protocol line (exposed for tests and fuzzing).
json decode_line(const std::string& line);

}  // namespace dt::guest
