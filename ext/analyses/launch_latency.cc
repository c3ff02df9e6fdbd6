#include "analyses/launch_latency.h"

#include <algorithm>
#include <deque>
#include <string>
#include <tuple>
#include <unordered_map>

#include "analyses/analysis.h"
#include "core/api_names.h"
#include "core/flat_key_set.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"
#include "loaders.h"

namespace nsysexplain {

LaunchLatency::Result LaunchLatency::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  auto rp = s.runtime(scope);
  std::shared_ptr<Trace> t = s.trace(scope);
  core::ScopedTimer tm("launch_latency");
  const core::Kernels& k = *kp;
  const core::RuntimeCalls& r = rp->calls;
  const std::vector<int32_t>& launch = rp->kernel_launch;
  Result out;

  // Whether each launch API is a graph launch, once per distinct name (the
  // last one remembered: most kernels share their launch API).
  std::unordered_map<uint32_t, bool> graph_api;
  uint32_t last_api = UINT32_MAX;
  bool last_graph = false;
  auto is_graph = [&](uint32_t api) {
    if (api == last_api) return last_graph;
    auto [it, added] = graph_api.try_emplace(api, false);
    if (added) {
      std::string name = t->Name(api);
      std::string_view base = core::ApiBaseName(name);
      it->second = base.find("GraphLaunch") != std::string_view::npos;
    }
    last_api = api;
    last_graph = it->second;
    return last_graph;
  };

  // Group of each launched kernel, globally (key: name << 32 | api) and per
  // stream (key: (pid << 32 | device, stream << 32 | global group)), in flat
  // hash sets whose slots, dense and in first-seen order, are the row indexes.
  core::FlatKeySet global_ids(1024), stream_ids(4096);
  std::vector<LatencyRow> global, per_stream;
  const size_t n = k.size();
  std::vector<uint32_t> g_of(n, UINT32_MAX), h_of(n, UINT32_MAX);
  // launch_first[l]: first index in by_launch of launch row l's kernels
  // (counts first, then their prefix sum).
  std::vector<uint32_t> launch_first(r.size() + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    int32_t l = launch[i];
    if (l < 0) {
      ++out.kernels_without_launch;
      continue;
    }
    uint32_t api = r.name[size_t(l)];
    uint64_t what = uint64_t{k.name[i]} << 32 | api;
    bool graph = is_graph(api);
    const uint32_t g = global_ids.Insert(static_cast<int64_t>(what), 0);
    if (g == global.size()) {
      LatencyRow row;
      row.name = k.name[i];
      row.base = t->BaseName(k.name[i]);
      row.launch_api = api;
      row.via_graph = graph;
      global.push_back(row);
    }
    int64_t pid = core::PidOf(k.global_pid[i]);
    const uint64_t where = static_cast<uint64_t>(pid) << 32 | static_cast<uint32_t>(k.device_id[i]);
    const uint64_t which = uint64_t{static_cast<uint32_t>(k.stream_id[i])} << 32 | g;
    const uint32_t h =
        stream_ids.Insert(static_cast<int64_t>(where), static_cast<int64_t>(which));
    if (h == per_stream.size()) {
      LatencyRow row = global[g];
      row.pid = pid;
      row.device = k.device_id[i];
      row.stream = k.stream_id[i];
      per_stream.push_back(row);
    }
    g_of[i] = g;
    h_of[i] = h;
    ++launch_first[size_t(l) + 1];
  }
  // Host time of each launch call, once per call and group: the kernels of
  // each launch row, gathered by a counting sort over launch rows.
  for (size_t l = 0; l < r.size(); ++l) launch_first[l + 1] += launch_first[l];
  std::vector<uint32_t> by_launch(launch_first.back());
  {
    std::vector<uint32_t> fill(launch_first.begin(), launch_first.end() - 1);
    for (size_t i = 0; i < n; ++i)
      if (launch[i] >= 0) by_launch[fill[size_t(launch[i])]++] = static_cast<uint32_t>(i);
  }
  std::vector<uint32_t> api_g, api_h;
  std::vector<int64_t> api_dur_g, api_dur_h;
  std::vector<uint32_t> seen_g, seen_h;
  for (size_t l = 0; l < r.size(); ++l) {
    seen_g.clear();
    seen_h.clear();
    int64_t d = r.end[l] - r.start[l];
    for (uint32_t j = launch_first[l]; j < launch_first[l + 1]; ++j) {
      uint32_t i = by_launch[j];
      if (std::find(seen_g.begin(), seen_g.end(), g_of[i]) == seen_g.end()) {
        seen_g.push_back(g_of[i]);
        api_g.push_back(g_of[i]);
        api_dur_g.push_back(d);
      }
      if (std::find(seen_h.begin(), seen_h.end(), h_of[i]) == seen_h.end()) {
        seen_h.push_back(h_of[i]);
        api_h.push_back(h_of[i]);
        api_dur_h.push_back(d);
      }
    }
  }
  // Queue and kernel times are computed while gathered (no column of them).
  auto queue = [&](size_t i) { return core::SatSub(k.start[i], r.end[size_t(launch[i])]); };
  auto dur = [&](size_t i) { return k.end[i] - k.start[i]; };
  auto fill_stats = [&](std::vector<LatencyRow>& rows, const std::vector<uint32_t>& group,
                        const std::vector<uint32_t>& agroup, const std::vector<int64_t>& ad) {
    auto qs = core::ComputeGroupStatsBy(group, rows.size(), queue);
    auto ks = core::ComputeGroupStatsBy(group, rows.size(), dur);
    auto as = core::ComputeGroupStats(agroup, rows.size(), ad);
    for (size_t g = 0; g < rows.size(); ++g) {
      rows[g].queue = qs[g];
      rows[g].kernel = ks[g];
      rows[g].api = as[g];
    }
  };
  fill_stats(global, g_of, api_g, api_dur_g);
  std::vector<uint32_t>().swap(g_of);
  fill_stats(per_stream, h_of, api_h, api_dur_h);
  // Per-stream rows in (pid, device, stream) order, then by kernel time.
  std::sort(per_stream.begin(), per_stream.end(), [](const LatencyRow& a, const LatencyRow& b) {
    if (a.pid != b.pid) return a.pid < b.pid;
    if (a.device != b.device) return a.device < b.device;
    if (a.stream != b.stream) return a.stream < b.stream;
    if (a.kernel.total != b.kernel.total) return a.kernel.total > b.kernel.total;
    return std::tie(a.name, a.launch_api) < std::tie(b.name, b.launch_api);
  });
  out.global_rows = global.size();
  out.rows = std::move(global);
  out.rows.insert(out.rows.end(), per_stream.begin(), per_stream.end());
  return out;
}

