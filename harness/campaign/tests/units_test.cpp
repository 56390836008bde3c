#include "campaign/units.hpp"

#include <gtest/gtest.h>

#include "campaign/campaign.hpp"

namespace dt::campaign {
namespace {

TEST(ParseSize, PlainAndSuffixed) {
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("64K"), 65536u);
  EXPECT_EQ(parse_size("64k"), 65536u);
  EXPECT_EQ(parse_size("514M"), 514ull << 20);
  EXPECT_EQ(parse_size("1G"), 1ull << 30);
  EXPECT_EQ(parse_size("2MiB"), 2ull << 20);
  EXPECT_EQ(parse_size("2MB"), 2ull << 20);
  EXPECT_EQ(parse_size("1.5K"), 1536u);
  EXPECT_EQ(parse_size(" 8M "), 8ull << 20);
}

TEST(ParseSize, Rejects) {
  for (const char* bad :
       {"", "M", "1Q", "-1K", "1.1K", "0x10", "1e3", "1.5.K", "12 34", "9999999T"}) {
    EXPECT_THROW(parse_size(bad), std::invalid_argument) << bad;
  }
}

TEST(ParseDuration, Units) {
  EXPECT_DOUBLE_EQ(parse_duration("20s"), 20);
  EXPECT_DOUBLE_EQ(parse_duration("5m"), 300);
  EXPECT_DOUBLE_EQ(parse_duration("1h"), 3600);
  EXPECT_DOUBLE_EQ(parse_duration("200ms"), 0.2);
  EXPECT_DOUBLE_EQ(parse_duration("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(parse_duration("20"), 20);
  EXPECT_DOUBLE_EQ(parse_duration("1h30m"), 5400);
  EXPECT_DOUBLE_EQ(parse_duration("1d"), 86400);
}

TEST(ParseDuration, Rejects) {
  for (const char* bad : {"", "s", "20x", "-5s", "1h30", "fast", "1e3"}) {
    EXPECT_THROW(parse_duration(bad), std::invalid_argument) << bad;
  }
}

TEST(Scalars, IntBoolSeconds) {
  EXPECT_EQ(parse_int("-1"), -1);
  EXPECT_THROW(parse_int("2.5"), std::invalid_argument);
  EXPECT_THROW(parse_int("two"), std::invalid_argument);
  EXPECT_TRUE(parse_bool("yes"));
  EXPECT_FALSE(parse_bool("False"));
  EXPECT_THROW(parse_bool("maybe"), std::invalid_argument);
  EXPECT_EQ(format_seconds(20), "20");
  EXPECT_EQ(format_seconds(0.2), "0.2");
}

}  // namespace
}  // namespace dt::campaign
