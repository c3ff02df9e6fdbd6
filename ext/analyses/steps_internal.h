// Internals of the steps analysis shared by its two sources: steps.cc
// (host-event steps, WarmupEnds, the datasets) and steps_nvtx.cc (NVTX step
// ranges and the merged StepTable). No other analysis includes this.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analyses/cuda_graphs.h"
#include "analyses/gpu_idle.h"
#include "analyses/steps.h"
#include "core/kernel_name.h"
#include "core/steps.h"
#include "launch_index.h"
#include "loaders.h"

namespace nsysexplain::steps_detail {

// One launch event of a thread: a launch row (kernels in the trace) or a
// graph launch whose GPU work is a graph-trace row (graph mode) or absent.
struct LaunchEvent {
  int64_t start, end;
  int32_t row;    // launch row, or -1
  int32_t exec;   // GraphTrace row, or -1
  bool graph;
};
inline bool EarlierStart(const LaunchEvent& a, const LaunchEvent& b) { return a.start < b.start; }

struct ThreadEvents {
  std::vector<LaunchEvent> launches;
  std::vector<core::HostCall> syncs;
};

// The host events of every thread, by process: launch rows, graph launches
// without a launch row, host-blocking syncs.
struct HostEvents {
  std::map<int64_t, std::unordered_map<int64_t, ThreadEvents>> procs;  // pid -> tid -> events
};

// Collects them from the runtime calls (launch rows and sync markers) and
// the graph-trace rows, each thread's lists sorted by start.
HostEvents CollectHostEvents(const core::RuntimeCalls& r, const GraphTrace::Result& gt,
                             const Trace& t);

// Fills a step's metrics from its launch events: kernels, GPU busy/idle on
// its device, phase from kernel evidence.
class StepFiller {
 public:
  StepFiller(const core::Kernels& k, const LaunchIndex::Result& li, const GraphTrace::Result& gt,
             const GpuIdle::Result& idle, const Trace& t)
      : k_(k), li_(li), gt_(gt), idle_(idle), t_(t) {}

  // `st.start` is set; `close_end` is the end of the call that closed the
  // step (closed) or of its last launch call. Appends the launch rows to
  // `rows`.
  void Fill(StepRow& st, const LaunchEvent* b, const LaunchEvent* e, int64_t close_end,
            bool closed, std::vector<uint32_t>& rows);

 private:
  // Per kernel name: attention phase and base name, once.
  const std::pair<core::AttentionPhase, std::string>& NameInfo(uint32_t name);
  const DeviceIdle* DeviceOf(int32_t dev) const;

  const core::Kernels& k_;
  const LaunchIndex::Result& li_;
  const GraphTrace::Result& gt_;
  const GpuIdle::Result& idle_;
  const Trace& t_;
  std::unordered_map<uint32_t, std::pair<core::AttentionPhase, std::string>> names_;
};

// A step that ends before its process's last graph build is start-up.
inline bool Warmup(const WarmupEnds::Result& w, int64_t pid, int64_t end) {
  auto lb = w.find(pid);
  return lb != w.end() && end <= lb->second;
}

}  // namespace nsysexplain::steps_detail
