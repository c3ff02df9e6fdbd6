// Kernel time per process (PID from globalPid). Views: sql/pids.sql.
#pragma once
#include <cstdint>
#include <vector>

#include "session.h"

namespace nsysexplain {

struct PidRow {
  int64_t pid;
  int64_t kernels = 0, kernel_ns = 0;
  int64_t first_start = 0, last_end = 0;
};

struct Pids {
  static constexpr const char* kName = "pids";
  using Result = std::vector<PidRow>;  // ascending PID
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
