#include "analyses/nvtx_ranges.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "analyses/analysis.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {

NvtxRangeGroups::Result NvtxRangeGroups::Compute(Session& s, const Scope& scope) {
  auto np = s.nvtx(scope);
  const core::NvtxRanges& n = *np;
  core::ScopedTimer tm("nvtx_groups");
  // Labels -> groups of (pid, domain name, name, style).
  std::map<std::tuple<int64_t, uint32_t, uint32_t, bool>, uint32_t> ids;
  std::vector<uint32_t> group_of_label(n.labels.size());
  Result out;
  for (size_t l = 0; l < n.labels.size(); ++l) {
    const auto& L = n.labels[l];
    int64_t pid = core::PidOf(L.process_key);
    bool pushpop = L.event_type == 59 || L.event_type == 70;
    auto [it, added] = ids.try_emplace({pid, L.domain, L.name, pushpop},
                                       static_cast<uint32_t>(out.size()));
    if (added) {
      NvtxGroup g;
      g.pid = pid;
      g.domain = L.domain;
      g.name = L.name;
      g.style = pushpop ? "push_pop" : "start_end";
      g.min = INT64_MAX;
      g.max = INT64_MIN;
      out.push_back(g);
    }
    group_of_label[l] = it->second;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    NvtxGroup& g = out[group_of_label[n.label[i]]];
    if (n.Open(i)) {
      ++g.open_count;
      continue;
    }
    int64_t d = n.end[i] - n.start[i];
    ++g.count;
    g.total = core::SatAdd(g.total, d);
    g.min = std::min(g.min, d);
    g.max = std::max(g.max, d);
  }
  for (auto& g : out)
    if (g.count == 0) g.min = g.max = 0;
  return out;
}

NSYSEXPLAIN_ANALYSIS(nvtx_ranges) {
  using G = NvtxGroup;
  return {"nvtx_ranges",
          {MakeDataset<G>(
              "_nsys_nvtx_ranges", "NVTX ranges by (PID, domain, name, style).",
              {
                  {"pid", kInt, [](const G& g, Cell& c) { c.Int(g.pid); },
                   "process (from globalTid)"},
                  {"domain", kText, [](const G& g, Cell& c) { c.Name(g.domain); },
                   "domain name ('' = default, '<domain N>' = undeclared)"},
                  {"range_name", kText, [](const G& g, Cell& c) { c.Name(g.name); },
                   "coalesce(StringIds[textId], text)"},
                  {"style", kText, [](const G& g, Cell& c) { c.Text(g.style); },
                   "push_pop (59/70) or start_end (60/71)"},
                  {"count", kInt, [](const G& g, Cell& c) { c.Int(g.count); },
                   "ranges with an end"},
                  {"open_count", kInt, [](const G& g, Cell& c) { c.Int(g.open_count); },
                   "ranges without an end"},
                  {"total_ns", kInt, [](const G& g, Cell& c) { c.Int(g.total); },
                   "summed duration of closed ranges"},
                  {"min_ns", kInt, [](const G& g, Cell& c) { c.Int(g.min); }, "shortest"},
                  {"max_ns", kInt, [](const G& g, Cell& c) { c.Int(g.max); }, "longest"},
              },
              [](Session& s) { return RowsOfResult(s, s.Get<NvtxRangeGroups>()); })},
      [](Session& s, const PrepareOptions&) { s.Get<NvtxRangeGroups>(); }};
}

}  // namespace nsysexplain
