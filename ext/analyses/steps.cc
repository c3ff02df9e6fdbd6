#include "analyses/steps.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "analyses/analysis.h"
#include "analyses/cuda_graphs.h"
#include "analyses/gpu_idle.h"
#include "core/api_names.h"
#include "core/global_tid.h"
#include "core/kernel_name.h"
#include "core/saturating.h"
#include "core/steps.h"
#include "core/timing.h"
#include "launch_index.h"
#include "loaders.h"

namespace nsysexplain {
namespace {

using core::MarkerKind;

// One launch event of a thread: a launch row (kernels in the trace) or a
// graph launch whose GPU work is a graph-trace row (graph mode) or absent.
struct LaunchEvent {
  int64_t start, end;
  int32_t row;    // launch row, or -1
  int32_t exec;   // GraphTrace row, or -1
  bool graph;
};

struct ThreadEvents {
  std::vector<LaunchEvent> launches;
  std::vector<core::HostCall> syncs;
};

}  // namespace

WarmupEnds::Result WarmupEnds::Compute(Session& s, const Scope& scope) {
  auto rp = s.runtime(scope);
  const auto& mk = rp->calls.markers;
  Result out;
  for (size_t m = 0; m < mk.size(); ++m) {
    if (static_cast<MarkerKind>(mk.kind[m]) != MarkerKind::kGraphBuild) continue;
    auto [it, added] = out.try_emplace(core::PidOf(mk.global_tid[m]), mk.end[m]);
    if (!added) it->second = std::max(it->second, mk.end[m]);
  }
  return out;
}

Steps::Result Steps::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  auto rp = s.runtime(scope);
  auto li = s.Get<LaunchIndex>(scope);
  auto gt = s.Get<GraphTrace>(scope);
  auto idle = s.Get<GpuIdle>(scope);
  auto warmup = s.Get<WarmupEnds>(scope);
  std::shared_ptr<Trace> t = s.trace(scope);
  core::ScopedTimer tm("steps");
  const core::Kernels& k = *kp;
  const core::RuntimeCalls& r = rp->calls;
  const auto& mk = r.markers;
  Result out;

  // Graph launch names, once per distinct name.
  std::unordered_map<uint32_t, bool> graph_name;
  auto is_graph = [&](uint32_t name) {
    auto [it, added] = graph_name.try_emplace(name, false);
    if (added) it->second = core::ClassifyMarker(t->Name(name)) == MarkerKind::kGraphLaunch;
    return it->second;
  };
  // Threads by process: pid -> tid -> events.
  std::map<int64_t, std::unordered_map<int64_t, ThreadEvents>> procs;
  std::unordered_set<std::pair<int64_t, int64_t>, PairHash> launch_keys;
  for (size_t l = 0; l < r.size(); ++l) {
    bool g = is_graph(r.name[l]);
    procs[core::PidOf(r.global_tid[l])][r.global_tid[l]].launches.push_back(
        {r.start[l], r.end[l], static_cast<int32_t>(l), -1, g});
    if (g) launch_keys.insert({core::ProcessKey(r.global_tid[l]), r.correlation_id[l]});
  }
  std::unordered_map<std::pair<int64_t, int64_t>, int32_t, PairHash> exec_of;
  for (size_t x = 0; x < gt->rows.size(); ++x) {
    const GraphExecution& e = gt->rows[x];
    if (e.global_pid >= 0 && e.correlation_id >= 0)
      exec_of[{core::ProcessKey(e.global_pid), e.correlation_id}] = static_cast<int32_t>(x);
  }
  for (size_t m = 0; m < mk.size(); ++m) {
    auto kind = static_cast<MarkerKind>(mk.kind[m]);
    int64_t pid = core::PidOf(mk.global_tid[m]);
    if (kind == MarkerKind::kHostSync || kind == MarkerKind::kSyncCopy) {
      procs[pid][mk.global_tid[m]].syncs.push_back({mk.start[m], mk.end[m]});
    } else if (kind == MarkerKind::kGraphLaunch) {
      std::pair<int64_t, int64_t> key{core::ProcessKey(mk.global_tid[m]), mk.correlation_id[m]};
      if (launch_keys.count(key)) continue;  // a launch row already
      auto it = exec_of.find(key);
      procs[pid][mk.global_tid[m]].launches.push_back(
          {mk.start[m], mk.end[m], -1, it == exec_of.end() ? -1 : it->second, true});
    }
  }

