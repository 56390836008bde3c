// The oracle must catch every planted corruption with the right check name,
// file and offset, and must pass a clean file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "fs.hpp"
#include "model.hpp"
#include "report.hpp"
#include "stamp.hpp"
#include "tmpdir.hpp"
#include "verify.hpp"

namespace dt::workload {
namespace {

constexpr uint64_t kRun = 0x1234;
constexpr uint64_t kBlocks = 8;

class workload_oracle : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("victim");
    fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644));
    ASSERT_TRUE(fd_);
    model_ = std::make_unique<FileModel>(kRun, 1, path_, kBlocks, kBlocks * kBlockSize);
    for (uint64_t b = 0; b < kBlocks; ++b) stamp(b);
  }

  // Writes a fresh stamp at b and records it as the expected content.
  StampId stamp(uint64_t b) {
    const StampId s = model_->make_stamp(b, 1);
    write_raw(b, Content::stamp(s));
    model_->set(b, Content::stamp(s));
    return s;
  }

  void write_raw(uint64_t b, const Content& c) {
    alignas(64) char buf[kBlockSize];
    fill_content(buf, c);
    ASSERT_EQ(pwrite_full(fd_.get(), buf, kBlockSize, b * kBlockSize), 0);
  }

  std::vector<Verdict> verify(bool via_map = true) {
    Reporter rep(nullptr, 7, 1000);
    verify_file(*model_, fd_.get(), rep, OpCtx{3, 99}, via_map);
    return rep.verdicts();
  }

  static const Verdict* find(const std::vector<Verdict>& vs, const std::string& check,
                             uint64_t offset) {
    for (const auto& v : vs)
      if (v.check == check && v.offset == offset) return &v;
    return nullptr;
  }

  static std::string dump(const std::vector<Verdict>& vs) {
    std::string s;
    for (const auto& v : vs)
      s += v.check + "@" + std::to_string(v.offset) + ": " + v.message + "\n";
    return s;
  }

  test::TmpDir dir_;
  std::string path_;
  Fd fd_;
  std::unique_ptr<FileModel> model_;
};

TEST_F(workload_oracle, CleanFilePasses) {
  const auto vs = verify();
  EXPECT_TRUE(vs.empty()) << dump(vs);
}

TEST_F(workload_oracle, StaleGenerationIsStaleData) {
  const StampId old = model_->legal(3).contents[0].id;
  stamp(3);                           // model and file move to a new generation
  write_raw(3, Content::stamp(old));  // ... but the old one comes back
  const auto vs = verify();
  const Verdict* v = find(vs, "stale-data", 3 * kBlockSize);
  ASSERT_NE(v, nullptr) << dump(vs);
  EXPECT_EQ(v->file, path_);
  EXPECT_EQ(v->found["gen"], old.gen);
  EXPECT_EQ(v->ctx.op, 99u);
}

TEST_F(workload_oracle, OtherFilesBlockIsMisplaced) {
  write_raw(5, Content::stamp(StampId{kRun, 2, 1, 17, 4}));  // file 2's block 17
  const auto vs = verify();
  const Verdict* v = find(vs, "misplaced-stamp", 5 * kBlockSize);
  ASSERT_NE(v, nullptr) << dump(vs);
  EXPECT_EQ(v->file, path_);
  EXPECT_EQ(v->found["file_id"], 2);
  EXPECT_EQ(vs.size(), 2u) << "pread and mapping both see it\n" << dump(vs);
}

TEST_F(workload_oracle, OwnBlockAtWrongOffsetIsMisplaced) {
  write_raw(6, model_->legal(2).contents[0]);
  EXPECT_NE(find(verify(false), "misplaced-stamp", 6 * kBlockSize), nullptr);
}

TEST_F(workload_oracle, BlockFromAnotherRunIsMisplaced) {
  write_raw(1, Content::stamp(StampId{kRun + 1, 1, 1, 1, 1}));
  EXPECT_NE(find(verify(false), "misplaced-stamp", 1 * kBlockSize), nullptr);
}

