// Every guest-protocol message survives encode -> JSON text -> decode on both directions, and
// bad lines are typed errors, not crashes (the agent and the harness share this header).
#include "protocol/agent_messages.hpp"

#include <gtest/gtest.h>

namespace dt::protocol {
namespace {

template <class Variant>
Variant through_the_wire(const Variant& v, Variant (*decode)(const json&)) {
  return decode(json::parse(encode(v).dump()));
}

TEST(AgentMessages, EveryRequestRoundTrips) {
  const std::vector<Request> all = {
      Exec{7, {"dt-mixed", "--dir", "/mnt/dax"}, {{"A", "1"}}, "/tmp"},
      Exec{8, {"true"}, {}, ""},
      Kill{7, 15},
      Write{9, "/proc/sys/kernel/printk", "7 4 1 7"},
      Shell{},
      Poweroff{},
      Greet{},
  };
  for (const auto& r : all) EXPECT_EQ(through_the_wire(r, decode_request), r) << encode(r).dump();
}

TEST(AgentMessages, EveryReplyRoundTrips) {
  const std::vector<Reply> all = {
      Hello{"2", "6.1.0-dt", "#1 SMP", "console=ttyS0", 2, 1u << 30, 1.5},
      Heartbeat{3.25, 2},
      Started{7, 123},
      Started{-1, 99},
      Output{7, false, "{\"type\":\"progress\"}"},
      Output{7, true, "warning: \xe2\x9c\x93 utf-8"},
      Exited{7, 0, 0, 10.5},
      Exited{7, -1, 9, 1},
      ExecFailed{8, 2, "exec dt-nope: No such file or directory"},
      Written{9, "/proc/sys/vm/drop_caches", false, "Permission denied"},
      Error{-1, "bad request: syntax error"},
      Error{4, "bad request: exec with an empty argv"},
  };
  for (const auto& r : all) EXPECT_EQ(through_the_wire(r, decode_reply), r) << encode(r).dump();
}

TEST(AgentMessages, BadLinesAreProtocolErrors) {
  EXPECT_THROW(decode_request(json::parse(R"({"cmd":"exec","id":1,"argv":[]})")), ProtocolError);
  EXPECT_THROW(decode_request(json::parse(R"({"cmd":"exec","argv":["x"]})")), ProtocolError);
  EXPECT_THROW(decode_request(json::parse(R"({"cmd":"format-disk"})")), ProtocolError);
  EXPECT_THROW(decode_request(json::parse(R"({"cmd":"kill","id":"seven"})")), ProtocolError);
  EXPECT_THROW(decode_request(json::parse("[1,2]")), ProtocolError);
  EXPECT_THROW(decode_reply(json::parse(R"({"type":"exit"})")), ProtocolError);
  EXPECT_THROW(decode_reply(json::parse(R"({"type":"garbage","raw":"x"})")), ProtocolError);
  EXPECT_THROW(decode_reply(json::parse(R"({"line":"no type"})")), ProtocolError);
}

// Agents before request ids (no id on errors and writes) still decode: an id-less error
// belongs to no request.
TEST(AgentMessages, OldAgentErrorWithoutIdBelongsToNoRequest) {
  auto r = decode_reply(json::parse(R"({"type":"error","message":"unknown cmd 'x'"})"));
  ASSERT_TRUE(std::holds_alternative<Error>(r));
  EXPECT_EQ(std::get<Error>(r).id, -1);
}

}  // namespace
}  // namespace dt::protocol
