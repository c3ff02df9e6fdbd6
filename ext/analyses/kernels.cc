#include "analyses/kernels.h"

#include <unordered_map>

#include "analyses/analysis.h"
#include "analyses/nvtx_attribution.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"
#include "loaders.h"

namespace nsysexplain {
namespace {

// Kernel statistics per (name, device), or per (pid, name, device).
void GroupKernels(const core::Kernels& k, Trace& t, bool by_pid,
                  std::vector<KernelGroup>& out) {
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> ids;
  std::vector<uint32_t> group(k.size());
  const size_t first = out.size();
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = by_pid ? core::PidOf(k.global_pid[i]) : -1;
    // (pid + 1, device) packed beside the name: pid < 2^24, device 32 bits.
    std::pair<int64_t, int64_t> key{
        ((pid + 1) << 32) | static_cast<uint32_t>(k.device_id[i]), k.name[i]};
    auto [it, added] = ids.try_emplace(key, static_cast<uint32_t>(out.size() - first));
    if (added)
      out.push_back({pid, k.name[i], t.BaseName(k.name[i]), k.short_name[i], k.device_id[i], {}});
    group[i] = it->second;
  }
  auto stats = core::ComputeGroupStatsBy(group, out.size() - first,
                                         [&](size_t i) { return k.end[i] - k.start[i]; });
  for (size_t g = 0; g < stats.size(); ++g) out[first + g].stats = stats[g];
}

// One row of nsys_kernels: kernel i with its launch row and NVTX context.
struct KernelRow {
  const core::Kernels* k;
  const core::RuntimeCalls* r;
  const NvtxAttribution::Result* a;
  const core::NvtxRanges* n;
  size_t i;
  int32_t launch;  // runtime row (= enclosure slot), or -1
};

}  // namespace

KernelStats::Result KernelStats::Compute(Session& s, const Scope& scope) {
  auto k = s.kernels(scope);
  core::ScopedTimer tm("kernel_groups");
  Result out;
  GroupKernels(*k, *s.trace(scope), false, out);
  return out;
}

KernelStatsByPid::Result KernelStatsByPid::Compute(Session& s, const Scope& scope) {
  auto k = s.kernels(scope);
  core::ScopedTimer tm("kernel_groups_by_pid");
  Result out;
  GroupKernels(*k, *s.trace(scope), true, out);
  return out;
}

namespace {

Rows<KernelGroup> KernelStatsRows(Session& s, NullFilter f) {
  return GlobalThenPerPid<KernelGroup>(
      s, f, [&] { return s.Get<KernelStats>(); }, [&] { return s.Get<KernelStatsByPid>(); });
}

}  // namespace

