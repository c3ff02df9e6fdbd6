// Percentile and sample standard deviation (ext/core/percentile.h), checked
// against docs/SEMANTICS.md: linear interpolation at p/100*(n-1) (numpy
// "linear"); median of an even count = mean of the two middle values;
// stdev with n-1, 0 for n = 1, none for n = 0.
#include "core/percentile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace nsysexplain::core {
namespace {

double Pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return PercentileSorted(v.data(), v.size(), p);
}

double PctInt(std::vector<int64_t> v, double p) {
  std::sort(v.begin(), v.end());
  return PercentileSorted(v.data(), v.size(), p);
}

// Textbook definition, written independently of the implementation.
double Textbook(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  double h = (static_cast<double>(v.size()) - 1) * p / 100.0;
  double lo = std::floor(h);
  size_t i = static_cast<size_t>(lo);
  size_t j = std::min(i + 1, v.size() - 1);
  return v[i] + (h - lo) * (v[j] - v[i]);
}

TEST(Percentile, SingleValue) {
  for (double p : {0.0, 1.0, 50.0, 99.0, 100.0}) {
    EXPECT_EQ(Pct({7.5}, p), 7.5);
    EXPECT_EQ(PctInt({42}, p), 42.0);
  }
}

TEST(Percentile, MedianOddCount) {
  EXPECT_EQ(Pct({3, 1, 2}, 50), 2.0);
  EXPECT_EQ(Pct({5, 1, 9, 3, 7}, 50), 5.0);
}

TEST(Percentile, MedianEvenCountIsMeanOfMiddleTwo) {
  EXPECT_EQ(Pct({1, 2, 3, 4}, 50), 2.5);
  EXPECT_EQ(Pct({10, 20}, 50), 15.0);
  EXPECT_EQ(PctInt({1000, 4000, 2000, 3000}, 50), 2500.0);
  EXPECT_EQ(PctInt({1, 2}, 50), 1.5);
}

TEST(Percentile, ZeroAndHundredAreMinAndMax) {
  std::vector<double> v{4, -2, 8, 8, 3};
  EXPECT_EQ(Pct(v, 0), -2.0);
  EXPECT_EQ(Pct(v, 100), 8.0);
}

TEST(Percentile, LinearInterpolation) {
  std::vector<double> v{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(Pct(v, 25), 1.75);   // position 0.75
  EXPECT_DOUBLE_EQ(Pct(v, 75), 3.25);   // position 2.25
  std::vector<double> ten{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_DOUBLE_EQ(Pct(ten, 90), 9.1);  // position 8.1
  EXPECT_DOUBLE_EQ(Pct(ten, 99), 9.91); // position 8.91
  EXPECT_DOUBLE_EQ(Pct({0, 100}, 37), 37.0);
}

TEST(Percentile, DuplicatesAndNegatives) {
  EXPECT_EQ(Pct({5, 5, 5, 5}, 33), 5.0);
  EXPECT_DOUBLE_EQ(Pct({-10, -20, 0}, 25), -15.0);
}

TEST(Percentile, InPlaceEmptyIsNullopt) {
  std::vector<double> v;
  EXPECT_FALSE(PercentileInPlace(v, 50).has_value());
}

TEST(Percentile, InPlaceHandValues) {
  std::vector<double> v{4, 1, 3, 2};
  EXPECT_EQ(PercentileInPlace(v, 50).value(), 2.5);
  std::vector<double> one{9};
  EXPECT_EQ(PercentileInPlace(one, 90).value(), 9.0);
  std::vector<double> w{4, 1, 3, 2};
  EXPECT_EQ(PercentileInPlace(w, 100).value(), 4.0);
  std::vector<double> z{4, 1, 3, 2};
  EXPECT_EQ(PercentileInPlace(z, 0).value(), 1.0);
}

TEST(Percentile, RandomAgainstTextbook) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> nd(1, 60);
  std::uniform_int_distribution<int> small(-50, 50);
  std::uniform_real_distribution<double> real(-1e6, 1e6);
  std::uniform_real_distribution<double> pd(0, 100);
  for (int iter = 0; iter < 5000; ++iter) {
    int n = nd(rng);
    std::vector<double> v(n);
    bool ints = iter % 2 == 0;  // many ties
    for (double& x : v) x = ints ? small(rng) : real(rng);
    double p;
    switch (iter % 5) {
      case 0: p = 0; break;
      case 1: p = 100; break;
      case 2: p = std::round(pd(rng)); break;
      default: p = pd(rng);
    }
    SCOPED_TRACE(::testing::Message() << "iteration " << iter << " n=" << n
                                      << " p=" << p);
    double want = Textbook(v, p);
    double got = Pct(v, p);
    ASSERT_NEAR(got, want, 1e-9 * std::max(1.0, std::fabs(want)));
    // The O(n) selection must give exactly the sorted answer.
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> copy = v;
    ASSERT_EQ(PercentileInPlace(copy, p).value(),
              PercentileSorted(sorted.data(), sorted.size(), p));
    // The int64 overload agrees with the double one on integral data.
    if (ints) {
      std::vector<int64_t> iv(sorted.begin(), sorted.end());
      ASSERT_EQ(PercentileSorted(iv.data(), iv.size(), p),
                PercentileSorted(sorted.data(), sorted.size(), p));
    }
  }
}

// ------------------------------------------------------------ SampleStdev
TEST(SampleStdev, EmptyIsNullopt) {
  EXPECT_FALSE(SampleStdev(static_cast<const double*>(nullptr), 0).has_value());
  EXPECT_FALSE(SampleStdev(static_cast<const int64_t*>(nullptr), 0).has_value());
}

TEST(SampleStdev, OneValueIsZero) {
  double d = 3.5;
  int64_t i = 99;
  EXPECT_EQ(SampleStdev(&d, 1).value(), 0.0);
  EXPECT_EQ(SampleStdev(&i, 1).value(), 0.0);
}

TEST(SampleStdev, HandValues) {
  std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};  // sum of squares dev = 32
  EXPECT_DOUBLE_EQ(SampleStdev(v.data(), v.size()).value(), std::sqrt(32.0 / 7));
  std::vector<int64_t> w{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(SampleStdev(w.data(), w.size()).value(), std::sqrt(5.0 / 3));
  std::vector<int64_t> same{7, 7, 7};
  EXPECT_EQ(SampleStdev(same.data(), same.size()).value(), 0.0);
  std::vector<double> two{10, 20};
  EXPECT_DOUBLE_EQ(SampleStdev(two.data(), two.size()).value(), std::sqrt(50.0));
}

TEST(SampleStdev, LargeOffsetIsStable) {
  // Nanosecond timestamps: a naive sum-of-squares formula loses everything.
  const int64_t base = int64_t{1} << 50;
  std::vector<int64_t> v{base + 1, base + 2, base + 3};
  EXPECT_NEAR(SampleStdev(v.data(), v.size()).value(), 1.0, 1e-6);
}

TEST(SampleStdev, RandomAgainstTwoPass) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> nd(2, 100);
  std::uniform_int_distribution<int64_t> vd(0, 10'000'000);
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<int64_t> v(nd(rng));
    for (auto& x : v) x = vd(rng);
    double mean = 0;
    for (auto x : v) mean += double(x);
    mean /= double(v.size());
    double ss = 0;
    for (auto x : v) ss += (double(x) - mean) * (double(x) - mean);
    double want = std::sqrt(ss / double(v.size() - 1));
    ASSERT_NEAR(SampleStdev(v.data(), v.size()).value(), want, 1e-9 * want + 1e-9);
  }
}

}  // namespace
}  // namespace nsysexplain::core
