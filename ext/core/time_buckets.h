// Equal time buckets over a window and the busy time of a merged interval
// list in each: the GPU timeline (ext/analyses/gpu_timeline.cc). No SQLite.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "interval_union.h"

namespace nsysexplain::core {

// n + 1 ascending edges splitting [start, end) into n buckets whose lengths
// differ by at most 1 ns: edge b = start + floor((end - start) * b / n)
// (exact, 128-bit). Bucket b is [edge b, edge b+1). Empty when n == 0 or
// end <= start.
std::vector<int64_t> BucketEdges(int64_t start, int64_t end, size_t n);

// Busy time per bucket: for each bucket [edges[b], edges[b+1]) the length of
// its intersection with `merged` (MergeIntervals output: disjoint,
// ascending). One sweep, O(buckets + intervals). Returns edges.size() - 1
// values (none for fewer than two edges).
std::vector<int64_t> BusyPerBucket(const std::vector<Interval>& merged,
                                   const std::vector<int64_t>& edges);

}  // namespace nsysexplain::core