  // Per kernel name: attention phase and base name, once.
  std::unordered_map<uint32_t, std::pair<core::AttentionPhase, std::string>> names;
  auto name_info = [&](uint32_t name) -> const std::pair<core::AttentionPhase, std::string>& {
    auto [it, added] = names.try_emplace(name);
    if (added) {
      std::string n = t->Name(name);
      it->second = {core::AttentionPhaseOf(n), core::KernelBaseName(n)};
    }
    return it->second;
  };
  auto device_idle = [&](int32_t dev) -> const DeviceIdle* {
    for (const DeviceIdle& d : idle->devices)
      if (d.device == dev) return &d;
    return nullptr;
  };

  std::vector<core::HostCall> calls;
  std::vector<uint8_t> graph_flags;
  for (auto& [pid, threads] : procs) {
    // The launch thread: the one with most launches (ties: lowest tid).
    const ThreadEvents* th = nullptr;
    int64_t best_tid = 0;
    for (auto& [tid, ev] : threads) {
      if (ev.launches.empty()) continue;
      if (!th || ev.launches.size() > th->launches.size() ||
          (ev.launches.size() == th->launches.size() && tid < best_tid)) {
        th = &ev;
        best_tid = tid;
      }
    }
    if (!th) continue;
    ThreadEvents& ev = threads[best_tid];
    std::sort(ev.launches.begin(), ev.launches.end(),
              [](const LaunchEvent& a, const LaunchEvent& b) { return a.start < b.start; });
    std::sort(ev.syncs.begin(), ev.syncs.end(),
              [](const core::HostCall& a, const core::HostCall& b) { return a.start < b.start; });
    calls.clear();
    graph_flags.clear();
    bool any_graph = false;
    for (const LaunchEvent& e : ev.launches) {
      calls.push_back({e.start, e.end});
      graph_flags.push_back(e.graph);
      any_graph |= e.graph;
    }
    std::vector<core::StepSpan> spans;
    const char* basis = "sync";
    if (!ev.syncs.empty()) {
      spans = core::SplitAtSyncs(calls, ev.syncs);
    } else if (any_graph) {
      spans = core::SplitAtGraphLaunches(calls, graph_flags);
      basis = "graph";
    } else {
      out.pids_without_steps.push_back(pid);
      continue;
    }
    auto lb = warmup->find(pid);
    int64_t index = 0;
    for (const core::StepSpan& sp : spans) {
      StepRow st;
      st.pid = pid;
      st.index = ++index;
      st.basis = basis;
      st.start = sp.start;
      st.launches = static_cast<int64_t>(sp.last - sp.first);
      int64_t gpu_end = INT64_MIN, last_launch_end = sp.start;
      std::map<int32_t, int64_t> dev_votes;
      uint32_t top_attn[3] = {0, 0, 0};
      for (size_t i = sp.first; i < sp.last; ++i) {
        const LaunchEvent& e = ev.launches[i];
        last_launch_end = std::max(last_launch_end, e.end);
        st.graph_launches += e.graph;
        if (e.row >= 0) {
          size_t l = size_t(e.row);
          for (uint32_t j = li->first[l]; j < li->first[l + 1]; ++j) {
            uint32_t kk = li->kernels[j];
            ++st.kernels;
            st.kernel_ns = core::SatAdd(st.kernel_ns, core::SatSub(k.end[kk], k.start[kk]));
            gpu_end = std::max(gpu_end, k.end[kk]);
            ++dev_votes[k.device_id[kk]];
            core::AttentionPhase ph = name_info(k.name[kk]).first;
            if (ph == core::AttentionPhase::kPrefill) ++st.prefill_attention;
            if (ph == core::AttentionPhase::kDecode) ++st.decode_attention;
            if (ph != core::AttentionPhase::kNone) top_attn[int(ph)] = k.name[kk];
          }
        } else if (e.exec >= 0) {
          const GraphExecution& x = gt->rows[size_t(e.exec)];
          gpu_end = std::max(gpu_end, x.end);
          ++dev_votes[x.device_id];
        }
      }
      st.end = sp.closed ? sp.end : std::max(sp.end, gpu_end);
      for (const auto& [dev, votes] : dev_votes)
        if (st.device < 0 || votes > dev_votes[st.device]) st.device = dev;
      if (const DeviceIdle* d = device_idle(st.device)) {
        const core::Interval* g = idle->gaps.data() + d->first_gap;
        st.idle_ns = core::IdleInside(g, d->gap_count, d->window_start, d->window_end,
                                      st.start, st.end);
        st.idle_launching_ns = core::IdleInside(g, d->gap_count, d->window_start,
                                                d->window_end, st.start, last_launch_end);
      } else {
        st.idle_ns = core::SatSub(st.end, st.start);
        st.idle_launching_ns = core::SatSub(last_launch_end, st.start);
      }
      // Phase from kernel evidence.
      const bool p = st.prefill_attention > 0;
      const bool dd = st.decode_attention > 0 || st.graph_launches > 0;
      st.phase = p && dd ? "mixed" : p ? "prefill" : dd ? "decode" : "unknown";
      std::string evd;
      auto add = [&](const std::string& x) { evd += (evd.empty() ? "" : "; ") + x; };
      if (p)
        add(std::to_string(st.prefill_attention) + " prefill-attention kernels (" +
            name_info(top_attn[int(core::AttentionPhase::kPrefill)]).second + ")");
      if (st.decode_attention > 0)
        add(std::to_string(st.decode_attention) + " decode-attention kernels (" +
            name_info(top_attn[int(core::AttentionPhase::kDecode)]).second + ")");
      if (st.graph_launches > 0)
        add("CUDA graph replay (" + std::to_string(st.graph_launches) + " graph launch" +
            (st.graph_launches > 1 ? "es" : "") + ")");
      if (evd.empty()) add("no attention kernel and no graph launch");
      st.evidence = std::move(evd);
      st.warmup = lb != warmup->end() && st.end <= lb->second;
      out.steps.push_back(std::move(st));
    }
  }
  return out;
}

