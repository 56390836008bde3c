// The fill's final check: every block of a stable fill file, judged on all CPUs. A block
// overwritten behind the filler's back (what a store through a stale mapping into a freed and
// reused block does) is found wherever it lies, in any worker's share of the file.
#include "fill.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <thread>

#include "run.hpp"
#include "run_output.hpp"
#include "stamp.hpp"
#include "tmpdir.hpp"

namespace dt::workload {
namespace {

using namespace std::chrono_literals;
using test::verdicts;

TEST(Filler, FinalCheckFindsAForeignBlockInEveryShare) {
  test::TmpDir dir;
  Options o;
  o.workload = "fill-test";
  o.dir = dir.path();
  o.fill_files = 0;  // this test drives its own filler
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  workload::Run run(o, out);
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
  const int fd = ::open(f.path().c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  alignas(64) char foreign[kBlockSize];
  for (uint64_t b : {uint64_t{5}, blocks - 3}) {
    fill_block(foreign, StampId{run.nonce(), 999, 1, b, 1});
    ASSERT_EQ(::pwrite(fd, foreign, kBlockSize, off_t(b * kBlockSize)), ssize_t(kBlockSize));
  }
  ::close(fd);
  EXPECT_EQ(f.verify_all(), 2u);
  auto v = verdicts(out);
  ASSERT_EQ(v.size(), 2u);
  std::set<uint64_t> offsets;
  for (auto& j : v) {
    EXPECT_EQ(j.value("check", ""), "misplaced-stamp") << j.dump();
    offsets.insert(j.value("offset", uint64_t{0}));
  }
  EXPECT_EQ(offsets, (std::set<uint64_t>{5 * kBlockSize, (blocks - 3) * kBlockSize}));
  std::fclose(out);
}

}  // namespace
}  // namespace dt::workload