namespace {

using L = LatencyRow;

// A statistic of one of the row's DurationStats, NULL when it has no values.
template <const core::DurationStats L::*S, class F>
void Put(const L& r, Cell& c, F f) {
  const core::DurationStats& s = r.*S;
  if (s.count == 0) c.Null();
  else f(s, c);
}

template <const core::DurationStats L::*S>
std::vector<Column<L>> LatencyStats(const char* what) {
  // Names are prefix_stat; a deque keeps each string where it is, for as
  // long as the program runs (the module is built once).
  static std::deque<std::string> names;
  auto name = [&](const char* stat) {
    names.push_back(std::string(what) + "_" + stat);
    return names.back().c_str();
  };
  return {
      {name("total_ns"), kInt,
       [](const L& r, Cell& c) { Put<S>(r, c, [](const auto& s, Cell& o) { o.Int(s.total); }); },
       "sum"},
      {name("avg_ns"), kReal,
       [](const L& r, Cell& c) {
         Put<S>(r, c, [](const auto& s, Cell& o) { o.Real(double(s.total) / double(s.count)); });
       },
       "mean"},
      {name("min_ns"), kInt,
       [](const L& r, Cell& c) { Put<S>(r, c, [](const auto& s, Cell& o) { o.Int(s.min); }); },
       "smallest"},
      {name("p50_ns"), kReal,
       [](const L& r, Cell& c) { Put<S>(r, c, [](const auto& s, Cell& o) { o.Real(s.p50); }); },
       "median"},
      {name("p90_ns"), kReal,
       [](const L& r, Cell& c) { Put<S>(r, c, [](const auto& s, Cell& o) { o.Real(s.p90); }); },
       "90th percentile"},
      {name("p99_ns"), kReal,
       [](const L& r, Cell& c) { Put<S>(r, c, [](const auto& s, Cell& o) { o.Real(s.p99); }); },
       "99th percentile"},
      {name("max_ns"), kInt,
       [](const L& r, Cell& c) { Put<S>(r, c, [](const auto& s, Cell& o) { o.Int(s.max); }); },
       "largest"},
  };
}

}  // namespace

NSYSEXPLAIN_ANALYSIS(launch_latency) {
  std::vector<Column<L>> cols = {
      {"pid", kInt, [](const L& r, Cell& c) { c.PidOrNull(r.pid); },
       "process (NULL: all processes)"},
      {"device_id", kInt,
       [](const L& r, Cell& c) { r.pid < 0 ? c.Null() : c.Int(r.device); },
       "CUDA device ordinal (NULL: all)"},
      {"stream_id", kInt,
       [](const L& r, Cell& c) { r.pid < 0 ? c.Null() : c.Int(r.stream); },
       "stream (NULL: all)"},
      {"kernel_name", kText, [](const L& r, Cell& c) { c.Name(r.name); }, "kernel"},
      {"kernel", kText, [](const L& r, Cell& c) { c.Name(r.base); }, "kernel base name"},
      {"launch_api", kText, [](const L& r, Cell& c) { c.Name(r.launch_api); },
       "the runtime/driver call that launched it"},
      {"via_graph", kInt, [](const L& r, Cell& c) { c.Int(r.via_graph); },
       "1: replayed by a CUDA graph launch"},
      {"kernels", kInt, [](const L& r, Cell& c) { c.Int(r.kernel.count); },
       "kernels with a launch call"},
      {"api_calls", kInt, [](const L& r, Cell& c) { c.Int(r.api.count); },
       "distinct launch calls"},
  };
  auto append = [&](std::vector<Column<L>> more) {
    cols.insert(cols.end(), more.begin(), more.end());
  };
  append(LatencyStats<&L::api>("api"));
  append(LatencyStats<&L::queue>("queue"));
  append(LatencyStats<&L::kernel>("kernel"));
  return {"launch_latency",
          {MakeFilteredDataset<L>(
              "_nsys_launch_latency",
              "Launch call time, queue time and kernel time per (kernel, launch API), "
              "global (pid NULL) and per (PID, device, stream).",
              std::move(cols), "pid",
              [](Session& s, NullFilter f) {
                auto r = s.Get<LaunchLatency>();
                std::shared_ptr<Trace> t = s.trace();
                size_t first = f == NullFilter::kNotNull ? r->global_rows : 0;
                size_t last = f == NullFilter::kNull ? r->global_rows : r->rows.size();
                Rows<L> rows;
                rows.count = last - first;
                rows.at = [v = &r->rows, first](size_t i) { return (*v)[first + i]; };
                rows.strings = &t->strings;
                rows.keep = {r, t};
                return rows;
              })},
          [](Session& s, const PrepareOptions&) { s.Get<LaunchLatency>(); }};
}

}  // namespace nsysexplain
