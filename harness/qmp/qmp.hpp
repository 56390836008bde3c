#pragma once
// QEMU Machine Protocol client: JSON objects over a unix socket. Synchronous commands with a
// timeout; asynchronous events (SHUTDOWN, RESET, STOP, GUEST_PANICKED) are queued and taken by
// the run loop, which also polls fd() to notice them while no command is in flight.
#include <deque>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "util/fd.hpp"

namespace dt::qmp {

using json = nlohmann::json;

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Client {
 public:
  // Connects (retrying until timeout: QEMU creates the socket after it starts), reads the
  // greeting and negotiates capabilities.
  Client(const std::string& socket_path, double timeout_s);
  // Adopt an already connected fd (tests, and QEMU started with an fd).
  explicit Client(UniqueFd fd, double timeout_s = 10);

  // {"execute":cmd,"arguments":args} -> the "return" value; Error on {"error":...} or timeout.
  json execute(const std::string& cmd, const json& args = json::object(), double timeout_s = 10);
  // human-monitor-command: "info registers", "sendkey alt-sysrq-t", ...
  std::string hmp(const std::string& command_line, double timeout_s = 10);

  int fd() const { return fd_.get(); }
  void pump();  // read what is available without blocking
  std::deque<json> take_events();
  bool connected() const { return static_cast<bool>(fd_); }
  const json& greeting() const { return greeting_; }

 private:
  json read_message(double timeout_s);  // next non-event message, queueing events
  bool read_some(double timeout_s);     // false on timeout; throws on EOF
  UniqueFd fd_;
  LineBuffer lines_;
  std::deque<json> events_;
  std::deque<json> replies_;
  json greeting_;
  int next_id_ = 1;
};

}  // namespace dt::qmp
