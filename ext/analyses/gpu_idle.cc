#include "analyses/gpu_idle.h"

#include <algorithm>
#include <map>

#include "analyses/analysis.h"
#include "analyses/cuda_graphs.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {

GpuIdle::Result GpuIdle::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  const core::Kernels& k = *kp;
  // Graph mode: the graphs' kernels are not in the kernel table, their
  // executions are (docs/SEMANTICS.md, "CUDA graphs").
  auto gt = s.Get<GraphTrace>(scope);
  core::ScopedTimer tm("gpu_idle");
  // Kernels per device, counted first so each device's intervals are one
  // exact allocation; one device's intervals are in memory at a time (one
  // pass over device_id per device, cheap next to the copies it saves).
  std::map<int32_t, size_t> counts;
  for (size_t i = 0; i < k.size(); ++i) ++counts[k.device_id[i]];
  for (const GraphExecution& x : gt->rows) ++counts[x.device_id];
  Result out;
  for (const auto& [dev, n] : counts) {
    std::vector<core::Interval> iv;
    iv.reserve(n);
    for (size_t i = 0; i < k.size(); ++i)
      if (k.device_id[i] == dev) iv.push_back({k.start[i], k.end[i]});
    DeviceIdle d;
    d.device = dev;
    d.kernels = static_cast<int64_t>(iv.size());
    for (const GraphExecution& x : gt->rows)
      if (x.device_id == dev) {
        iv.push_back({x.start, x.end});
        ++d.graph_executions;
      }
    d.window_start = INT64_MAX;
    d.window_end = INT64_MIN;
    for (const auto& x : iv) {
      d.window_start = std::min(d.window_start, x.start);
      d.window_end = std::max(d.window_end, x.end);
    }
    // A time window's bounds are the extent (its rows are clipped to it).
    if (scope.has_from()) d.window_start = scope.from;
    if (scope.has_to()) d.window_end = scope.to;
    std::vector<core::Interval> merged = core::MergeIntervals(std::move(iv));
    d.busy = core::UnionLength(merged);
    std::vector<core::Interval> gaps =
        core::GapsInWindow(merged, d.window_start, d.window_end);
    std::vector<core::Interval>().swap(merged);
    d.first_gap = out.gaps.size();
    d.gap_count = gaps.size();
    out.gaps.reserve(out.gaps.size() + gaps.size());
    for (const auto& g : gaps) {
      d.largest_gap = std::max(d.largest_gap, core::SatSub(g.end, g.start));
      out.gaps.push_back(g);
    }
    out.devices.push_back(d);
  }
  out.by_length_.resize(out.gaps.size());
  for (uint32_t g = 0; g < out.by_length_.size(); ++g) out.by_length_[g] = g;
  return out;
}

const DeviceIdle& GpuIdle::Result::DeviceOfGap(uint32_t g) const {
  // The last device whose gaps start at or before g (devices without gaps
  // have empty ranges and are skipped by the upper bound).
  auto it = std::upper_bound(devices.begin(), devices.end(), size_t{g},
                             [](size_t x, const DeviceIdle& d) { return x < d.first_gap; });
  while ((it - 1)->gap_count == 0 || g >= (it - 1)->first_gap + (it - 1)->gap_count) --it;
  return *(it - 1);
}

int64_t GpuIdle::Result::GapLength(uint32_t g) const {
  return core::SatSub(gaps[g].end, gaps[g].start);
}

uint32_t GpuIdle::Result::Longest(size_t i) const {
  core::Column<uint32_t>& v = by_length_;
  size_t n = v.size();
  if (i >= sorted_) {
    // Gaps are numbered device by device (devices in device_id order), each
    // in time order, so the index breaks ties by (device_id, gap_start_ns).
    auto longer = [this](uint32_t a, uint32_t b) {
      int64_t la = GapLength(a), lb = GapLength(b);
      return la != lb ? la > lb : a < b;
    };
    // Select the next chunk (doubling) from the unsorted rest, then sort it.
    size_t want = std::min(n, std::max({i + 1, size_t{4096}, 2 * sorted_}));
    auto first = v.begin() + static_cast<std::ptrdiff_t>(sorted_);
    auto last = v.begin() + static_cast<std::ptrdiff_t>(want);
    if (want < n) std::nth_element(first, last - 1, v.end(), longer);
    std::sort(first, last, longer);
    sorted_ = want;
  }
  return v[i];
}

