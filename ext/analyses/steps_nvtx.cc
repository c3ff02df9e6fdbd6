// The steps analysis, NVTX side: step ranges named by
// llm_settings.nvtx_step_ranges, phases from llm_phase_map ranges, and the
// StepTable that merges them with the host-event steps of steps.cc.
#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analyses/steps.h"
#include "analyses/steps_internal.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/steps.h"
#include "core/timing.h"

namespace nsysexplain {

using namespace steps_detail;

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

}  // namespace nsysexplain
