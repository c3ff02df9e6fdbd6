#include "analyses/nvtx_attribution.h"

#include <algorithm>
#include <unordered_map>

#include "analyses/analysis.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"
#include "loaders.h"

namespace nsysexplain {

using core::SatAdd;

NvtxAttribution::Result NvtxAttribution::Compute(Session& s, const Scope& scope) {
  s.Load(scope, {Table::kKernels, Table::kRuntime, Table::kNvtx});  // together
  auto kp = s.kernels(scope);
  auto rp = s.runtime(scope);
  auto np = s.nvtx(scope);
  core::ScopedTimer tm("attribution");
  const core::Kernels& k = *kp;
  const std::vector<int32_t>& launch = rp->kernel_launch;
  const core::RuntimeCalls& r = rp->calls;
  const core::NvtxRanges& n = *np;
  Result result;
  Result* a = &result;
  // Runtime rows are exactly the launch rows (LoadRuntime keeps no other),
  // so the enclosure slots are the runtime rows (kernel_launch() maps
  // kernels to them) and their columns are read in place.
  // Buckets are the ranges' scopes: one per thread with thread-scoped
  // ranges, one per process with process-scoped ones.
  std::unordered_map<int64_t, uint32_t> thread_bucket, process_bucket;
  for (uint32_t b = 0; b < n.scopes.size(); ++b)
    (n.scopes[b].process ? process_bucket : thread_bucket)[n.scopes[b].key] = b;
  uint32_t nbuckets = static_cast<uint32_t>(n.scopes.size());
  size_t nl = r.size();
  std::vector<uint32_t> lt(nl), lp(nl);
  for (size_t j = 0; j < nl; ++j) {
    auto t = thread_bucket.find(r.global_tid[j]);
    auto p = process_bucket.find(core::ProcessKey(r.global_tid[j]));
    lt[j] = t == thread_bucket.end() ? core::kNoBucket : t->second;
    lp[j] = p == process_bucket.end() ? core::kNoBucket : p->second;
  }
  {
    core::ScopedTimer tm_enc("attribution: enclosing-range join");
    a->enclosure = core::FindEnclosing(
        {n.start.data(), n.end.data(), n.scope.data(), n.size()},
        {r.start.data(), r.end.data(), lt.data(), lp.data(), nl}, nbuckets);
  }

  // Aggregate per (pid, domain, name) and globally (pid -1). Labels map to
  // dense (domain, name) ids and pids to dense slots (0 = all processes), so
  // a result row is found by array index, not by hashing, for each of the
  // millions of (kernel, enclosing range) pairs.
  std::vector<uint32_t> dn_of_label(n.labels.size());
  std::vector<std::pair<uint32_t, uint32_t>> dn_names;  // dn -> (domain, name)
  {
    std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> ids;
    for (size_t l = 0; l < n.labels.size(); ++l) {
      const auto& L = n.labels[l];
      auto [it, added] = ids.try_emplace({L.domain, L.name},
                                         static_cast<uint32_t>(dn_names.size()));
      if (added) dn_names.emplace_back(L.domain, L.name);
      dn_of_label[l] = it->second;
    }
  }
  const uint64_t ndn = dn_names.size();
  std::vector<int64_t> slot_pid{-1};  // slot -> pid
  std::unordered_map<int64_t, uint32_t> pid_slot;
  std::vector<CoverageRow> cov{CoverageRow{-1}};
  // (slot, dn) -> row in a->rows: a flat table when it is small enough,
  // else a hash map.
  const bool flat = ndn * 64 <= (uint64_t{1} << 22);  // grown per slot below
  std::vector<int32_t> flat_rows;
  std::unordered_map<uint64_t, int32_t> hashed_rows;
  auto row_for = [&](uint32_t slot, uint32_t dn) -> AttributionRow& {
    uint64_t key = uint64_t{slot} * ndn + dn;
    int32_t* row = nullptr;
    if (flat && key < (uint64_t{1} << 22)) {
      if (flat_rows.size() <= key) flat_rows.resize((slot + 1) * ndn, -1);
      row = &flat_rows[key];
    } else {
      row = &hashed_rows.try_emplace(key, -1).first->second;
    }
    if (*row < 0) {
      *row = static_cast<int32_t>(a->rows.size());
      a->rows.push_back({slot_pid[slot], dn_names[dn].first,
                         dn_names[dn].second});
    }
    return a->rows[static_cast<size_t>(*row)];
  };
  std::vector<uint32_t> seen;
  int64_t last_pid = INT64_MIN;
  uint32_t slot = 0;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    if (pid != last_pid) {
      auto [it, added] =
          pid_slot.try_emplace(pid, static_cast<uint32_t>(slot_pid.size()));
      if (added) {
        slot_pid.push_back(pid);
        cov.push_back(CoverageRow{pid});
      }
      slot = it->second;
      last_pid = pid;
    }
    int64_t d = k.end[i] - k.start[i];
    CoverageRow& c = cov[slot];
    CoverageRow& g = cov[0];
    ++c.kernels;
    c.kernel_ns = SatAdd(c.kernel_ns, d);
    ++g.kernels;
    g.kernel_ns = SatAdd(g.kernel_ns, d);
    int32_t lslot = launch[i];
    if (lslot < 0) continue;
    ++c.launched;
    c.launched_ns = SatAdd(c.launched_ns, d);
    ++g.launched;
    g.launched_ns = SatAdd(g.launched_ns, d);
    size_t cnt = a->enclosure.Count(lslot);
    if (cnt == 0) continue;
    ++c.attributed;
    c.attributed_ns = SatAdd(c.attributed_ns, d);
    ++g.attributed;
    g.attributed_ns = SatAdd(g.attributed_ns, d);
    seen.clear();
    const uint32_t* idx =
        a->enclosure.range_index.data() + a->enclosure.offsets[lslot];
    for (size_t j = 0; j < cnt; ++j) {
      uint32_t dn = dn_of_label[n.label[idx[j]]];
      if (std::find(seen.begin(), seen.end(), dn) != seen.end()) continue;
      seen.push_back(dn);
      for (uint32_t sl : {0u, slot}) {
        AttributionRow& ar = row_for(sl, dn);
        ++ar.inclusive_count;
        ar.inclusive_ns = SatAdd(ar.inclusive_ns, d);
      }
    }
    uint32_t inner = dn_of_label[n.label[idx[cnt - 1]]];
    for (uint32_t sl : {0u, slot}) {
      AttributionRow& ar = row_for(sl, inner);
      ++ar.innermost_count;
      ar.innermost_ns = SatAdd(ar.innermost_ns, d);
    }
  }
  CoverageRow global = cov[0];
  std::sort(cov.begin() + 1, cov.end(),
            [](const CoverageRow& x, const CoverageRow& y) { return x.pid < y.pid; });
  global.truncated_launches =
      static_cast<int64_t>(a->enclosure.truncated_launches);
  a->coverage.push_back(global);
  a->coverage.insert(a->coverage.end(), cov.begin() + 1, cov.end());
  return result;
}


