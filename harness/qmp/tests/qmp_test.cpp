// The QMP client against a scripted peer that replays QEMU 7.2's own wording (greeting,
// replies, events, errors) on a socketpair.
#include "qmp/qmp.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

using namespace dt;

namespace {
const char* kGreeting =
    R"({"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18"}, "capabilities": ["oob"]}})";

std::string read_line(int fd) {
  std::string s;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') s += c;
  return s;
}
void say(int fd, const std::string& s) {
  write_all(fd, s + "\r\n");
}
}  // namespace

TEST(Qmp, HandshakeCommandsEventsAndErrors) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  std::thread peer([fd = sv[1]] {
    say(fd, kGreeting);
    auto caps = nlohmann::json::parse(read_line(fd));
    EXPECT_EQ(caps["execute"], "qmp_capabilities");
    say(fd, R"({"return": {}, "id": )" + caps["id"].dump() + "}");
    auto q = nlohmann::json::parse(read_line(fd));
    EXPECT_EQ(q["execute"], "query-status");
    // An event arrives before the reply: it must be queued, not mistaken for the reply.
    say(fd, R"({"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"})");
    say(fd, R"({"return": {"status": "paused", "singlestep": false, "running": false}, "id": )" +
                q["id"].dump() + "}");
    auto bad = nlohmann::json::parse(read_line(fd));
    say(fd,
        R"({"id": )" + bad["id"].dump() +
            R"(, "error": {"class": "CommandNotFound", "desc": "The command no-such-command has not been found"}})");
    say(fd,
        R"({"timestamp": {"seconds": 3, "microseconds": 4}, "event": "GUEST_PANICKED", "data": {"action": "pause"}})");
    ::close(fd);
  });
  qmp::Client c(UniqueFd(sv[0]), 5);
  EXPECT_EQ(c.greeting()["QMP"]["version"]["qemu"]["major"], 7);
  auto st = c.execute("query-status");
  EXPECT_EQ(st["status"], "paused");
  try {
    c.execute("no-such-command");
    FAIL();
  } catch (const qmp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("has not been found"), std::string::npos);
  }
  peer.join();
  auto ev = c.take_events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["event"], "STOP");
  EXPECT_EQ(ev[1]["event"], "GUEST_PANICKED");
  EXPECT_THROW(c.execute("query-status", {}, 1), qmp::Error);  // peer gone
}

TEST(Qmp, SilentPeerTimesOut) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  EXPECT_THROW(qmp::Client(UniqueFd(sv[0]), 0.3), qmp::Error);
  ::close(sv[1]);
}
