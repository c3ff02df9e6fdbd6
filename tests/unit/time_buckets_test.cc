#include "core/time_buckets.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace nsysexplain::core {
namespace {

TEST(TimeBuckets, EdgesSplitTheWindowEvenly) {
  EXPECT_EQ(BucketEdges(0, 10, 4), (std::vector<int64_t>{0, 2, 5, 7, 10}));
  EXPECT_EQ(BucketEdges(100, 103, 3), (std::vector<int64_t>{100, 101, 102, 103}));
  EXPECT_TRUE(BucketEdges(5, 5, 10).empty());
  EXPECT_TRUE(BucketEdges(0, 10, 0).empty());
  // More buckets than nanoseconds: empty buckets, still ascending.
  EXPECT_EQ(BucketEdges(0, 2, 4), (std::vector<int64_t>{0, 0, 1, 1, 2}));
}

TEST(TimeBuckets, EdgesOfAHugeWindowDoNotOverflow) {
  int64_t lo = std::numeric_limits<int64_t>::min() + 1;
  int64_t hi = std::numeric_limits<int64_t>::max();
  auto e = BucketEdges(lo, hi, 100);
  ASSERT_EQ(e.size(), 101u);
  EXPECT_EQ(e.front(), lo);
  EXPECT_EQ(e.back(), hi);
  for (size_t b = 1; b < e.size(); ++b) EXPECT_LT(e[b - 1], e[b]);
}

TEST(TimeBuckets, BusyOfAHandExample) {
  // Busy [2,6) and [8,9) in buckets [0,5) [5,10): 3 and 2.
  std::vector<Interval> merged = {{2, 6}, {8, 9}};
  EXPECT_EQ(BusyPerBucket(merged, {0, 5, 10}), (std::vector<int64_t>{3, 2}));
  EXPECT_TRUE(BusyPerBucket(merged, {0}).empty());
  EXPECT_EQ(BusyPerBucket({}, {0, 5, 10}), (std::vector<int64_t>{0, 0}));
}

// Reference: mark every nanosecond of every raw interval, count per bucket.
std::vector<int64_t> BruteForce(const std::vector<Interval>& raw,
                                const std::vector<int64_t>& edges, int64_t span) {
  std::vector<char> on(static_cast<size_t>(span), 0);
  for (const Interval& iv : raw)
    for (int64_t t = std::max<int64_t>(iv.start, 0); t < std::min(iv.end, span); ++t)
      on[static_cast<size_t>(t)] = 1;
  std::vector<int64_t> busy;
  for (size_t b = 0; b + 1 < edges.size(); ++b) {
    int64_t n = 0;
    for (int64_t t = edges[b]; t < edges[b + 1]; ++t) n += on[static_cast<size_t>(t)];
    busy.push_back(n);
  }
  return busy;
}

TEST(TimeBuckets, MatchesBruteForceOnRandomIntervals) {
  std::mt19937_64 rng(20261202);
  for (int trial = 0; trial < 500; ++trial) {
    int64_t span = 1 + static_cast<int64_t>(rng() % 400);
    size_t n = static_cast<size_t>(rng() % 40);
    std::vector<Interval> raw;
    for (size_t i = 0; i < n; ++i) {
      int64_t s = static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
      int64_t len = static_cast<int64_t>(rng() % 60);
      raw.push_back({s, std::min(span, s + len)});
    }
    // The window may start inside the intervals: clip by the edges only.
    int64_t w0 = static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
    int64_t w1 = w0 + 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(span - w0));
    size_t buckets = 1 + static_cast<size_t>(rng() % 120);
    auto edges = BucketEdges(w0, w1, buckets);
    ASSERT_EQ(edges.size(), buckets + 1);
    auto got = BusyPerBucket(MergeIntervals(raw), edges);
    EXPECT_EQ(got, BruteForce(raw, edges, span)) << "trial " << trial;
  }
}

}  // namespace
}  // namespace nsysexplain::core
