// Launch latency, like nsys stats -r cuda_kern_exec_sum but PID-safe: for
// every kernel with a launch call (matched by process and correlationId),
// the launch call's host time (API), the time from the call's end to the
// kernel's start (queue) and the kernel's own time, per (kernel name,
// launch API) and per (PID, device, stream, kernel name, launch API).
// Kernels replayed by a CUDA graph are grouped under their graph launch (the
// launch API is cudaGraphLaunch; via_graph = 1), whose host time counts once
// per launch call and group. Views: sql/launch_latency.sql.
#pragma once
#include <cstdint>
#include <vector>

#include "core/duration_stats.h"
#include "session.h"

namespace nsysexplain {

struct LatencyRow {
  int64_t pid = -1, device = -1, stream = -1;  // -1 = all (global rows)
  uint32_t name = 0, base = 0, launch_api = 0;  // base: Trace::BaseName(name)
  bool via_graph = false;
  core::DurationStats api;     // launch calls, once per call
  core::DurationStats queue;   // kernel start - launch call end, per kernel
  core::DurationStats kernel;  // kernel end - start
};

struct LaunchLatency {
  static constexpr const char* kName = "launch_latency";
  struct Result {
    std::vector<LatencyRow> rows;  // global rows first, then per stream
    size_t global_rows = 0;
    int64_t kernels_without_launch = 0;
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