TEST_F(workload_oracle, NonZeroPunchedRangeIsReported) {
  // The model says blocks 2..3 were punched; the file still holds the stamps.
  model_->end(model_->begin_zero(2, 2), FileModel::Outcome::kDone);
  const auto vs = verify();
  EXPECT_NE(find(vs, "nonzero-hole", 2 * kBlockSize), nullptr) << dump(vs);
  EXPECT_NE(find(vs, "nonzero-hole", 3 * kBlockSize), nullptr) << dump(vs);
  EXPECT_EQ(find(vs, "nonzero-hole", 4 * kBlockSize), nullptr) << dump(vs);
}

// A verdict says what the oracle saw happen to the block: its last operations, oldest first,
// with how each ended.
TEST_F(workload_oracle, AVerdictCarriesTheBlocksRecentOperations) {
  const StampId next = model_->make_stamp(2, 1);
  model_->end(model_->begin_write(2, Content::stamp(next)), FileModel::Outcome::kNoEffect);
  model_->end(model_->begin_zero(2, 1), FileModel::Outcome::kDone);
  const auto vs = verify(false);
  const Verdict* v = find(vs, "nonzero-hole", 2 * kBlockSize);
  ASSERT_NE(v, nullptr) << dump(vs);
  ASSERT_EQ(v->recent_ops.size(), 2u) << v->recent_ops.dump();
  EXPECT_EQ(v->recent_ops[0]["op"], "write");
  EXPECT_EQ(v->recent_ops[0]["outcome"], "no-effect");
  EXPECT_EQ(v->recent_ops[0]["gen"], next.gen);
  EXPECT_EQ(v->recent_ops[1]["op"], "zero");
  EXPECT_EQ(v->recent_ops[1]["outcome"], "done");
  EXPECT_EQ(find(vs, "nonzero-hole", 3 * kBlockSize), nullptr);
}

TEST_F(workload_oracle, GarbageInHoleIsNonzeroHole) {
  model_->set(4, Content::zeros());
  const std::vector<char> junk(kBlockSize, 0x5a);
  ASSERT_EQ(pwrite_full(fd_.get(), junk.data(), junk.size(), 4 * kBlockSize), 0);
  EXPECT_NE(find(verify(false), "nonzero-hole", 4 * kBlockSize), nullptr);
}

TEST_F(workload_oracle, TornBlockIsReported) {
  // Second half of block 4 overwritten by another stamp's second half.
  alignas(64) char other[kBlockSize];
  fill_block(other, StampId{kRun, 1, 1, 4, 999});
  ASSERT_EQ(pwrite_full(fd_.get(), other + kBlockSize / 2, kBlockSize / 2,
                        4 * kBlockSize + kBlockSize / 2),
            0);
  const auto vs = verify();
  const Verdict* v = find(vs, "torn-block", 4 * kBlockSize);
  ASSERT_NE(v, nullptr) << dump(vs);
  EXPECT_EQ(v->found["kind"], "torn");
  EXPECT_EQ(v->found["bad_word"], kWords / 2);
}

TEST_F(workload_oracle, ATornVerdictNamesTheDamagedBytes) {
  // 12 bytes zeroed inside the last 16 of block 3: what a small on-disk structure written over
  // the block would leave. The verdict must give the run, not just the first bad word.
  const std::vector<char> zeros(12, 0);
  ASSERT_EQ(pwrite_full(fd_.get(), zeros.data(), zeros.size(), 3 * kBlockSize + 4080), 0);
  const auto vs = verify();
  const Verdict* v = find(vs, "torn-block", 3 * kBlockSize);
  ASSERT_NE(v, nullptr) << dump(vs);
  EXPECT_EQ(v->found["bad_word"], 510);
  EXPECT_EQ(v->found["damaged_bytes"], 12);
  EXPECT_EQ(v->found["damage_runs"], 1);
  ASSERT_EQ(v->found["damage"].size(), 1u);
  EXPECT_EQ(v->found["damage"][0]["offset"], 4080);
  EXPECT_EQ(v->found["damage"][0]["len"], 12);
  EXPECT_EQ(v->found["damage"][0]["zeros"], true);
  EXPECT_NE(v->message.find("bytes 4080-4091 read as zeros"), std::string::npos) << v->message;
}

