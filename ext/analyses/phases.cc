#include "analyses/phases.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>

#include "analyses/analysis.h"
#include "analyses/nvtx_attribution.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {

PhaseAttribution::Result PhaseAttribution::Compute(Session& s, const Scope& scope,
                                                   const PhaseMap& map) {
  auto kp = s.kernels(scope);
  auto ap = s.Get<NvtxAttribution>(scope);
  auto rp = s.runtime(scope);
  auto np = s.nvtx(scope);
  std::shared_ptr<Trace> t = s.trace(scope);
  const core::Kernels& k = *kp;
  const NvtxAttribution::Result& a = *ap;
  const std::vector<int32_t>& launch = rp->kernel_launch;
  const core::NvtxRanges& n = *np;
  core::ScopedTimer tm("phase attribution");
  std::vector<std::string> phases;
  std::vector<int> phase_of_map;
  for (const auto& [ph, pat] : map) {
    auto it = std::find(phases.begin(), phases.end(), ph);
    phase_of_map.push_back(static_cast<int>(it - phases.begin()));
    if (it == phases.end()) phases.push_back(ph);
  }
  // Phase of each label (labels are few; names repeat across labels).
  std::unordered_map<uint32_t, int> phase_of_name;
  std::vector<int> phase_of_label(n.labels.size());
  for (size_t l = 0; l < n.labels.size(); ++l) {
    uint32_t name = n.labels[l].name;
    auto it = phase_of_name.find(name);
    if (it == phase_of_name.end()) {
      int m = MatchPhaseMap(map, t->Name(name));
      it = phase_of_name.emplace(name, m < 0 ? -1 : phase_of_map[size_t(m)]).first;
    }
    phase_of_label[l] = it->second;
  }
  // (pid, phase) -> (kernels, ns); pid -1 = all processes.
  std::map<std::pair<int64_t, int>, std::pair<int64_t, int64_t>> agg;
  std::vector<std::pair<int64_t, int64_t>> global(phases.size());
  std::vector<int> seen;
  for (size_t i = 0; i < k.size(); ++i) {
    int32_t slot = launch[i];
    if (slot < 0) continue;
    size_t cnt = a.enclosure.Count(slot);
    if (cnt == 0) continue;
    seen.clear();
    const uint32_t* idx =
        a.enclosure.range_index.data() + a.enclosure.offsets[slot];
    for (size_t j = 0; j < cnt; ++j) {
      int ph = phase_of_label[n.label[idx[j]]];
      if (ph < 0 || std::find(seen.begin(), seen.end(), ph) != seen.end())
        continue;
      seen.push_back(ph);
    }
    if (seen.empty()) continue;
    int64_t d = k.end[i] - k.start[i];
    int64_t pid = core::PidOf(k.global_pid[i]);
    for (int ph : seen) {
      auto& g = global[static_cast<size_t>(ph)];
      ++g.first;
      g.second = core::SatAdd(g.second, d);
      auto& v = agg[{pid, ph}];
      ++v.first;
      v.second = core::SatAdd(v.second, d);
    }
  }
  std::vector<PhaseRow> rows;
  // Global rows first (pid -1 sorts first), then per pid, phases in map order.
  for (size_t ph = 0; ph < phases.size(); ++ph)
    if (global[ph].first > 0)
      rows.push_back({-1, phases[ph], global[ph].first, global[ph].second});
  for (auto& [key, v] : agg)
    rows.push_back({key.first, phases[static_cast<size_t>(key.second)], v.first,
                    v.second});
  return rows;
}

int MatchPhaseMap(const PhaseMap& map, std::string_view name) {
  std::string lower(name);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (size_t m = 0; m < map.size(); ++m)
    if (lower.find(map[m].second) != std::string::npos) return static_cast<int>(m);
  return -1;
}

// Read on every query: the user may change the map; the cache keeps one
// result per map content.
PhaseMap ReadPhaseMap(Session& s, std::string* key) {
  PhaseMap map;
  Stmt st(s.db(), "SELECT CAST(phase AS TEXT), lower(CAST(pattern AS TEXT)) "
                  "FROM temp.llm_phase_map WHERE phase IS NOT NULL AND "
                  "pattern IS NOT NULL AND pattern <> '' ORDER BY rowid");
  while (st.Step()) {
    map.emplace_back(st.Text(0), st.Text(1));
    for (const std::string* v : {&map.back().first, &map.back().second})
      *key += std::to_string(v->size()) + ":" + *v;
  }
  return map;
}


NSYSEXPLAIN_ANALYSIS(phases) {
  using P = PhaseRow;
  return {"phases",
          {MakeDataset<P>(
              "_nsys_phase_attr",
              "GPU kernel time per phase of temp.llm_phase_map, global (pid NULL) and per PID.",
              {
                  {"pid", kInt, [](const P& x, Cell& c) { c.PidOrNull(x.pid); },
                   "process (NULL: all processes)"},
                  {"phase", kText, [](const P& x, Cell& c) { c.Text(x.phase); }, "phase"},
                  {"kernels", kInt, [](const P& x, Cell& c) { c.Int(x.kernels); },
                   "kernels launched inside a range of the phase, once each"},
                  {"kernel_ns", kInt, [](const P& x, Cell& c) { c.Int(x.ns); },
                   "their summed time"},
              },
              [](Session& s) {
                std::string key;
                PhaseMap map = ReadPhaseMap(s, &key);
                if (map.empty())
                  return RowsOfResult(s, std::make_shared<const std::vector<P>>());
                return RowsOfResult(s, s.Get<PhaseAttribution>(s.window(), map, key));
              })},
          nullptr,
          [](Session& s) -> std::function<void()> {
            std::string key;
            PhaseMap map = ReadPhaseMap(s, &key);
            if (map.empty()) return {};
            return [&s, map = std::move(map), key = std::move(key)] {
              s.Get<PhaseAttribution>(s.window(), map, key);
            };
          }};
}

}  // namespace nsysexplain