namespace {

using S = StepRow;

}  // namespace

NSYSEXPLAIN_ANALYSIS(steps) {
  return {
      "steps",
      {MakeDataset<S>(
          "_nsys_steps",
          "Serving-loop steps per process, split at the launch thread's host syncs "
          "(or graph launches).",
          {
              {"pid", kInt, [](const S& x, Cell& c) { c.Int(x.pid); }, "OS process id"},
              {"device_id", kInt, [](const S& x, Cell& c) { c.IntOrNullIfNegative(x.device); },
               "device of most of the step's kernels (NULL: none)"},
              {"step", kInt, [](const S& x, Cell& c) { c.Int(x.index); },
               "step number within the process, from 1"},
              {"start_ns", kInt, [](const S& x, Cell& c) { c.Int(x.start); },
               "start of the step's first launch call"},
              {"end_ns", kInt, [](const S& x, Cell& c) { c.Int(x.end); },
               "end of the sync call that closed it (else of its last kernel)"},
              {"kernels", kInt, [](const S& x, Cell& c) { c.Int(x.kernels); },
               "kernels launched by the step's launch calls"},
              {"kernel_ns", kInt, [](const S& x, Cell& c) { c.Int(x.kernel_ns); },
               "their summed duration"},
              {"launches", kInt, [](const S& x, Cell& c) { c.Int(x.launches); },
               "launch calls (graph launches included)"},
              {"graph_launches", kInt, [](const S& x, Cell& c) { c.Int(x.graph_launches); },
               "CUDA graph launches"},
              {"idle_ns", kInt, [](const S& x, Cell& c) { c.Int(x.idle_ns); },
               "device idle inside the step"},
              {"idle_launching_ns", kInt,
               [](const S& x, Cell& c) { c.Int(x.idle_launching_ns); },
               "device idle while the step's launches were being issued"},
              {"prefill_attention", kInt,
               [](const S& x, Cell& c) { c.Int(x.prefill_attention); },
               "prefill-only attention kernels"},
              {"decode_attention", kInt,
               [](const S& x, Cell& c) { c.Int(x.decode_attention); },
               "decode-only attention kernels"},
              {"phase", kText, [](const S& x, Cell& c) { c.Text(x.phase); },
               "prefill, decode, mixed or unknown (kernel evidence)"},
              {"evidence", kText, [](const S& x, Cell& c) { c.Text(x.evidence); },
               "what the phase rests on"},
              {"basis", kText, [](const S& x, Cell& c) { c.Text(x.basis); },
               "how the step was cut: sync or graph"},
              {"warmup", kInt, [](const S& x, Cell& c) { c.Int(x.warmup); },
               "1: before the process's last graph capture/instantiation"},
          },
          [](Session& s) {
            auto r = s.Get<Steps>();
            return RowsOfResult(s, std::shared_ptr<const std::vector<S>>(r, &r->steps));
          })},
      [](Session& s, const PrepareOptions&) { s.Get<Steps>(); }};
}

}  // namespace nsysexplain
