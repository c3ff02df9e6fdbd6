// NVTX ranges (eventType 59/60/70/71) grouped by (PID, domain, name, style).
// Views: sql/nvtx_ranges.sql.
#pragma once
#include <cstdint>
#include <vector>

#include "session.h"

namespace nsysexplain {

struct NvtxGroup {
  int64_t pid;
  uint32_t domain, name;
  const char* style;  // "push_pop" or "start_end"
  int64_t count = 0, open_count = 0, total = 0, min = 0, max = 0;
};

struct NvtxRangeGroups {
  static constexpr const char* kName = "nvtx_ranges";
  using Result = std::vector<NvtxGroup>;
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
