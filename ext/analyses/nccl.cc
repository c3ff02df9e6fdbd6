#include "analyses/nccl.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "analyses/analysis.h"
#include "core/global_tid.h"
#include "core/interval_union.h"
#include "core/nccl.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {

Nccl::Result Nccl::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  std::shared_ptr<Trace> t = s.trace(scope);
  core::ScopedTimer tm("nccl");
  const core::Kernels& k = *kp;
  // Collective of each name id, once per distinct name: -2 not looked up,
  // -1 not NCCL, else an index into `names`.
  std::vector<std::string> names;
  std::vector<int16_t> coll_of;
  auto collective = [&](uint32_t name) -> int {
    if (name >= coll_of.size()) coll_of.resize(size_t(name) + 1, -2);
    int16_t& c = coll_of[name];
    if (c == -2) {
      std::string_view col = core::NcclCollective(t->Name(name));
      if (col.empty()) {
        c = -1;
      } else {
        auto it = std::find(names.begin(), names.end(), col);
        c = int16_t(it - names.begin());
        if (it == names.end()) names.emplace_back(col);
      }
    }
    return c;
  };
  using Rank = std::pair<int64_t, int32_t>;  // (pid, device)
  struct Part {
    std::vector<core::Interval> iv;
    std::vector<int64_t> starts;
    std::vector<std::pair<int64_t, int64_t>> spans;  // (start, end)
    std::map<uint32_t, int64_t> name_calls;
    int64_t total = 0, max = 0;
  };
  std::map<std::tuple<int64_t, int32_t, int>, Part> parts;
  std::map<Rank, std::vector<core::Interval>> compute;  // ranks with NCCL kernels
  for (size_t i = 0; i < k.size(); ++i) {
    int c = collective(k.name[i]);
    if (c < 0) continue;
    int64_t pid = core::PidOf(k.global_pid[i]);
    Part& p = parts[{pid, k.device_id[i], c}];
    int64_t d = core::SatSub(k.end[i], k.start[i]);
    p.iv.push_back({k.start[i], k.end[i]});
    p.starts.push_back(k.start[i]);
    p.spans.emplace_back(k.start[i], k.end[i]);
    ++p.name_calls[k.name[i]];
    p.total = core::SatAdd(p.total, d);
    p.max = std::max(p.max, d);
    compute[{pid, k.device_id[i]}];
  }
  Result out;
  if (parts.empty()) return out;
  // Consecutive kernels mostly share a rank: the last lookup is cached.
  int64_t last_gpid = 0;
  int32_t last_dev = 0;
  std::vector<core::Interval>* last = nullptr;
  bool have_last = false;
  for (size_t i = 0; i < k.size(); ++i) {
    if (!have_last || k.global_pid[i] != last_gpid || k.device_id[i] != last_dev) {
      auto it = compute.find({core::PidOf(k.global_pid[i]), k.device_id[i]});
      last = it == compute.end() ? nullptr : &it->second;
      last_gpid = k.global_pid[i];
      last_dev = k.device_id[i];
      have_last = true;
    }
    if (last && collective(k.name[i]) < 0) last->push_back({k.start[i], k.end[i]});
  }
  for (auto& [rank, iv] : compute) iv = core::MergeIntervals(std::move(iv));
  // Per collective: the ranks' start lists, for the skew.
  std::map<int, std::vector<std::pair<Rank, std::vector<int64_t>>>> by_coll;
  for (auto& [key, p] : parts) {
    auto [pid, dev, c] = key;
    NcclRow r;
    r.pid = pid;
    r.device = dev;
    r.collective = names[size_t(c)];
    r.kernels = int64_t(p.starts.size());
    r.total_ns = p.total;
    r.max_ns = p.max;
    std::vector<core::Interval> merged = core::MergeIntervals(std::move(p.iv));
    r.busy_ns = core::UnionLength(merged);
    r.hidden_ns = core::IntersectionLength(merged, compute[{pid, dev}]);
    int64_t best = 0;
    for (const auto& [name, n] : p.name_calls)
      if (n > best) {
        best = n;
        r.top_name = name;
      }
    out.rows.push_back(r);
    std::sort(p.spans.begin(), p.spans.end());
    for (size_t n = 0; n < p.spans.size(); ++n)
      out.instances.push_back({pid, dev, int16_t(c), int64_t(n), p.spans[n].first,
                               p.spans[n].second});
    std::sort(p.starts.begin(), p.starts.end());
    by_coll[c].push_back({{pid, dev}, std::move(p.starts)});
  }
  out.names = names;
  for (auto& [c, ranks] : by_coll) {
    if (ranks.size() < 2) continue;
    std::vector<std::vector<int64_t>> starts;
    for (auto& [rank, st] : ranks) starts.push_back(std::move(st));
    core::RankSkew sk = core::ComputeRankSkew(starts);
    NcclSkewRow r;
    r.collective = names[size_t(c)];
    r.ranks = int64_t(ranks.size());
    r.instances = sk.instances;
    r.total_ns = sk.total;
    r.max_ns = sk.max;
    for (size_t i = 0; i < sk.last.size(); ++i)
      if (sk.last[i] > r.late_count) {
        r.late_count = sk.last[i];
        r.late_pid = ranks[i].first.first;
        r.late_device = ranks[i].first.second;
      }
    out.skew.push_back(r);
  }
  return out;
}

