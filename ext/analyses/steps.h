// Serving-loop steps without NVTX (docs/SEMANTICS.md, "Steps"): per process,
// the launch calls of its launch thread (the thread that launches most)
// split at that thread's host-blocking syncs (core::SplitAtSyncs), or at its
// graph launches where it never syncs; each step's GPU busy/idle on its
// device, kernels, launches and graph launches, and its phase from kernel
// evidence. Views: sql/steps.sql.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "session.h"

namespace nsysexplain {

struct StepRow {
  int64_t pid = 0;
  int32_t device = -1;
  int64_t index = 0;  // per process, from 1
  int64_t start = 0, end = 0;
  int64_t kernels = 0, kernel_ns = 0, launches = 0, graph_launches = 0;
  int64_t idle_ns = 0;            // device idle inside [start, end)
  int64_t idle_launching_ns = 0;  // ... while the step's launches were issued
  int64_t prefill_attention = 0, decode_attention = 0;  // kernels by name
  const char* phase = "unknown";  // prefill, decode, mixed, unknown
  const char* basis = "sync";     // sync, graph
  bool warmup = false;            // before the process's last graph build
  std::string evidence;
};

// Where each process's start-up ends: the end of its last CUDA graph build
// call (marker kind graph_build: stream capture, instantiate, upload, exec
// update). Steps that end before it are warm-up; analyses that look at the
// steady state (allocation churn, synchronous copies) start there. A process
// without such a call has no entry (its warm-up is not recognised).
struct WarmupEnds {
  static constexpr const char* kName = "warmup_ends";
  using Result = std::unordered_map<int64_t, int64_t>;  // pid -> ns
  static Result Compute(Session& s, const Scope& scope);
};

struct Steps {
  static constexpr const char* kName = "steps";
  struct Result {
    std::vector<StepRow> steps;  // by pid, then index
    // Processes that launch kernels but have no step boundary.
    std::vector<int64_t> pids_without_steps;
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