NSYSEXPLAIN_ANALYSIS(kernels) {
  using R = KernelRow;
  return {
      "kernels",
      {
          MakeFilteredDataset<KernelGroup>(
              "_nsys_kernel_stats",
              "Kernel durations per (name, device) (pid NULL) and per (PID, name, device).",
              Concat<KernelGroup>(
                  {
                      {"pid", kInt, [](const KernelGroup& g, Cell& c) { c.PidOrNull(g.pid); },
                       "process (NULL: all processes)"},
                      {"kernel_name", kText,
                       [](const KernelGroup& g, Cell& c) { c.Name(g.name); },
                       "demangled name, else short name"},
                      {"kernel", kText, [](const KernelGroup& g, Cell& c) { c.Name(g.base); },
                       "base name (nsys_kernel_base_name of kernel_name)"},
                      {"kernel_short_name", kText,
                       [](const KernelGroup& g, Cell& c) { c.Name(g.short_name); },
                       "short name"},
                      {"device_id", kInt, [](const KernelGroup& g, Cell& c) { c.Int(g.device); },
                       "CUDA device ordinal"},
                  },
                  StatsColumns<KernelGroup, &KernelGroup::stats>()),
              "pid", KernelStatsRows),
          MakeDataset<R>(
              "nsys_kernels",
              "Every valid kernel with its launch call (PID-safe) and NVTX context.",
              {
                  {"kernel_rowid", kInt, [](const R& x, Cell& c) { c.IntOrNullIfNegative(x.k->rowid[x.i]); },
                   "rowid in the kernel table"},
                  {"start_ns", kInt, [](const R& x, Cell& c) { c.Int(x.k->start[x.i]); }, "start"},
                  {"end_ns", kInt, [](const R& x, Cell& c) { c.Int(x.k->end[x.i]); }, "end"},
                  {"dur_ns", kInt, [](const R& x, Cell& c) { c.Int(x.k->end[x.i] - x.k->start[x.i]); },
                   "end - start"},
                  {"device_id", kInt, [](const R& x, Cell& c) { c.Int(x.k->device_id[x.i]); },
                   "CUDA device ordinal"},
                  {"stream_id", kInt, [](const R& x, Cell& c) { c.Int(x.k->stream_id[x.i]); },
                   "stream"},
                  {"pid", kInt, [](const R& x, Cell& c) { c.Int(core::PidOf(x.k->global_pid[x.i])); },
                   "process (from globalPid)"},
                  {"correlation_id", kInt,
                   [](const R& x, Cell& c) { c.IntOrNullIfNegative(x.k->correlation_id[x.i]); },
                   "correlationId (per process)"},
                  {"kernel_name", kText, [](const R& x, Cell& c) { c.Name(x.k->name[x.i]); },
                   "demangled name, else short name"},
                  {"kernel_short_name", kText,
                   [](const R& x, Cell& c) { c.Name(x.k->short_name[x.i]); }, "short name"},
                  {"graph_node", kInt, [](const R& x, Cell& c) { c.Int(x.k->graph_node[x.i]); },
                   "1 if graphNodeId is set"},
                  {"launch_rowid", kInt,
                   [](const R& x, Cell& c) {
                     x.launch < 0 ? c.Null() : c.IntOrNullIfNegative(x.r->rowid[x.launch]);
                   },
                   "rowid of the launching runtime call"},
                  {"launch_api", kText,
                   [](const R& x, Cell& c) { x.launch < 0 ? c.Null() : c.Name(x.r->name[x.launch]); },
                   "name of the launching call"},
                  {"launch_tid", kInt,
                   [](const R& x, Cell& c) {
                     x.launch < 0 ? c.Null() : c.Int(core::TidOf(x.r->global_tid[x.launch]));
                   },
                   "thread of the launching call"},
                  {"launch_start_ns", kInt,
                   [](const R& x, Cell& c) { x.launch < 0 ? c.Null() : c.Int(x.r->start[x.launch]); },
                   "launch call start"},
                  {"launch_end_ns", kInt,
                   [](const R& x, Cell& c) { x.launch < 0 ? c.Null() : c.Int(x.r->end[x.launch]); },
                   "launch call end"},
                  {"queue_ns", kInt,
                   [](const R& x, Cell& c) {
                     x.launch < 0 ? c.Null()
                                  : c.Int(core::SatSub(x.k->start[x.i], x.r->end[x.launch]));
                   },
                   "kernel start - launch call end"},
                  {"nvtx_depth", kInt,
                   [](const R& x, Cell& c) {
                     x.launch < 0 ? c.Null() : c.Int(int64_t(x.a->enclosure.Count(x.launch)));
                   },
                   "NVTX ranges enclosing the launch"},
                  {"nvtx_innermost", kText,
                   [](const R& x, Cell& c) {
                     int64_t inner = x.launch < 0 ? -1 : x.a->enclosure.Innermost(x.launch);
                     inner < 0 ? c.Null() : c.Name(x.n->Name(size_t(inner)));
                   },
                   "innermost enclosing NVTX range"},
              },
              [](Session& s) {
                auto k = s.kernels();
                auto r = s.runtime();
                auto a = s.Get<NvtxAttribution>();
                auto n = s.nvtx();
                std::shared_ptr<Trace> t = s.trace();
                Rows<R> rows;
                rows.count = k->size();
                rows.strings = &t->strings;
                rows.at = [k = k.get(), r = r.get(), a = a.get(), n = n.get()](size_t i) {
                  return R{k, &r->calls, a, n, i, r->kernel_launch[i]};
                };
                rows.keep = {k, r, a, n, t};
                return rows;
              }),
      },
      [](Session& s, const PrepareOptions&) {
        s.Get<KernelStats>();
        s.Get<KernelStatsByPid>();
      }};
}

}  // namespace nsysexplain
