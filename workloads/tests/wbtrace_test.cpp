// The writeback oracle on trace_pipe text as the 6.1 guest prints it: the
// fs_dax:dax_writeback_one format is "dev %d:%d ino %#lx pgoff %#lx pglen %#lx"
// (so pgoff 0 prints as "0", not "0x0"), markers come through as
// tracing_mark_write events, and dropped events as "CPU:N [LOST M EVENTS]".
#include "wbtrace.hpp"

#include <gtest/gtest.h>

namespace dt::workload {
namespace {

// Lines recorded from trace_pipe of a 6.1.192 guest (xfs on pmem0, dev 259:0).
const char* kEvent =
    "       dt-write-vs-f-412     [001] .....    38.118722: dax_writeback_one: dev 259:0 ino "
    "0x83 pgoff 0x5 pglen 0x1";
const char* kEventZero =
    "       dt-write-vs-f-412     [000] .....    38.118801: dax_writeback_one: dev 259:0 ino "
    "0x83 pgoff 0 pglen 0x1";
const char* kMarker =
    "       dt-write-vs-f-412     [001] .....    38.131056: tracing_mark_write: dt-wb-77 4";

TEST(workload_wbtrace, ParsesWritebackEventsMarkersAndLostLines) {
  WbLine e = parse_wb_line(kEvent);
  ASSERT_EQ(e.kind, WbLine::kWriteback);
  EXPECT_EQ(e.ev.major, 259u);
  EXPECT_EQ(e.ev.minor, 0u);
  EXPECT_EQ(e.ev.ino, 0x83u);
  EXPECT_EQ(e.ev.pgoff, 5u);
  EXPECT_EQ(e.ev.pglen, 1u);
  WbLine z = parse_wb_line(kEventZero);
  ASSERT_EQ(z.kind, WbLine::kWriteback);
  EXPECT_EQ(z.ev.pgoff, 0u);
  WbLine m = parse_wb_line(kMarker);
  ASSERT_EQ(m.kind, WbLine::kMarker);
  EXPECT_EQ(m.marker, "dt-wb-77 4");
  EXPECT_EQ(parse_wb_line("CPU:1 [LOST 312 EVENTS]").kind, WbLine::kLost);
  EXPECT_EQ(parse_wb_line("   kworker/0:1-12 [000] .....  1.0: dax_pmd_fault_done: dev 259:0").kind,
            WbLine::kOther);
}

TEST(workload_wbtrace, PmdEntryCoversItsPages) {
  std::vector<WbEvent> ev = {{259, 0, 0x83, 512, 512}};
  EXPECT_TRUE(unflushed_pages({512, 700, 1023}, ev, 0x83).empty());
  EXPECT_EQ(unflushed_pages({511, 1024}, ev, 0x83), (std::vector<uint64_t>{511, 1024}));
  EXPECT_EQ(unflushed_pages({512}, ev, 0x84), (std::vector<uint64_t>{512})) << "other inode";
}

// Interval k runs from marker k to marker k+1; events are judged per interval.
TEST(workload_wbtrace, IntervalsSplitOnOwnMarkersOnly) {
  WbIntervals iv("dt-wb-77");
  // Before our first marker: someone else's writeback, not ours to judge.
  iv.feed(std::string(kEvent) + "\n");
  iv.feed("  dt-write-vs-f-412 [001] .....  38.10: tracing_mark_write: dt-wb-77 0\n");
  EXPECT_FALSE(iv.complete(0));
  // A line split across reads.
  std::string ev = std::string(kEventZero) + "\n";
  iv.feed(ev.substr(0, 20));
  iv.feed(ev.substr(20));
  iv.feed("  other-1 [000] .....  38.11: tracing_mark_write: dt-wb-78 1\n");  // another run
  EXPECT_FALSE(iv.complete(0));
  iv.feed(std::string(kMarker).replace(std::string(kMarker).size() - 1, 1, "1") + "\n");
  ASSERT_TRUE(iv.complete(0));
  EXPECT_FALSE(iv.complete(1));
  const auto got = iv.take(0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].pgoff, 0u);
  EXPECT_TRUE(iv.take(0).empty());
  EXPECT_FALSE(iv.lost(1));
  iv.feed("CPU:0 [LOST 7 EVENTS]\n");
  EXPECT_TRUE(iv.lost(1));
  EXPECT_TRUE(iv.lost(0));
}

// The mutant's signature, as recorded under dax-writeback-no-mkclean: interval 0's
// stores fault and are written back; interval 1 stores the same pages again through
// still-writable PTEs, so its fsync writes back nothing for them.
TEST(workload_wbtrace, SecondStoreWithoutWritebackIsUnflushed) {
  WbIntervals iv("dt-wb-9");
  const std::string pre = "  dt-write-vs-f-412 [001] .....  40.0: ";
  iv.feed(pre + "tracing_mark_write: dt-wb-9 0\n");
  iv.feed(pre + "dax_writeback_one: dev 259:0 ino 0x83 pgoff 0x3 pglen 0x1\n");
  iv.feed(pre + "dax_writeback_one: dev 259:0 ino 0x83 pgoff 0x7 pglen 0x1\n");
  iv.feed(pre + "tracing_mark_write: dt-wb-9 1\n");
  iv.feed(pre + "tracing_mark_write: dt-wb-9 2\n");
  ASSERT_TRUE(iv.complete(1));
  EXPECT_TRUE(unflushed_pages({3, 7}, iv.take(0), 0x83).empty());
  EXPECT_EQ(unflushed_pages({3, 7}, iv.take(1), 0x83), (std::vector<uint64_t>{3, 7}));
}

}  // namespace
}  // namespace dt::workload
