// Launch storm: kernel launch rate and duration percentiles over the kernel
// window, globally and per PID, and the tiny (< 5 us) kernels.
// Views: sql/launch_storm.sql.
#pragma once
#include <cstdint>
#include <vector>

#include "core/duration_stats.h"
#include "session.h"

namespace nsysexplain {

struct StormRow {
  int64_t pid;  // -1 = all processes
  int64_t first_start, last_end;
  core::DurationStats stats;
};

struct TinyKernel {
  int64_t pid;  // -1 = all processes
  uint32_t name;
  uint32_t base;  // Trace::BaseName(name)
  int64_t count, total;
};

// Global row first, then one per PID (ascending).
struct LaunchStorm {
  static constexpr const char* kName = "launch_storm";
  using Result = std::vector<StormRow>;
  static Result Compute(Session& s, const Scope& scope);
};

// Kernels shorter than 5 us by (pid, name); pid -1 = all processes.
struct TinyKernels {
  static constexpr const char* kName = "tiny_kernels";
  using Result = std::vector<TinyKernel>;
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
