// Grouped duration statistics: one counting pass, then per group one linear
// pass and a selection (nth_element) of the few ranks the percentiles need.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nsysexplain::core {

struct DurationStats {
  int64_t count = 0;
  int64_t total = 0;
  int64_t min = 0;
  int64_t max = 0;
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0;
  double stdev = 0;
  int64_t under_5us = 0, under_10us = 0, under_20us = 0;  // strict <
  // Sum over the values above the median of (value - p50): the time the
  // slower-than-median calls cost beyond a median call (the tail's cost).
  double excess_over_p50 = 0;
};

DurationStats ComputeStats(std::vector<int64_t> durations);

// Same, reordering `values` in place instead of copying them.
DurationStats ComputeStatsInPlace(int64_t* values, size_t n);

// Statistics for each group g in [0, ngroups) over rows i where
// group_of_row[i] == g, of the values value(i). Rows with group id >=
// ngroups are ignored. The values are computed while they are gathered by
// group, so the caller needs no column of them (one copy, grouped).
template <class Value>
std::vector<DurationStats> ComputeGroupStatsBy(const std::vector<uint32_t>& group_of_row,
                                               size_t ngroups, Value value) {
  std::vector<size_t> offset(ngroups + 1, 0);
  for (uint32_t g : group_of_row)
    if (g < ngroups) ++offset[g + 1];
  for (size_t g = 0; g < ngroups; ++g) offset[g + 1] += offset[g];
  std::vector<int64_t> values(offset[ngroups]);
  {
    std::vector<size_t> fill(offset.begin(), offset.end() - 1);
    for (size_t i = 0; i < group_of_row.size(); ++i) {
      uint32_t g = group_of_row[i];
      if (g < ngroups) values[fill[g]++] = value(i);
    }
  }
  std::vector<DurationStats> out(ngroups);
  for (size_t g = 0; g < ngroups; ++g)
    out[g] = ComputeStatsInPlace(values.data() + offset[g], offset[g + 1] - offset[g]);
  return out;
}

inline std::vector<DurationStats> ComputeGroupStats(const std::vector<uint32_t>& group_of_row,
                                                    size_t ngroups,
                                                    const std::vector<int64_t>& durations) {
  return ComputeGroupStatsBy(group_of_row, ngroups, [&](size_t i) { return durations[i]; });
}

}  // namespace nsysexplain::core
