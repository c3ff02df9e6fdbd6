#include "analyses/api_calls.h"

#include "analyses/analysis.h"
#include "core/api_names.h"
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

NSYSEXPLAIN_ANALYSIS(api_calls) {
  using A = ApiGroup;
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
              [](Session& s) { return RowsOfResult(s, s.Get<ApiCalls>()); })},
      [](Session& s, const PrepareOptions&) { s.Get<ApiCalls>(); }};
}

}  // namespace nsysexplain
