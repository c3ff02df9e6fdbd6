#include "analyses/launch_storm.h"

#include <algorithm>
#include <map>

#include "analyses/analysis.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {

LaunchStorm::Result LaunchStorm::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  const core::Kernels& k = *kp;
  core::ScopedTimer tm("storm");
  Result out;
  std::map<int64_t, uint32_t> pid_index;
  std::vector<uint32_t> group(k.size());
  std::vector<int64_t> dur(k.size());
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    auto [it, added] = pid_index.try_emplace(pid, 0);
    if (added) it->second = static_cast<uint32_t>(pid_index.size() - 1);
    group[i] = it->second;
    dur[i] = k.end[i] - k.start[i];
  }
  std::vector<StormRow> per(pid_index.size());
  for (auto& [pid, g] : pid_index) {
    per[g].pid = pid;
    per[g].first_start = INT64_MAX;
    per[g].last_end = INT64_MIN;
  }
  StormRow global{-1, INT64_MAX, INT64_MIN, {}};
  for (size_t i = 0; i < k.size(); ++i) {
    StormRow& r = per[group[i]];
    r.first_start = std::min(r.first_start, k.start[i]);
    r.last_end = std::max(r.last_end, k.end[i]);
    global.first_start = std::min(global.first_start, k.start[i]);
    global.last_end = std::max(global.last_end, k.end[i]);
  }
  auto stats = core::ComputeGroupStats(group, per.size(), dur);
  std::vector<uint32_t>().swap(group);
  global.stats = core::ComputeStatsInPlace(dur.data(), dur.size());  // reorders dur
  if (k.size() == 0) global.first_start = global.last_end = 0;
  out.push_back(global);
  for (auto& [pid, g] : pid_index) {
    per[g].stats = stats[g];
    out.push_back(per[g]);
  }
  return out;
}

TinyKernels::Result TinyKernels::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  const core::Kernels& k = *kp;
  core::ScopedTimer tm("tiny");
  std::map<std::pair<int64_t, uint32_t>, std::pair<int64_t, int64_t>> agg;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t d = k.end[i] - k.start[i];
    if (d >= 5000) continue;
    int64_t pid = core::PidOf(k.global_pid[i]);
    for (int64_t p : {int64_t{-1}, pid}) {
      auto& a = agg[{p, k.name[i]}];
      ++a.first;
      a.second = core::SatAdd(a.second, d);
    }
  }
  Result out;
  std::shared_ptr<Trace> t = s.trace(scope);
  for (auto& [key, v] : agg)
    out.push_back({key.first, key.second, t->BaseName(key.second), v.first, v.second});
  return out;
}

NSYSEXPLAIN_ANALYSIS(launch_storm) {
  using S = StormRow;
  using T = TinyKernel;
  return {
      "launch_storm",
      {
          MakeDataset<S>(
              "_nsys_launch_storm", "Kernel launch rate and durations, global (pid NULL) and per PID.",
              {
                  {"pid", kInt, [](const S& x, Cell& c) { c.PidOrNull(x.pid); },
                   "process (NULL: all processes)"},
                  {"launches", kInt, [](const S& x, Cell& c) { c.Int(x.stats.count); },
                   "kernels"},
                  {"first_start_ns", kInt, [](const S& x, Cell& c) { c.Int(x.first_start); },
                   "first kernel start"},
                  {"last_end_ns", kInt, [](const S& x, Cell& c) { c.Int(x.last_end); },
                   "last kernel end"},
                  {"window_ns", kInt,
                   [](const S& x, Cell& c) { c.Int(core::SatSub(x.last_end, x.first_start)); },
                   "last_end_ns - first_start_ns"},
                  {"total_ns", kInt, [](const S& x, Cell& c) { c.Int(x.stats.total); },
                   "summed kernel time"},
                  {"p50_ns", kReal,
                   [](const S& x, Cell& c) { x.stats.count ? c.Real(x.stats.p50) : c.Null(); },
                   "median kernel duration"},
                  {"p90_ns", kReal,
                   [](const S& x, Cell& c) { x.stats.count ? c.Real(x.stats.p90) : c.Null(); },
                   "90th percentile"},
                  {"p99_ns", kReal,
                   [](const S& x, Cell& c) { x.stats.count ? c.Real(x.stats.p99) : c.Null(); },
                   "99th percentile"},
                  {"under_5us", kInt, [](const S& x, Cell& c) { c.Int(x.stats.under_5us); },
                   "kernels shorter than 5 us"},
                  {"under_10us", kInt, [](const S& x, Cell& c) { c.Int(x.stats.under_10us); },
                   "kernels shorter than 10 us"},
                  {"under_20us", kInt, [](const S& x, Cell& c) { c.Int(x.stats.under_20us); },
                   "kernels shorter than 20 us"},
              },
              [](Session& s) { return RowsOfResult(s, s.Get<LaunchStorm>()); }),
          MakeDataset<T>(
              "_nsys_tiny_kernels", "Kernels shorter than 5 us, by (pid, name).",
              {
                  {"pid", kInt, [](const T& x, Cell& c) { c.PidOrNull(x.pid); },
                   "process (NULL: all processes)"},
                  {"kernel_name", kText, [](const T& x, Cell& c) { c.Name(x.name); }, "kernel"},
                  {"kernel", kText, [](const T& x, Cell& c) { c.Name(x.base); },
                   "kernel base name"},
                  {"calls", kInt, [](const T& x, Cell& c) { c.Int(x.count); }, "launches < 5 us"},
                  {"total_ns", kInt, [](const T& x, Cell& c) { c.Int(x.total); },
                   "their summed time"},
              },
              [](Session& s) { return RowsOfResult(s, s.Get<TinyKernels>()); }),
      },
      [](Session& s, const PrepareOptions&) {
        s.Get<LaunchStorm>();
        s.Get<TinyKernels>();
      }};
}

}  // namespace nsysexplain
