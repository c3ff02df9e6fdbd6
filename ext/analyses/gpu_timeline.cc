#include "analyses/gpu_timeline.h"

#include <algorithm>
#include <map>
#include <utility>

#include "analyses/analysis.h"
#include "analyses/cuda_graphs.h"
#include "core/global_tid.h"
#include "core/interval_union.h"
#include "core/time_buckets.h"
#include "core/timing.h"

namespace nsysexplain {

GpuTimeline::Result GpuTimeline::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  const core::Kernels& k = *kp;
  auto gt = s.Get<GraphTrace>(scope);  // graph mode: executions count as busy
  core::ScopedTimer tm("gpu_timeline");
  std::map<std::pair<int64_t, int32_t>, std::vector<core::Interval>> by_dev;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  auto add = [&](int64_t global_pid, int32_t dev, int64_t start, int64_t end) {
    by_dev[{core::PidOf(global_pid), dev}].push_back({start, end});
    lo = std::min(lo, start);
    hi = std::max(hi, end);
  };
  for (size_t i = 0; i < k.size(); ++i)
    add(k.global_pid[i], k.device_id[i], k.start[i], k.end[i]);
  for (const GraphExecution& x : gt->rows) add(x.global_pid, x.device_id, x.start, x.end);
  if (lo <= hi) {  // a time window's bounds are the extent (kernels are clipped to it)
    if (scope.has_from()) lo = scope.from;
    if (scope.has_to()) hi = scope.to;
  }
  Result out;
  std::vector<int64_t> edges = core::BucketEdges(lo, hi, kGpuTimelineBuckets);
  if (edges.empty()) return out;  // no kernels, or a zero-length window
  out.rows.reserve(by_dev.size() * kGpuTimelineBuckets);
  for (auto& [key, iv] : by_dev) {
    std::vector<int64_t> busy =
        core::BusyPerBucket(core::MergeIntervals(std::move(iv)), edges);
    for (size_t b = 0; b < busy.size(); ++b)
      out.rows.push_back({key.first, key.second, static_cast<int32_t>(b), edges[b],
                          edges[b + 1], busy[b]});
  }
  return out;
}

NSYSEXPLAIN_ANALYSIS(gpu_timeline) {
  return {
      "gpu_timeline",
      {
          MakeDataset<TimelineBucket>(
              "_nsys_gpu_timeline",
              "GPU busy time per equal time bucket of the kernel window, per "
              "process and device.",
              {
                  {"pid", kInt, [](const TimelineBucket& r, Cell& c) { c.Int(r.pid); },
                   "OS process id of the kernels"},
                  {"device_id", kInt,
                   [](const TimelineBucket& r, Cell& c) { c.Int(r.device); },
                   "CUDA device ordinal (per process)"},
                  {"bucket", kInt, [](const TimelineBucket& r, Cell& c) { c.Int(r.bucket); },
                   "bucket number, 0-based, in time order"},
                  {"bucket_start_ns", kInt,
                   [](const TimelineBucket& r, Cell& c) { c.Int(r.start); },
                   "bucket start (trace timestamp)"},
                  {"bucket_end_ns", kInt,
                   [](const TimelineBucket& r, Cell& c) { c.Int(r.end); },
                   "bucket end (exclusive)"},
                  {"busy_ns", kInt, [](const TimelineBucket& r, Cell& c) { c.Int(r.busy); },
                   "union of the process's kernel intervals on the device inside the "
                   "bucket"},
              },
              [](Session& s) {
                auto r = s.Get<GpuTimeline>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<TimelineBucket>>(
                                           r, &r->rows));
              },
              {{"pid", kAsc}, {"device_id", kAsc}, {"bucket", kAsc}}),
      },
      [](Session& s, const PrepareOptions&) { s.Get<GpuTimeline>(); }};
}

}  // namespace nsysexplain
