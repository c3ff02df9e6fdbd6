// NVTX enclosing-range join (docs/SEMANTICS.md, "NVTX -> kernel attribution").
//
// Given NVTX ranges and launch API calls, finds for every launch all ranges
// that enclose it:  range.start <= launch.start && launch.end <= range.end,
// with a scope rule: a thread-scoped range only encloses launches on its own
// thread; a process-scoped range (start/end range that ended on another
// thread) encloses launches on any thread of its process.
//
// Algorithm: ranges and launches are put in *buckets* (one per thread, one
// per process). Each bucket is sorted by start (skipped when already sorted)
// and swept with an "active" list of ranges that started and had not ended
// before the current launch. Cost: O((N + M) log(N + M) + output + sum of
// active-list lengths); with nested push/pop ranges the active list is the
// current stack, so this is the per-thread stack sweep, not a quadratic join.
// Memory: the inputs are read in place (column pointers); the extra memory is
// O(N + M) 32-bit indices plus the output.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace nsysexplain::core {

inline constexpr int64_t kOpenEnd = std::numeric_limits<int64_t>::max();
inline constexpr uint32_t kNoBucket = std::numeric_limits<uint32_t>::max();
// At most this many enclosing ranges are kept per launch and scope (the
// innermost ones). Real nesting is a handful deep; thousands of ranges that
// were pushed and never popped would otherwise make the output grow as
// launches x open ranges and exhaust the host process's memory.
inline constexpr size_t kMaxEnclosing = 256;

// Compressed rows: enclosing ranges of launch i are
// range_index[offsets[i] .. offsets[i+1]), ordered outermost first
// (by start ascending, end descending, index ascending). The innermost range
// is the last one.
struct Enclosure {
  std::vector<uint64_t> offsets;  // launches + 1 entries
  std::vector<uint32_t> range_index;
  uint64_t truncated_launches = 0;  // launches cut to kMaxEnclosing

  size_t Count(size_t launch) const {
    return static_cast<size_t>(offsets[launch + 1] - offsets[launch]);
  }
  // -1 if none.
  int64_t Innermost(size_t launch) const {
    return Count(launch) ? static_cast<int64_t>(range_index[offsets[launch + 1] - 1])
                         : -1;
  }
};

// Column view of the ranges. bucket[i] == kNoBucket drops range i; so does
// end < start. Use kOpenEnd for unterminated ranges.
struct RangeColumns {
  const int64_t* start;
  const int64_t* end;
  const uint32_t* bucket;
  size_t size;
};

// Column view of the launches: each launch is matched against the ranges of
// its thread bucket and of its process bucket (kNoBucket = none).
struct LaunchColumns {
  const int64_t* start;
  const int64_t* end;
  const uint32_t* thread_bucket;
  const uint32_t* process_bucket;
  size_t size;
};

Enclosure FindEnclosing(const RangeColumns& ranges,
                        const LaunchColumns& launches, uint32_t num_buckets);

// Convenience row-based interface (tests, small inputs).
struct NvtxRange {
  int64_t start;
  int64_t end;           // kOpenEnd for unterminated ranges
  int64_t scope_key;     // globalTid (thread scope) or process key
  bool process_scoped;   // true: scope_key is a process key
};

struct LaunchCall {
  int64_t start;
  int64_t end;
  int64_t thread_key;   // globalTid of the calling thread
  int64_t process_key;  // globalTid & ~0xFFFFFF
};

Enclosure FindEnclosingRanges(const std::vector<NvtxRange>& ranges,
                              const std::vector<LaunchCall>& launches);

// Reference O(N*M) implementation with identical output, for tests.
Enclosure FindEnclosingRangesNaive(const std::vector<NvtxRange>& ranges,
                                   const std::vector<LaunchCall>& launches);

}  // namespace nsysexplain::core
