// Saturating int64 arithmetic (ext/core/saturating.h): garbage timestamps at
// the int64 extremes saturate instead of overflowing.
#include "core/saturating.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace nsysexplain::core {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(Saturating, AddInRange) {
  EXPECT_EQ(SatAdd(2, 3), 5);
  EXPECT_EQ(SatAdd(-2, 3), 1);
  EXPECT_EQ(SatAdd(kMax, 0), kMax);
  EXPECT_EQ(SatAdd(kMax, kMin), -1);
}

TEST(Saturating, AddOverflowSaturates) {
  EXPECT_EQ(SatAdd(kMax, 1), kMax);
  EXPECT_EQ(SatAdd(kMax, kMax), kMax);
  EXPECT_EQ(SatAdd(kMin, -1), kMin);
  EXPECT_EQ(SatAdd(kMin, kMin), kMin);
}

TEST(Saturating, SubInRangeAndOverflow) {
  EXPECT_EQ(SatSub(10, 4), 6);
  EXPECT_EQ(SatSub(4, 10), -6);
  EXPECT_EQ(SatSub(kMax, -1), kMax);
  EXPECT_EQ(SatSub(0, kMin), kMax);
  EXPECT_EQ(SatSub(kMin, 1), kMin);
  EXPECT_EQ(SatSub(-2, kMax), kMin);
}

TEST(Saturating, DurationFits) {
  EXPECT_TRUE(DurationFits(0, kMax));
  EXPECT_TRUE(DurationFits(kMin, -1));
  EXPECT_TRUE(DurationFits(5, 3));  // negative but representable
  EXPECT_FALSE(DurationFits(-1, kMax));
  EXPECT_FALSE(DurationFits(kMin, 0));
  EXPECT_FALSE(DurationFits(kMin, kMax));
}

}  // namespace
}  // namespace nsysexplain::core
