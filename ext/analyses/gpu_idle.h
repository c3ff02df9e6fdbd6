// GPU busy/idle per device: the union of kernel intervals within each
// device's first-kernel..last-kernel window, and the idle gaps between them.
// Views: sql/gpu_idle.sql (llm_gpu_idle, llm_gpu_idle_gaps).
#pragma once
#include <cstdint>
#include <vector>

#include "core/interval_union.h"
#include "session.h"

namespace nsysexplain {

struct DeviceIdle {
  int32_t device;
  int64_t window_start, window_end, busy, kernels;
  int64_t largest_gap = 0;  // 0 when there is no gap
  std::vector<core::Interval> gaps;  // in time order
};

// A gap of devices[device].gaps, with its length.
struct GapRef {
  int64_t length;
  uint32_t device;  // index into devices
  uint32_t gap;     // index into its gaps
};

struct GpuIdle {
  static constexpr const char* kName = "gpu_idle";
  struct Result {
    std::vector<DeviceIdle> devices;  // by device id
    size_t gap_count() const { return by_length_.size(); }
    // The i-th longest gap over all devices (ties by device, then start).
    // Sorted lazily: reading the first rows costs O(n), all of them
    // O(n log n). Not thread-safe (one connection's cursors only).
    const GapRef& Longest(size_t i) const;

    // Only permuted by Longest(), never changed in content.
    mutable std::vector<GapRef> by_length_;
    mutable size_t sorted_ = 0;  // by_length_[0, sorted_) is in order
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
