// Interval union and gaps (ext/core/interval_union.h): hand-written edge
// cases, then a randomized comparison with a per-nanosecond coverage bitmap.
#include "core/interval_union.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <ostream>
#include <random>
#include <vector>

namespace nsysexplain::core {

// Printing and comparison for readable EXPECT_EQ failures.
bool operator==(const Interval& a, const Interval& b) {
  return a.start == b.start && a.end == b.end;
}
std::ostream& operator<<(std::ostream& os, const Interval& i) {
  return os << "[" << i.start << "," << i.end << ")";
}

namespace {

std::vector<Interval> MakeIntervals(std::vector<Interval> v) { return v; }

TEST(IntervalUnion, EmptyInput) {
  auto merged = MergeIntervals({});
  EXPECT_TRUE(merged.empty());
  EXPECT_EQ(UnionLength(merged), 0);
  EXPECT_EQ(GapsInWindow(merged, 0, 10), MakeIntervals({{0, 10}}));
  EXPECT_TRUE(GapsInWindow(merged, 5, 5).empty());
}

TEST(IntervalUnion, SingleInterval) {
  auto merged = MergeIntervals({{3, 8}});
  EXPECT_EQ(merged, MakeIntervals({{3, 8}}));
  EXPECT_EQ(UnionLength(merged), 5);
  EXPECT_TRUE(GapsInWindow(merged, 3, 8).empty());
}

TEST(IntervalUnion, TouchingIntervalsMerge) {
  auto merged = MergeIntervals({{0, 5}, {5, 9}});
  EXPECT_EQ(merged, MakeIntervals({{0, 9}}));
  EXPECT_EQ(UnionLength(merged), 9);
  EXPECT_TRUE(GapsInWindow(merged, 0, 9).empty());
}

TEST(IntervalUnion, OverlappingIntervalsMerge) {
  auto merged = MergeIntervals({{0, 10}, {5, 15}});
  EXPECT_EQ(merged, MakeIntervals({{0, 15}}));
  EXPECT_EQ(UnionLength(merged), 15);
}

TEST(IntervalUnion, ZeroDuration) {
  // Empty intervals add no busy time and are dropped from the result, also
  // when they sit inside a gap or touch another interval.
  auto merged = MergeIntervals({{4, 4}, {0, 2}, {7, 7}, {2, 2}, {10, 12}});
  EXPECT_EQ(merged, MakeIntervals({{0, 2}, {10, 12}}));
  EXPECT_EQ(UnionLength(merged), 4);
  // A zero-length kernel inside a gap does not split the gap.
  EXPECT_EQ(GapsInWindow(merged, 0, 12), MakeIntervals({{2, 10}}));
  EXPECT_TRUE(MergeIntervals({{5, 5}}).empty());
}

TEST(IntervalUnion, InvalidIntervalsDropped) {
  // end < start rows are the caller's to filter; MergeIntervals drops them.
  auto merged = MergeIntervals({{10, 2}, {0, 1}});
  EXPECT_EQ(merged, MakeIntervals({{0, 1}}));
}

TEST(IntervalUnion, UnsortedInput) {
  auto merged = MergeIntervals({{20, 30}, {0, 5}, {10, 12}, {3, 7}});
  EXPECT_EQ(merged, MakeIntervals({{0, 7}, {10, 12}, {20, 30}}));
  EXPECT_EQ(UnionLength(merged), 19);
}

TEST(IntervalUnion, NestedIntervals) {
  auto merged = MergeIntervals({{0, 100}, {10, 20}, {30, 40}, {0, 50}});
  EXPECT_EQ(merged, MakeIntervals({{0, 100}}));
  EXPECT_EQ(UnionLength(merged), 100);
}

TEST(IntervalUnion, DuplicateIntervals) {
  auto merged = MergeIntervals({{1, 4}, {1, 4}, {1, 4}});
  EXPECT_EQ(merged, MakeIntervals({{1, 4}}));
  EXPECT_EQ(UnionLength(merged), 3);
}

TEST(IntervalUnion, LeadingAndTrailingGaps) {
  auto merged = MergeIntervals({{10, 20}, {30, 40}});
  EXPECT_EQ(GapsInWindow(merged, 0, 50),
            MakeIntervals({{0, 10}, {20, 30}, {40, 50}}));
  EXPECT_EQ(GapsInWindow(merged, 10, 40), MakeIntervals({{20, 30}}));
}

TEST(IntervalUnion, GapsClippedToWindow) {
  auto merged = MergeIntervals({{0, 10}, {20, 30}, {40, 50}, {60, 70}});
  // Window starts inside a gap and ends inside another.
  EXPECT_EQ(GapsInWindow(merged, 15, 45), MakeIntervals({{15, 20}, {30, 40}}));
  // Window starts and ends inside busy intervals.
  EXPECT_EQ(GapsInWindow(merged, 5, 65),
            MakeIntervals({{10, 20}, {30, 40}, {50, 60}}));
  // Window entirely inside one gap.
  EXPECT_EQ(GapsInWindow(merged, 12, 18), MakeIntervals({{12, 18}}));
  // Window entirely inside one busy interval.
  EXPECT_TRUE(GapsInWindow(merged, 21, 29).empty());
  // Window before and after every interval.
  EXPECT_EQ(GapsInWindow(merged, -10, -5), MakeIntervals({{-10, -5}}));
  EXPECT_EQ(GapsInWindow(merged, 100, 110), MakeIntervals({{100, 110}}));
  // Window touching an interval's end: the gap starts at the end.
  EXPECT_EQ(GapsInWindow(merged, 10, 20), MakeIntervals({{10, 20}}));
}

TEST(IntervalUnion, EmptyOrInvertedWindow) {
  auto merged = MergeIntervals({{0, 10}});
  EXPECT_TRUE(GapsInWindow(merged, 5, 5).empty());
  EXPECT_TRUE(GapsInWindow(merged, 20, 10).empty());
}

TEST(IntervalUnion, NegativeAndLargeCoordinates) {
  const int64_t big = int64_t{1} << 60;
  auto merged = MergeIntervals({{big, big + 10}, {-50, -40}, {big + 5, big + 20}});
  EXPECT_EQ(merged, MakeIntervals({{-50, -40}, {big, big + 20}}));
  EXPECT_EQ(UnionLength(merged), 30);
}

TEST(IntervalUnion, ExtremeCoordinatesSaturate) {
  // Garbage timestamps: the union length saturates at INT64_MAX instead of
  // overflowing.
  const int64_t lo = std::numeric_limits<int64_t>::min();
  const int64_t hi = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(UnionLength(MergeIntervals({{lo, hi}})), hi);
  EXPECT_EQ(UnionLength(MergeIntervals({{lo, 0}, {1, hi}})), hi);
  EXPECT_EQ(GapsInWindow(MergeIntervals({{lo, 0}, {1, hi}}), lo, hi),
            MakeIntervals({{0, 1}}));
}

TEST(IntervalUnion, AccumulatorIgnoresEmptyAndInverted) {
  UnionAccumulator acc;
  EXPECT_EQ(acc.Length(), 0);
  acc.Add(10, 20);
  acc.Add(15, 25);
  acc.Add(30, 30);  // empty
  acc.Add(50, 40);  // inverted
  acc.Add(25, 27);  // touching
  EXPECT_EQ(acc.size(), 3u);
  EXPECT_EQ(acc.Length(), 17);
}

// ------------------------------------------------------ randomized reference
// Coordinates in [0, kSpan): a bitmap of covered nanoseconds is the reference.
constexpr int kSpan = 64;

std::vector<bool> Coverage(const std::vector<Interval>& v) {
  std::vector<bool> bits(kSpan, false);
  for (const Interval& i : v)
    for (int64_t t = i.start; t < i.end; ++t) bits[t] = true;
  return bits;
}

// Maximal runs of `want` in bits[lo, hi).
std::vector<Interval> Runs(const std::vector<bool>& bits, bool want,
                           int64_t lo, int64_t hi) {
  std::vector<Interval> out;
  for (int64_t t = lo; t < hi;) {
    if (bits[t] != want) {
      ++t;
      continue;
    }
    int64_t b = t;
    while (t < hi && bits[t] == want) ++t;
    out.push_back({b, t});
  }
  return out;
}

TEST(IntervalUnion, RandomAgainstBitmap) {
  std::mt19937_64 rng(20240611);
  for (int iter = 0; iter < 5000; ++iter) {
    std::uniform_int_distribution<int> count_dist(0, 12);
    std::uniform_int_distribution<int> coord(0, kSpan - 1);
    std::uniform_int_distribution<int> len(0, 12);
    int n = count_dist(rng);
    std::vector<Interval> in;
    for (int i = 0; i < n; ++i) {
      int64_t b = coord(rng);
      int64_t e = std::min<int64_t>(kSpan - 1, b + len(rng));
      in.push_back({b, e});
    }
    std::vector<bool> bits = Coverage(in);
    auto merged = MergeIntervals(in);
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    // Merged intervals are exactly the maximal covered runs.
    ASSERT_EQ(merged, Runs(bits, true, 0, kSpan));
    ASSERT_EQ(UnionLength(merged),
              std::count(bits.begin(), bits.end(), true));
    // Default window (first start .. last end) and random windows.
    std::vector<std::pair<int64_t, int64_t>> windows;
    if (!merged.empty())
      windows.push_back({merged.front().start, merged.back().end});
    int64_t a = coord(rng), b = coord(rng);
    windows.push_back({std::min(a, b), std::max(a, b)});
    windows.push_back({0, kSpan});
    for (auto [ws, we] : windows) {
      SCOPED_TRACE(::testing::Message() << "window " << ws << ".." << we);
      auto gaps = GapsInWindow(merged, ws, we);
      ASSERT_EQ(gaps, Runs(bits, false, ws, we));
      int64_t gap_total = 0;
      for (const auto& g : gaps) gap_total += g.end - g.start;
      int64_t busy_in_window = 0;
      for (int64_t t = ws; t < we; ++t) busy_in_window += bits[t];
      ASSERT_EQ(gap_total + busy_in_window, we - ws);
    }
    UnionAccumulator acc;
    for (const Interval& i : in) acc.Add(i.start, i.end);
    ASSERT_EQ(acc.Length(), UnionLength(merged));
  }
}

}  // namespace
}  // namespace nsysexplain::core