namespace {

// One row of nsys_nvtx_kernel_ranges: kernel i inside range j of its
// launch's enclosure list.
struct RangeRow {
  const core::Kernels* k;
  const core::NvtxRanges* n;
  size_t kernel;
  uint32_t range;  // NVTX row
  uint32_t depth, count;
};

// Row r -> (kernel, position in its enclosure list) through a prefix sum over
// kernels (8 bytes a kernel, not 8 bytes a row) and a cursor that follows
// SQLite's sequential scan.
struct RangeIndex {
  std::vector<uint64_t> first;  // first row of kernel i; size kernels + 1
  uint32_t kernel = 0;          // cursor
};

Rows<RangeRow> KernelRanges(Session& s) {
  auto k = s.kernels();
  auto r = s.runtime();
  auto a = s.Get<NvtxAttribution>();
  auto n = s.nvtx();
  std::shared_ptr<Trace> t = s.trace();
  auto index = std::make_shared<RangeIndex>();
  const std::vector<int32_t>& launch = r->kernel_launch;  // kernel -> slot
  index->first.resize(k->size() + 1, 0);
  for (uint32_t i = 0; i < k->size(); ++i) {
    int32_t slot = launch[i];
    index->first[i + 1] = index->first[i] + (slot < 0 ? 0 : a->enclosure.Count(slot));
  }
  Rows<RangeRow> rows;
  rows.count = index->first.back();
  rows.strings = &t->strings;
  rows.at = [k = k.get(), r = r.get(), a = a.get(), n = n.get(),
             ix = index.get()](size_t row) {
    auto& f = ix->first;
    uint64_t rr = uint64_t(row);
    uint32_t& i = ix->kernel;
    if (!(f[i] <= rr && rr < f[i + 1])) {
      if (i + 1 < k->size() && f[i + 1] <= rr && rr < f[i + 2]) {
        ++i;
      } else {
        i = uint32_t(std::upper_bound(f.begin(), f.end(), rr) - f.begin() - 1);
      }
    }
    while (f[i + 1] <= rr) ++i;  // skip kernels with no ranges
    uint32_t j = uint32_t(rr - f[i]);
    int32_t slot = r->kernel_launch[i];
    uint32_t cnt = uint32_t(a->enclosure.Count(slot));
    uint32_t rg = a->enclosure.range_index[a->enclosure.offsets[slot] + j];
    return RangeRow{k, n, i, rg, j, cnt};
  };
  rows.keep = {k, r, a, n, t, index};
  return rows;
}

}  // namespace

