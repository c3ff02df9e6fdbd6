// NCCL collectives (docs/SEMANTICS.md, "NCCL"): NCCL kernels by collective
// per rank (process and device), how much of their time runs hidden under
// other kernels of the same rank, and the start skew of the n-th instance of
// a collective across ranks. Views: sql/nccl.sql.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "session.h"

namespace nsysexplain {

struct NcclRow {
  int64_t pid = 0;
  int32_t device = 0;
  std::string collective;
  int64_t kernels = 0, total_ns = 0, max_ns = 0;
  int64_t busy_ns = 0;    // union of this collective's kernels on the rank
  int64_t hidden_ns = 0;  // ... that overlaps non-NCCL kernels of the rank
  uint32_t top_name = 0;  // most frequent kernel name
};

struct NcclSkewRow {
  std::string collective;
  int64_t ranks = 0, instances = 0, total_ns = 0, max_ns = 0;
  int64_t late_pid = 0;
  int32_t late_device = 0;
  int64_t late_count = 0;  // instances where that rank started last
};

// One NCCL kernel: the n-th instance (from 0, in start order) of its
// collective on its rank.
struct NcclInstanceRow {
  int64_t pid = 0;
  int32_t device = 0;
  int16_t collective = 0;  // index into Result::names
  int64_t instance = 0;
  int64_t start = 0, end = 0;
};

struct Nccl {
  static constexpr const char* kName = "nccl";
  struct Result {
    std::vector<NcclRow> rows;        // by pid, device, collective
    std::vector<NcclSkewRow> skew;    // by collective (only those on >= 2 ranks)
    std::vector<NcclInstanceRow> instances;  // by pid, device, collective, instance
    std::vector<std::string> names;          // collective names
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