TEST_F(workload_oracle, SingleFlippedWordIsTorn) {
  const uint64_t junk = 0xdeadbeef;
  ASSERT_EQ(pwrite_full(fd_.get(), &junk, sizeof junk, 2 * kBlockSize + 800), 0);
  EXPECT_NE(find(verify(false), "torn-block", 2 * kBlockSize), nullptr);
}

TEST_F(workload_oracle, ZerosWhereWriteCompletedIsLostWrite) {
  write_raw(7, Content::zeros());
  EXPECT_NE(find(verify(false), "lost-write", 7 * kBlockSize), nullptr);
}

TEST_F(workload_oracle, MissingSigbusBeyondModelEof) {
  // The model says the file was truncated to 4 blocks; the file was not.
  model_->end(model_->begin_truncate(4 * kBlockSize), FileModel::Outcome::kDone);
  const auto vs = verify();
  const Verdict* v = find(vs, "missing-sigbus", 4 * kBlockSize);
  ASSERT_NE(v, nullptr) << dump(vs);
  EXPECT_EQ(v->file, path_);
  EXPECT_NE(find(vs, "size-mismatch", kBlocks * kBlockSize), nullptr) << dump(vs);
  EXPECT_EQ(find(vs, "missing-sigbus", 3 * kBlockSize), nullptr) << dump(vs);
}

TEST_F(workload_oracle, UnexpectedSigbusInsideModelEof) {
  ASSERT_EQ(do_ftruncate(fd_.get(), 5 * kBlockSize), 0);  // the model never saw this
  const auto vs = verify();
  EXPECT_NE(find(vs, "unexpected-sigbus", 5 * kBlockSize), nullptr) << dump(vs);
  EXPECT_NE(find(vs, "short-read", 5 * kBlockSize), nullptr) << dump(vs);
  EXPECT_EQ(find(vs, "unexpected-sigbus", 4 * kBlockSize), nullptr) << dump(vs);
}

TEST_F(workload_oracle, TruncatedThenExtendedMustReadZeros) {
  model_->end(model_->begin_truncate(2 * kBlockSize), FileModel::Outcome::kDone);
  model_->end(model_->begin_truncate(kBlocks * kBlockSize), FileModel::Outcome::kDone);
  // Real truncate+extend: clean.
  ASSERT_EQ(do_ftruncate(fd_.get(), 2 * kBlockSize), 0);
  ASSERT_EQ(do_ftruncate(fd_.get(), kBlocks * kBlockSize), 0);
  EXPECT_TRUE(verify().empty());
  // Old data resurfacing beyond the old EOF is caught.
  const StampId old{kRun, 1, 1, 6, 6};
  write_raw(6, Content::stamp(old));
  EXPECT_NE(find(verify(false), "nonzero-hole", 6 * kBlockSize), nullptr);
}

TEST_F(workload_oracle, PrivateCowDataInFileIsCowLeak) {
  write_raw(0, Content::stamp(StampId{kRun, 1, kPrivateWriter | 2, 0, 77}));
  EXPECT_NE(find(verify(false), "cow-leak", 0), nullptr);
}

