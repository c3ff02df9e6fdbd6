// CUDA runtime/driver API calls by (PID, name), with the base name and the
// sync kind of each. Views: sql/api_calls.sql.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/duration_stats.h"
#include "session.h"

namespace nsysexplain {

struct ApiGroup {
  int64_t pid;
  uint32_t name;
  uint32_t base_name;
  std::string kind;
  core::DurationStats stats;
};

// Allocation churn per process (docs/SEMANTICS.md, "CUDA API summary"):
// the alloc marker calls (cudaMalloc*, cudaFree*, cuMemAlloc*, pool
// allocations) after the process's warm-up (WarmupEnds), or over the whole
// trace when its warm-up is not recognised.
struct AllocChurnRow {
  int64_t pid = 0;
  bool warmup_known = false;
  int64_t steady_from = 0;
  int64_t calls = 0, ns = 0;                // every alloc call
  int64_t steady_calls = 0, steady_ns = 0;  // in the steady state
  int64_t steady_window_ns = 0;  // steady_from (or first call) .. last alloc call end
  uint32_t top_name = 0;         // steady-state alloc call with most calls
  int64_t top_calls = 0;
};

struct AllocChurn {
  static constexpr const char* kName = "alloc_churn";
  using Result = std::vector<AllocChurnRow>;  // by pid
  static Result Compute(Session& s, const Scope& scope);
};

struct ApiCalls {
  static constexpr const char* kName = "api_calls";
  using Result = std::vector<ApiGroup>;
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
