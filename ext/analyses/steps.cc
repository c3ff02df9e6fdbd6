#include "analyses/steps.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "analyses/analysis.h"
#include "analyses/steps_internal.h"
#include "core/api_names.h"
#include "core/global_tid.h"
#include "core/kernel_name.h"
#include "core/saturating.h"
#include "core/steps.h"
#include "core/timing.h"

namespace nsysexplain {

using core::MarkerKind;

namespace steps_detail {

HostEvents CollectHostEvents(const core::RuntimeCalls& r, const GraphTrace::Result& gt,
                             const Trace& t) {
  HostEvents h;
  const auto& mk = r.markers;
  // Graph launch names, once per distinct name (ids are dense: a flat
  // table, -1 = not classified yet).
  std::vector<int8_t> graph_name;
  auto is_graph = [&](uint32_t name) {
    if (name >= graph_name.size()) graph_name.resize(size_t(name) + 1, -1);
    if (graph_name[name] < 0)
      graph_name[name] = core::ClassifyMarker(t.Name(name)) == MarkerKind::kGraphLaunch;
    return graph_name[name] == 1;
  };
  std::unordered_set<std::pair<int64_t, int64_t>, PairHash> launch_keys;
  // Consecutive rows mostly come from one thread: look its list up once.
  int64_t cur_tid = 0;
  std::vector<LaunchEvent>* cur = nullptr;
  for (size_t l = 0; l < r.size(); ++l) {
    bool g = is_graph(r.name[l]);
    if (!cur || r.global_tid[l] != cur_tid) {
      cur_tid = r.global_tid[l];
      cur = &h.procs[core::PidOf(cur_tid)][cur_tid].launches;
    }
    cur->push_back({r.start[l], r.end[l], static_cast<int32_t>(l), -1, g});
    if (g) launch_keys.insert({core::ProcessKey(r.global_tid[l]), r.correlation_id[l]});
  }
  std::unordered_map<std::pair<int64_t, int64_t>, int32_t, PairHash> exec_of;
  for (size_t x = 0; x < gt.rows.size(); ++x) {
    const GraphExecution& e = gt.rows[x];
    if (e.global_pid >= 0 && e.correlation_id >= 0)
      exec_of[{core::ProcessKey(e.global_pid), e.correlation_id}] = static_cast<int32_t>(x);
  }
  for (size_t m = 0; m < mk.size(); ++m) {
    auto kind = static_cast<MarkerKind>(mk.kind[m]);
    int64_t pid = core::PidOf(mk.global_tid[m]);
    if (kind == MarkerKind::kHostSync || kind == MarkerKind::kSyncCopy) {
      h.procs[pid][mk.global_tid[m]].syncs.push_back({mk.start[m], mk.end[m]});
    } else if (kind == MarkerKind::kGraphLaunch) {
      std::pair<int64_t, int64_t> key{core::ProcessKey(mk.global_tid[m]), mk.correlation_id[m]};
      if (launch_keys.count(key)) continue;  // a launch row already
      auto it = exec_of.find(key);
      h.procs[pid][mk.global_tid[m]].launches.push_back(
          {mk.start[m], mk.end[m], -1, it == exec_of.end() ? -1 : it->second, true});
    }
  }
  for (auto& [pid, threads] : h.procs)
    for (auto& [tid, ev] : threads) {
      std::sort(ev.launches.begin(), ev.launches.end(), EarlierStart);
      std::sort(ev.syncs.begin(), ev.syncs.end(),
                [](const core::HostCall& a, const core::HostCall& b) { return a.start < b.start; });
    }
  return h;
}

void StepFiller::Fill(StepRow& st, const LaunchEvent* b, const LaunchEvent* e, int64_t close_end,
                      bool closed, std::vector<uint32_t>& rows) {
  st.launches = e - b;
  int64_t gpu_end = INT64_MIN, last_launch_end = st.start;
  std::map<int32_t, int64_t> dev_votes;
  uint32_t top_attn[3] = {0, 0, 0};
  for (const LaunchEvent* ev = b; ev != e; ++ev) {
    last_launch_end = std::max(last_launch_end, ev->end);
    st.graph_launches += ev->graph;
    if (ev->row >= 0) {
      size_t l = size_t(ev->row);
      rows.push_back(uint32_t(l));
      for (uint32_t j = li_.first[l]; j < li_.first[l + 1]; ++j) {
        uint32_t kk = li_.kernels[j];
        ++st.kernels;
        st.kernel_ns = core::SatAdd(st.kernel_ns, core::SatSub(k_.end[kk], k_.start[kk]));
        gpu_end = std::max(gpu_end, k_.end[kk]);
        ++dev_votes[k_.device_id[kk]];
        core::AttentionPhase ph = NameInfo(k_.name[kk]).first;
        if (ph == core::AttentionPhase::kPrefill) ++st.prefill_attention;
        if (ph == core::AttentionPhase::kDecode) ++st.decode_attention;
        if (ph != core::AttentionPhase::kNone) top_attn[int(ph)] = k_.name[kk];
      }
    } else if (ev->exec >= 0) {
      const GraphExecution& x = gt_.rows[size_t(ev->exec)];
      gpu_end = std::max(gpu_end, x.end);
      ++dev_votes[x.device_id];
    }
  }
  st.end = closed ? close_end : std::max(close_end, gpu_end);
  for (const auto& [dev, votes] : dev_votes)
    if (st.device < 0 || votes > dev_votes[st.device]) st.device = dev;
  if (const DeviceIdle* d = DeviceOf(st.device)) {
    const core::Interval* g = idle_.gaps.data() + d->first_gap;
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
        NameInfo(top_attn[int(core::AttentionPhase::kPrefill)]).second + ")");
  if (st.decode_attention > 0)
    add(std::to_string(st.decode_attention) + " decode-attention kernels (" +
        NameInfo(top_attn[int(core::AttentionPhase::kDecode)]).second + ")");
  if (st.graph_launches > 0)
    add("CUDA graph replay (" + std::to_string(st.graph_launches) + " graph launch" +
        (st.graph_launches > 1 ? "es" : "") + ")");
  if (evd.empty()) add("no attention kernel and no graph launch");
  st.evidence = std::move(evd);
}

const std::pair<core::AttentionPhase, std::string>& StepFiller::NameInfo(uint32_t name) {
  auto [it, added] = names_.try_emplace(name);
  if (added) {
    std::string n = t_.Name(name);
    it->second = {core::AttentionPhaseOf(n), core::KernelBaseName(n)};
  }
  return it->second;
}

const DeviceIdle* StepFiller::DeviceOf(int32_t dev) const {
  for (const DeviceIdle& d : idle_.devices)
    if (d.device == dev) return &d;
  return nullptr;
}

}  // namespace steps_detail

using namespace steps_detail;

WarmupEnds::Result WarmupEnds::Compute(Session& s, const Scope& scope) {
  // The whole trace's graph builds: start-up is a fact of the trace, not of
  // a time window (a window after it holds no build, yet is not warm-up).
  auto rp = s.runtime(scope.Whole());
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
  Result out;
  HostEvents h = CollectHostEvents(rp->calls, *gt, *t);
  StepFiller fill(*kp, *li, *gt, *idle, *t);

  std::vector<core::HostCall> calls;
  std::vector<uint8_t> graph_flags;
  for (auto& [pid, threads] : h.procs) {
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
    const ThreadEvents& ev = *th;
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
    int64_t index = 0;
    for (const core::StepSpan& sp : spans) {
      StepRow st;
      st.pid = pid;
      st.tid = best_tid;
      st.index = ++index;
      st.basis = basis;
      st.start = sp.start;
      out.launch_first.push_back(uint32_t(out.launch_rows.size()));
      fill.Fill(st, ev.launches.data() + sp.first, ev.launches.data() + sp.last, sp.end,
                sp.closed, out.launch_rows);
      st.kernel_phase = st.phase;
      st.warmup = Warmup(*warmup, pid, st.end);
      out.steps.push_back(std::move(st));
    }
  }
  out.launch_first.push_back(uint32_t(out.launch_rows.size()));
  return out;
}

namespace {

using S = StepRow;
using A = StepAgreement;

// The step table's inputs from the connection's current phase map, category
// rules and llm_settings.nvtx_step_ranges, and their cache key.
StepInputs ReadStepInputs(Session& s, std::string& key) {
  StepInputs in;
  in.map = ReadPhaseMap(s, &key);
  key += "|";
  in.rules = ReadCategoryRules(s.db(), &key);
  // llm_settings.nvtx_step_ranges: comma-separated name substrings.
  Stmt st(s.db(), "SELECT lower(CAST(value AS TEXT)) FROM temp.llm_settings "
                  "WHERE key = 'nvtx_step_ranges'");
  std::string list = st.Step() && !st.IsNull(0) ? st.Text(0) : "";
  key += "|" + list;
  for (size_t b = 0; b <= list.size();) {
    size_t e = std::min(list.find(',', b), list.size());
    std::string pat = list.substr(b, e - b);
    pat.erase(0, pat.find_first_not_of(' '));
    pat.erase(pat.find_last_not_of(' ') + 1);
    if (!pat.empty()) in.step_patterns.push_back(pat);
    b = e + 1;
  }
  return in;
}

// The step table for the connection's current settings.
std::shared_ptr<const StepTable::Result> CurrentStepTable(Session& s) {
  std::string key;
  StepInputs in = ReadStepInputs(s, key);
  return s.Get<StepTable>(s.window(), in, key);
}

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
              {"attention_ns", kInt, [](const S& x, Cell& c) { c.Int(x.attention_ns); },
               "summed time of its kernels of category attention"},
              {"phase", kText, [](const S& x, Cell& c) { c.Text(x.phase); },
               "prefill, decode, mixed or unknown (NVTX phase map, else kernel evidence)"},
              {"evidence", kText, [](const S& x, Cell& c) { c.Text(x.evidence); },
               "what the phase rests on"},
              {"basis", kText, [](const S& x, Cell& c) { c.Text(x.basis); },
               "how the step was cut: sync, graph or nvtx"},
              {"warmup", kInt, [](const S& x, Cell& c) { c.Int(x.warmup); },
               "1: before the process's last graph capture/instantiation"},
          },
          [](Session& s) {
            auto r = CurrentStepTable(s);
            return RowsOfResult(s, std::shared_ptr<const std::vector<S>>(r, &r->steps));
          }),
       MakeDataset<A>(
          "_nsys_step_agreement",
          "Per process with NVTX step ranges and host-event steps: how well the two agree.",
          {
              {"pid", kInt, [](const A& x, Cell& c) { c.Int(x.pid); }, "OS process id"},
              {"nvtx_steps", kInt, [](const A& x, Cell& c) { c.Int(x.nvtx_steps); },
               "steps from NVTX ranges"},
              {"host_steps", kInt, [](const A& x, Cell& c) { c.Int(x.host_steps); },
               "steps cut from host events"},
              {"host_basis", kText, [](const A& x, Cell& c) { c.Text(x.host_basis); },
               "how those were cut: sync or graph"},
              {"matched", kInt, [](const A& x, Cell& c) { c.Int(x.matched); },
               "NVTX steps holding the midpoint of exactly one host-event step"},
              {"phase_known", kInt, [](const A& x, Cell& c) { c.Int(x.phase_known); },
               "matched NVTX steps whose phase the map gives"},
              {"phase_matched", kInt, [](const A& x, Cell& c) { c.Int(x.phase_matched); },
               "... whose kernel-evidence phase is the same"},
          },
          [](Session& s) {
            auto r = CurrentStepTable(s);
            return RowsOfResult(s, std::shared_ptr<const std::vector<A>>(r, &r->agreement));
          })},
      [](Session& s, const PrepareOptions&) { s.Get<Steps>(); },
      [](Session& s) -> std::function<void()> {
        std::string key;
        StepInputs in = ReadStepInputs(s, key);
        return [&s, in = std::move(in), key = std::move(key)] {
          s.Get<StepTable>(s.window(), in, key);
        };
      }};
}

}  // namespace nsysexplain
