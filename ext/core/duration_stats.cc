#include "duration_stats.h"

#include <algorithm>

#include "percentile.h"
#include "saturating.h"

namespace nsysexplain::core {
namespace {

constexpr double kPercentiles[] = {50, 90, 95, 99};

// Everything but the percentiles: one pass, order-independent except for the
// stdev's rounding.
DurationStats Moments(const int64_t* v, size_t n) {
  DurationStats s;
  s.count = static_cast<int64_t>(n);
  if (n == 0) return s;
  s.min = s.max = v[0];
  for (size_t i = 0; i < n; ++i) {
    s.total = SatAdd(s.total, v[i]);
    s.min = std::min(s.min, v[i]);
    s.max = std::max(s.max, v[i]);
    s.under_5us += v[i] < 5000;
    s.under_10us += v[i] < 10000;
    s.under_20us += v[i] < 20000;
  }
  s.stdev = SampleStdev(v, n).value_or(0);
  return s;
}

// The percentiles from v, where every rank they read holds its order
// statistic; then the excess over the median (order-independent).
void SetPercentiles(DurationStats& s, const int64_t* v, size_t n) {
  s.p50 = PercentileSorted(v, n, kPercentiles[0]);
  s.p90 = PercentileSorted(v, n, kPercentiles[1]);
  s.p95 = PercentileSorted(v, n, kPercentiles[2]);
  s.p99 = PercentileSorted(v, n, kPercentiles[3]);
  double excess = 0;
  for (size_t i = 0; i < n; ++i)
    if (static_cast<double>(v[i]) > s.p50) excess += static_cast<double>(v[i]) - s.p50;
  s.excess_over_p50 = excess;
}

DurationStats FromSorted(const int64_t* v, size_t n) {
  DurationStats s = Moments(v, n);
  if (n == 0) return s;
  SetPercentiles(s, v, n);
  return s;
}

// The percentiles need at most eight order statistics (the two ranks around
// each interpolation position). Selecting them with nth_element over the
// shrinking tail is O(n) per rank instead of a full O(n log n) sort.
DurationStats FromUnsorted(int64_t* v, size_t n) {
  if (n <= 64) {
    std::sort(v, v + n);
    return FromSorted(v, n);
  }
  DurationStats s = Moments(v, n);
  std::vector<size_t> ranks;
  for (double p : kPercentiles) {
    double pos = p / 100.0 * static_cast<double>(n - 1);
    size_t lo = static_cast<size_t>(pos);
    ranks.push_back(lo);
    if (lo + 1 < n) ranks.push_back(lo + 1);
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  // After a selection at rank r every value right of r is >= v[r], so rank
  // r + 1 (the other side of an interpolation) is the minimum of that tail:
  // a linear scan, not a second selection.
  size_t begin = 0;
  for (size_t r : ranks) {
    if (r < begin) continue;  // already in place
    std::nth_element(v + begin, v + r, v + n);
    if (r + 1 < n && std::binary_search(ranks.begin(), ranks.end(), r + 1)) {
      std::iter_swap(v + r + 1, std::min_element(v + r + 1, v + n));
      begin = r + 2;
    } else {
      begin = r + 1;
    }
  }
  // v[r] now holds the r-th smallest value for every needed rank, which is
  // all PercentileSorted reads (0 < pos < n - 1 since n > 64).
  SetPercentiles(s, v, n);
  return s;
}

}  // namespace

DurationStats ComputeStats(std::vector<int64_t> durations) {
  return FromUnsorted(durations.data(), durations.size());
}

DurationStats ComputeStatsInPlace(int64_t* values, size_t n) {
  return FromUnsorted(values, n);
}

}  // namespace nsysexplain::core
