#include "analyses/idle_causes.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "analyses/analysis.h"
#include "analyses/cuda_graphs.h"
#include "analyses/gpu_idle.h"
#include "core/api_names.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"
#include "loaders.h"

namespace nsysexplain {

IdleCauses::Result IdleCauses::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  auto rp = s.runtime(scope);
  auto gt = s.Get<GraphTrace>(scope);
  auto idle = s.Get<GpuIdle>(scope);
  core::ScopedTimer tm("idle_causes");
  const core::Kernels& k = *kp;
  const core::RuntimeCalls& r = rp->calls;
  const auto& mk = r.markers;
  const size_t ngaps = idle->gaps.size();

  // The work after each gap: the kernel (or graph execution) on the gap's
  // device that starts at the gap's end; the first such kernel in rowid
  // order with a launch call wins, else the first one.
  // Per gap, the classification input (process and launch start of the
  // work after it, unknown at first) and that work's kernel name.
  std::vector<core::IdleGap> in(ngaps);
  for (size_t g = 0; g < ngaps; ++g)
    in[g] = {idle->gaps[g].start, idle->gaps[g].end, -1, core::kNoLaunch};
  std::vector<uint32_t> next_name(ngaps, 0);
  std::vector<uint8_t> found(ngaps, 0);  // 0 none, 1 without launch, 2 with
  std::map<int32_t, const DeviceIdle*> dev_of;
  for (const DeviceIdle& d : idle->devices) dev_of[d.device] = &d;
  // Consecutive kernels mostly share a device and come in start order: the
  // device's gap range and the position of the last lookup are cached, and
  // the search starts from there (binary search when a start goes back).
  int32_t cached_dev = 0;
  const DeviceIdle* cached = nullptr;
  bool have_cached = false;
  std::map<int32_t, size_t> cursor;  // device -> gap index of its last lookup
  size_t* pos = nullptr;
  auto gap_at = [&](int32_t dev, int64_t t) -> size_t {
    if (!have_cached || dev != cached_dev) {
      auto it = dev_of.find(dev);
      cached = it == dev_of.end() ? nullptr : it->second;
      cached_dev = dev;
      have_cached = true;
      pos = cached ? &cursor.try_emplace(dev, cached->first_gap).first->second : nullptr;
    }
    if (!cached || cached->gap_count == 0) return SIZE_MAX;
    const size_t first = cached->first_gap, last = first + cached->gap_count;
    size_t g = *pos;
    auto search = [&](size_t from, size_t to) {
      return size_t(std::lower_bound(idle->gaps.begin() + std::ptrdiff_t(from),
                                     idle->gaps.begin() + std::ptrdiff_t(to), t,
                                     [](const core::Interval& x, int64_t v) { return x.end < v; }) -
                    idle->gaps.begin());
    };
    if (g > first && idle->gaps[g - 1].end >= t) {
      g = search(first, g);  // went back
    } else {
      // Forward: a few steps, else a search of the rest.
      size_t steps = 0;
      while (g < last && idle->gaps[g].end < t && ++steps < 16) ++g;
      if (g < last && idle->gaps[g].end < t) g = search(g, last);
    }
    *pos = g;
    return g < last && idle->gaps[g].end == t ? g : SIZE_MAX;
  };
  for (size_t i = 0; i < k.size(); ++i) {
    size_t g = gap_at(k.device_id[i], k.start[i]);
    if (g == SIZE_MAX || found[g] == 2) continue;
    int32_t l = rp->kernel_launch[i];
    uint8_t q = l >= 0 ? 2 : 1;
    if (found[g] >= q) continue;
    found[g] = q;
    in[g].process = core::PidOf(k.global_pid[i]);
    next_name[g] = k.name[i];
    in[g].next_launch = l >= 0 ? r.start[size_t(l)] : core::kNoLaunch;
  }
  // Graph executions (graph mode): launched by the graph launch marker call
  // with their (process, correlationId).
  std::unordered_map<std::pair<int64_t, int64_t>, int64_t, PairHash> graph_launch;
  for (size_t m = 0; m < mk.size(); ++m)
    if (static_cast<core::MarkerKind>(mk.kind[m]) == core::MarkerKind::kGraphLaunch &&
        mk.correlation_id[m] >= 0)
      graph_launch.try_emplace({core::ProcessKey(mk.global_tid[m]), mk.correlation_id[m]},
                               mk.start[m]);
  for (const GraphExecution& x : gt->rows) {
    size_t g = gap_at(x.device_id, x.start);
    if (g == SIZE_MAX || found[g] == 2) continue;
    auto it = graph_launch.find({core::ProcessKey(x.global_pid), x.correlation_id});
    uint8_t q = it != graph_launch.end() ? 2 : 1;
    if (found[g] >= q) continue;
    found[g] = q;
    in[g].process = core::PidOf(x.global_pid);
    next_name[g] = 0;
    in[g].next_launch = q == 2 ? it->second : core::kNoLaunch;
  }

  // Host-blocking calls (sync markers) by process.
  std::vector<core::HostWait> waits;
  for (size_t m = 0; m < mk.size(); ++m) {
    auto kind = static_cast<core::MarkerKind>(mk.kind[m]);
    if (kind == core::MarkerKind::kHostSync || kind == core::MarkerKind::kSyncCopy)
      waits.push_back({core::PidOf(mk.global_tid[m]), mk.start[m], mk.end[m]});
  }
  std::vector<core::IdleCause> cause = core::ClassifyIdleGaps(in, std::move(waits));
  std::vector<uint8_t>().swap(found);

