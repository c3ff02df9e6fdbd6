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

struct ApiCalls {
  static constexpr const char* kName = "api_calls";
  using Result = std::vector<ApiGroup>;
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
