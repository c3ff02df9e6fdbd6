#include "analyses/api_calls.h"

#include <map>

#include "analyses/analysis.h"
#include "analyses/steps.h"
#include "core/api_names.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {

ApiCalls::Result ApiCalls::Compute(Session& s, const Scope& scope) {
  auto r = s.runtime(scope);
  std::shared_ptr<Trace> t = s.trace(scope);
  core::ScopedTimer tm("api_groups");
  Result out;
  out.reserve(r->calls.groups.size());
  for (const auto& g : r->calls.groups) {
    std::string nm = t->Name(g.name);
    uint32_t base = t->Intern(core::ApiBaseName(nm));
    out.push_back({g.pid, g.name, base, core::ApiKindName(core::ClassifyApi(nm)), g.stats});
  }
  return out;
}

AllocChurn::Result AllocChurn::Compute(Session& s, const Scope& scope) {
  auto rp = s.runtime(scope);
  auto warm = s.Get<WarmupEnds>(scope);
  const auto& mk = rp->calls.markers;
  std::map<int64_t, AllocChurnRow> rows;
  std::map<std::pair<int64_t, uint32_t>, int64_t> name_calls;  // steady calls per (pid, name)
  std::map<int64_t, int64_t> first_steady;
  for (size_t i = 0; i < mk.size(); ++i) {
    if (static_cast<core::MarkerKind>(mk.kind[i]) != core::MarkerKind::kAlloc) continue;
    int64_t pid = core::PidOf(mk.global_tid[i]);
    auto [it, added] = rows.try_emplace(pid);
    AllocChurnRow& r = it->second;
    if (added) {
      r.pid = pid;
      auto w = warm->find(pid);
      r.warmup_known = w != warm->end();
      r.steady_from = r.warmup_known ? w->second : 0;
    }
    int64_t d = core::SatSub(mk.end[i], mk.start[i]);
    ++r.calls;
    r.ns = core::SatAdd(r.ns, d);
    if (r.warmup_known && mk.start[i] < r.steady_from) continue;
    ++r.steady_calls;
    r.steady_ns = core::SatAdd(r.steady_ns, d);
    int64_t from = r.warmup_known ? r.steady_from : mk.start[i];
    auto [f, fadded] = first_steady.try_emplace(pid, from);
    if (!fadded) f->second = std::min(f->second, from);
    r.steady_window_ns = std::max(r.steady_window_ns, core::SatSub(mk.end[i], f->second));
    ++name_calls[{pid, mk.name[i]}];
  }
  for (const auto& [key, n] : name_calls) {
    AllocChurnRow& r = rows[key.first];
    if (n > r.top_calls) {
      r.top_calls = n;
      r.top_name = key.second;
    }
  }
  Result out;
  for (auto& [pid, r] : rows) out.push_back(r);
  return out;
}

NSYSEXPLAIN_ANALYSIS(api_calls) {
  using A = ApiGroup;
  using B = core::RuntimeCalls::BaseGroup;
  using C = AllocChurnRow;
  return {"api_calls",
          {MakeDataset<A>(
              "_nsys_api_calls", "CUDA runtime/driver calls (eventClass 0/1) by (PID, name).",
              Concat<A>(
                  {
                      {"pid", kInt, [](const A& g, Cell& c) { c.Int(g.pid); },
                       "process (from globalTid)"},
                      {"api_name", kText, [](const A& g, Cell& c) { c.Name(g.name); },
                       "API name as exported"},
                      {"base_name", kText, [](const A& g, Cell& c) { c.Name(g.base_name); },
                       "name without version suffix (_v2, _ptsz, ...)"},
                      {"kind", kText, [](const A& g, Cell& c) { c.Text(g.kind); },
                       "host_sync, sync_copy, device_wait, poll, launch, ... (nsys_api_kind)"},
                  },
                  StatsColumns<A, &A::stats>()),
              [](Session& s) { return RowsOfResult(s, s.Get<ApiCalls>()); }),
           MakeDataset<B>(
               "_nsys_cuda_api",
               "CUDA runtime/driver calls by (base name, eventClass) over all processes.",
               Concat<B>(
                   {
                       {"base_name", kText, [](const B& g, Cell& c) { c.Name(g.base); },
                        "API name without version suffix (_v3020, _ptsz, ...)"},
                       {"api", kText,
                        [](const B& g, Cell& c) { c.Text(g.event_class == 1 ? "driver" : "runtime"); },
                        "runtime (eventClass 0 or NULL) or driver (eventClass 1)"},
                       {"pids", kInt, [](const B& g, Cell& c) { c.Int(g.pids); },
                        "processes that made the call"},
                   },
                   StatsColumns<B, &B::stats>()),
               [](Session& s) {
                 auto r = s.runtime();
                 return RowsOfResult(
                     s, std::shared_ptr<const std::vector<B>>(r, &r->calls.base_groups));
               }),
           MakeDataset<C>(
               "_nsys_alloc_churn", "Allocation/free calls per process, in the steady state.",
               {
                   {"pid", kInt, [](const C& r, Cell& c) { c.Int(r.pid); }, "process"},
                   {"warmup_known", kInt, [](const C& r, Cell& c) { c.Int(r.warmup_known); },
                    "1 when the process has a graph build call (warm-up end known)"},
                   {"steady_from_ns", kInt,
                    [](const C& r, Cell& c) { r.warmup_known ? c.Int(r.steady_from) : c.Null(); },
                    "end of warm-up; NULL when not known"},
                   {"calls", kInt, [](const C& r, Cell& c) { c.Int(r.calls); },
                    "alloc/free calls in the whole trace"},
                   {"total_ns", kInt, [](const C& r, Cell& c) { c.Int(r.ns); }, "their host time"},
                   {"steady_calls", kInt, [](const C& r, Cell& c) { c.Int(r.steady_calls); },
                    "alloc/free calls in the steady state"},
                   {"steady_ns", kInt, [](const C& r, Cell& c) { c.Int(r.steady_ns); },
                    "their host time"},
                   {"steady_window_ns", kInt,
                    [](const C& r, Cell& c) { c.Int(r.steady_window_ns); },
                    "steady state start (or first such call) to the last such call's end"},
                   {"top_api_name", kText,
                    [](const C& r, Cell& c) { r.top_calls ? c.Name(r.top_name) : c.Null(); },
                    "steady-state alloc call with most calls"},
                   {"top_calls", kInt, [](const C& r, Cell& c) { c.Int(r.top_calls); },
                    "its calls"},
               },
               [](Session& s) { return RowsOfResult(s, s.Get<AllocChurn>()); })},
      [](Session& s, const PrepareOptions&) {
        s.Get<ApiCalls>();
        s.Get<AllocChurn>();
      }};
}

}  // namespace nsysexplain
