// Every guest program runs briefly on a host temp dir: exit 0 (pass) or 4
// (skipped, e.g. reflink on ext4), well-formed JSON lines, start first and
// result last, and usage errors exit 2.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tmpdir.hpp"

namespace dt::workload {
namespace {

struct Ran {
  int exit_code = -1;
  std::vector<nlohmann::json> lines;
  std::string raw;
};

Ran run(const std::string& cmd) {
  Ran r;
  std::FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  while (std::fgets(buf.data(), buf.size(), p)) r.raw += buf.data();
  const int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::istringstream in(r.raw);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    r.lines.push_back(j);
  }
  return r;
}

std::string bin(const std::string& prog) {
  return std::string(DT_GUEST_BIN_DIR) + "/dt-" + prog;
}

class workload_program : public ::testing::TestWithParam<std::string> {};

TEST_P(workload_program, RunsBrieflyOnHost) {
  const std::string prog = GetParam();
  ASSERT_TRUE(std::filesystem::exists(bin(prog))) << bin(prog);
  test::TmpDir dir;
  std::string extra;
  if (prog == "map-sync") extra = " --ack-log " + dir.file("ack.log");
  const Ran r = run(bin(prog) + " --dir " + dir.path() +
                    " --duration 1 --seed 7 --fill-max 4194304 --threads 3" + extra);
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 4) << "exit " << r.exit_code << "\n" << r.raw;
  ASSERT_GE(r.lines.size(), 2u) << r.raw;
  for (const auto& j : r.lines) {
    ASSERT_FALSE(j.is_discarded()) << r.raw;
    ASSERT_TRUE(j.contains("type")) << j.dump();
  }
  EXPECT_EQ(r.lines.front()["type"], "start");
  EXPECT_EQ(r.lines.front()["workload"], prog);
  EXPECT_EQ(r.lines.front()["seed"], 7);
  EXPECT_TRUE(r.lines.front()["dax"].is_boolean());
  const auto& res = r.lines.back();
  EXPECT_EQ(res["type"], "result");
  EXPECT_EQ(res["status"], r.exit_code == 0 ? "pass" : "skip");
  for (const char* k : {"iterations", "faults", "checks", "failed_checks", "elapsed"})
    EXPECT_TRUE(res.contains(k)) << k;
  if (r.exit_code == 0) {
    EXPECT_GT(res["checks"].get<uint64_t>(), 0u);
    bool progress = false;
    for (const auto& j : r.lines) progress |= j["type"] == "progress";
    EXPECT_TRUE(progress) << "heartbeat missing";
  }
  if (prog == "map-sync" && r.exit_code == 0) {
    // The ack log must verify against the files left behind.
    const Ran v = run(bin(prog) + " --dir " + dir.path() + " --seed 7 --verify-only --ack-log " +
                      dir.file("ack.log"));
    EXPECT_EQ(v.exit_code, 0) << v.raw;
  }
}

// A directory the workload cannot create its files in is the caller's mistake: exit 2 and one
// stderr line naming the program, the path and the reason; nothing on stdout.
TEST_P(workload_program, ADirectoryItCannotWriteInIsOneLineUsageError) {
  test::TmpDir dir;
  const std::string missing = dir.path() + "/no-such-dir";
  const std::string prog = GetParam();
  // Its stderr, as stdout of an inner shell (run() discards the outer stderr).
  const Ran r =
      run("sh -c '" + bin(prog) + " --dir " + missing + " --duration 1 --seed 7 2>&1 >/dev/null'");
  EXPECT_EQ(r.exit_code, 2) << r.raw;
  ASSERT_EQ(r.lines.size(), 1u) << r.raw;
  EXPECT_EQ(r.raw.rfind("dt-" + prog + ": cannot create ", 0), 0u) << r.raw;
  EXPECT_NE(r.raw.find(missing), std::string::npos) << r.raw;
  EXPECT_NE(r.raw.find("No such file or directory"), std::string::npos) << r.raw;
}

TEST_P(workload_program, UnknownFlagIsUsageError) {
  const Ran r = run(bin(GetParam()) + " --dir /tmp --no-such-flag");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.raw.empty()) << "usage errors go to stderr";
}

// partial-block's oracle sees what it is there for: a byte left beyond EOF after a truncate into
// a block (its DT_SABOTAGE_TAIL control, since no host kernel misses that zeroing) is a
// nonzero-hole naming the byte, on any filesystem.
TEST(PartialBlock, SeesATailLeftBeyondEofAfterATruncate) {
  test::TmpDir dir;
  const Ran r = run("DT_SABOTAGE_TAIL=1 " + bin("partial-block") + " --dir " + dir.path() +
                    " --duration 1 --seed 7 --fill-files 0 --threads 2 --ops write,truncate");
  EXPECT_EQ(r.exit_code, 1) << r.raw;
  bool seen = false;
  for (const auto& j : r.lines)
    if (j.value("type", "") == "verdict" && j.value("check", "") == "nonzero-hole") {
      seen = true;
      EXPECT_EQ(j["found"]["damage"][0]["len"], 1) << j.dump();
      EXPECT_EQ(j["found"]["damage"][0]["expected"], "zeros") << j.dump();
      EXPECT_FALSE(j["recent_ops"].empty()) << j.dump();
    }
  EXPECT_TRUE(seen) << r.raw;
}

INSTANTIATE_TEST_SUITE_P(workload, workload_program,
                         ::testing::Values("fault-vs-truncate", "fault-vs-layout", "pmd-vs-pte",
                                           "write-vs-fault", "pin-vs-truncate", "map-sync",
                                           "reflink", "mixed", "partial-block"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace dt::workload