  // Longer first, ties: the earlier gap (gaps are in time order per device).
  auto longer = [&](size_t a, size_t b) {
    int64_t la = core::SatSub(idle->gaps[a].end, idle->gaps[a].start),
            lb = core::SatSub(idle->gaps[b].end, idle->gaps[b].start);
    return la != lb ? la > lb : a < b;
  };
  Result out;
  for (const DeviceIdle& d : idle->devices) {
    std::vector<IdleCauseTotal> tot(core::kIdleCauses);
    // The kTopGaps longest gaps of each cause, as a heap whose front is the
    // shortest kept.
    std::vector<std::vector<size_t>> top(core::kIdleCauses);
    for (size_t g = d.first_gap; g < d.first_gap + d.gap_count; ++g) {
      int c = int(cause[g]);
      IdleCauseTotal& t = tot[size_t(c)];
      int64_t len = core::SatSub(idle->gaps[g].end, idle->gaps[g].start);
      ++t.gaps;
      t.idle_ns = core::SatAdd(t.idle_ns, len);
      t.largest_ns = std::max(t.largest_ns, len);
      t.without_launch += in[g].next_launch == core::kNoLaunch;
      std::vector<size_t>& h = top[size_t(c)];
      if (h.size() < size_t(kTopGaps)) {
        h.push_back(g);
        std::push_heap(h.begin(), h.end(), longer);
      } else if (longer(g, h.front())) {
        std::pop_heap(h.begin(), h.end(), longer);
        h.back() = g;
        std::push_heap(h.begin(), h.end(), longer);
      }
    }
    for (int c = 0; c < core::kIdleCauses; ++c) {
      tot[size_t(c)].device = d.device;
      tot[size_t(c)].cause = core::IdleCause(c);
      out.totals.push_back(tot[size_t(c)]);
      std::vector<size_t>& v = top[size_t(c)];
      std::sort(v.begin(), v.end(), longer);
      for (size_t j = 0; j < v.size(); ++j) {
        IdleCauseGap x;
        x.pid = in[v[j]].process;
        x.next_name = next_name[v[j]];
        x.next_launch = in[v[j]].next_launch;
        x.device = d.device;
        x.cause = core::IdleCause(c);
        x.rank = int64_t(j) + 1;
        x.start = idle->gaps[v[j]].start;
        x.end = idle->gaps[v[j]].end;
        out.gaps.push_back(x);
      }
    }
  }
  return out;
}

NSYSEXPLAIN_ANALYSIS(idle_causes) {
  using T = IdleCauseTotal;
  using G = IdleCauseGap;
  return {
      "idle_causes",
      {
          MakeDataset<T>(
              "_nsys_gpu_idle_causes", "Idle gaps per device and cause.",
              {
                  {"device_id", kInt, [](const T& t, Cell& c) { c.Int(t.device); },
                   "CUDA device ordinal (per process)"},
                  {"cause", kText, [](const T& t, Cell& c) { c.Text(core::IdleCauseName(t.cause)); },
                   "host_wait, launch_bound or other"},
                  {"gaps", kInt, [](const T& t, Cell& c) { c.Int(t.gaps); }, "gaps"},
                  {"idle_ns", kInt, [](const T& t, Cell& c) { c.Int(t.idle_ns); },
                   "their summed length"},
                  {"largest_ns", kInt, [](const T& t, Cell& c) { c.Int(t.largest_ns); },
                   "the longest"},
                  {"without_launch", kInt, [](const T& t, Cell& c) { c.Int(t.without_launch); },
                   "gaps whose next kernel has no launch call in the trace"},
              },
              [](Session& s) {
                auto r = s.Get<IdleCauses>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<T>>(r, &r->totals));
              }),
          MakeDataset<G>(
              "_nsys_gpu_idle_cause_gaps",
              "The largest idle gaps of each (device, cause), 20 at most.",
              {
                  {"device_id", kInt, [](const G& g, Cell& c) { c.Int(g.device); },
                   "CUDA device ordinal (per process)"},
                  {"cause", kText, [](const G& g, Cell& c) { c.Text(core::IdleCauseName(g.cause)); },
                   "host_wait, launch_bound or other"},
                  {"rank", kInt, [](const G& g, Cell& c) { c.Int(g.rank); },
                   "1 = largest gap of its device and cause"},
                  {"gap_start_ns", kInt, [](const G& g, Cell& c) { c.Int(g.start); },
                   "end of the busy interval before the gap"},
                  {"gap_end_ns", kInt, [](const G& g, Cell& c) { c.Int(g.end); },
                   "start of the next kernel"},
                  {"gap_ns", kInt, [](const G& g, Cell& c) { c.Int(core::SatSub(g.end, g.start)); },
                   "gap length"},
                  {"next_pid", kInt, [](const G& g, Cell& c) { c.IntOrNullIfNegative(g.pid); },
                   "process of the work after the gap"},
                  {"next_kernel_name", kText,
                   [](const G& g, Cell& c) { g.next_name ? c.Name(g.next_name) : c.Null(); },
                   "kernel after the gap (NULL for a graph execution)"},
                  {"next_launch_ns", kInt,
                   [](const G& g, Cell& c) {
                     g.next_launch == core::kNoLaunch ? c.Null() : c.Int(g.next_launch);
                   },
                   "start of its launch call (NULL when not in the trace)"},
              },
              [](Session& s) {
                auto r = s.Get<IdleCauses>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<G>>(r, &r->gaps));
              }),
      },
      [](Session& s, const PrepareOptions&) { s.Get<IdleCauses>(); }};
}

}  // namespace nsysexplain
