#include "duration_stats.h"

#include <algorithm>

#include "percentile.h"
#include "saturating.h"

namespace nsysexplain::core {
namespace {

DurationStats FromSorted(const int64_t* v, size_t n) {
  DurationStats s;
  s.count = static_cast<int64_t>(n);
  if (n == 0) return s;
  s.min = v[0];
  s.max = v[n - 1];
  for (size_t i = 0; i < n; ++i) {
    s.total = SatAdd(s.total, v[i]);
    if (v[i] < 5000) ++s.under_5us;
    if (v[i] < 10000) ++s.under_10us;
    if (v[i] < 20000) ++s.under_20us;
  }
  s.p50 = PercentileSorted(v, n, 50);
  s.p90 = PercentileSorted(v, n, 90);
  s.p99 = PercentileSorted(v, n, 99);
  s.stdev = SampleStdev(v, n).value_or(0);
  return s;
}

}  // namespace

std::vector<DurationStats> ComputeGroupStats(
    const std::vector<uint32_t>& group_of_row, size_t ngroups,
    const std::vector<int64_t>& durations) {
  std::vector<size_t> offset(ngroups + 1, 0);
  for (uint32_t g : group_of_row)
    if (g < ngroups) ++offset[g + 1];
  for (size_t g = 0; g < ngroups; ++g) offset[g + 1] += offset[g];
  std::vector<int64_t> values(offset[ngroups]);
  std::vector<size_t> fill(offset.begin(), offset.end() - 1);
  for (size_t i = 0; i < group_of_row.size(); ++i) {
    uint32_t g = group_of_row[i];
    if (g < ngroups) values[fill[g]++] = durations[i];
  }
  std::vector<DurationStats> out(ngroups);
  for (size_t g = 0; g < ngroups; ++g) {
    int64_t* b = values.data() + offset[g];
    size_t n = offset[g + 1] - offset[g];
    std::sort(b, b + n);
    out[g] = FromSorted(b, n);
  }
  return out;
}

DurationStats ComputeStatsSorted(const std::vector<int64_t>& sorted) {
  return FromSorted(sorted.data(), sorted.size());
}

DurationStats ComputeStats(std::vector<int64_t> durations) {
  std::sort(durations.begin(), durations.end());
  return FromSorted(durations.data(), durations.size());
}

}  // namespace nsysexplain::core
