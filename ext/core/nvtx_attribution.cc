#include "nvtx_attribution.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace nsysexplain::core {
namespace {

// Depth order: outermost first.
struct DepthLess {
  const std::vector<NvtxRange>* ranges;
  bool operator()(uint32_t a, uint32_t b) const {
    const NvtxRange& x = (*ranges)[a];
    const NvtxRange& y = (*ranges)[b];
    if (x.start != y.start) return x.start < y.start;
    if (x.end != y.end) return x.end > y.end;
    return a < b;
  }
};

// Sweeps one scope (thread or process). `found[l]` receives the enclosing
// ranges of launch l.
void SweepBucket(const std::vector<NvtxRange>& ranges,
                 std::vector<uint32_t>& bucket_ranges,
                 const std::vector<LaunchCall>& launches,
                 std::vector<uint32_t>& bucket_launches,
                 std::vector<std::vector<uint32_t>>& found) {
  std::sort(bucket_ranges.begin(), bucket_ranges.end(),
            [&](uint32_t a, uint32_t b) {
              return ranges[a].start < ranges[b].start ||
                     (ranges[a].start == ranges[b].start && a < b);
            });
  std::sort(bucket_launches.begin(), bucket_launches.end(),
            [&](uint32_t a, uint32_t b) {
              return launches[a].start < launches[b].start ||
                     (launches[a].start == launches[b].start && a < b);
            });
  std::vector<uint32_t> active;
  size_t next = 0;
  for (uint32_t l : bucket_launches) {
    const LaunchCall& call = launches[l];
    while (next < bucket_ranges.size() &&
           ranges[bucket_ranges[next]].start <= call.start) {
      active.push_back(bucket_ranges[next++]);
    }
    // Drop ranges that ended before this launch started: launches come in
    // start order, so they can never enclose a later launch either.
    size_t keep = 0;
    for (uint32_t r : active) {
      if (ranges[r].end >= call.start) active[keep++] = r;
    }
    active.resize(keep);
    for (uint32_t r : active) {
      if (ranges[r].end >= call.end) found[l].push_back(r);
    }
  }
}

}  // namespace

Enclosure FindEnclosingRanges(const std::vector<NvtxRange>& ranges,
                              const std::vector<LaunchCall>& launches) {
  std::vector<std::vector<uint32_t>> found(launches.size());
  for (int pass = 0; pass < 2; ++pass) {
    bool process_pass = pass == 1;
    std::unordered_map<int64_t, std::pair<std::vector<uint32_t>,
                                          std::vector<uint32_t>>>
        buckets;
    bool any = false;
    for (uint32_t r = 0; r < ranges.size(); ++r) {
      if (ranges[r].process_scoped != process_pass) continue;
      if (ranges[r].end < ranges[r].start) continue;
      buckets[ranges[r].scope_key].first.push_back(r);
      any = true;
    }
    if (!any) continue;
    for (uint32_t l = 0; l < launches.size(); ++l) {
      int64_t key =
          process_pass ? launches[l].process_key : launches[l].thread_key;
      auto it = buckets.find(key);
      if (it != buckets.end()) it->second.second.push_back(l);
    }
    for (auto& [key, bucket] : buckets) {
      if (bucket.second.empty()) continue;
      SweepBucket(ranges, bucket.first, launches, bucket.second, found);
    }
  }
  Enclosure out;
  out.offsets.resize(launches.size() + 1, 0);
  size_t total = 0;
  for (size_t l = 0; l < launches.size(); ++l) total += found[l].size();
  out.range_index.reserve(total);
  DepthLess less{&ranges};
  for (size_t l = 0; l < launches.size(); ++l) {
    auto& f = found[l];
    if (f.size() > 1) std::sort(f.begin(), f.end(), less);
    out.offsets[l] = static_cast<uint32_t>(out.range_index.size());
    out.range_index.insert(out.range_index.end(), f.begin(), f.end());
    std::vector<uint32_t>().swap(f);
  }
  out.offsets[launches.size()] = static_cast<uint32_t>(out.range_index.size());
  return out;
}

Enclosure FindEnclosingRangesNaive(const std::vector<NvtxRange>& ranges,
                                   const std::vector<LaunchCall>& launches) {
  Enclosure out;
  out.offsets.push_back(0);
  DepthLess less{&ranges};
  for (const LaunchCall& call : launches) {
    std::vector<uint32_t> f;
    for (uint32_t r = 0; r < ranges.size(); ++r) {
      const NvtxRange& g = ranges[r];
      if (g.end < g.start) continue;
      int64_t key = g.process_scoped ? call.process_key : call.thread_key;
      if (g.scope_key != key) continue;
      if (g.start <= call.start && call.end <= g.end) f.push_back(r);
    }
    std::sort(f.begin(), f.end(), less);
    out.range_index.insert(out.range_index.end(), f.begin(), f.end());
    out.offsets.push_back(static_cast<uint32_t>(out.range_index.size()));
  }
  return out;
}

}  // namespace nsysexplain::core
