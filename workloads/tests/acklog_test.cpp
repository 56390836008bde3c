// The ack log's power-cut verification with map-sync's host-only records: the
// guest's file holds the fdatasync'ed records, the harness's copy adds the
// quiet phase's host-only ones; merged by seq they must expose an acknowledged
// MAP_SYNC store whose block allocation did not survive, and must not flag a
// store whose host-only intent never reached the harness.
#include "acklog.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fs.hpp"
#include "report.hpp"
#include "stamp.hpp"
#include "tmpdir.hpp"

namespace dt::workload {
namespace {

using nlohmann::json;
constexpr uint64_t kRun = 0xabc;
constexpr uint32_t kFile = 1;
constexpr uint64_t kBlocks = 4;

class workload_acklog : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("hot");
    fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644));
    ASSERT_TRUE(fd_);
    // Initial state: block b holds generation b+1 of writer 0.
    for (uint64_t b = 0; b < kBlocks; ++b) put(b, StampId{kRun, kFile, 0, b, b + 1});
    guest_ = {
        {{"rec", "header"}, {"run", kRun}, {"seed", 1}, {"workload", "map-sync"}, {"seq", 1}},
        {{"rec", "file"}, {"file", kFile}, {"path", path_}, {"blocks", kBlocks}, {"seq", 2}},
        {{"rec", "state"},
         {"file", kFile},
         {"size", kBlocks * kBlockSize},
         {"gens", {1, 2, 3, 4}},
         {"writers", {0, 0, 0, 0}},
         {"seq", 3}},
        // Quiet phase: block 2 punched, fsync'ed and acknowledged (durable).
        {{"rec", "intent"},
         {"op", 1},
         {"file", kFile},
         {"kind", "punch"},
         {"first", 2},
         {"count", 1},
         {"seq", 4}},
        {{"rec", "ack"}, {"op", 1}, {"seq", 5}},
    };
    // The writer's allocating MAP_SYNC store into the hole, acknowledged host-only.
    host_ = {
        {{"rec", "intent"},
         {"op", 2},
         {"file", kFile},
         {"kind", "write"},
         {"block", 2},
         {"gen", 9},
         {"writer", 2},
         {"seq", 6},
         {"host_only", true}},
        {{"rec", "ack"}, {"op", 2}, {"seq", 7}, {"host_only", true}},
    };
  }
  void put(uint64_t b, const StampId& s) {
    alignas(64) char buf[kBlockSize];
    fill_block(buf, s);
    ASSERT_EQ(pwrite_full(fd_.get(), buf, kBlockSize, b * kBlockSize), 0);
  }
  void put_zero(uint64_t b) {
    alignas(64) char buf[kBlockSize] = {};
    ASSERT_EQ(pwrite_full(fd_.get(), buf, kBlockSize, b * kBlockSize), 0);
  }
  std::string write_log(const std::string& name, const std::vector<json>& recs) {
    const std::string p = dir_.file(name);
    std::ofstream out(p);
    for (const auto& r : recs) out << r.dump() << "\n";
    return p;
  }
  std::vector<Verdict> verify(const std::string& paths) {
    Reporter rep(nullptr);
    EXPECT_EQ(verify_ack_log(paths, rep), 1);
    return rep.verdicts();
  }

  test::TmpDir dir_;
  std::string path_;
  Fd fd_;
  std::vector<json> guest_, host_;
};

TEST_F(workload_acklog, LostAllocationOfAHostOnlyAckedStoreIsALostWrite) {
  put_zero(2);  // the store's block allocation was not committed: a hole again
  const std::string g = write_log("guest", guest_), h = write_log("host", host_);
  const auto v = verify(g + "," + h);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].check, "lost-write");
  EXPECT_EQ(v[0].offset, 2 * kBlockSize);
  // The guest's log alone knows only the punch: the lost store is invisible there.
  EXPECT_TRUE(verify(g).empty());
}

TEST_F(workload_acklog, SurvivingHostOnlyStorePasses) {
  put(2, StampId{kRun, kFile, 2, 2, 9});
  const std::string g = write_log("guest", guest_), h = write_log("host", host_);
  EXPECT_TRUE(verify(g + "," + h).empty());
  EXPECT_TRUE(verify(h + "," + g).empty()) << "order of the files does not matter";
}

TEST_F(workload_acklog, StoreWhoseHostOnlyIntentNeverArrivedIsLegal) {
  // The intent of generation 10 was on its way to the harness when the power went;
  // its store landed (and was made durable by its fault).
  put(2, StampId{kRun, kFile, 3, 2, 10});
  const std::string g = write_log("guest", guest_);
  EXPECT_TRUE(verify(g).empty());
  // Torn over the hole: the first half of the stamp written.
  alignas(64) char buf[kBlockSize] = {};
  fill_block(buf, StampId{kRun, kFile, 3, 2, 10});
  std::memset(buf + kBlockSize / 2, 0, kBlockSize / 2);
  ASSERT_EQ(pwrite_full(fd_.get(), buf, kBlockSize, 2 * kBlockSize), 0);
  EXPECT_TRUE(verify(g).empty());
  // A logged generation that an acknowledged punch superseded is still a verdict: the
  // punched range came back.
  put(2, StampId{kRun, kFile, 0, 2, 3});
  const auto v = verify(g);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].check, "nonzero-hole");
}

}  // namespace
}  // namespace dt::workload
