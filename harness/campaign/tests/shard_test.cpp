#include <gtest/gtest.h>

#include <set>

#include "campaign/campaign.hpp"

namespace dt::campaign {
namespace {

std::vector<Cell> nightly_cells() {
  return load_file(std::string(DT_CAMPAIGN_PRESETS) + "/nightly.yaml").cells();
}

TEST(Shard, DisjointAndCoveringForSeveralN) {
  const std::vector<Cell> cells = nightly_cells();
  for (int n : {1, 2, 3, 4, 7, 200}) {
    std::multiset<std::size_t> seen;
    for (int k = 1; k <= n; ++k) {
      const std::vector<Cell> part = shard(cells, k, n);
      // Balanced by index: shard sizes differ by at most one.
      EXPECT_LE(part.size(), cells.size() / n + 1) << k << "/" << n;
      EXPECT_GE(part.size(), cells.size() / n) << k << "/" << n;
      for (const Cell& c : part) seen.insert(c.index);
    }
    ASSERT_EQ(seen.size(), cells.size()) << n;
    for (std::size_t i = 0; i < cells.size(); ++i) EXPECT_EQ(seen.count(i), 1u) << i;
  }
}

TEST(Shard, HalvesAreDisjoint) {
  const std::vector<Cell> cells = nightly_cells();
  const auto a = shard(cells, 1, 2), b = shard(cells, 2, 2);
  std::set<std::string> ids;
  for (const Cell& c : a) ids.insert(c.id);
  for (const Cell& c : b) EXPECT_FALSE(ids.count(c.id)) << c.id;
  EXPECT_EQ(a.size() + b.size(), cells.size());
}

TEST(Shard, DeterministicAndStableUnderReSharding) {
  const std::vector<Cell> cells = nightly_cells();
  const auto once = shard(cells, 2, 4);
  const auto again = shard(nightly_cells(), 2, 4);
  ASSERT_EQ(once.size(), again.size());
  for (std::size_t i = 0; i < once.size(); ++i) EXPECT_EQ(once[i].id, again[i].id);
  EXPECT_EQ(shard(once, 2, 4).size(), once.size());  // by index, not by position
}

TEST(Shard, BadArgumentsThrow) {
  const std::vector<Cell> cells;
  EXPECT_THROW(shard(cells, 0, 2), std::invalid_argument);
  EXPECT_THROW(shard(cells, 3, 2), std::invalid_argument);
  EXPECT_THROW(shard(cells, 1, 0), std::invalid_argument);
}

TEST(ParseShard, Valid) {
  EXPECT_EQ(parse_shard("2/4"), std::make_pair(2, 4));
  EXPECT_EQ(parse_shard("1/1"), std::make_pair(1, 1));
}

TEST(ParseShard, InvalidWithClearMessage) {
  for (const char* bad : {"", "2", "0/4", "5/4", "2/0", "a/b", "2/4/8", "-1/4", "2 /4", "/4"}) {
    try {
      parse_shard(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("K/N"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace dt::campaign
