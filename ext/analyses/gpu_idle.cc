#include "analyses/gpu_idle.h"

#include <algorithm>
#include <map>

#include "analyses/analysis.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {

GpuIdle::Result GpuIdle::Compute(Session& s, const Scope& scope) {
  auto k = s.kernels(scope);
  core::ScopedTimer tm("gpu_idle");
  std::map<int32_t, std::vector<core::Interval>> by_dev;
  for (size_t i = 0; i < k->size(); ++i)
    by_dev[k->device_id[i]].push_back({k->start[i], k->end[i]});
  Result out;
  for (auto& [dev, iv] : by_dev) {
    DeviceIdle d;
    d.device = dev;
    d.kernels = static_cast<int64_t>(iv.size());
    d.window_start = INT64_MAX;
    d.window_end = INT64_MIN;
    for (const auto& x : iv) {
      d.window_start = std::min(d.window_start, x.start);
      d.window_end = std::max(d.window_end, x.end);
    }
    auto merged = core::MergeIntervals(std::move(iv));
    d.busy = core::UnionLength(merged);
    d.gaps = core::GapsInWindow(merged, d.window_start, d.window_end);
    for (const auto& g : d.gaps)
      d.largest_gap = std::max(d.largest_gap, core::SatSub(g.end, g.start));
    out.devices.push_back(std::move(d));
  }
  for (uint32_t d = 0; d < out.devices.size(); ++d) {
    const auto& gaps = out.devices[d].gaps;
    for (uint32_t g = 0; g < gaps.size(); ++g)
      out.by_length_.push_back({core::SatSub(gaps[g].end, gaps[g].start), d, g});
  }
  return out;
}

const GapRef& GpuIdle::Result::Longest(size_t i) const {
  std::vector<GapRef>& v = by_length_;
  size_t n = v.size();
  if (i >= sorted_) {
    // Devices are in device_id order and gaps in time order, so the index
    // pair breaks ties by (device_id, gap_start_ns).
    auto longer = [](const GapRef& a, const GapRef& b) {
      if (a.length != b.length) return a.length > b.length;
      return a.device != b.device ? a.device < b.device : a.gap < b.gap;
    };
    // Select the next chunk (doubling) from the unsorted rest, then sort it.
    size_t want = std::min(n, std::max({i + 1, size_t{64}, 2 * sorted_}));
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
                  {"window_start_ns", kInt,
                   [](const DeviceIdle& d, Cell& c) { c.Int(d.window_start); },
                   "first kernel start"},
                  {"window_end_ns", kInt,
                   [](const DeviceIdle& d, Cell& c) { c.Int(d.window_end); },
                   "last kernel end"},
                  {"busy_ns", kInt, [](const DeviceIdle& d, Cell& c) { c.Int(d.busy); },
                   "length of the union of kernel intervals"},
                  {"gaps", kInt,
                   [](const DeviceIdle& d, Cell& c) { c.Int(int64_t(d.gaps.size())); },
                   "idle gaps inside the window"},
                  {"largest_gap_ns", kInt,
                   [](const DeviceIdle& d, Cell& c) {
                     d.gaps.empty() ? c.Null() : c.Int(d.largest_gap);
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
                  const GapRef& ref = p->Longest(i);
                  const DeviceIdle& d = p->devices[ref.device];
                  return GapRow{d.device, d.gaps[ref.gap], ref.length};
                };
                rows.keep = {r};
                return rows;
              },
              {{"gap_ns", kDesc}, {"device_id", kAsc}, {"gap_start_ns", kAsc}}),
      },
      [](Session& s, const PrepareOptions&) { s.Get<GpuIdle>(); }};
}

}  // namespace nsysexplain
