// NVTX -> kernel attribution: kernel -> its launch call (correlationId and
// process) -> the NVTX ranges enclosing that call on the launching thread
// (process-wide for start/end ranges ended on another thread); GPU time per
// range (innermost and inclusive) and coverage. Views:
// sql/nvtx_attribution.sql.
#pragma once
#include <cstdint>
#include <vector>

#include "core/nvtx_attribution.h"
#include "session.h"

namespace nsysexplain {

struct AttributionRow {
  int64_t pid;  // -1 = all processes
  uint32_t domain, name;
  int64_t inclusive_count = 0, inclusive_ns = 0;
  int64_t innermost_count = 0, innermost_ns = 0;
};

struct CoverageRow {
  int64_t pid;  // -1 = all processes
  int64_t kernels = 0, kernel_ns = 0;
  int64_t launched = 0, launched_ns = 0;      // kernels with a launch row
  int64_t attributed = 0, attributed_ns = 0;  // kernels inside >= 1 range
  int64_t truncated_launches = 0;  // launches cut to core::kMaxEnclosing
};

struct NvtxAttribution {
  static constexpr const char* kName = "nvtx_attribution";
  struct Result {
    // Slots are runtime rows (every stored runtime row launched a kernel);
    // RuntimeTable::kernel_launch maps each kernel to its slot, or -1.
    core::Enclosure enclosure;         // over slots
    std::vector<AttributionRow> rows;  // global (pid -1) and per pid
    std::vector<CoverageRow> coverage; // global first, then per pid
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