NSYSEXPLAIN_ANALYSIS(nvtx_attribution) {
  using A = AttributionRow;
  using C = CoverageRow;
  using R = RangeRow;
  return {
      "nvtx_attribution",
      {
          MakeDataset<A>(
              "_nsys_nvtx_attr", "GPU kernel time per NVTX range, global (pid NULL) and per PID.",
              {
                  {"pid", kInt, [](const A& x, Cell& c) { c.PidOrNull(x.pid); },
                   "process (NULL: all processes)"},
                  {"domain", kText, [](const A& x, Cell& c) { c.Name(x.domain); }, "domain"},
                  {"range_name", kText, [](const A& x, Cell& c) { c.Name(x.name); }, "range"},
                  {"inclusive_kernels", kInt, [](const A& x, Cell& c) { c.Int(x.inclusive_count); },
                   "kernels launched inside the range (nested or not), once each"},
                  {"inclusive_ns", kInt, [](const A& x, Cell& c) { c.Int(x.inclusive_ns); },
                   "their summed time"},
                  {"innermost_kernels", kInt, [](const A& x, Cell& c) { c.Int(x.innermost_count); },
                   "kernels whose innermost enclosing range is this one"},
                  {"innermost_ns", kInt, [](const A& x, Cell& c) { c.Int(x.innermost_ns); },
                   "their summed time"},
              },
              [](Session& s) {
                auto a = s.Get<NvtxAttribution>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<A>>(a, &a->rows));
              }),
          MakeDataset<C>(
              "_nsys_nvtx_coverage", "How much kernel time NVTX explains, global first, then per PID.",
              {
                  {"pid", kInt, [](const C& x, Cell& c) { c.PidOrNull(x.pid); },
                   "process (NULL: all processes)"},
                  {"kernels", kInt, [](const C& x, Cell& c) { c.Int(x.kernels); }, "kernels"},
                  {"kernel_ns", kInt, [](const C& x, Cell& c) { c.Int(x.kernel_ns); },
                   "their summed time"},
                  {"launched_kernels", kInt, [](const C& x, Cell& c) { c.Int(x.launched); },
                   "kernels with a launch row"},
                  {"launched_ns", kInt, [](const C& x, Cell& c) { c.Int(x.launched_ns); },
                   "their summed time"},
                  {"attributed_kernels", kInt, [](const C& x, Cell& c) { c.Int(x.attributed); },
                   "kernels inside at least one range"},
                  {"attributed_ns", kInt, [](const C& x, Cell& c) { c.Int(x.attributed_ns); },
                   "their summed time"},
                  {"truncated_launches", kInt,
                   [](const C& x, Cell& c) { x.pid < 0 ? c.Int(x.truncated_launches) : c.Null(); },
                   "launches whose enclosure was cut to the 256 innermost (global row only)"},
              },
              [](Session& s) {
                auto a = s.Get<NvtxAttribution>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<C>>(a, &a->coverage));
              }),
          MakeDataset<R>(
              "nsys_nvtx_kernel_ranges",
              "The enclosing-range join: one row per (kernel, NVTX range enclosing its launch).",
              {
                  {"kernel_rowid", kInt,
                   [](const R& x, Cell& c) { c.IntOrNullIfNegative(x.k->rowid[x.kernel]); },
                   "rowid in the kernel table"},
                  {"kernel_name", kText, [](const R& x, Cell& c) { c.Name(x.k->name[x.kernel]); },
                   "kernel"},
                  {"pid", kInt,
                   [](const R& x, Cell& c) { c.Int(core::PidOf(x.k->global_pid[x.kernel])); },
                   "process"},
                  {"device_id", kInt, [](const R& x, Cell& c) { c.Int(x.k->device_id[x.kernel]); },
                   "CUDA device ordinal"},
                  {"dur_ns", kInt,
                   [](const R& x, Cell& c) { c.Int(x.k->end[x.kernel] - x.k->start[x.kernel]); },
                   "kernel duration"},
                  {"range_rowid", kInt,
                   [](const R& x, Cell& c) { c.IntOrNullIfNegative(x.n->rowid[x.range]); },
                   "rowid in NVTX_EVENTS"},
                  {"range_name", kText, [](const R& x, Cell& c) { c.Name(x.n->Name(x.range)); },
                   "range"},
                  {"domain", kText, [](const R& x, Cell& c) { c.Name(x.n->Domain(x.range)); },
                   "domain"},
                  {"event_type", kInt, [](const R& x, Cell& c) { c.Int(x.n->Type(x.range)); },
                   "59, 60, 70 or 71"},
                  {"range_start_ns", kInt, [](const R& x, Cell& c) { c.Int(x.n->start[x.range]); },
                   "range start"},
                  {"range_end_ns", kInt,
                   [](const R& x, Cell& c) {
                     x.n->Open(x.range) ? c.Null() : c.Int(x.n->end[x.range]);
                   },
                   "range end (NULL: never ended)"},
                  {"depth", kInt, [](const R& x, Cell& c) { c.Int(x.depth); },
                   "0 = outermost"},
                  {"is_innermost", kInt, [](const R& x, Cell& c) { c.Int(x.depth + 1 == x.count); },
                   "1 for the innermost range"},
              },
              KernelRanges),
      },
      [](Session& s, const PrepareOptions& opt) {
        if (opt.nvtx_kernel_map) s.Get<NvtxAttribution>();
      }};
}

}  // namespace nsysexplain
