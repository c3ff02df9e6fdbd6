// GPU utilisation over time: the capture's kernel window (first kernel start
// to last kernel end over every device) cut into kGpuTimelineBuckets equal
// buckets, and per (process, device) the busy time of each bucket: the union
// of that process's kernel intervals on the device (plus graph-mode graph
// executions, as in gpu_idle) intersected with the bucket.
// Views: sql/gpu_timeline.sql (llm_gpu_timeline).
#pragma once
#include <cstdint>
#include <vector>

#include "session.h"

namespace nsysexplain {

inline constexpr size_t kGpuTimelineBuckets = 100;

struct TimelineBucket {
  int64_t pid;
  int32_t device;
  int32_t bucket;  // 0-based, in time order
  int64_t start, end, busy;
};

struct GpuTimeline {
  static constexpr const char* kName = "gpu_timeline";
  struct Result {
    // By (pid, device), each device's buckets in time order.
    std::vector<TimelineBucket> rows;
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
