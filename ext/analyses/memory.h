// Memory copies and memsets (CUPTI_ACTIVITY_KIND_MEMCPY / _MEMSET) per
// process, device and direction (or memory kind), and the rules nsys analyze
// applies to them: pageable host memory in asynchronous copies, synchronous
// copies and memsets in the steady state (docs/SEMANTICS.md, "Memory
// copies"). Views: sql/memory.sql (llm_memcpy, llm_memset,
// llm_memory_flags).
#pragma once
#include <cstdint>
#include <vector>

#include "core/duration_stats.h"
#include "core/memory.h"
#include "session.h"

namespace nsysexplain {

// How a memory operation was issued: the runtime/driver call with its
// (process, correlationId), when that call is a copy/memset marker.
enum class MemApi : uint8_t { kNone, kSync, kAsync };

struct MemcpyGroup {
  int64_t pid = 0;
  int32_t device = 0;
  core::CopyDirection direction = core::CopyDirection::kUnknown;
  int64_t bytes = 0, max_bytes = 0, min_bytes = INT64_MAX;
  core::DurationStats time;
  int64_t sync_calls = 0, async_calls = 0;  // rows issued by a sync / async copy call
  int64_t pageable = 0;                      // rows with a pageable source or destination
  int64_t async_pageable = 0, async_pageable_bytes = 0, async_pageable_ns = 0;
};

struct MemsetGroup {
  int64_t pid = 0;
  int32_t device = 0;
  core::MemKind kind = core::MemKind::kUnknown;
  bool kind_known = false;  // memKind present
  int64_t bytes = 0, max_bytes = 0, min_bytes = INT64_MAX;
  core::DurationStats time;
  int64_t sync_calls = 0, async_calls = 0;
};

// Per process: the flagged operations.
struct MemoryFlags {
  int64_t pid = 0;
  bool warmup_known = false;  // the process has a graph build call
  int64_t steady_from = 0;    // end of warm-up (0 when not known)
  int64_t async_pageable = 0, async_pageable_bytes = 0, async_pageable_ns = 0;
  // sync_copy marker calls in the steady state, split by name (memset or copy).
  int64_t sync_copy_calls = 0, sync_copy_ns = 0;
  int64_t sync_memset_calls = 0, sync_memset_ns = 0;
};

struct Memory {
  static constexpr const char* kName = "memory";
  struct Result {
    std::vector<MemcpyGroup> copies;  // by pid, device, direction
    std::vector<MemsetGroup> sets;    // by pid, device, kind
    std::vector<MemoryFlags> flags;   // by pid
    int64_t memcpy_invalid = 0, memset_invalid = 0;
    bool copy_kind_enum = false, mem_kind_enum = false;  // ENUM_* tables read
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
