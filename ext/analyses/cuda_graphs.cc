#include "analyses/cuda_graphs.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>

#include "analyses/analysis.h"
#include "core/api_names.h"
#include "core/global_tid.h"
#include "core/interval_union.h"
#include "core/saturating.h"
#include "core/timing.h"
#include "launch_index.h"
#include "loaders.h"

namespace nsysexplain {

GraphTrace::Result GraphTrace::Compute(Session& s, const Scope& scope) {
  Result out;
  if (!scope.whole()) {  // the whole trace's executions in the window, clipped
    auto whole = s.Get<GraphTrace>(scope.Whole());
    out.table_present = whole->table_present;
    core::TimeWindow w = scope.time();
    for (GraphExecution x : whole->rows)
      if (w.Overlaps(x.start, x.end)) {
        x.start = w.ClipStart(x.start);
        x.end = w.ClipEnd(x.end);
        out.rows.push_back(x);
      }
    return out;
  }
  const Schema& sc = s.schema(scope);
  const std::string t = "CUPTI_ACTIVITY_KIND_GRAPH_TRACE";
  if (!sc.HasColumn(t, "start") || !sc.HasColumn(t, "end")) return out;
  out.table_present = true;
  auto col = [&](const char* c) {
    return sc.HasColumn(t, c) ? std::string("\"") + c + "\"" : std::string("NULL");
  };
  Stmt st(s.db(), "SELECT start, \"end\", " + col("globalPid") + ", " + col("correlationId") +
                      ", " + col("graphId") + ", " + col("graphExecId") + ", " +
                      col("deviceId") + ", " + col("streamId") + " FROM " + sc.Qualified(t) +
                      " WHERE start IS NOT NULL AND \"end\" >= start ORDER BY start");
  auto or_neg = [&](int c) { return st.IsNull(c) ? int64_t{-1} : int64_t(st.Int(c)); };
  while (st.Step()) {
    out.rows.push_back({st.Int(0), st.Int(1), or_neg(2), or_neg(3), or_neg(4), or_neg(5),
                        static_cast<int32_t>(or_neg(6)), static_cast<int32_t>(or_neg(7))});
  }
  return out;
}

namespace {

struct GroupKey {
  int64_t pid, key;
  bool operator==(const GroupKey& o) const { return pid == o.pid && key == o.key; }
};
struct GroupKeyHash {
  size_t operator()(const GroupKey& k) const {
    return PairHash()({k.pid, k.key});
  }
};

}  // namespace

CudaGraphs::Result CudaGraphs::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  auto rp = s.runtime(scope);
  auto gt = s.Get<GraphTrace>(scope);
  std::shared_ptr<Trace> t = s.trace(scope);
  core::ScopedTimer tm("cuda_graphs");
  const core::Kernels& k = *kp;
  const core::RuntimeCalls& r = rp->calls;
  const auto& mk = r.markers;
  Result out;
  out.graph_trace_rows = static_cast<int64_t>(gt->rows.size());
  for (const GraphExecution& x : gt->rows)
    out.graph_trace_ns = core::SatAdd(out.graph_trace_ns, core::SatSub(x.end, x.start));
  for (size_t i = 0; i < k.size(); ++i) out.node_kernels += k.graph_node[i];

  // Eager launch cost per process: the mean of its cudaLaunchKernel-like calls.
  std::unordered_map<int64_t, std::pair<int64_t, int64_t>> eager;  // pid -> total, count
  for (const auto& g : r.groups) {
    std::string name = t->Name(g.name);
    if (core::ClassifyApi(name) != core::ApiKind::kLaunch ||
        core::ClassifyMarker(name) == core::MarkerKind::kGraphLaunch)
      continue;
    auto& e = eager[g.pid];
    e.first = core::SatAdd(e.first, g.stats.total);
    e.second += g.stats.count;
  }
  auto eager_avg = [&](int64_t pid) {
    auto it = eager.find(pid);
    return it == eager.end() || it->second.second == 0
               ? -1.0
               : double(it->second.first) / double(it->second.second);
  };

  std::unordered_map<GroupKey, size_t, GroupKeyHash> index;
  auto group = [&](int64_t pid, int64_t key, const char* basis, int32_t device) -> GraphRow& {
    auto [it, added] = index.try_emplace(GroupKey{pid, key}, out.graphs.size());
    if (added) {
      GraphRow g;
      g.pid = pid;
      g.device = device;
      g.graph_key = key;
      g.basis = basis;
      g.first_ns = INT64_MAX;
      g.last_ns = INT64_MIN;
      g.eager_launch_avg_ns = eager_avg(pid);
      out.graphs.push_back(g);
    }
    return out.graphs[it->second];
  };
  auto add_launch = [](GraphRow& g, int64_t gpu, int64_t busy, int64_t api, int64_t b,
                       int64_t e) {
    ++g.launches;
    g.gpu_ns = core::SatAdd(g.gpu_ns, gpu);
    g.busy_ns = core::SatAdd(g.busy_ns, busy);
    g.api_ns = core::SatAdd(g.api_ns, api);
    g.first_ns = std::min(g.first_ns, b);
    g.last_ns = std::max(g.last_ns, e);
  };