TEST(workload_stamp, RoundTripAndDamage) {
  alignas(64) char buf[kBlockSize];
  const StampId id{9, 3, 2, 11, 5};
  fill_block(buf, id);
  Parsed p = parse_block(buf);
  EXPECT_EQ(p.kind, BlockKind::kStamp);
  EXPECT_EQ(p.id, id);
  buf[kBlockSize - 1] ^= 1;  // checksum word
  EXPECT_EQ(parse_block(buf).kind, BlockKind::kTorn);
  std::memset(buf, 0, sizeof buf);
  EXPECT_EQ(parse_block(buf).kind, BlockKind::kZero);
  buf[100] = 1;
  EXPECT_EQ(parse_block(buf).kind, BlockKind::kGarbage);
}

TEST(workload_content, MixOnlyWhenOutcomesRaced) {
  alignas(64) char a[kBlockSize], mix[kBlockSize];
  const StampId s{1, 1, 1, 0, 1};
  fill_block(a, s);
  std::memcpy(mix, a, kBlockSize);
  std::memset(mix + 2048, 0, 2048);  // a store racing a punch landed half
  EXPECT_FALSE(content_legal(mix, Legal{{Content::stamp(s)}}));
  EXPECT_TRUE(content_legal(mix, Legal{{Content::stamp(s), Content::zeros()}}));
  EXPECT_TRUE(content_legal(a, Legal{{Content::stamp(s)}}));
  EXPECT_FALSE(content_legal(a, Legal{{Content::zeros()}}));
}

// A pread racing a pwrite of the same block on ext2 under TCG saw words half old, half new:
// the kernel's rep movsb copies byte by byte. Legal when both writes were in flight, and
// still a verdict when a byte matches neither.
TEST(workload_content, ByteWiseMixOfRacingWritesIsLegal) {
  alignas(64) char a[kBlockSize], b[kBlockSize], mix[kBlockSize];
  const StampId sa{1, 1, 1, 0, 1}, sb{1, 1, 2, 0, 2};
  fill_block(a, sa);
  fill_block(b, sb);
  std::memcpy(mix, a, kBlockSize);
  std::memcpy(mix + 1003, b + 1003, kBlockSize - 1003);  // a copy cut mid-word
  const Legal both{{Content::stamp(sa), Content::stamp(sb)}};
  EXPECT_TRUE(content_legal(mix, both));
  EXPECT_FALSE(content_legal(mix, Legal{{Content::stamp(sa)}})) << "only one write: torn";
  char neither = 0;
  while (neither == a[1001] || neither == b[1001]) ++neither;
  mix[1001] = neither;
  EXPECT_FALSE(content_legal(mix, both)) << "a byte from neither write";
}

// A write to the agent's pipe that fails for a while (EAGAIN here; ENOMEM under fail-page-alloc
// takes the same path) must not lose or cut a verdict line: the reader sees it whole once the
// pipe drains.
TEST(Reporter, ALineIsWrittenWholeAfterThePipeRefusedItForAWhile) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  const std::string filler(4096, 'f');
  size_t queued = 0;
  for (ssize_t w; (w = ::write(fds[1], filler.data(), filler.size())) > 0;) queued += size_t(w);
  ASSERT_EQ(errno, EAGAIN);
  std::string got;
  std::thread reader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::fcntl(fds[0], F_SETFL, 0);  // blocking reads from here
    char buf[8192];
    for (ssize_t r; (r = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, size_t(r));
  });
  std::FILE* out = ::fdopen(fds[1], "w");
  ASSERT_NE(out, nullptr);
  Reporter rep(out, 7, 10);
  rep.emit({{"type", "progress"}, {"pad", std::string(10000, 'p')}});
  std::fclose(out);  // the reader's EOF
  reader.join();
  ::close(fds[0]);
  ASSERT_GT(got.size(), queued);
  const std::string line = got.substr(queued);
  EXPECT_EQ(line.size(), 10000 + std::string(R"({"pad":"","type":"progress"})").size() + 1);
  EXPECT_EQ(line.back(), '\n');
}

}  // namespace
}  // namespace dt::workload
