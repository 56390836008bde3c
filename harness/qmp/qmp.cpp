#include "qmp/qmp.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace dt::qmp {

Client::Client(const std::string& socket_path, double timeout_s)
    : Client(connect_unix(socket_path, timeout_s), timeout_s) {}

Client::Client(UniqueFd fd, double timeout_s) : fd_(std::move(fd)) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (greeting_.is_null()) {
    double left =
        std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0 || !read_some(left)) throw Error("QMP: no greeting from QEMU");
    while (auto l = lines_.next()) {
      auto j = json::parse(*l, nullptr, false);
      if (j.is_object() && j.contains("QMP")) greeting_ = j;
    }
  }
  execute("qmp_capabilities", json::object(), timeout_s);
}

bool Client::read_some(double timeout_s) {
  pollfd p{fd_.get(), POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(timeout_s * 1000));
  if (r < 0 && errno != EINTR) throw Error(std::string("QMP poll: ") + std::strerror(errno));
  if (r <= 0) return false;
  char buf[65536];
  ssize_t n = ::read(fd_.get(), buf, sizeof buf);
  if (n == 0) {
    fd_.reset();
    throw Error("QMP: QEMU closed the monitor (it exited?)");
  }
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return true;
    throw Error(std::string("QMP read: ") + std::strerror(errno));
  }
  lines_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  return true;
}

void Client::pump() {
  if (!fd_) return;
  try {
    while (read_some(0)) {
    }
  } catch (const Error&) {
    // EOF: QEMU is gone; the run loop learns that from the process itself.
  }
  while (auto l = lines_.next()) {
    auto j = json::parse(*l, nullptr, false);
    if (!j.is_object()) continue;
    if (j.contains("event"))
      events_.push_back(j);
    else
      replies_.push_back(j);
  }
}

json Client::read_message(double timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    while (auto l = lines_.next()) {
      auto j = json::parse(*l, nullptr, false);
      if (!j.is_object()) continue;
      if (j.contains("event"))
        events_.push_back(j);
      else
        return j;
    }
    if (!replies_.empty()) {
      auto j = replies_.front();
      replies_.pop_front();
      return j;
    }
    double left =
        std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) throw Error("QMP: timed out waiting for a reply");
    if (!fd_) throw Error("QMP: not connected");
    read_some(left);
  }
}

json Client::execute(const std::string& cmd, const json& args, double timeout_s) {
  if (!fd_) throw Error("QMP: not connected (QEMU exited?)");
  int id = next_id_++;
  json req = {{"execute", cmd}, {"id", id}};
  if (!args.empty()) req["arguments"] = args;
  if (!write_all(fd_.get(), req.dump() + "\n")) throw Error("QMP: write failed (QEMU exited?)");
  for (;;) {
    json reply = read_message(timeout_s);
    if (reply.value("id", -1) != id) continue;  // a late reply to a timed-out command
    if (reply.contains("error"))
      throw Error("QMP " + cmd + ": " + reply["error"].value("desc", reply["error"].dump()));
    return reply.value("return", json::object());
  }
}

std::string Client::hmp(const std::string& command_line, double timeout_s) {
  auto r = execute("human-monitor-command", {{"command-line", command_line}}, timeout_s);
  return r.is_string() ? r.get<std::string>() : r.dump();
}

std::deque<json> Client::take_events() {
  pump();
  std::deque<json> out;
  out.swap(events_);
  return out;
}

}  // namespace dt::qmp
