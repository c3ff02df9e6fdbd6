#include "time_buckets.h"

#include <algorithm>

namespace nsysexplain::core {

std::vector<int64_t> BucketEdges(int64_t start, int64_t end, size_t n) {
  std::vector<int64_t> edges;
  if (n == 0 || end <= start) return edges;
  // end - start can exceed INT64_MAX: compute in unsigned 128-bit.
  unsigned __int128 len =
      static_cast<unsigned __int128>(static_cast<__int128>(end) - start);
  edges.reserve(n + 1);
  for (size_t b = 0; b <= n; ++b) {
    unsigned __int128 off = len * b / n;
    edges.push_back(static_cast<int64_t>(static_cast<__int128>(start) +
                                         static_cast<__int128>(off)));
  }
  return edges;
}

std::vector<int64_t> BusyPerBucket(const std::vector<Interval>& merged,
                                   const std::vector<int64_t>& edges) {
  if (edges.size() < 2) return {};
  std::vector<int64_t> busy(edges.size() - 1, 0);
  size_t i = 0;  // first interval that may still overlap bucket b
  for (size_t b = 0; b + 1 < edges.size(); ++b) {
    int64_t lo = edges[b], hi = edges[b + 1];
    while (i < merged.size() && merged[i].end <= lo) ++i;
    // Intervals overlapping [lo, hi); the last one may reach the next bucket,
    // so it is not consumed.
    for (size_t j = i; j < merged.size() && merged[j].start < hi; ++j) {
      int64_t s = std::max(lo, merged[j].start), e = std::min(hi, merged[j].end);
      if (e > s) busy[b] += e - s;
    }
  }
  return busy;
}

}  // namespace nsysexplain::core
