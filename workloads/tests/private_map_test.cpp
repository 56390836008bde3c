// The private-mapping oracle (lib/private_map): a load through a MAP_PRIVATE mapping may see
// the file or this mapping's own private copy, nothing else; the plain shared-mapping judge
// would call the private copy a cow-leak.
#include "private_map.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "model.hpp"
#include "verify.hpp"

namespace dt::workload {
namespace {

constexpr uint64_t kRun = 0x1234'5678'9abc'def0ull;

struct PrivateMapOracle : ::testing::Test {
  FileModel m{kRun, 1, "/mnt/dax/work/hot", 8, 8 * kBlockSize};
  StampId file_stamp, mine, theirs;
  alignas(64) char buf[kBlockSize];

  void SetUp() override {
    file_stamp = m.make_stamp(3, 1);
    m.set(3, Content::stamp(file_stamp));
    mine = m.make_stamp(3, kPrivateWriter | 5);
    theirs = m.make_stamp(3, kPrivateWriter | 6);
  }
  std::optional<Verdict> load(const void* data, bool sigbus = false) {
    const ReadSnap s = m.read_begin(3);
    return judge_private(m.ident(), 3, data, sigbus, m.read_end(s), {mine}, OpCtx{4, 9});
  }
};

TEST_F(PrivateMapOracle, FileContentIsLegal) {
  fill_block(buf, file_stamp);
  EXPECT_FALSE(load(buf));
}

TEST_F(PrivateMapOracle, OwnPrivateCopyIsLegalWherePlainJudgeCallsItCowLeak) {
  fill_block(buf, mine);
  EXPECT_FALSE(load(buf));
  const ReadSnap s = m.read_begin(3);
  const auto plain = judge(m.ident(), 3, Via::kMap, buf, false, m.read_end(s), OpCtx{});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->check, "cow-leak");
}

TEST_F(PrivateMapOracle, AnotherMappingsPrivateDataIsCowLeak) {
  fill_block(buf, theirs);
  const auto v = load(buf);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->check, "cow-leak");
}

TEST_F(PrivateMapOracle, StoreRacingZapMayLeaveFileAndPrivateWords) {
  alignas(64) char priv[kBlockSize];
  fill_block(buf, file_stamp);
  fill_block(priv, mine);
  std::memcpy(buf + kBlockSize / 2, priv + kBlockSize / 2, kBlockSize / 2);
  EXPECT_FALSE(load(buf));
}

TEST_F(PrivateMapOracle, StaleDataIsStillCaught) {
  const StampId old = file_stamp;
  const auto t = m.begin_write(3, Content::stamp(m.make_stamp(3, 1)));
  m.end(t, FileModel::Outcome::kDone);
  fill_block(buf, old);
  const auto v = load(buf);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->check, "stale-data");
}

// Stores and loads through one private mapping (PrivateCopies) while the file changes.
struct PrivateCopiesOracle : PrivateMapOracle {
  PrivateCopies copies;
  StampId old;
  // A private store of `mine` at block 3 begins; then a completed write replaces the file's
  // block (whose content was `old`).
  PrivateCopies::Store store_then_overwrite() {
    old = file_stamp;
    const PrivateCopies::Store st = copies.begin_store(m, 3, mine);
    overwrite();
    return st;
  }
  void overwrite() {
    const auto t = m.begin_write(3, Content::stamp(m.make_stamp(3, 1)));
    m.end(t, FileModel::Outcome::kDone);
  }
  std::optional<Verdict> private_load(const void* data) {
    const PrivateCopies::Read r = copies.begin_read(m, 3);
    return judge_private(m.ident(), 3, data, false, copies.end_read(m, r), copies.mine(3),
                         OpCtx{4, 9});
  }
};

// Captured on a loaded host (CI): the copy-on-write writer was preempted between its store's
// fault and the store, and the reader saw the copy, the file as it had been before a later
// write (lost-write and stale-data verdicts on a correct kernel).
TEST_F(PrivateCopiesOracle, CopyOfAStoreInFlightMayPredateTheLoad) {
  store_then_overwrite();
  fill_block(buf, old);
  EXPECT_FALSE(private_load(buf));
  // Without the store in flight the same load is stale data.
  const auto v = load(buf);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->check, "stale-data");
}

TEST_F(PrivateCopiesOracle, OnceTheStoreLandedTheOlderFileIsStaleAgain) {
  copies.end_store(store_then_overwrite());
  fill_block(buf, old);
  const auto v = private_load(buf);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->check, "stale-data");
  fill_block(buf, mine);  // the private stamp stays legal
  EXPECT_FALSE(private_load(buf));
  copies.forget();  // a fresh mapping has no private copies
  EXPECT_TRUE(copies.mine(3).empty());
}

TEST_F(PrivateMapOracle, SigbusInsideEofIsUnexpected) {
  const auto v = load(buf, true);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->check, "unexpected-sigbus");
}

}  // namespace
}  // namespace dt::workload