namespace {

struct GapRow {
  int32_t device;
  core::Interval gap;
  int64_t length;
};

}  // namespace

NSYSEXPLAIN_ANALYSIS(gpu_idle) {
  return {
      "gpu_idle",
      {
          MakeDataset<DeviceIdle>(
              "_nsys_gpu_idle", "Busy and idle time of each device's kernel timeline.",
              {
                  {"device_id", kInt, [](const DeviceIdle& d, Cell& c) { c.Int(d.device); },
                   "CUDA device ordinal (per process)"},
                  {"kernels", kInt, [](const DeviceIdle& d, Cell& c) { c.Int(d.kernels); },
                   "kernels on the device"},
                  {"graph_executions", kInt,
                   [](const DeviceIdle& d, Cell& c) { c.Int(d.graph_executions); },
                   "graph-mode graph executions counted as busy (their kernels are not "
                   "in the kernel table)"},
                  {"window_start_ns", kInt,
                   [](const DeviceIdle& d, Cell& c) { c.Int(d.window_start); },
                   "first kernel (or graph execution) start"},
                  {"window_end_ns", kInt,
                   [](const DeviceIdle& d, Cell& c) { c.Int(d.window_end); },
                   "last kernel (or graph execution) end"},
                  {"busy_ns", kInt, [](const DeviceIdle& d, Cell& c) { c.Int(d.busy); },
                   "length of the union of kernel (and graph execution) intervals"},
                  {"gaps", kInt,
                   [](const DeviceIdle& d, Cell& c) { c.Int(int64_t(d.gap_count)); },
                   "idle gaps inside the window"},
                  {"largest_gap_ns", kInt,
                   [](const DeviceIdle& d, Cell& c) {
                     d.gap_count == 0 ? c.Null() : c.Int(d.largest_gap);
                   },
                   "longest idle gap (NULL without gaps)"},
              },
              [](Session& s) {
                auto r = s.Get<GpuIdle>();
                return RowsOfResult(
                    s, std::shared_ptr<const std::vector<DeviceIdle>>(r, &r->devices));
              }),
          // Longest first (then device, start): the order declared for the
          // dataset, so ORDER BY gap_ns DESC [, device_id [, gap_start_ns]]
          // needs no sort and LIMIT N stops after N rows.
          MakeDataset<GapRow>(
              "nsys_gpu_gaps", "Idle gaps of every device, longest first.",
              {
                  {"device_id", kInt, [](const GapRow& g, Cell& c) { c.Int(g.device); },
                   "CUDA device ordinal (per process)"},
                  {"gap_start_ns", kInt, [](const GapRow& g, Cell& c) { c.Int(g.gap.start); },
                   "end of the kernel before the gap"},
                  {"gap_end_ns", kInt, [](const GapRow& g, Cell& c) { c.Int(g.gap.end); },
                   "start of the kernel after the gap"},
                  {"gap_ns", kInt, [](const GapRow& g, Cell& c) { c.Int(g.length); },
                   "gap length"},
              },
              [](Session& s) {
                auto r = s.Get<GpuIdle>();
                Rows<GapRow> rows;
                rows.count = r->gap_count();
                const GpuIdle::Result* p = r.get();
                rows.at = [p](size_t i) {
                  uint32_t g = p->Longest(i);
                  const DeviceIdle& d = p->DeviceOfGap(g);
                  return GapRow{d.device, p->gaps[g], p->GapLength(g)};
                };
                rows.keep = {r};
                return rows;
              },
              {{"gap_ns", kDesc}, {"device_id", kAsc}, {"gap_start_ns", kAsc}}),
      },
      [](Session& s, const PrepareOptions&) { s.Get<GpuIdle>(); }};
}

}  // namespace nsysexplain
