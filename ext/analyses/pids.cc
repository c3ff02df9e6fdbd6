#include "analyses/pids.h"

#include <algorithm>
#include <map>

#include "analyses/analysis.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {

Pids::Result Pids::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  const core::Kernels& k = *kp;
  core::ScopedTimer tm("pids");
  std::map<int64_t, PidRow> agg;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    auto [it, added] = agg.try_emplace(pid);
    PidRow& r = it->second;
    if (added) {
      r.pid = pid;
      r.first_start = k.start[i];
      r.last_end = k.end[i];
    }
    ++r.kernels;
    r.kernel_ns = core::SatAdd(r.kernel_ns, k.end[i] - k.start[i]);
    r.first_start = std::min(r.first_start, k.start[i]);
    r.last_end = std::max(r.last_end, k.end[i]);
  }
  Result out;
  for (auto& [pid, r] : agg) out.push_back(r);
  return out;
}

NSYSEXPLAIN_ANALYSIS(pids) {
  using P = PidRow;
  return {"pids",
          {MakeDataset<P>(
              "_nsys_pids", "Kernel time per process.",
              {
                  {"pid", kInt, [](const P& x, Cell& c) { c.Int(x.pid); }, "process"},
                  {"kernels", kInt, [](const P& x, Cell& c) { c.Int(x.kernels); },
                   "kernels of the process"},
                  {"kernel_ns", kInt, [](const P& x, Cell& c) { c.Int(x.kernel_ns); },
                   "their summed time"},
                  {"first_start_ns", kInt, [](const P& x, Cell& c) { c.Int(x.first_start); },
                   "first kernel start"},
                  {"last_end_ns", kInt, [](const P& x, Cell& c) { c.Int(x.last_end); },
                   "last kernel end"},
              },
              [](Session& s) { return RowsOfResult(s, s.Get<Pids>()); })},
      [](Session& s, const PrepareOptions&) { s.Get<Pids>(); }};
}

}  // namespace nsysexplain
