#include "analyses/gpu_busy.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "analyses/analysis.h"
#include "analyses/cuda_graphs.h"
#include "analyses/gpu_idle.h"
#include "core/global_tid.h"
#include "core/interval_union.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {
namespace {

using core::Interval;

// Intervals of one timeline (a device or a stream), kernels and memory
// operations apart.
struct Timeline {
  std::vector<Interval> kernels, memory;
  int64_t nkernels = 0, ngraph = 0, ncopies = 0, nsets = 0;
};

// First start and last end of `v` (unsorted, zero-length intervals too);
// false when empty.
bool Window(const std::vector<Interval>& v, int64_t& start, int64_t& end) {
  if (v.empty()) return false;
  start = INT64_MAX;
  end = INT64_MIN;
  for (const Interval& x : v) {
    start = std::min(start, x.start);
    end = std::max(end, x.end);
  }
  return true;
}

// Adds the memory operations (`raw` and merged `mem`) to a row whose kernel
// figures are set: busy with memory = kernel busy + memory time outside
// kernels; the window spans both.
void AddMemory(BusyRow& r, const std::vector<Interval>& raw, const std::vector<Interval>& mem,
               int64_t mem_inside_kernels) {
  r.memory_busy = core::UnionLength(mem);
  r.busy = core::SatAdd(r.kernel_busy, core::SatSub(r.memory_busy, mem_inside_kernels));
  r.window_start = r.kernel_window_start;
  r.window_end = r.kernel_window_end;
  int64_t ms, me;
  if (!Window(raw, ms, me)) return;
  if (!r.has_kernels()) {
    r.window_start = ms;
    r.window_end = me;
    return;
  }
  r.window_start = std::min(r.window_start, ms);
  r.window_end = std::max(r.window_end, me);
}

}  // namespace

GpuBusy::Result GpuBusy::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  auto mp = s.memory(scope);
  auto gt = s.Get<GraphTrace>(scope);
  auto idle = s.Get<GpuIdle>(scope);
  core::ScopedTimer tm("gpu_busy");
  const core::Kernels& k = *kp;
  const MemoryTable& m = *mp;
  Result out;

  // Per device: memory operations; kernels come from GpuIdle.
  std::map<int32_t, Timeline> devices;
  // Per (pid, device, stream): everything.
  std::map<std::tuple<int64_t, int32_t, int64_t>, Timeline> streams;
  auto stream = [&](int64_t gpid, int32_t dev, int64_t st) -> Timeline& {
    return streams[{core::PidOf(gpid), dev, st}];
  };
  {
    // Kernels are mostly in stream order: remember the last stream.
    Timeline* last = nullptr;
    int64_t last_pid = 0;
    int32_t last_dev = 0, last_st = 0;
    for (size_t i = 0; i < k.size(); ++i) {
      if (!last || k.global_pid[i] != last_pid || k.device_id[i] != last_dev ||
          k.stream_id[i] != last_st) {
        last = &stream(k.global_pid[i], k.device_id[i], k.stream_id[i]);
        last_pid = k.global_pid[i];
        last_dev = k.device_id[i];
        last_st = k.stream_id[i];
      }
      last->kernels.push_back({k.start[i], k.end[i]});
      ++last->nkernels;
    }
  }
  for (const GraphExecution& x : gt->rows) {
    Timeline& t = stream(x.global_pid, x.device_id, x.stream_id);
    t.kernels.push_back({x.start, x.end});
    ++t.ngraph;
  }
  for (const core::MemOps* ops : {&m.copies, &m.sets}) {
    bool copy = ops == &m.copies;
    for (size_t i = 0; i < ops->size(); ++i) {
      Interval iv{ops->start[i], ops->end[i]};
      Timeline& d = devices[ops->device_id[i]];
      Timeline& t = stream(ops->global_pid[i], ops->device_id[i], ops->stream_id[i]);
      d.memory.push_back(iv);
      t.memory.push_back(iv);
      (copy ? d.ncopies : d.nsets) += 1;
      (copy ? t.ncopies : t.nsets) += 1;
    }
  }

  // Devices: kernels-only figures of llm_gpu_idle, memory added through its
  // gaps: memory inside kernels = memory inside the window - memory in gaps.
  for (const DeviceIdle& d : idle->devices) devices[d.device];
  for (auto& [dev, t] : devices) {
    BusyRow r;
    r.device = dev;
    r.memcpys = t.ncopies;
    r.memsets = t.nsets;
    std::vector<Interval> mem = core::MergeIntervals(t.memory);
    int64_t inside = 0;
    for (const DeviceIdle& di : idle->devices) {
      if (di.device != dev) continue;
      r.kernels = di.kernels;
      r.graph_executions = di.graph_executions;
      r.kernel_window_start = di.window_start;
      r.kernel_window_end = di.window_end;
      r.kernel_busy = di.busy;
      std::vector<Interval> gaps(idle->gaps.begin() + std::ptrdiff_t(di.first_gap),
                                 idle->gaps.begin() + std::ptrdiff_t(di.first_gap + di.gap_count));
      inside = core::SatSub(core::IntersectionLength(mem, {{di.window_start, di.window_end}}),
                            core::IntersectionLength(mem, gaps));
    }
    AddMemory(r, t.memory, mem, inside);
    std::vector<Interval>().swap(t.memory);
    out.devices.push_back(r);
  }
  for (auto& [key, t] : streams) {
    BusyRow r;
    std::tie(r.pid, r.device, r.stream) = key;
    r.kernels = t.nkernels;
    r.graph_executions = t.ngraph;
    r.memcpys = t.ncopies;
    r.memsets = t.nsets;
    Window(t.kernels, r.kernel_window_start, r.kernel_window_end);
    std::vector<Interval> ker = core::MergeIntervals(std::move(t.kernels));
    r.kernel_busy = core::UnionLength(ker);
    std::vector<Interval> mem = core::MergeIntervals(t.memory);
    AddMemory(r, t.memory, mem, core::IntersectionLength(ker, mem));
    std::vector<Interval>().swap(t.memory);
    out.streams.push_back(r);
  }
  return out;
}

