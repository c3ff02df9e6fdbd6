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

// Statistics for each group g in [0, ngroups) over rows i where
// group_of_row[i] == g. Rows with group id >= ngroups are ignored.
std::vector<DurationStats> ComputeGroupStats(
    const std::vector<uint32_t>& group_of_row, size_t ngroups,
    const std::vector<int64_t>& durations);

DurationStats ComputeStats(std::vector<int64_t> durations);

// Same, reordering `values` in place instead of copying them.
DurationStats ComputeStatsInPlace(int64_t* values, size_t n);

}  // namespace nsysexplain::core
