#include "truth.h"

#include <algorithm>
#include <string>
#include <tuple>

namespace nsysexplain::synth {

Truth::Truth(const Catalog& catalog, int processes)
    : catalog_(catalog),
      processes_(processes),
      kernel_stats_(static_cast<size_t>(kNumKernels) * processes),
      intervals_(processes),
      pids_(processes, 0),
      pid_kernels_(processes),
      pid_attributed_(processes, 0),
      api_(kNumApis),
      ranges_closed_(catalog.nvtx_count()),
      ranges_open_(catalog.nvtx_count(), 0),
      innermost_(catalog.nvtx_count()),
      inclusive_(catalog.nvtx_count()),
      durations_(static_cast<size_t>(kNumKernels) * processes) {}

void Truth::AddKernel(int kernel, int device, int proc, int64_t start,
                      int64_t end, const Enclosing& enc) {
  const int64_t d = end - start;
  KernelStat& ks =
      kernel_stats_[static_cast<size_t>(kernel) * processes_ + device];
  if (ks.calls == 0) {
    ks.min = ks.max = d;
  } else {
    ks.min = std::min(ks.min, d);
    ks.max = std::max(ks.max, d);
  }
  ++ks.calls;
  ks.total += d;
  durations_[static_cast<size_t>(kernel) * processes_ + device].push_back(d);
  intervals_[device].emplace_back(start, end);
  ++pid_kernels_[proc].count;
  pid_kernels_[proc].ns += d;
  if (enc.innermost >= 0) {
    ++innermost_[enc.innermost].count;
    innermost_[enc.innermost].ns += d;
    for (int n : enc.names) {
      ++inclusive_[n].count;
      inclusive_[n].ns += d;
    }
    attributed_ns_ += d;
    pid_attributed_[proc] += d;
  }
}

void Truth::AddApi(int api, int64_t duration) {
  ++api_[api].count;
  api_[api].ns += duration;
}

void Truth::AddRangeClosed(int name, int64_t duration) {
  ++ranges_closed_[name].count;
  ranges_closed_[name].ns += duration;
}

void Truth::AddRangeOpen(int name) { ++ranges_open_[name]; }

nlohmann::ordered_json Truth::ToJson(const nlohmann::ordered_json& meta) const {
  using J = nlohmann::ordered_json;
  J out;
  out["generator"] = meta;
  // Steps per process and phase (docs/SEMANTICS.md, "Steps").
  J steps = J::array();
  for (const auto& [proc, phases] : steps_) {
    J row{{"pid", pids_[proc]}};
    for (const auto& [phase, n] : phases) row[phase] = n;
    steps.push_back(row);
  }
  out["steps"] = steps;
  J basis = J::array();
  for (const auto& [proc, by] : step_basis_) {
    J row{{"pid", pids_[proc]}};
    for (const auto& [b, n] : by) row[b] = n;
    row["warmup"] = warmup_steps_.count(proc) ? warmup_steps_.at(proc) : 0;
    basis.push_back(row);
  }
  out["step_basis"] = basis;
  out["rows"] = J{{"kernel", rows_.kernel},
                  {"runtime", rows_.runtime},
                  {"runtime_backtrace", rows_.runtime_backtrace},
                  {"nvtx", rows_.nvtx},
                  {"memcpy", rows_.memcpy},
                  {"memset", rows_.memset},
                  {"sync", rows_.sync}};

  int64_t total_count = 0;
  int64_t total_ns = 0;
  struct KRow {
    std::string name;
    int device;
    KernelStat s;
  };
  std::vector<KRow> krows;
  for (int k = 0; k < kNumKernels; ++k) {
    for (int dev = 0; dev < processes_; ++dev) {
      const KernelStat& s =
          kernel_stats_[static_cast<size_t>(k) * processes_ + dev];
      if (s.calls == 0) continue;
      total_count += s.calls;
      total_ns += s.total;
      krows.push_back({catalog_.KernelName(k), dev, s});
    }
  }
  std::sort(krows.begin(), krows.end(), [](const KRow& a, const KRow& b) {
    return std::make_tuple(-a.s.total, a.name, a.device) <
           std::make_tuple(-b.s.total, b.name, b.device);
  });
  out["kernels_total"] = total_count;
  out["kernel_time_ns_total"] = total_ns;
  J kj = J::array();
  for (const KRow& r : krows) {
    kj.push_back(J{{"name", r.name},
                   {"device_id", r.device},
                   {"calls", r.s.calls},
                   {"total_ns", r.s.total},
                   {"min_ns", r.s.min},
                   {"max_ns", r.s.max}});
  }
  out["kernels_by_name_device"] = std::move(kj);

  // Per (category the name reveals, device); per (kernel, device) the
  // duration percentiles (linear interpolation, docs/SEMANTICS.md); per
  // (kernel, via graph) the queue time.
  std::map<std::pair<std::string, int>, KernelStat> cats;
  J tails = J::array();
  for (int k = 0; k < kNumKernels; ++k) {
    for (int dev = 0; dev < processes_; ++dev) {
      const size_t i = static_cast<size_t>(k) * processes_ + dev;
      const KernelStat& s = kernel_stats_[i];
      if (s.calls == 0) continue;
      KernelStat& c = cats[{KernelCategory(k), dev}];
      c.calls += s.calls;
      c.total += s.total;
      std::vector<int64_t> v = durations_[i];
      std::sort(v.begin(), v.end());
      auto pct = [&](double p) {
        const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
        const size_t lo = static_cast<size_t>(pos);
        const size_t hi = std::min(lo + 1, v.size() - 1);
        return static_cast<double>(v[lo]) +
               (static_cast<double>(v[hi]) - static_cast<double>(v[lo])) *
                   (pos - static_cast<double>(lo));
      };
      tails.push_back(J{{"name", catalog_.KernelName(k)},
                        {"device_id", dev},
                        {"p50_ns", pct(50)},
                        {"p90_ns", pct(90)},
                        {"p99_ns", pct(99)}});
    }
  }
  J cj = J::array();
  for (const auto& [key, s] : cats)
    cj.push_back(J{{"category", key.first},
                   {"device_id", key.second},
                   {"calls", s.calls},
                   {"total_ns", s.total}});
  out["categories"] = std::move(cj);
  out["kernel_tails"] = std::move(tails);
  J qj = J::array();
  for (const auto& [key, a] : queue_)
    qj.push_back(J{{"name", catalog_.KernelName(key.first)},
                   {"via_graph", key.second ? 1 : 0},
                   {"kernels", a.count},
                   {"queue_ns_total", a.ns}});
  out["queues"] = std::move(qj);

  J gpu = J::array();
  for (int dev = 0; dev < processes_; ++dev) {
    std::vector<std::pair<int64_t, int64_t>> iv = intervals_[dev];
    if (iv.empty()) continue;
    std::sort(iv.begin(), iv.end());
    int64_t busy = 0;
    int64_t cur_s = iv[0].first;
    int64_t cur_e = iv[0].second;
    int64_t wend = iv[0].second;
    for (size_t i = 1; i < iv.size(); ++i) {
      wend = std::max(wend, iv[i].second);
      if (iv[i].first <= cur_e) {  // overlapping or touching
        cur_e = std::max(cur_e, iv[i].second);
      } else {
        busy += cur_e - cur_s;
        cur_s = iv[i].first;
        cur_e = iv[i].second;
      }
    }
    busy += cur_e - cur_s;
    const int64_t wstart = iv[0].first;
    gpu.push_back(J{{"device_id", dev},
                    {"window_start_ns", wstart},
                    {"window_end_ns", wend},
                    {"busy_ns", busy},
                    {"idle_ns", (wend - wstart) - busy},
                    {"graph_executions",
                     graph_execs_.count(dev) ? graph_execs_.at(dev) : int64_t{0}}});
  }
  out["gpu"] = std::move(gpu);

  std::vector<int> order(processes_);
  for (int p = 0; p < processes_; ++p) order[p] = p;
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return pids_[a] < pids_[b]; });
  J pj = J::array();
  for (int p : order) {
    if (pid_kernels_[p].count == 0) continue;  // PIDs come from kernel rows
    pj.push_back(J{{"pid", pids_[p]},
                   {"kernel_count", pid_kernels_[p].count},
                   {"kernel_time_ns", pid_kernels_[p].ns},
                   {"nvtx_attributed_ns", pid_attributed_[p]}});
  }
  out["pids"] = std::move(pj);

  std::vector<int> apis;
  for (int a = 0; a < kNumApis; ++a) {
    if (catalog_.sync_kind(a) != SyncKind::kNone && api_[a].count > 0) {
      apis.push_back(a);
    }
  }
  std::sort(apis.begin(), apis.end(), [&](int a, int b) {
    return std::string(catalog_.api(a).name) < catalog_.api(b).name;
  });
  J sj = J::array();
  for (int a : apis) {
    sj.push_back(J{{"api_name", catalog_.api(a).name},
                   {"kind", SyncKindName(catalog_.sync_kind(a))},
                   {"calls", api_[a].count},
                   {"total_ns", api_[a].ns}});
  }
  out["sync"] = std::move(sj);

  std::vector<int> names(catalog_.nvtx_count());
  for (int n = 0; n < catalog_.nvtx_count(); ++n) names[n] = n;
  std::sort(names.begin(), names.end(), [&](int a, int b) {
    return catalog_.nvtx(a).text < catalog_.nvtx(b).text;
  });
  J rj = J::array();
  J inner = J::array();
  J incl = J::array();
  for (int n : names) {
    const NvtxNameSpec& spec = catalog_.nvtx(n);
    if (ranges_closed_[n].count > 0 || ranges_open_[n] > 0) {
      rj.push_back(J{{"name", spec.text},
                     {"domain", spec.domain == 1 ? "NCCL" : ""},
                     {"count", ranges_closed_[n].count},
                     {"total_ns", ranges_closed_[n].ns},
                     {"open_count", ranges_open_[n]}});
    }
    if (innermost_[n].count > 0) {
      inner.push_back(J{{"name", spec.text},
                        {"kernel_count", innermost_[n].count},
                        {"kernel_time_ns", innermost_[n].ns}});
    }
    if (inclusive_[n].count > 0) {
      incl.push_back(J{{"name", spec.text},
                       {"kernel_count", inclusive_[n].count},
                       {"kernel_time_ns", inclusive_[n].ns}});
    }
  }
  out["nvtx_ranges"] = std::move(rj);
  out["nvtx_attr_innermost"] = std::move(inner);
  out["nvtx_attr_inclusive"] = std::move(incl);
  out["nvtx_coverage"] =
      J{{"attributed_ns", attributed_ns_}, {"total_ns", total_ns}};
  return out;
}

}  // namespace nsysexplain::synth
