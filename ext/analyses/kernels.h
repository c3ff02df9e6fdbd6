// Kernel statistics per (name, device) and per (PID, name, device), and the
// per-kernel table nsys_kernels. Views: sql/kernels.sql.
#pragma once
#include <cstdint>
#include <vector>

#include "core/duration_stats.h"
#include "session.h"

namespace nsysexplain {

struct KernelGroup {
  int64_t pid;          // -1 for the global rows
  uint32_t name;
  uint32_t base;  // its kernel base name (Trace::BaseName)
  uint32_t short_name;
  int32_t device;
  core::DurationStats stats;
};

// Per (name, device), pid -1.
struct KernelStats {
  static constexpr const char* kName = "kernel_stats";
  using Result = std::vector<KernelGroup>;
  static Result Compute(Session& s, const Scope& scope);
};

// Per (pid, name, device).
struct KernelStatsByPid {
  static constexpr const char* kName = "kernel_stats_by_pid";
  using Result = std::vector<KernelGroup>;
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
