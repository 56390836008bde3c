// The model's rules for racing operations: what stays legal, what narrows.
#include "model.hpp"

#include <gtest/gtest.h>

#include "cli.hpp"

namespace dt::workload {
namespace {

using O = FileModel::Outcome;

Content st(FileModel& m, uint64_t b) {
  return Content::stamp(m.make_stamp(b, 1));
}

TEST(workload_model, UncontendedWriteNarrowsToItsResult) {
  FileModel m(1, 1, "f", 4, 4 * kBlockSize);
  const Content a = st(m, 1);
  const ReadSnap snap = m.read_begin(1);
  const auto t = m.begin_write(1, a);
  EXPECT_TRUE(m.legal(1).has(a));
  EXPECT_TRUE(m.legal(1).has(Content::zeros())) << "old content legal while in flight";
  m.end(t, O::kDone);
  EXPECT_EQ(m.legal(1).contents, std::vector<Content>{a});
  // A read that spanned the write may have seen either.
  const ReadView v = m.read_end(snap);
  EXPECT_TRUE(v.legal.has(a));
  EXPECT_TRUE(v.legal.has(Content::zeros()));
}

TEST(workload_model, NoEffectRestoresBefore) {
  FileModel m(1, 1, "f", 4, 4 * kBlockSize);
  const auto t = m.begin_write(2, st(m, 2));
  m.end(t, O::kNoEffect);
  EXPECT_EQ(m.legal(2).contents, std::vector<Content>{Content::zeros()});
}

TEST(workload_model, OverlappingOpsKeepTheUnion) {
  FileModel m(1, 1, "f", 4, 4 * kBlockSize);
  const Content a = st(m, 0);
  const auto w = m.begin_write(0, a);
  const auto p = m.begin_zero(0, 2);  // punch races the store
  m.end(w, O::kDone);
  m.end(p, O::kDone);
  EXPECT_TRUE(m.legal(0).has(a));
  EXPECT_TRUE(m.legal(0).has(Content::zeros()));
  // A later uncontended write pins it down again.
  const Content b = st(m, 0);
  m.end(m.begin_write(0, b), O::kDone);
  EXPECT_EQ(m.legal(0).contents, std::vector<Content>{b});
}

TEST(workload_model, TruncateZeroesTailAndMovesEof) {
  FileModel m(1, 1, "f", 4, 4 * kBlockSize);
  const Content a = st(m, 3);
  m.end(m.begin_write(3, a), O::kDone);
  const ReadSnap snap = m.read_begin(3);
  m.end(m.begin_truncate(2 * kBlockSize), O::kDone);
  EXPECT_EQ(m.sizes(), std::vector<uint64_t>{2 * kBlockSize});
  EXPECT_EQ(m.legal(3).contents, std::vector<Content>{Content::zeros()});
  const ReadView v = m.read_end(snap);
  EXPECT_EQ(v.eof.lo, 2 * kBlockSize);
  EXPECT_EQ(v.eof.hi, 4 * kBlockSize);
}

// ext4 sets i_size before ext4_truncate frees the blocks; when that fails (ENOMEM on the
// journal handle) the call fails with the blocks still behind the new EOF. A later truncate
// to a size in between may then be a growth that frees nothing, and the next extension
// shows the old data: legal after a failed truncate, never after an exact one.
TEST(workload_model, GrowthAfterAFailedShrinkKeepsWhatWasBeyondEof) {
  FileModel m(1, 1, "f", 4, 4 * kBlockSize);
  const Content a = st(m, 3);
  m.end(m.begin_write(3, a), O::kDone);
  m.end(m.begin_truncate(1 * kBlockSize), O::kUnknown);  // failed midway
  m.end(m.begin_truncate(2 * kBlockSize), O::kDone);     // shrink or growth: both legal
  m.end(m.begin_truncate(4 * kBlockSize), O::kDone);
  EXPECT_TRUE(m.legal(3).has(a)) << "the failed shrink may have left block 3 behind";
  EXPECT_TRUE(m.legal(3).has(Content::zeros()));
  // An exact shrink frees every block beyond it again, and a growth from an exact size
  // exposes zeros only.
  m.end(m.begin_truncate(1 * kBlockSize), O::kDone);
  m.end(m.begin_truncate(2 * kBlockSize), O::kDone);
  m.end(m.begin_truncate(4 * kBlockSize), O::kDone);
  EXPECT_EQ(m.legal(3).contents, std::vector<Content>{Content::zeros()});
}

// Racing truncates leave the size uncertain but free what they shrink: without a failed
// truncate, an extension must expose zeros whichever size was current.
TEST(workload_model, GrowthAfterRacingShrinksExposesZeros) {
  FileModel m(1, 1, "f", 4, 4 * kBlockSize);
  const Content a = st(m, 3);
  m.end(m.begin_write(3, a), O::kDone);
  const auto t1 = m.begin_truncate(1 * kBlockSize);
  const auto t3 = m.begin_truncate(3 * kBlockSize);
  m.end(t1, O::kDone);
  m.end(t3, O::kDone);
  EXPECT_GT(m.sizes().size(), 1u) << "the size is uncertain";
  m.end(m.begin_truncate(2 * kBlockSize), O::kDone);
  m.end(m.begin_truncate(4 * kBlockSize), O::kDone);
  EXPECT_EQ(m.legal(3).contents, std::vector<Content>{Content::zeros()});
}

TEST(workload_model, CollapseAndInsertShiftContents) {
  FileModel m(1, 1, "f", 6, 4 * kBlockSize);
  std::vector<Content> c;
  for (uint64_t b = 0; b < 4; ++b) {
    c.push_back(st(m, b));
    m.end(m.begin_write(b, c.back()), O::kDone);
  }
  m.end(m.begin_collapse(1, 1), O::kDone);  // 0 2 3 .
  EXPECT_EQ(m.sizes(), std::vector<uint64_t>{3 * kBlockSize});
  EXPECT_EQ(m.legal(1).contents, std::vector<Content>{c[2]});
  EXPECT_EQ(m.legal(2).contents, std::vector<Content>{c[3]});
  EXPECT_EQ(m.legal(3).contents, std::vector<Content>{Content::zeros()});
  m.end(m.begin_insert(1, 2), O::kDone);  // 0 _ _ 2 3
  EXPECT_EQ(m.sizes(), std::vector<uint64_t>{5 * kBlockSize});
  EXPECT_EQ(m.legal(1).contents, std::vector<Content>{Content::zeros()});
  EXPECT_EQ(m.legal(3).contents, std::vector<Content>{c[2]});
  EXPECT_EQ(m.legal(4).contents, std::vector<Content>{c[3]});
}

TEST(workload_model, WriteDuringCollapseIsLegalAtBothPlaces) {
  FileModel m(1, 1, "f", 4, 4 * kBlockSize);
  const auto col = m.begin_collapse(0, 1);
  const Content a = st(m, 2);
  const auto w = m.begin_write(2, a);
  EXPECT_TRUE(m.legal(1).has(a)) << "store before the shift lands one block down";
  m.end(w, O::kDone);
  m.end(col, O::kDone);
  EXPECT_TRUE(m.legal(1).has(a));
  EXPECT_TRUE(m.legal(2).has(a));
}

TEST(workload_cli, RejectsUnknownFlagsAndValues) {
  const Spec spec{"t", kOps, 65536, {"punch", "zero"}};
  auto parse = [&](std::vector<const char*> args) {
    args.insert(args.begin(), "dt-t");
    return parse_cli(int(args.size()), const_cast<char**>(args.data()), spec);
  };
  EXPECT_FALSE(parse({"--dir", "/x", "--bogus"}));
  EXPECT_FALSE(parse({"--seed", "1"})) << "--dir is required";
  EXPECT_FALSE(parse({"--dir", "/x", "--ops", "punch,nope"}));
  EXPECT_FALSE(parse({"--dir", "/x", "--pin", "odirect"})) << "not a flag of this workload";
  EXPECT_FALSE(parse({"--dir", "/x", "--file-size", "1000"}));
  auto o = parse({"--dir", "/x", "--seed=9", "--duration", "0.5", "--ops", "zero", "--threads", "3",
                  "--file-size", "8192", "--iterations", "5"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->seed, 9u);
  EXPECT_DOUBLE_EQ(o->duration, 0.5);
  EXPECT_EQ(o->ops, std::vector<std::string>{"zero"});
  EXPECT_EQ(o->threads, 3u);
  EXPECT_EQ(o->file_size, 8192u);
  EXPECT_EQ(o->iterations, 5u);
}

}  // namespace
}  // namespace dt::workload
