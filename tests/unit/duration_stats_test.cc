// Grouped duration statistics (ext/core/duration_stats.h) against a naive
// per-group computation.
#include "core/duration_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace nsysexplain::core {
namespace {

double NaivePct(std::vector<int64_t> v, double p) {
  std::sort(v.begin(), v.end());
  double h = (double(v.size()) - 1) * p / 100.0;
  size_t i = size_t(std::floor(h));
  size_t j = std::min(i + 1, v.size() - 1);
  return double(v[i]) + (h - std::floor(h)) * double(v[j] - v[i]);
}

void ExpectStats(const DurationStats& s, const std::vector<int64_t>& v) {
  ASSERT_EQ(s.count, int64_t(v.size()));
  if (v.empty()) {
    EXPECT_EQ(s.total, 0);
    EXPECT_EQ(s.min, 0);
    EXPECT_EQ(s.max, 0);
    EXPECT_EQ(s.under_5us, 0);
    return;
  }
  int64_t total = 0, u5 = 0, u10 = 0, u20 = 0;
  for (int64_t x : v) {
    total += x;
    u5 += x < 5000;
    u10 += x < 10000;
    u20 += x < 20000;
  }
  EXPECT_EQ(s.total, total);
  EXPECT_EQ(s.min, *std::min_element(v.begin(), v.end()));
  EXPECT_EQ(s.max, *std::max_element(v.begin(), v.end()));
  EXPECT_EQ(s.under_5us, u5);
  EXPECT_EQ(s.under_10us, u10);
  EXPECT_EQ(s.under_20us, u20);
  EXPECT_NEAR(s.p50, NaivePct(v, 50), 1e-6);
  EXPECT_NEAR(s.p90, NaivePct(v, 90), 1e-6);
  EXPECT_NEAR(s.p95, NaivePct(v, 95), 1e-6);
  EXPECT_NEAR(s.p99, NaivePct(v, 99), 1e-6);
  double median = NaivePct(v, 50), excess = 0;
  for (int64_t x : v)
    if (double(x) > median) excess += double(x) - median;
  EXPECT_NEAR(s.excess_over_p50, excess, 1e-6 * std::max(1.0, excess));
  double mean = double(total) / double(v.size());
  double ss = 0;
  for (int64_t x : v) ss += (double(x) - mean) * (double(x) - mean);
  double sd = v.size() > 1 ? std::sqrt(ss / double(v.size() - 1)) : 0.0;
  EXPECT_NEAR(s.stdev, sd, 1e-6 * std::max(1.0, sd));
}

TEST(DurationStats, EmptyInput) {
  DurationStats s = ComputeStats({});
  EXPECT_EQ(s.count, 0);
  EXPECT_EQ(s.total, 0);
  EXPECT_EQ(s.p50, 0);
  EXPECT_EQ(s.stdev, 0);
  EXPECT_TRUE(ComputeGroupStats({}, 0, {}).empty());
}

TEST(DurationStats, HandValues) {
  DurationStats s = ComputeStats({4000, 1000, 3000, 2000});
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(s.total, 10000);
  EXPECT_EQ(s.min, 1000);
  EXPECT_EQ(s.max, 4000);
  EXPECT_EQ(s.p50, 2500.0);
  EXPECT_DOUBLE_EQ(s.p90, 3700.0);
  EXPECT_DOUBLE_EQ(s.p95, 3850.0);
  EXPECT_DOUBLE_EQ(s.p99, 3970.0);
  EXPECT_DOUBLE_EQ(s.excess_over_p50, 500.0 + 1500.0);  // 3000, 4000 over 2500
  EXPECT_DOUBLE_EQ(s.stdev, std::sqrt(5.0 / 3) * 1000);
  EXPECT_EQ(s.under_5us, 4);
}

TEST(DurationStats, ThresholdsAreStrict) {
  DurationStats s = ComputeStats({4999, 5000, 9999, 10000, 19999, 20000, 0});
  EXPECT_EQ(s.under_5us, 2);   // 0, 4999
  EXPECT_EQ(s.under_10us, 4);  // + 5000, 9999
  EXPECT_EQ(s.under_20us, 6);  // + 10000, 19999
}

TEST(DurationStats, SingleValueStdevZero) {
  DurationStats s = ComputeStats({123});
  EXPECT_EQ(s.stdev, 0.0);
  EXPECT_EQ(s.p50, 123.0);
  EXPECT_EQ(s.p99, 123.0);
}

TEST(DurationStats, GroupsWithEmptyAndOutOfRangeIds) {
  // Group 1 has no rows; ids >= ngroups are ignored.
  std::vector<uint32_t> g{0, 2, 0, 7, 2, 3};
  std::vector<int64_t> d{10, 100, 30, 999, 300, 5};
  auto out = ComputeGroupStats(g, 3, d);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].count, 2);
  EXPECT_EQ(out[0].total, 40);
  EXPECT_EQ(out[0].p50, 20.0);
  EXPECT_EQ(out[1].count, 0);
  EXPECT_EQ(out[1].total, 0);
  EXPECT_EQ(out[2].count, 2);
  EXPECT_EQ(out[2].min, 100);
  EXPECT_EQ(out[2].max, 300);
}