  // Graph-launch calls, by (process, correlationId) -> call duration.
  std::unordered_map<std::pair<int64_t, int64_t>, int64_t, PairHash> launch_call;
  for (size_t m = 0; m < mk.size(); ++m) {
    if (mk.kind[m] != static_cast<uint8_t>(core::MarkerKind::kGraphLaunch)) continue;
    ++out.graph_launch_calls;
    if (mk.correlation_id[m] >= 0)
      launch_call[{core::ProcessKey(mk.global_tid[m]), mk.correlation_id[m]}] =
          core::SatSub(mk.end[m], mk.start[m]);
  }

  // Node mode: the kernels of each graph-launch row, in start order.
  std::vector<uint8_t> is_graph_row(r.size(), 0);
  {
    std::unordered_map<uint32_t, bool> graph_name;
    for (size_t l = 0; l < r.size(); ++l) {
      auto [it, added] = graph_name.try_emplace(r.name[l], false);
      if (added)
        it->second = core::ClassifyMarker(t->Name(r.name[l])) == core::MarkerKind::kGraphLaunch;
      is_graph_row[l] = it->second;
    }
  }
  auto li = s.Get<LaunchIndex>(scope);
  std::vector<core::Interval> iv;
  for (size_t l = 0; l < r.size(); ++l) {
    if (!is_graph_row[l] || li->count(l) == 0) continue;
    ++out.launches_with_kernels;
    auto b = li->kernels.begin() + li->first[l], e = li->kernels.begin() + li->first[l + 1];
    // FNV-1a over the kernel names in replay order: the graph's identity
    // when the export has no graph ids for node-mode kernels.
    uint64_t h = 1469598103934665603ull;
    int64_t gpu = 0, last_end = INT64_MIN;
    iv.clear();
    for (auto it = b; it != e; ++it) {
      last_end = std::max(last_end, k.end[*it]);
      h = (h ^ k.name[*it]) * 1099511628211ull;
      gpu = core::SatAdd(gpu, core::SatSub(k.end[*it], k.start[*it]));
      iv.push_back({k.start[*it], k.end[*it]});
    }
    int64_t busy = core::UnionLength(core::MergeIntervals(iv));
    int64_t pid = core::PidOf(r.global_tid[l]);
    GraphRow& g = group(pid, static_cast<int64_t>(h >> 1), "kernel_sequence",
                        k.device_id[*b]);
    g.first_kernel = k.name[*b];
    if (g.kernels < 0) g.kernels = 0;
    g.kernels += e - b;
    add_launch(g, gpu, busy, core::SatSub(r.end[l], r.start[l]), k.start[*b], last_end);
  }

  // Graph mode: one GPU interval per launch.
  for (const GraphExecution& x : gt->rows) {
    int64_t pid = x.global_pid >= 0 ? core::PidOf(x.global_pid) : -1;
    bool exec = x.graph_exec_id >= 0;
    GraphRow& g = group(pid, exec ? x.graph_exec_id : x.graph_id,
                        exec ? "graph_exec_id" : "graph_id", x.device_id);
    int64_t api = 0;
    if (x.global_pid >= 0 && x.correlation_id >= 0) {
      auto it = launch_call.find({core::ProcessKey(x.global_pid), x.correlation_id});
      if (it != launch_call.end()) api = it->second;
    }
    add_launch(g, core::SatSub(x.end, x.start), core::SatSub(x.end, x.start), api, x.start, x.end);
  }
  std::sort(out.graphs.begin(), out.graphs.end(), [](const GraphRow& a, const GraphRow& b) {
    if (a.pid != b.pid) return a.pid < b.pid;
    if (a.gpu_ns != b.gpu_ns) return a.gpu_ns > b.gpu_ns;
    return a.graph_key < b.graph_key;
  });
  const bool node = out.node_kernels > 0 || out.launches_with_kernels > 0;
  const bool graph = out.graph_trace_rows > 0;
  out.mode = node && graph ? "node+graph"
             : node        ? "node"
             : graph       ? "graph"
             : out.graph_launch_calls > 0 ? "unknown"
                                          : "none";
  return out;
}

namespace {

using G = GraphRow;

double PerLaunch(const G& g, int64_t v) { return double(v) / double(g.launches); }

struct ModeRow {
  const CudaGraphs::Result* r;
};

}  // namespace

