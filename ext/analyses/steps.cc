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
bool EarlierStart(const LaunchEvent& a, const LaunchEvent& b) { return a.start < b.start; }

struct ThreadEvents {
  std::vector<LaunchEvent> launches;
  std::vector<core::HostCall> syncs;
};

// The host events of every thread, by process: launch rows, graph launches
// without a launch row, host-blocking syncs.
struct HostEvents {
  std::map<int64_t, std::unordered_map<int64_t, ThreadEvents>> procs;  // pid -> tid -> events
};

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

// Fills a step's metrics from its launch events: kernels, GPU busy/idle on
// its device, phase from kernel evidence.
class StepFiller {
 public:
  StepFiller(const core::Kernels& k, const LaunchIndex::Result& li, const GraphTrace::Result& gt,
             const GpuIdle::Result& idle, const Trace& t)
      : k_(k), li_(li), gt_(gt), idle_(idle), t_(t) {}

  // `st.start` is set; `close_end` is the end of the call that closed the
  // step (closed) or of its last launch call. Appends the launch rows to
  // `rows`.
  void Fill(StepRow& st, const LaunchEvent* b, const LaunchEvent* e, int64_t close_end,
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

 private:
  // Per kernel name: attention phase and base name, once.
  const std::pair<core::AttentionPhase, std::string>& NameInfo(uint32_t name) {
    auto [it, added] = names_.try_emplace(name);
    if (added) {
      std::string n = t_.Name(name);
      it->second = {core::AttentionPhaseOf(n), core::KernelBaseName(n)};
    }
    return it->second;
  }
  const DeviceIdle* DeviceOf(int32_t dev) const {
    for (const DeviceIdle& d : idle_.devices)
      if (d.device == dev) return &d;
    return nullptr;
  }

  const core::Kernels& k_;
  const LaunchIndex::Result& li_;
  const GraphTrace::Result& gt_;
  const GpuIdle::Result& idle_;
  const Trace& t_;
  std::unordered_map<uint32_t, std::pair<core::AttentionPhase, std::string>> names_;
};

// A step that ends before its process's last graph build is start-up.
bool Warmup(const WarmupEnds::Result& w, int64_t pid, int64_t end) {
  auto lb = w.find(pid);
  return lb != w.end() && end <= lb->second;
}

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

// A range of the NVTX table, by scope: its thread, or its process for a
// start/end range that ended on another thread.
struct ScopedRange {
  int64_t start, end;
  uint32_t name;
  int tag;          // step ranges: unused; phase ranges: llm_phase_map row
  int64_t max_end;  // phase ranges: the largest end up to this one (by start)
};
using ScopeKey = std::pair<bool, int64_t>;  // (process scope, key)
using RangesByScope = std::map<ScopeKey, std::vector<ScopedRange>>;

// The NVTX ranges of the trace that mark steps (name contains one of
// `step_patterns`; outermost of each scope: nested and overlapping ones are
// dropped for the earlier range) and that give phases (llm_phase_map phase
// prefill, decode or mixed), by process, each list by start.
struct NvtxStepInputs {
  std::map<int64_t, RangesByScope> steps, phases;
};

bool IsPhase(const std::string& ph) { return ph == "prefill" || ph == "decode" || ph == "mixed"; }

NvtxStepInputs NvtxStepRanges(const core::NvtxRanges& n, const Trace& t, const PhaseMap& map,
                              const std::vector<std::string>& step_patterns) {
  NvtxStepInputs out;
  // Per label: is it a step range, and its phase-map row (or -1).
  std::vector<std::pair<bool, int>> label(n.labels.size(), {false, -1});
  std::unordered_map<uint32_t, std::pair<bool, int>> by_name;
  bool any = false;
  for (size_t l = 0; l < n.labels.size(); ++l) {
    auto [it, added] = by_name.try_emplace(n.labels[l].name, std::pair<bool, int>{false, -1});
    if (added) {
      std::string lower = core::AsciiLower(t.Name(n.labels[l].name));
      for (const std::string& pat : step_patterns)
        it->second.first |= lower.find(pat) != std::string::npos;
      int m = MatchPhaseMap(map, lower);
      if (m >= 0 && IsPhase(map[size_t(m)].first)) it->second.second = m;
    }
    label[l] = it->second;
    any |= it->second.first || it->second.second >= 0;
  }
  if (!any) return out;
  for (size_t i = 0; i < n.size(); ++i) {
    auto [step, phase] = label[n.label[i]];
    if ((!step && phase < 0) || n.Open(i) || n.end[i] <= n.start[i]) continue;
    const auto& sc = n.scopes[n.scope[i]];
    int64_t pid = core::PidOf(n.ProcessKeyOf(i));
    ScopeKey key{sc.process, sc.key};
    if (step) out.steps[pid][key].push_back({n.start[i], n.end[i], n.Name(i), -1, 0});
    if (phase >= 0) out.phases[pid][key].push_back({n.start[i], n.end[i], n.Name(i), phase, 0});
  }
  auto by_start = [](const ScopedRange& a, const ScopedRange& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  };
  for (auto& [pid, scopes] : out.steps)
    for (auto& [key, v] : scopes) {
      std::sort(v.begin(), v.end(), by_start);
      size_t w = 0;
      for (size_t i = 0; i < v.size(); ++i)
        if (w == 0 || v[i].start >= v[w - 1].end) v[w++] = v[i];
      v.resize(w);
    }
  for (auto& [pid, scopes] : out.phases)
    for (auto& [key, v] : scopes) {
      std::sort(v.begin(), v.end(), by_start);
      for (size_t i = 0; i < v.size(); ++i)
        v[i].max_end = i == 0 ? v[i].end : std::max(v[i - 1].max_end, v[i].end);
    }
  return out;
}

// Sets the step's phase from the phase ranges of its scope that overlap it
// (prefill and decode together: mixed), keeping the kernel evidence.
void ApplyNvtxPhase(StepRow& st, const std::vector<ScopedRange>* ranges, const PhaseMap& map,
                    const Trace& t) {
  if (!ranges) return;
  bool p = false, d = false;
  const ScopedRange* first = nullptr;
  // The first range that can reach past the step's start, then every one
  // that starts before its end.
  auto it = std::upper_bound(ranges->begin(), ranges->end(), st.start,
                             [](int64_t x, const ScopedRange& r) { return x < r.max_end; });
  for (; it != ranges->end(); ++it) {
    const ScopedRange& r = *it;
    if (r.start >= st.end) break;
    if (r.end <= st.start) continue;
    const std::string& ph = map[size_t(r.tag)].first;
    p |= ph == "prefill" || ph == "mixed";
    d |= ph == "decode" || ph == "mixed";
    if (!first) first = &r;
  }
  if (!first) return;
  st.nvtx_phase = true;
  st.phase = p && d ? "mixed" : p ? "prefill" : "decode";
  st.evidence = "NVTX range \"" + t.Name(first->name) + "\" (llm_phase_map: " +
                map[size_t(first->tag)].first + "); kernels: " + st.evidence;
}

const std::vector<ScopedRange>* ScopeRanges(const std::map<int64_t, RangesByScope>& m,
                                            int64_t pid, const ScopeKey& key) {
  auto p = m.find(pid);
  if (p == m.end()) return nullptr;
  auto s = p->second.find(key);
  return s == p->second.end() ? nullptr : &s->second;
}

bool Overlaps(const StepRow& a, const StepRow& b) { return a.start < b.end && b.start < a.end; }

}  // namespace

