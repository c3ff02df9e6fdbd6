// Time windows: the rows of the compact tables that fall in [from, to)
// (trace timestamps, ns), as filtered copies (docs/SEMANTICS.md, "Time
// windows").
//
// The rule: a row is in the window when its interval overlaps it
// (end > from and start < to; a zero-length row when from <= start < to).
// Device activity (kernels, memcpy, memset) is clipped to the window, so the
// union of the kept intervals is exactly the part of the whole trace's GPU
// busy time inside the window. Host rows (runtime launch rows and marker
// calls, NVTX ranges) are kept whole: their start is what the attribution and
// the launch latency read, and a range's duration stays its real one.
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include "trace_model.h"

namespace nsysexplain::core {

struct TimeWindow {
  int64_t from = std::numeric_limits<int64_t>::min();
  int64_t to = std::numeric_limits<int64_t>::max();
  bool whole() const {
    return from == std::numeric_limits<int64_t>::min() &&
           to == std::numeric_limits<int64_t>::max();
  }
  bool Overlaps(int64_t start, int64_t end) const {
    if (start == end) return start >= from && start < to;
    return end > from && start < to;
  }
  int64_t ClipStart(int64_t start) const { return start < from ? from : start; }
  int64_t ClipEnd(int64_t end) const { return end > to ? to : end; }
};

// Indexes of the rows overlapping `w`, ascending.
std::vector<uint32_t> RowsInWindow(const Column<int64_t>& start, const Column<int64_t>& end,
                                   TimeWindow w);

// The kernels `rows` (from RowsInWindow over k.start/k.end), clipped to `w`;
// the data-quality counters are the whole table's.
Kernels KernelsInWindow(const Kernels& k, const std::vector<uint32_t>& rows, TimeWindow w);

// The memory operations overlapping `w`, clipped to it.
MemOps MemOpsInWindow(const MemOps& m, TimeWindow w);

// The NVTX ranges overlapping `w` (open ranges extend to the end of the
// trace), unclipped; only the labels of kept rows (renumbered), every scope.
NvtxRanges NvtxInWindow(const NvtxRanges& n, TimeWindow w);

// The launch rows that overlap `w` or launched one of the windowed kernels
// (`kernel_rows`, with the whole table's kernel -> launch row map
// `kernel_launch`), and the marker calls overlapping `w`, unclipped. The
// grouped API statistics and counters are the whole table's (the loader keeps
// no per-call durations). `window_kernel_launch` gets the windowed kernels'
// map into the returned launch rows.
RuntimeCalls RuntimeInWindow(const RuntimeCalls& r, const std::vector<int32_t>& kernel_launch,
                             const std::vector<uint32_t>& kernel_rows, TimeWindow w,
                             std::vector<int32_t>& window_kernel_launch);

}  // namespace nsysexplain::core
