// nsys-explain-synth: the vLLM-style serving workload.
//
// Model: P tensor-parallel worker processes (one device each) run the same
// batch schedule in lock step. A batch = idle gap, optional housekeeping
// kernels outside any NVTX range, request ranges (start/end, ended by the
// worker's output thread), one eager prefill step and N decode steps (CUDA
// graph replays in node- or graph-tracing mode, some eager; the graphs are
// captured after the first, warm-up batch). Every process has one
// CPU clock shared by its two threads, advanced by at least 1 ns per event,
// so all range starts in a process are distinct and "open on the thread at
// launch time" is exactly "encloses the launch" (SEMANTICS.md).
//
// Runtime and NVTX rows beyond the structural ones are paced filler calls
// and kernel-less PyTorch op ranges, so that the RUNTIME and NVTX_EVENTS
// row counts are exactly round(ratio * kernels) per process, unless the
// ratio is below the structural minimum (then there are more rows). Below
// 3 NVTX rows per kernel, op-level ranges are thinned out.
#ifndef NSYSEXPLAIN_TOOLS_SYNTH_SIMULATOR_H_
#define NSYSEXPLAIN_TOOLS_SYNTH_SIMULATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "catalog.h"
#include "rng.h"
#include "truth.h"
#include "writer.h"

namespace nsysexplain::synth {

struct SimOptions {
  int64_t kernels = 20000;
  double runtime_per_kernel = 3.5;
  double nvtx_per_kernel = 7.5;
  uint64_t seed = 1;
  int processes = 2;
  int layers = 32;
  // --cuda-graph-trace=graph: graph replays are CUPTI_ACTIVITY_KIND_GRAPH_TRACE
  // rows, their kernels absent from the kernel table (default: node mode,
  // every replayed kernel a kernel row).
  bool graph_mode = false;
  // --kernel-scale SUBSTRING=FACTOR: kernels whose demangled name contains
  // SUBSTRING run FACTOR times as long (every random draw unchanged, so a
  // before/after pair with one seed differs in exactly those kernels).
  std::string scale_pattern;
  double scale_factor = 1.0;
  // --time-offset NS: every timestamp of the trace NS later (one rank of a
  // multi-rank set whose collectives start late by a known amount).
  int64_t time_offset_ns = 0;
  // --hostname: TARGET_INFO_SYSTEM_ENV Hostname.
  std::string hostname = "synth";
};

// Chooses the layer count when the user did not: small traces get fewer
// layers so that they still contain many steps and batches.
int AutoLayers(int64_t kernels, int processes);

struct ProcessInfo {
  int64_t pid;
  int64_t global_pid;
  int64_t main_tid;  // globalTid
  int64_t aux_tid;   // globalTid
  int device;
  int context;
};

class Simulator {
 public:
  Simulator(const SimOptions& opt, const Catalog& catalog, Writer& writer,
            Truth& truth);
  ~Simulator();

  // Writes every event row (not the metadata tables).
  void Run();

  const std::vector<ProcessInfo>& processes() const { return infos_; }
  int64_t first_ns() const { return first_ns_; }
  int64_t last_ns() const { return last_ns_; }

  // Stream ids used on every device.
  static constexpr int kComputeStream = 7;
  static constexpr int kCopyStream = 13;
  static constexpr int kNcclStream = 16;
  static constexpr int kSamplerStream = 21;

 private:
  struct Proc;
  struct BatchPlan;
  struct Graph;
  struct OpenRange;
  struct Stream;
  struct Call;

  // Threads of a process.
  static constexpr int kMain = 0;
  static constexpr int kAux = 1;

  void InitProcess(Proc& p, int index);
  BatchPlan PlanBatch(int batch);
  void RunBatch(Proc& p, const BatchPlan& plan, int64_t batch_start);
  void RunStep(Proc& p, const BatchPlan& plan, bool prefill, int step);
  void PrepareInputs(Proc& p, const BatchPlan& plan, bool prefill, bool graph);
  void ForwardEager(Proc& p, const BatchPlan& plan, bool prefill);
  void EagerLayer(Proc& p, const BatchPlan& plan, bool prefill, int layer);
  void Linear(Proc& p, int kernel, double scale, bool split_k);
  void AllReduce(Proc& p, int kernel, int nvtx_name, double scale);
  void Sample(Proc& p, const BatchPlan& plan, bool prefill);
  void AuxWork(Proc& p, const BatchPlan& plan, int step);
  void GraphLaunch(Proc& p, const Graph& g);
  void CaptureGraphs(Proc& p);
  void Housekeeping(Proc& p, const BatchPlan& plan);
  void MaybeOpenTail(Proc& p);
  void EndStep(Proc& p, const char* phase);
  void FinishProcess(Proc& p);

  // Events.
  void Tick(Proc& p, int64_t ns);
  void CpuGap(Proc& p);
  Call Api(Proc& p, int t, int api, int64_t duration = -1);
  Call BeginCall(Proc& p, int api);
  Call EndCall(Proc& p, int t, int api, Call c, int64_t end);
  void WriteApiRow(Proc& p, int t, int api, const Call& c);
  bool Launch(Proc& p, int t, int kernel, Stream& s, double scale,
              int64_t ready_at = 0);
  void PlaceKernel(Proc& p, int kernel, Stream& s, int64_t ready, int64_t dur,
                   const Call& launch, int64_t node, int64_t graph, bool nccl);
  // Schedules a kernel of `dur` ns on `s` (ready at `ready`); its start.
  int64_t Schedule(Proc& p, Stream& s, int64_t ready, int64_t dur, bool nccl);
  void ComputeEnclosing(const Proc& p, int t);
  void Push(Proc& p, int t, int name, int64_t color = 0,
            bool has_payload = false, int64_t payload = 0);
  void Pop(Proc& p, int t);
  bool OpPush(Proc& p, int name);  // op-level range, subject to density
  int64_t StartRange(Proc& p, int t, int name, bool process_scope,
                     int64_t color = 0, bool has_payload = false,
                     int64_t payload = 0);
  void EndRange(Proc& p, int end_thread, int64_t range_id);
  void Mark(Proc& p, int t, const char* text);
  void WriteRange(Proc& p, const OpenRange& r, bool has_end, int64_t end,
                  int64_t end_tid);
  void Memcpy(Proc& p, int t, int api, Stream& s, int copy_kind, int64_t bytes,
              int64_t ready_at);
  void Memset(Proc& p, int t, Stream& s, int64_t bytes);
  void WriteSyncRow(Proc& p, int api, const Call& c, int64_t stream,
                    int64_t event_id);

  // Filler pacing.
  void BeginPacing(Proc& p, int64_t planned_kernels);
  void Filler(Proc& p, int t, double progress);
  void EmitFillers(Proc& p, int t, int64_t runtime_rows, int64_t nvtx_rows);

  const SimOptions opt_;
  const Catalog& cat_;
  Writer& w_;
  Truth& truth_;
  Rng sched_;
  std::vector<std::unique_ptr<Proc>> procs_;
  std::vector<ProcessInfo> infos_;
  std::vector<Graph> graphs_;  // per decode batch-size bucket
  Enclosing enc_;              // scratch
  double op_nvtx_p_ = 1.0;
  int64_t tail_threshold_ = 0;
  int64_t first_ns_ = 0;
  int64_t last_ns_ = 0;
};

}  // namespace nsysexplain::synth

#endif  // NSYSEXPLAIN_TOOLS_SYNTH_SIMULATOR_H_
