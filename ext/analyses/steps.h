// Serving-loop steps without NVTX (docs/SEMANTICS.md, "Steps"): per process,
// the launch calls of its launch thread (the thread that launches most)
// split at that thread's host-blocking syncs (core::SplitAtSyncs), or at its
// graph launches where it never syncs; each step's GPU busy/idle on its
// device, kernels, launches and graph launches, and its phase from kernel
// evidence. Where NVTX ranges mark the steps (llm_settings.nvtx_step_ranges),
// those ranges replace the host-event steps they overlap, with the agreement
// of the two; phases come from llm_phase_map ranges where present
// (StepTable).
// Views: sql/steps.sql.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "analyses/kernel_categories.h"
#include "analyses/phases.h"
#include "session.h"

namespace nsysexplain {

struct StepRow {
  int64_t pid = 0;
  int64_t tid = 0;  // globalTid of the thread it was cut on (process key: process-wide range)
  int32_t device = -1;
  int64_t index = 0;  // per process, from 1
  int64_t start = 0, end = 0;
  int64_t kernels = 0, kernel_ns = 0, launches = 0, graph_launches = 0;
  int64_t idle_ns = 0;            // device idle inside [start, end)
  int64_t idle_launching_ns = 0;  // ... while the step's launches were issued
  int64_t prefill_attention = 0, decode_attention = 0;  // kernels by name
  int64_t attention_ns = 0;       // kernels of category attention (StepTable)
  const char* phase = "unknown";  // prefill, decode, mixed, unknown
  const char* kernel_phase = "unknown";  // the phase kernel evidence gives
  const char* basis = "sync";     // sync, graph, nvtx
  bool warmup = false;            // before the process's last graph build
  bool nvtx_phase = false;        // phase from llm_phase_map ranges
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

// Steps cut from host events (no NVTX, no category rules: prepared with the
// tables).
struct Steps {
  static constexpr const char* kName = "steps";
  struct Result {
    std::vector<StepRow> steps;  // by pid, then index
    // The launch rows of steps[i]: launch_rows[launch_first[i] ..
    // launch_first[i + 1]).
    std::vector<uint32_t> launch_rows, launch_first;
    // Processes that launch kernels but have no step boundary.
    std::vector<int64_t> pids_without_steps;
  };
  static Result Compute(Session& s, const Scope& scope);
};

// NVTX steps against the host-event steps that overlap them, per process.
struct StepAgreement {
  int64_t pid = 0;
  int64_t nvtx_steps = 0, host_steps = 0;
  int64_t matched = 0;        // NVTX steps holding one host step's midpoint
  int64_t phase_known = 0;    // matched NVTX steps with an NVTX phase
  int64_t phase_matched = 0;  // ... that the host step's kernel evidence gives
  const char* host_basis = "sync";
};

// The steps llm_steps shows: per process, its NVTX step ranges (names in
// llm_settings.nvtx_step_ranges) and its host-event steps outside them;
// phase from overlapping llm_phase_map ranges, else kernel evidence;
// attention time per step from the category rules.
struct StepInputs {
  PhaseMap map;
  CategoryRules rules;
  std::vector<std::string> step_patterns;  // llm_settings.nvtx_step_ranges, lower-cased
};
struct StepTable {
  static constexpr const char* kName = "step_table";
  struct Result {
    std::vector<StepRow> steps;  // by pid, then index
    std::vector<StepAgreement> agreement;
  };
  static Result Compute(Session& s, const Scope& scope, const StepInputs& in);
};

}  // namespace nsysexplain
