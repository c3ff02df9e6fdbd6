#include "nvtx_attribution.h"

#include <algorithm>
#include <map>
#include <utility>

namespace nsysexplain::core {
namespace {

// Groups `count` items into buckets: returns offsets (num_buckets + 1) and the
// item indices ordered by bucket (stable). Items with kNoBucket are dropped.
void BucketSort(const uint32_t* bucket, size_t count, uint32_t num_buckets,
                std::vector<uint64_t>& offsets, std::vector<uint32_t>& items) {
  offsets.assign(static_cast<size_t>(num_buckets) + 1, 0);
  for (size_t i = 0; i < count; ++i)
    if (bucket[i] < num_buckets) ++offsets[bucket[i] + 1];
  for (uint32_t b = 0; b < num_buckets; ++b) offsets[b + 1] += offsets[b];
  items.resize(offsets[num_buckets]);
  std::vector<uint64_t> fill(offsets.begin(), offsets.end() - 1);
  for (size_t i = 0; i < count; ++i)
    if (bucket[i] < num_buckets)
      items[fill[bucket[i]]++] = static_cast<uint32_t>(i);
}

// Sorts a segment of indices by (key[i], i).
//
// NVTX rows are written when a range ends, so within a thread they come
// almost in start order: a range appears after the ranges nested in it. An
// insertion sort (binary search, then one memmove) costs one move per such
// inversion, about rows x nesting depth, far less than a comparison sort over
// millions of indirect keys. Input that is not nearly sorted (more than 8
// moves per row) falls back to std::sort.
void SortByStart(uint32_t* b, uint32_t* e, const int64_t* key) {
  auto less = [key](uint32_t x, uint32_t y) {
    return key[x] < key[y] || (key[x] == key[y] && x < y);
  };
  size_t n = static_cast<size_t>(e - b);
  size_t budget = 8 * n + 64, moves = 0;
  for (uint32_t* i = b + 1; i < e; ++i) {
    uint32_t x = *i;
    if (!less(x, i[-1])) continue;
    uint32_t* pos = std::upper_bound(b, i, x, less);
    moves += static_cast<size_t>(i - pos);
    if (moves > budget) {
      std::sort(b, e, less);
      return;
    }
    std::move_backward(pos, i, i + 1);
    *pos = x;
  }
}

}  // namespace

Enclosure FindEnclosing(const RangeColumns& r, const LaunchColumns& l,
                        uint32_t num_buckets) {
  std::vector<uint64_t> roff;
  std::vector<uint32_t> ritems;
  BucketSort(r.bucket, r.size, num_buckets, roff, ritems);
  // Launch lists per bucket: thread buckets and process buckets together.
  std::vector<uint64_t> toff, poff;
  std::vector<uint32_t> titems, pitems;
  BucketSort(l.thread_bucket, l.size, num_buckets, toff, titems);
  BucketSort(l.process_bucket, l.size, num_buckets, poff, pitems);

  // The sweep runs twice: first counting each launch's enclosing ranges
  // (offsets), then writing them straight into place. That costs a second
  // sweep but no (launch, range) pair list, which at 15M ranges would be the
  // largest allocation of the whole join.
  Enclosure out;
  out.offsets.assign(l.size + 1, 0);
  std::vector<uint64_t> fill;
  std::vector<uint32_t> active;
  std::vector<uint32_t> launches;
  for (int pass = 0; pass < 2; ++pass) {
    bool write = pass == 1;
    if (write) {
      for (size_t i = 0; i < l.size; ++i) out.offsets[i + 1] += out.offsets[i];
      out.range_index.resize(out.offsets[l.size]);
      fill.assign(out.offsets.begin(), out.offsets.end() - 1);
    }
    for (uint32_t b = 0; b < num_buckets; ++b) {
      uint64_t rb = roff[b], re = roff[b + 1];
      if (rb == re) continue;
      launches.clear();
      launches.insert(launches.end(), titems.begin() + toff[b],
                      titems.begin() + toff[b + 1]);
      launches.insert(launches.end(), pitems.begin() + poff[b],
                      pitems.begin() + poff[b + 1]);
      if (launches.empty()) continue;
      if (!write) SortByStart(ritems.data() + rb, ritems.data() + re, r.start);
      SortByStart(launches.data(), launches.data() + launches.size(),
                  l.start);
      active.clear();
      uint64_t next = rb;
      for (uint32_t li : launches) {
        int64_t ls = l.start[li], le = l.end[li];
        while (next < re && r.start[ritems[next]] <= ls) {
          uint32_t ri = ritems[next++];
          if (r.end[ri] >= r.start[ri]) active.push_back(ri);
        }
        // Drop ranges that ended before this launch started: launches come
        // in start order, so they cannot enclose a later launch either.
        size_t keep = 0;
        for (uint32_t ri : active)
          if (r.end[ri] >= ls) active[keep++] = ri;
        active.resize(keep);
        // active is in start order, so the innermost ranges come last.
        size_t q = 0;
        for (uint32_t ri : active) q += r.end[ri] >= le;
        size_t skip = q > kMaxEnclosing ? q - kMaxEnclosing : 0;
        if (!write) {
          out.offsets[li + 1] += q - skip;
          out.truncated_launches += skip > 0;
          continue;
        }
        for (uint32_t ri : active) {
          if (r.end[ri] < le) continue;
          if (skip > 0) {
            --skip;
            continue;
          }
          out.range_index[fill[li]++] = ri;
        }
      }
    }
  }
  auto depth_less = [&r](uint32_t a, uint32_t b) {
    if (r.start[a] != r.start[b]) return r.start[a] < r.start[b];
    if (r.end[a] != r.end[b]) return r.end[a] > r.end[b];
    return a < b;
  };
  for (size_t i = 0; i < l.size; ++i) {
    uint32_t* b = out.range_index.data() + out.offsets[i];
    uint32_t* e = out.range_index.data() + out.offsets[i + 1];
    if (e - b > 1 && !std::is_sorted(b, e, depth_less))
      std::sort(b, e, depth_less);
  }
  return out;
}

Enclosure FindEnclosingRanges(const std::vector<NvtxRange>& ranges,
                              const std::vector<LaunchCall>& launches) {
  // Map scope keys to bucket ids: (key, process_scoped) -> bucket.
  std::map<std::pair<int64_t, bool>, uint32_t> ids;
  auto id = [&](int64_t key, bool proc) {
    auto it = ids.try_emplace({key, proc}, static_cast<uint32_t>(ids.size()));
    return it.first->second;
  };
  std::vector<int64_t> rs(ranges.size()), re(ranges.size());
  std::vector<uint32_t> rb(ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    rs[i] = ranges[i].start;
    re[i] = ranges[i].end;
    rb[i] = id(ranges[i].scope_key, ranges[i].process_scoped);
  }
  std::vector<int64_t> ls(launches.size()), le(launches.size());
  std::vector<uint32_t> lt(launches.size()), lp(launches.size());
  for (size_t i = 0; i < launches.size(); ++i) {
    ls[i] = launches[i].start;
    le[i] = launches[i].end;
    auto t = ids.find({launches[i].thread_key, false});
    auto p = ids.find({launches[i].process_key, true});
    lt[i] = t == ids.end() ? kNoBucket : t->second;
    lp[i] = p == ids.end() ? kNoBucket : p->second;
  }
  return FindEnclosing({rs.data(), re.data(), rb.data(), rs.size()},
                       {ls.data(), le.data(), lt.data(), lp.data(), ls.size()},
                       static_cast<uint32_t>(ids.size()));
}

Enclosure FindEnclosingRangesNaive(const std::vector<NvtxRange>& ranges,
                                   const std::vector<LaunchCall>& launches) {
  Enclosure out;
  out.offsets.push_back(0);
  auto less = [&](uint32_t a, uint32_t b) {
    const NvtxRange& x = ranges[a];
    const NvtxRange& y = ranges[b];
    if (x.start != y.start) return x.start < y.start;
    if (x.end != y.end) return x.end > y.end;
    return a < b;
  };
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
    out.offsets.push_back(out.range_index.size());
  }
  return out;
}

}  // namespace nsysexplain::core
