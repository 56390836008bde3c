// The fill's final check: every block of a stable fill file, judged on all CPUs. A block
// overwritten behind the filler's back (what a store through a stale mapping into a freed and
// reused block does) is found wherever it lies, in any worker's share of the file.
#include "fill.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

#include "fs.hpp"
#include "run.hpp"
#include "run_output.hpp"
#include "stamp.hpp"
#include "tmpdir.hpp"

namespace dt::workload {
namespace {

using namespace std::chrono_literals;
using test::verdicts;

// A filler of its own in a fresh directory (no fill files of the run's), and its output.
class FillFile : public ::testing::Test {
 protected:
  static Options options(const test::TmpDir& dir) {
    Options o;
    o.workload = "fill-test";
    o.dir = dir.path();
    o.fill_files = 0;
    return o;
  }
  void SetUp() override { ASSERT_NE(out, nullptr); }
  void TearDown() override {
    if (out) std::fclose(out);
  }

  test::TmpDir dir;
  std::FILE* out = std::tmpfile();
  workload::Run run{options(dir), out};
};

TEST_F(FillFile, FinalCheckFindsAForeignBlockInEveryShare) {
  constexpr uint64_t kBytes = 16 << 20;  // 4096 blocks: two shares of 2048 on two CPUs
  Filler f(run, 0, kBytes);
  std::thread t([&] { f.loop(); });
  while (f.bytes() < kBytes) std::this_thread::sleep_for(10ms);
  run.request_stop();
  t.join();
  EXPECT_EQ(f.verify_all(), 0u);
  EXPECT_TRUE(verdicts(out).empty());

  // One block near each end: in the first share and in the last.
  const uint64_t blocks = f.bytes() / kBlockSize;
  const int fd = ::open(f.path().c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  alignas(64) char foreign[kBlockSize];
  for (uint64_t b : {uint64_t{5}, blocks - 3}) {
    fill_block(foreign, StampId{run.nonce(), 999, 1, b, 1});
    ASSERT_EQ(::pwrite(fd, foreign, kBlockSize, off_t(b * kBlockSize)), ssize_t(kBlockSize));
  }
  // And one byte of one body word in the middle: the in-place comparison must see it too. The
  // byte is flipped, not set: a fixed value is already there once in 256 runs (the stamp's seed
  // is the run's nonce), and then nothing was damaged.
  const uint64_t mid = blocks / 2;
  const off_t at = off_t(mid * kBlockSize + 2001);
  char one = 0;
  ASSERT_EQ(::pread(fd, &one, 1, at), 1);
  one = static_cast<char>(one ^ 0x5a);
  ASSERT_EQ(::pwrite(fd, &one, 1, at), 1);
  ::close(fd);
  const uint64_t checks_before = run.rep().checks;
  EXPECT_EQ(f.verify_all(), 3u);
  EXPECT_EQ(run.rep().checks - checks_before, blocks) << "every block judged exactly once";
  auto v = verdicts(out);
  ASSERT_EQ(v.size(), 3u);
  std::map<uint64_t, std::string> found;
  for (auto& j : v) found[j.value("offset", uint64_t{0})] = j.value("check", "");
  EXPECT_EQ(found,
            (std::map<uint64_t, std::string>{{5 * kBlockSize, "misplaced-stamp"},
                                             {mid * kBlockSize, "torn-block"},
                                             {(blocks - 3) * kBlockSize, "misplaced-stamp"}}));
}

// An ENOMEM in the middle of a churn's rewrite (failslab on ext4) leaves part of the range
// written, and the punch that should free it again fails too: those blocks may hold the new
// stamps or nothing, and are not judged until written again (they were nonzero-hole verdicts).
TEST_F(FillFile, AFailedRewriteAndFreeLeavesItsBlocksUnjudged) {
  // 0: pass through; 1: armed (the churn's punch works); 2: its rewrite lands one block and
  // fails; 3: the punch that frees the range again fails; 4: done.
  std::atomic<int> stage{0};
  Filler::Io io;
  io.fallocate = [&](int fd, int mode, uint64_t off, uint64_t len) {
    int expected = 3;
    if (stage.compare_exchange_strong(expected, 4)) {
      run.request_stop();  // no later churn may rewrite the range before the check
      return ENOMEM;
    }
    expected = 1;
    stage.compare_exchange_strong(expected, 2);
    return do_fallocate(fd, mode, off, len);
  };
  io.pwrite = [&](int fd, const void* buf, size_t len, uint64_t off) {
    int expected = 2;
    if (!stage.compare_exchange_strong(expected, 3)) return pwrite_full(fd, buf, len, off);
    EXPECT_EQ(pwrite_full(fd, buf, kBlockSize, off), 0);
    return ENOMEM;
  };
  constexpr uint64_t kBytes = 1 << 20;
  Filler f(run, 0, kBytes, io);
  std::thread t([&] { f.loop(); });
  while (f.bytes() < kBytes) std::this_thread::sleep_for(1ms);
  stage = 1;
  for (int i = 0; i < 5000 && stage != 4; ++i) std::this_thread::sleep_for(1ms);
  run.request_stop();
  t.join();
  ASSERT_EQ(stage, 4) << "the churn never punched, wrote and punched again";
  const uint64_t inconclusive_before = run.rep().inconclusive;
  EXPECT_EQ(f.verify_all(), 0u);
  EXPECT_TRUE(verdicts(out).empty());
  EXPECT_GT(run.rep().inconclusive, inconclusive_before) << "the range is not judged";
}

// A fill cut short behind the filler's back: each block past the real end is a verdict (never
// taken for the expected block by the in-place comparison of a short read's buffer).
TEST_F(FillFile, FinalCheckOfATruncatedFillReportsEveryMissingBlock) {
  constexpr uint64_t kBytes = 4 << 20;
  Filler f(run, 0, kBytes);
  std::thread t([&] { f.loop(); });
  while (f.bytes() < kBytes) std::this_thread::sleep_for(10ms);
  run.request_stop();
  t.join();
  const uint64_t blocks = f.bytes() / kBlockSize;
  ASSERT_EQ(::truncate(f.path().c_str(), off_t((blocks - 10) * kBlockSize)), 0);
  EXPECT_EQ(f.verify_all(), 10u);
  auto v = verdicts(out);
  ASSERT_EQ(v.size(), 10u);
  for (auto& j : v) {
    EXPECT_EQ(j.value("check", ""), "short-read") << j.dump();
    EXPECT_GE(j.value("offset", uint64_t{0}), (blocks - 10) * kBlockSize);
  }
}

// The final check's in-place comparison: true only for exactly the expected image.
TEST(BlockEquals, OnlyTheExactImage) {
  alignas(64) uint64_t w[kWords];
  const StampId id{7, 3, 1, 42, 9};
  fill_block(w, id);
  EXPECT_TRUE(block_equals(w, Content::stamp(id)));
  EXPECT_FALSE(block_equals(w, Content::zeros()));
  for (auto other : {StampId{8, 3, 1, 42, 9}, StampId{7, 4, 1, 42, 9}, StampId{7, 3, 2, 42, 9},
                     StampId{7, 3, 1, 43, 9}, StampId{7, 3, 1, 42, 10}})
    EXPECT_FALSE(block_equals(w, Content::stamp(other)));
  for (size_t i = 0; i < kWords; ++i) {  // any one bit of any word, header, body or tail
    w[i] ^= uint64_t{1} << (i % 64);
    EXPECT_FALSE(block_equals(w, Content::stamp(id))) << "word " << i;
    w[i] ^= uint64_t{1} << (i % 64);
  }
  std::memset(w, 0, sizeof w);
  EXPECT_TRUE(block_equals(w, Content::zeros()));
  w[kWords - 1] = 1;
  EXPECT_FALSE(block_equals(w, Content::zeros()));
}

}  // namespace
// Reads that return less than asked: only a read of 0 bytes is EOF. The fill's chunked final
// check took a short chunk for EOF, so an injected ENOMEM in the middle of a 256 KiB pread
// (failslab on ext4) became a "short-read" verdict for every block after it.
TEST(PreadFull, OnlyAZeroByteReadIsEndOfFile) {
  test::TmpDir dir;
  const std::string path = dir.path() + "/f";
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  std::string data(3 * kBlockSize, 'x');
  ASSERT_EQ(::pwrite(fd.get(), data.data(), data.size(), 0), ssize_t(data.size()));
  std::string buf(4 * kBlockSize, '\0');

  auto whole = pread_full(fd.get(), buf.data(), 2 * kBlockSize, kBlockSize);
  EXPECT_EQ(whole.bytes, 2 * kBlockSize);
  EXPECT_FALSE(whole.eof);
  EXPECT_EQ(whole.error, 0);
  auto past_eof = pread_full(fd.get(), buf.data(), 4 * kBlockSize, 0);
  EXPECT_EQ(past_eof.bytes, 3 * kBlockSize);
  EXPECT_TRUE(past_eof.eof);

  // One block per call: a short read is continued, not taken for EOF.
  auto one_block = [](int f, void* b, size_t len, off_t off) {
    return ::pread(f, b, std::min<size_t>(len, kBlockSize), off);
  };
  auto stepwise = pread_full(fd.get(), buf.data(), 3 * kBlockSize, 0, one_block);
  EXPECT_EQ(stepwise.bytes, 3 * kBlockSize);
  EXPECT_FALSE(stepwise.eof);
  EXPECT_EQ(buf.substr(0, 3 * kBlockSize), data);
  // A failure after some progress: what was read, and the error, not EOF.
  auto fails_after_a_block = [](int f, void* b, size_t len, off_t off) -> ssize_t {
    if (off > 0) return errno = ENOMEM, -1;
    return ::pread(f, b, std::min<size_t>(len, kBlockSize), off);
  };
  auto failed = pread_full(fd.get(), buf.data(), 3 * kBlockSize, 0, fails_after_a_block);
  EXPECT_EQ(failed.bytes, kBlockSize);
  EXPECT_FALSE(failed.eof);
  EXPECT_EQ(failed.error, ENOMEM);
}

}  // namespace dt::workload