StepTable::Result StepTable::Compute(Session& s, const Scope& scope, const StepInputs& in) {
  auto host = s.Get<Steps>(scope);
  auto kp = s.kernels(scope);
  auto li = s.Get<LaunchIndex>(scope);
  std::shared_ptr<Trace> t = s.trace(scope);
  auto cats = s.Get<KernelNameCategories>(scope, in.rules, RulesKey(in.rules));
  core::ScopedTimer tm("step table");
  Result out;
  const core::Kernels& k = *kp;

  NvtxStepInputs nv;
  if (!t->schema.nvtx_table.empty() && (!in.map.empty() || !in.step_patterns.empty()))
    nv = NvtxStepRanges(*s.nvtx(scope), *t, in.map, in.step_patterns);

  // Attention kernel time of a step's launch rows.
  std::vector<uint8_t> attention_name;  // by names[] index
  for (const NameCategory& nc : cats->names)
    attention_name.push_back(cats->categories[nc.category] == "attention");
  std::unordered_map<uint32_t, bool> is_attention;
  auto attention_ns = [&](const uint32_t* b, const uint32_t* e) {
    int64_t ns = 0;
    for (const uint32_t* r = b; r != e; ++r)
      for (uint32_t j = li->first[*r]; j < li->first[*r + 1]; ++j) {
        uint32_t kk = li->kernels[j];
        auto [it, added] = is_attention.try_emplace(k.name[kk], false);
        if (added) {
          auto ix = cats->index.find(k.name[kk]);
          it->second = ix != cats->index.end() && attention_name[ix->second];
        }
        if (it->second) ns = core::SatAdd(ns, core::SatSub(k.end[kk], k.start[kk]));
      }
    return ns;
  };

  // Host-event steps, with their NVTX phase and attention time.
  const std::vector<StepRow>& hs = host->steps;
  std::vector<StepRow> host_rows(hs);
  for (size_t i = 0; i < hs.size(); ++i) {
    StepRow& st = host_rows[i];
    st.attention_ns = attention_ns(host->launch_rows.data() + host->launch_first[i],
                                   host->launch_rows.data() + host->launch_first[i + 1]);
    ApplyNvtxPhase(st, ScopeRanges(nv.phases, st.pid, {false, st.tid}), in.map, *t);
  }

  // NVTX steps: the launch events of each range's thread (or, for a range
  // that ended on another thread, of its process) that start inside it;
  // ranges that launch nothing are not steps.
  std::map<int64_t, std::vector<StepRow>> nvtx_rows;
  if (!nv.steps.empty()) {
    auto rp = s.runtime(scope);
    auto gt = s.Get<GraphTrace>(scope);
    auto idle = s.Get<GpuIdle>(scope);
    auto warmup = s.Get<WarmupEnds>(scope);
    HostEvents h = CollectHostEvents(rp->calls, *gt, *t);
    StepFiller fill(k, *li, *gt, *idle, *t);
    std::vector<uint32_t> rows;
    std::vector<LaunchEvent> merged;
    for (auto& [pid, scopes] : nv.steps) {
      auto proc = h.procs.find(pid);
      if (proc == h.procs.end()) continue;
      for (auto& [key, v] : scopes) {
        const std::vector<LaunchEvent>* events = nullptr;
        if (!key.first) {
          auto th = proc->second.find(key.second);
          if (th != proc->second.end()) events = &th->second.launches;
        } else {
          merged.clear();
          for (auto& [tid, ev] : proc->second)
            merged.insert(merged.end(), ev.launches.begin(), ev.launches.end());
          std::sort(merged.begin(), merged.end(), EarlierStart);
          events = &merged;
        }
        if (!events) continue;
        for (const ScopedRange& r : v) {
          LaunchEvent lo{r.start, 0, 0, 0, false}, hi{r.end, 0, 0, 0, false};
          size_t b = size_t(std::lower_bound(events->begin(), events->end(), lo, EarlierStart) -
                            events->begin());
          size_t e = size_t(std::lower_bound(events->begin(), events->end(), hi, EarlierStart) -
                            events->begin());
          if (b == e) continue;
          StepRow st;
          st.pid = pid;
          st.tid = key.second;
          st.basis = "nvtx";
          st.start = r.start;
          rows.clear();
          fill.Fill(st, events->data() + b, events->data() + e, r.end, true, rows);
          st.attention_ns = attention_ns(rows.data(), rows.data() + rows.size());
          st.kernel_phase = st.phase;
          ApplyNvtxPhase(st, ScopeRanges(nv.phases, pid, key), in.map, *t);
          st.evidence = "NVTX step range \"" + t->Name(r.name) + "\"; " + st.evidence;
          st.warmup = Warmup(*warmup, pid, st.end);
          nvtx_rows[pid].push_back(std::move(st));
        }
      }
    }
  }

  // Per process: its NVTX steps and the host-event steps outside them; the
  // agreement of the two where they overlap.
  size_t i = 0;
  auto by_start = [](const StepRow& a, const StepRow& b) { return a.start < b.start; };
  while (i < host_rows.size() || !nvtx_rows.empty()) {
    int64_t pid = i < host_rows.size() ? host_rows[i].pid : nvtx_rows.begin()->first;
    if (!nvtx_rows.empty() && nvtx_rows.begin()->first < pid) pid = nvtx_rows.begin()->first;
    std::vector<StepRow> steps;
    std::vector<StepRow> hp;
    for (; i < host_rows.size() && host_rows[i].pid == pid; ++i) hp.push_back(host_rows[i]);
    auto nit = nvtx_rows.find(pid);
    if (nit == nvtx_rows.end()) {
      steps = std::move(hp);
    } else {
      std::vector<StepRow>& ns = nit->second;
      std::sort(ns.begin(), ns.end(), by_start);
      StepAgreement ag;
      ag.pid = pid;
      ag.nvtx_steps = int64_t(ns.size());
      std::vector<core::Interval> a, b;
      std::vector<const StepRow*> hrow;
      for (const StepRow& st : ns) a.push_back({st.start, st.end});
      size_t j = 0;  // first NVTX step that may overlap (both by start)
      for (StepRow& st : hp) {
        while (j < ns.size() && ns[j].end <= st.start) ++j;
        bool covered = false;
        for (size_t q = j; q < ns.size() && ns[q].start < st.end && !covered; ++q)
          covered = Overlaps(ns[q], st);
        if (!covered) {
          steps.push_back(st);
          continue;
        }
        b.push_back({st.start, st.end});
        hrow.push_back(&st);
        ag.host_basis = st.basis;
      }
      ag.host_steps = int64_t(b.size());
      std::vector<int64_t> m = core::MatchSteps(a, b);
      for (size_t q = 0; q < m.size(); ++q) {
        if (m[q] < 0) continue;
        ++ag.matched;
        if (!ns[q].nvtx_phase) continue;
        ++ag.phase_known;
        ag.phase_matched += std::string(ns[q].phase) == hrow[size_t(m[q])]->kernel_phase;
      }
      if (ag.host_steps > 0) out.agreement.push_back(ag);
      steps.insert(steps.end(), std::make_move_iterator(ns.begin()),
                   std::make_move_iterator(ns.end()));
      std::stable_sort(steps.begin(), steps.end(), by_start);
      for (size_t q = 0; q < steps.size(); ++q) steps[q].index = int64_t(q) + 1;
      nvtx_rows.erase(nit);
    }
    out.steps.insert(out.steps.end(), std::make_move_iterator(steps.begin()),
                     std::make_move_iterator(steps.end()));
  }
  return out;
}

namespace {

using S = StepRow;
using A = StepAgreement;

// The step table for the connection's current phase map and category rules.
std::shared_ptr<const StepTable::Result> CurrentStepTable(Session& s) {
  std::string key;
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
  return s.Get<StepTable>(Scope{}, in, key);
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
      [](Session& s, const PrepareOptions&) { s.Get<Steps>(); }};
}

}  // namespace nsysexplain
