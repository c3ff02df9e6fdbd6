// Why each device's GPU sat idle between kernels (docs/SEMANTICS.md, "Idle
// causes"): every gap of llm_gpu_idle classified by core::ClassifyIdleGaps
// as host_wait, launch_bound or other, with totals per (device, cause) and
// the largest gaps of each. Views: sql/idle_causes.sql.
#pragma once
#include <cstdint>
#include <vector>

#include "core/idle_causes.h"
#include "session.h"

namespace nsysexplain {

struct IdleCauseTotal {
  int32_t device = 0;
  core::IdleCause cause = core::IdleCause::kOther;
  int64_t gaps = 0, idle_ns = 0, largest_ns = 0;
  int64_t without_launch = 0;  // gaps whose next kernel has no launch call
};

struct IdleCauseGap {
  int32_t device = 0;
  core::IdleCause cause = core::IdleCause::kOther;
  int64_t rank = 0;  // 1 = largest of its (device, cause)
  int64_t start = 0, end = 0;
  int64_t pid = -1;             // process of the work after the gap (-1 unknown)
  uint32_t next_name = 0;       // its kernel name (0 = "" for a graph execution / none)
  int64_t next_launch = core::kNoLaunch;  // start of its launch call
};

struct IdleCauses {
  static constexpr const char* kName = "idle_causes";
  static constexpr int64_t kTopGaps = 20;  // largest gaps kept per (device, cause)
  struct Result {
    std::vector<IdleCauseTotal> totals;  // by device, cause (every cause listed)
    std::vector<IdleCauseGap> gaps;      // by device, cause, rank
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
