#include "interval_union.h"

#include <algorithm>

#include "saturating.h"

namespace nsysexplain::core {

std::vector<Interval> MergeIntervals(std::vector<Interval> v) {
  v.erase(std::remove_if(v.begin(), v.end(),
                         [](const Interval& i) { return i.end <= i.start; }),
          v.end());
  // Kernels of one stream mostly come in start order: then no sort is needed
  // (the sweep only needs starts in order; ties may come in any order).
  auto by_start = [](const Interval& a, const Interval& b) { return a.start < b.start; };
  if (!std::is_sorted(v.begin(), v.end(), by_start))
    std::sort(v.begin(), v.end(), [](const Interval& a, const Interval& b) {
      return a.start < b.start || (a.start == b.start && a.end < b.end);
    });
  size_t out = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (out > 0 && v[i].start <= v[out - 1].end) {
      v[out - 1].end = std::max(v[out - 1].end, v[i].end);
    } else {
      v[out++] = v[i];
    }
  }
  v.resize(out);
  return v;
}

int64_t UnionLength(const std::vector<Interval>& merged) {
  int64_t total = 0;
  for (const Interval& i : merged)
    total = SatAdd(total, SatSub(i.end, i.start));
  return total;
}

std::vector<Interval> GapsInWindow(const std::vector<Interval>& merged,
                                   int64_t window_start, int64_t window_end) {
  std::vector<Interval> gaps;
  if (window_end <= window_start) return gaps;
  int64_t cursor = window_start;
  for (const Interval& i : merged) {
    if (i.end <= cursor) continue;
    if (i.start >= window_end) break;
    if (i.start > cursor) gaps.push_back({cursor, i.start});
    cursor = std::max(cursor, i.end);
    if (cursor >= window_end) break;
  }
  if (cursor < window_end) gaps.push_back({cursor, window_end});
  return gaps;
}

int64_t UnionAccumulator::Length() const {
  return UnionLength(MergeIntervals(items_));
}

int64_t IntersectionLength(const std::vector<Interval>& a, const std::vector<Interval>& b) {
  int64_t total = 0;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    int64_t lo = std::max(a[i].start, b[j].start), hi = std::min(a[i].end, b[j].end);
    if (hi > lo) total = SatAdd(total, SatSub(hi, lo));
    if (a[i].end < b[j].end) ++i;
    else ++j;
  }
  return total;
}

}  // namespace nsysexplain::core