TEST(DurationStats, RandomGroupsAgainstNaive) {
  std::mt19937_64 rng(99);
  for (int iter = 0; iter < 500; ++iter) {
    std::uniform_int_distribution<int> ng(1, 12), nr(0, 300);
    std::uniform_int_distribution<int64_t> dur(0, 60000);
    size_t ngroups = size_t(ng(rng));
    int rows = nr(rng);
    // ids up to ngroups + 2 to exercise the "ignored" path.
    std::uniform_int_distribution<uint32_t> gd(0, uint32_t(ngroups + 2));
    std::vector<uint32_t> g(rows);
    std::vector<int64_t> d(rows);
    std::vector<std::vector<int64_t>> naive(ngroups);
    for (int i = 0; i < rows; ++i) {
      g[i] = gd(rng);
      d[i] = dur(rng);
      if (g[i] < ngroups) naive[g[i]].push_back(d[i]);
    }
    auto out = ComputeGroupStats(g, ngroups, d);
    ASSERT_EQ(out.size(), ngroups);
    for (size_t k = 0; k < ngroups; ++k) {
      SCOPED_TRACE(::testing::Message() << "iteration " << iter << " group " << k);
      ExpectStats(out[k], naive[k]);
      if (!naive[k].empty()) {
        DurationStats single = ComputeStats(naive[k]);
        EXPECT_EQ(single.total, out[k].total);
        EXPECT_EQ(single.p90, out[k].p90);
        EXPECT_EQ(single.stdev, out[k].stdev);
      }
    }
  }
}

// Groups above the small-group cutoff take the selection path (nth_element
// over the needed ranks): sizes around the cutoff, heavy ties and sorted or
// reversed inputs, each against a full sort.
TEST(DurationStats, LargeGroupsSelectionAgainstNaive) {
  std::mt19937_64 rng(7);
  for (size_t n : {63u, 64u, 65u, 66u, 100u, 101u, 1000u, 4099u}) {
    for (int shape = 0; shape < 4; ++shape) {
      SCOPED_TRACE(::testing::Message() << "n " << n << " shape " << shape);
      std::vector<int64_t> v(n);
      std::uniform_int_distribution<int64_t> wide(0, 5000000), ties(0, 3);
      for (auto& x : v) x = shape == 1 ? ties(rng) * 1000 : wide(rng);
      if (shape == 2) std::sort(v.begin(), v.end());
      if (shape == 3) std::sort(v.rbegin(), v.rend());
      ExpectStats(ComputeStats(v), v);
      std::vector<int64_t> w = v;
      DurationStats in_place = ComputeStatsInPlace(w.data(), w.size());
      ExpectStats(in_place, v);
      std::sort(w.begin(), w.end());
      std::vector<int64_t> sorted = v;
      std::sort(sorted.begin(), sorted.end());
      EXPECT_EQ(w, sorted);  // reordered, never changed
      std::vector<uint32_t> one_group(n, 0);
      ExpectStats(ComputeGroupStats(one_group, 1, v)[0], v);
    }
  }
}

}  // namespace
}  // namespace nsysexplain::core