namespace {

std::vector<Column<BusyRow>> BusyColumns() {
  using B = BusyRow;
  return {
      {"device_id", kInt, [](const B& r, Cell& c) { c.Int(r.device); },
       "CUDA device ordinal (per process)"},
      {"kernels", kInt, [](const B& r, Cell& c) { c.Int(r.kernels); }, "kernels"},
      {"graph_executions", kInt, [](const B& r, Cell& c) { c.Int(r.graph_executions); },
       "graph-mode graph executions (counted as kernel time)"},
      {"memcpys", kInt, [](const B& r, Cell& c) { c.Int(r.memcpys); }, "memory copies"},
      {"memsets", kInt, [](const B& r, Cell& c) { c.Int(r.memsets); }, "memsets"},
      {"kernel_window_start_ns", kInt,
       [](const B& r, Cell& c) { r.has_kernels() ? c.Int(r.kernel_window_start) : c.Null(); },
       "first kernel start (NULL without kernels)"},
      {"kernel_window_end_ns", kInt,
       [](const B& r, Cell& c) { r.has_kernels() ? c.Int(r.kernel_window_end) : c.Null(); },
       "last kernel end"},
      {"kernel_busy_ns", kInt, [](const B& r, Cell& c) { c.Int(r.kernel_busy); },
       "union of kernel intervals"},
      {"memory_busy_ns", kInt, [](const B& r, Cell& c) { c.Int(r.memory_busy); },
       "union of memcpy/memset intervals"},
      {"window_start_ns", kInt, [](const B& r, Cell& c) { c.Int(r.window_start); },
       "first kernel or memory operation start"},
      {"window_end_ns", kInt, [](const B& r, Cell& c) { c.Int(r.window_end); },
       "last kernel or memory operation end"},
      {"busy_ns", kInt, [](const B& r, Cell& c) { c.Int(r.busy); },
       "union of kernel and memory-operation intervals"},
  };
}

}  // namespace

NSYSEXPLAIN_ANALYSIS(gpu_busy) {
  using B = BusyRow;
  return {
      "gpu_busy",
      {
          MakeDataset<B>(
              "_nsys_gpu_busy", "Busy time per device: kernels only and with memory operations.",
              BusyColumns(),
              [](Session& s) {
                auto r = s.Get<GpuBusy>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<B>>(r, &r->devices));
              }),
          MakeDataset<B>(
              "_nsys_gpu_busy_by_stream",
              "Busy time per (process, device, stream): kernels only and with memory operations.",
              Concat<B>({{"pid", kInt, [](const B& r, Cell& c) { c.Int(r.pid); },
                          "process (from globalPid)"},
                         {"stream_id", kInt, [](const B& r, Cell& c) { c.Int(r.stream); },
                          "streamId"}},
                        BusyColumns()),
              [](Session& s) {
                auto r = s.Get<GpuBusy>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<B>>(r, &r->streams));
              }),
      },
      [](Session& s, const PrepareOptions&) { s.Get<GpuBusy>(); }};
}

}  // namespace nsysexplain