NSYSEXPLAIN_ANALYSIS(cuda_graphs) {
  return {
      "cuda_graphs",
      {
          MakeDataset<G>(
              "_nsys_cuda_graphs",
              "CUDA graphs per process: launches, replayed kernels, GPU and host time.",
              {
                  {"pid", kInt, [](const G& g, Cell& c) { c.PidOrNull(g.pid); },
                   "process (NULL: unknown)"},
                  {"device_id", kInt, [](const G& g, Cell& c) { c.IntOrNullIfNegative(g.device); },
                   "CUDA device ordinal"},
                  {"graph_key", kInt, [](const G& g, Cell& c) { c.Int(g.graph_key); },
                   "graphExecId / graphId, or a hash of the replayed kernel sequence"},
                  {"basis", kText, [](const G& g, Cell& c) { c.Text(g.basis); },
                   "what identifies the graph: graph_exec_id, graph_id or kernel_sequence"},
                  {"first_kernel", kText,
                   [](const G& g, Cell& c) { g.first_kernel ? c.Name(g.first_kernel) : c.Null(); },
                   "first kernel of a replay (node mode)"},
                  {"launches", kInt, [](const G& g, Cell& c) { c.Int(g.launches); },
                   "graph launches"},
                  {"kernels", kInt, [](const G& g, Cell& c) { c.IntOrNullIfNegative(g.kernels); },
                   "kernels replayed (NULL: graph mode, not in the trace)"},
                  {"gpu_ns", kInt, [](const G& g, Cell& c) { c.Int(g.gpu_ns); },
                   "summed kernel time (graph mode: graph execution time)"},
                  {"busy_ns", kInt, [](const G& g, Cell& c) { c.Int(g.busy_ns); },
                   "summed per-launch union of its GPU intervals"},
                  {"api_ns", kInt, [](const G& g, Cell& c) { c.Int(g.api_ns); },
                   "summed graph-launch call time"},
                  {"gpu_per_launch_ns", kReal,
                   [](const G& g, Cell& c) { c.Real(PerLaunch(g, g.gpu_ns)); }, "gpu_ns / launch"},
                  {"busy_per_launch_ns", kReal,
                   [](const G& g, Cell& c) { c.Real(PerLaunch(g, g.busy_ns)); },
                   "busy_ns / launch"},
                  {"api_per_launch_ns", kReal,
                   [](const G& g, Cell& c) { c.Real(PerLaunch(g, g.api_ns)); }, "api_ns / launch"},
                  {"eager_launch_avg_ns", kReal,
                   [](const G& g, Cell& c) {
                     g.eager_launch_avg_ns < 0 ? c.Null() : c.Real(g.eager_launch_avg_ns);
                   },
                   "mean cudaLaunchKernel-like call of the process (NULL: none)"},
                  {"first_ns", kInt, [](const G& g, Cell& c) { c.Int(g.first_ns); },
                   "first replay start"},
                  {"last_ns", kInt, [](const G& g, Cell& c) { c.Int(g.last_ns); },
                   "last replay end"},
              },
              [](Session& s) {
                auto r = s.Get<CudaGraphs>();
                return RowsOfResult(
                    s, std::shared_ptr<const std::vector<G>>(r, &r->graphs));
              }),
          MakeDataset<ModeRow>(
              "_nsys_cuda_graph_mode", "The CUDA-graph trace mode detected in the trace.",
              {
                  {"mode", kText, [](const ModeRow& m, Cell& c) { c.Text(m.r->mode); },
                   "node, graph, node+graph, unknown (graph launches without their GPU "
                   "work) or none"},
                  {"graph_launch_calls", kInt,
                   [](const ModeRow& m, Cell& c) { c.Int(m.r->graph_launch_calls); },
                   "cudaGraphLaunch / cuGraphLaunch calls"},
                  {"launches_with_kernels", kInt,
                   [](const ModeRow& m, Cell& c) { c.Int(m.r->launches_with_kernels); },
                   "graph launches whose kernels are in the kernel table (node mode)"},
                  {"graph_trace_rows", kInt,
                   [](const ModeRow& m, Cell& c) { c.Int(m.r->graph_trace_rows); },
                   "CUPTI_ACTIVITY_KIND_GRAPH_TRACE rows (graph mode)"},
                  {"graph_trace_ns", kInt,
                   [](const ModeRow& m, Cell& c) { c.Int(m.r->graph_trace_ns); },
                   "their summed duration"},
                  {"node_kernels", kInt,
                   [](const ModeRow& m, Cell& c) { c.Int(m.r->node_kernels); },
                   "kernels with graphNodeId"},
              },
              [](Session& s) {
                auto r = s.Get<CudaGraphs>();
                Rows<ModeRow> rows;
                rows.count = 1;
                rows.at = [p = r.get()](size_t) { return ModeRow{p}; };
                rows.keep = {r};
                return rows;
              }),
      },
      [](Session& s, const PrepareOptions&) { s.Get<CudaGraphs>(); }};
}

}  // namespace nsysexplain
