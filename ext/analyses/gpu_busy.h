// GPU busy/idle per device and per stream, kernels only and with memory
// copies/memsets counted as busy (docs/SEMANTICS.md, "GPU busy"). The
// kernels-only figures per device are llm_gpu_idle's (GpuIdle); memory
// operations are added to them through the device's idle gaps, so the kernel
// timeline is not merged twice. Views: sql/gpu_busy.sql.
#pragma once
#include <cstdint>
#include <vector>

#include "session.h"

namespace nsysexplain {

struct BusyRow {
  int64_t pid = -1;     // per stream: process (from globalPid); -1 per device
  int32_t device = 0;
  int64_t stream = -1;  // per stream: streamId; -1 per device
  int64_t kernels = 0, graph_executions = 0, memcpys = 0, memsets = 0;
  // Kernels (and graph-mode graph executions) only; window empty (0, 0)
  // without kernels.
  int64_t kernel_window_start = 0, kernel_window_end = 0, kernel_busy = 0;
  int64_t memory_busy = 0;  // union of the memory operations
  // Kernels and memory operations together.
  int64_t window_start = 0, window_end = 0, busy = 0;
  bool has_kernels() const { return kernels + graph_executions > 0; }
};

struct GpuBusy {
  static constexpr const char* kName = "gpu_busy";
  struct Result {
    std::vector<BusyRow> devices;  // by device
    std::vector<BusyRow> streams;  // by pid, device, stream
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
