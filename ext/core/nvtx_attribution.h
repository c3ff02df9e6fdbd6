// NVTX enclosing-range join (docs/SEMANTICS.md, "NVTX -> kernel attribution").
//
// Given NVTX ranges and launch API calls, finds for every launch all ranges
// that enclose it:  range.start <= launch.start && launch.end <= range.end,
// with a scope rule: a thread-scoped range only encloses launches on its own
// thread; a process-scoped range (start/end range that ended on another
// thread) encloses launches on any thread of its process.
//
// Algorithm: bucket ranges and launches by scope key (thread or process),
// sort each bucket by start, and sweep it with an "active" list of ranges that
// have started and not yet ended before the current launch. Cost is
// O((N + M) log(N + M) + output + sum of active-list lengths); with properly
// nested push/pop ranges the active list is the current stack, so this is the
// per-thread stack sweep, not a quadratic join.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace nsysexplain::core {

inline constexpr int64_t kOpenEnd = std::numeric_limits<int64_t>::max();

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

// Compressed rows: enclosing ranges of launch i are
// range_index[offsets[i] .. offsets[i+1]), ordered outermost first
// (by start ascending, end descending, index ascending). The innermost range
// is the last one. offsets has launches.size() + 1 entries.
struct Enclosure {
  std::vector<uint32_t> offsets;
  std::vector<uint32_t> range_index;

  size_t Count(size_t launch) const {
    return offsets[launch + 1] - offsets[launch];
  }
  // -1 if none.
  int64_t Innermost(size_t launch) const {
    return Count(launch) ? range_index[offsets[launch + 1] - 1] : -1;
  }
};

Enclosure FindEnclosingRanges(const std::vector<NvtxRange>& ranges,
                              const std::vector<LaunchCall>& launches);

// Reference O(N*M) implementation with identical output, for tests.
Enclosure FindEnclosingRangesNaive(const std::vector<NvtxRange>& ranges,
                                   const std::vector<LaunchCall>& launches);

}  // namespace nsysexplain::core