NSYSEXPLAIN_ANALYSIS(nccl) {
  using R = NcclRow;
  using S = NcclSkewRow;
  using I = NcclInstanceRow;
  struct N {
    int64_t id;
    std::string name;
  };
  return {
      "nccl",
      {
          MakeDataset<R>(
              "_nsys_nccl", "NCCL kernels by (PID, device, collective).",
              {
                  {"pid", kInt, [](const R& r, Cell& c) { c.Int(r.pid); }, "rank's process"},
                  {"device_id", kInt, [](const R& r, Cell& c) { c.Int(r.device); },
                   "rank's device (per process)"},
                  {"collective", kText, [](const R& r, Cell& c) { c.Text(r.collective); },
                   "AllReduce, AllGather, ReduceScatter, Broadcast, Reduce, SendRecv, ..."},
                  {"kernels", kInt, [](const R& r, Cell& c) { c.Int(r.kernels); }, "kernels"},
                  {"total_ns", kInt, [](const R& r, Cell& c) { c.Int(r.total_ns); },
                   "summed kernel duration"},
                  {"max_ns", kInt, [](const R& r, Cell& c) { c.Int(r.max_ns); }, "longest"},
                  {"busy_ns", kInt, [](const R& r, Cell& c) { c.Int(r.busy_ns); },
                   "union of the collective's kernel intervals"},
                  {"hidden_ns", kInt, [](const R& r, Cell& c) { c.Int(r.hidden_ns); },
                   "part of busy_ns overlapped by non-NCCL kernels of the same rank"},
                  {"top_kernel_name", kText, [](const R& r, Cell& c) { c.Name(r.top_name); },
                   "its most frequent kernel name"},
              },
              [](Session& s) {
                auto r = s.Get<Nccl>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<R>>(r, &r->rows));
              }),
          MakeDataset<S>(
              "_nsys_nccl_skew",
              "Start skew of the n-th instance of each collective across ranks.",
              {
                  {"collective", kText, [](const S& r, Cell& c) { c.Text(r.collective); },
                   "collective"},
                  {"ranks", kInt, [](const S& r, Cell& c) { c.Int(r.ranks); },
                   "ranks (process, device) that ran it"},
                  {"instances", kInt, [](const S& r, Cell& c) { c.Int(r.instances); },
                   "instances compared (run by at least two ranks)"},
                  {"total_ns", kInt, [](const S& r, Cell& c) { c.Int(r.total_ns); },
                   "summed spread (latest - earliest start)"},
                  {"max_ns", kInt, [](const S& r, Cell& c) { c.Int(r.max_ns); },
                   "largest spread"},
                  {"late_pid", kInt, [](const S& r, Cell& c) { c.Int(r.late_pid); },
                   "the rank that started last most often: process"},
                  {"late_device_id", kInt, [](const S& r, Cell& c) { c.Int(r.late_device); },
                   "... and device"},
                  {"late_count", kInt, [](const S& r, Cell& c) { c.Int(r.late_count); },
                   "instances it started last"},
              },
              [](Session& s) {
                auto r = s.Get<Nccl>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<S>>(r, &r->skew));
              }),
          MakeDataset<I>(
              "_nsys_nccl_instances",
              "Every NCCL kernel as the n-th instance of its collective on its rank.",
              {
                  {"pid", kInt, [](const I& r, Cell& c) { c.Int(r.pid); }, "rank's process"},
                  {"device_id", kInt, [](const I& r, Cell& c) { c.Int(r.device); },
                   "rank's device (per process)"},
                  {"collective", kInt, [](const I& r, Cell& c) { c.Int(r.collective); },
                   "index of the collective in _nsys_nccl_collectives"},
                  {"instance", kInt, [](const I& r, Cell& c) { c.Int(r.instance); },
                   "n-th kernel of this collective on this rank, from 0, in start order"},
                  {"start_ns", kInt, [](const I& r, Cell& c) { c.Int(r.start); },
                   "kernel start"},
                  {"end_ns", kInt, [](const I& r, Cell& c) { c.Int(r.end); }, "kernel end"},
              },
              [](Session& s) {
                auto r = s.Get<Nccl>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<I>>(r, &r->instances));
              }),
          MakeDataset<N>(
              "_nsys_nccl_collectives", "Collective names of _nsys_nccl_instances.",
              {
                  {"id", kInt, [](const N& r, Cell& c) { c.Int(r.id); }, "collective index"},
                  {"collective", kText, [](const N& r, Cell& c) { c.Text(r.name); },
                   "AllReduce, AllGather, ..."},
              },
              [](Session& s) {
                auto r = s.Get<Nccl>();
                auto v = std::make_shared<std::vector<N>>();
                for (size_t i = 0; i < r->names.size(); ++i)
                  v->push_back({int64_t(i), r->names[i]});
                return RowsOfResult(s, std::shared_ptr<const std::vector<N>>(v));
              }),
      },
      [](Session& s, const PrepareOptions&) { s.Get<Nccl>(); }};
}

}  // namespace nsysexplain
