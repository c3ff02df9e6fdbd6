// CUDA graphs in both trace modes (docs/SEMANTICS.md, "CUDA graphs").
//
// Node mode (--cuda-graph-trace=node): every kernel a graph replays is a
// kernel row that shares its cudaGraphLaunch call's correlationId, so the
// launch row of a graph launch owns many kernels. Graph mode
// (--cuda-graph-trace=graph): the graph's kernels are not in the kernel
// table; CUPTI_ACTIVITY_KIND_GRAPH_TRACE has one GPU interval per launch
// (where the export has it), which GpuIdle counts as busy time.
// Views: sql/cuda_graphs.sql.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "session.h"

namespace nsysexplain {

// CUPTI_ACTIVITY_KIND_GRAPH_TRACE, read once per connection (one row per
// graph launch in graph mode: small next to the kernel table).
struct GraphExecution {
  int64_t start, end, global_pid, correlation_id, graph_id, graph_exec_id;
  int32_t device_id, stream_id;
};
struct GraphTrace {
  static constexpr const char* kName = "graph_trace";
  struct Result {
    bool table_present = false;
    std::vector<GraphExecution> rows;  // start order
  };
  static Result Compute(Session& s, const Scope& scope);
};

// One graph of one process: the launches of the same graph (graphExecId or
// graphId from the graph trace; in node mode without ids, the same sequence
// of kernel names), with what they cost and what they save.
struct GraphRow {
  int64_t pid = 0;
  int32_t device = -1;
  int64_t graph_key = 0;     // graphExecId / graphId, or the sequence hash
  const char* basis = "";    // "graph_exec_id", "graph_id", "kernel_sequence"
  uint32_t first_kernel = 0; // node mode: first kernel of a replay (0: none)
  int64_t launches = 0;
  int64_t kernels = -1;      // node mode: kernels replayed (-1: not visible)
  int64_t gpu_ns = 0;        // summed kernel time (graph mode: graph intervals)
  int64_t busy_ns = 0;       // summed per-launch union of its GPU intervals
  int64_t api_ns = 0;        // summed graph-launch call time
  int64_t first_ns = 0, last_ns = 0;
  double eager_launch_avg_ns = -1;  // the process's cudaLaunchKernel mean (-1: none)
};

struct CudaGraphs {
  static constexpr const char* kName = "cuda_graphs";
  struct Result {
    std::vector<GraphRow> graphs;  // by pid, then GPU time
    // The detected trace mode: "node", "graph", "none" (no graph launches)
    // or "unknown" (graph launches whose GPU work is not in the trace).
    std::string mode;
    int64_t graph_launch_calls = 0;   // cudaGraphLaunch/cuGraphLaunch rows
    int64_t launches_with_kernels = 0;
    int64_t graph_trace_rows = 0;
    int64_t graph_trace_ns = 0;       // their summed duration
    int64_t node_kernels = 0;         // kernels with graphNodeId
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
