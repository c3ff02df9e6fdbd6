// Interval union and gaps: one sort plus one sweep, O(n log n).
//
// Intervals are half-open [start, end). Touching intervals ([0,5) and [5,9))
// merge and leave no gap. Empty intervals (start == end) add no busy time but
// do not break anything. Intervals with end < start must be filtered by the
// caller (they are invalid rows, see docs/SEMANTICS.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nsysexplain::core {

struct Interval {
  int64_t start;
  int64_t end;
};

// Sorts `intervals` by start and merges them in place; returns the merged,
// disjoint, ascending list. Empty intervals are dropped from the result.
std::vector<Interval> MergeIntervals(std::vector<Interval> intervals);

// Total length of the union.
int64_t UnionLength(const std::vector<Interval>& merged);

// Gaps between merged intervals, clipped to [window_start, window_end).
// Includes a leading gap if the first interval starts after window_start and a
// trailing gap if the last ends before window_end.
std::vector<Interval> GapsInWindow(const std::vector<Interval>& merged,
                                   int64_t window_start, int64_t window_end);

// Length of the intersection of two merged (disjoint, ascending) lists, one
// linear sweep.
int64_t IntersectionLength(const std::vector<Interval>& a, const std::vector<Interval>& b);

// Streaming union accumulator for intervals that arrive in any order; keeps
// them and merges on Finish(). Used by the SQL aggregate.
class UnionAccumulator {
 public:
  void Add(int64_t start, int64_t end) {
    if (end > start) items_.push_back({start, end});
  }
  int64_t Length() const;
  size_t size() const { return items_.size(); }

 private:
  std::vector<Interval> items_;
};

}  // namespace nsysexplain::core
