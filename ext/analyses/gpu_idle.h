// GPU busy/idle per device: the union of kernel intervals within each
// device's first-kernel..last-kernel window, and the idle gaps between them.
// Views: sql/gpu_idle.sql (llm_gpu_idle, llm_gpu_idle_gaps).
#pragma once
#include <cstdint>
#include <vector>

#include "core/interval_union.h"
#include "core/page_allocator.h"
#include "session.h"

namespace nsysexplain {

struct DeviceIdle {
  int32_t device;
  int64_t window_start, window_end, busy, kernels;
  // CUDA graph executions (graph-mode CUPTI_ACTIVITY_KIND_GRAPH_TRACE rows)
  // counted as busy intervals beside the kernels.
  int64_t graph_executions = 0;
  int64_t largest_gap = 0;  // 0 when there is no gap
  size_t first_gap = 0, gap_count = 0;  // its gaps in GpuIdle::Result::gaps
};

struct GpuIdle {
  static constexpr const char* kName = "gpu_idle";
  struct Result {
    std::vector<DeviceIdle> devices;  // by device id
    // Every device's idle gaps, device by device, each in time order.
    core::Column<core::Interval> gaps;
    size_t gap_count() const { return gaps.size(); }
    const DeviceIdle& DeviceOfGap(uint32_t g) const;
    int64_t GapLength(uint32_t g) const;
    // Index into `gaps` of the i-th longest gap (ties by device, then
    // start). Sorted lazily: reading the first rows costs O(n), all of them
    // O(n log n). Not thread-safe (one connection's cursors only).
    uint32_t Longest(size_t i) const;

    // A permutation of gap indices, only permuted by Longest().
    mutable core::Column<uint32_t> by_length_;
    mutable size_t sorted_ = 0;  // by_length_[0, sorted_) is in order
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
