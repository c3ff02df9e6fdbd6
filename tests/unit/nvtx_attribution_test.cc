// NVTX enclosing-range join (ext/core/nvtx_attribution.h): hand-written cases
// for the rules of docs/SEMANTICS.md ("NVTX -> kernel attribution"), then the
// sweep against the O(N*M) reference on thousands of random traces.
#include "core/nvtx_attribution.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "core/global_tid.h"

namespace nsysexplain::core {
namespace {

// globalTid of (pid, tid) on hardware 0 / VM 0.
int64_t Gtid(int64_t pid, int64_t tid) { return (pid << 24) | tid; }

NvtxRange Thread(int64_t b, int64_t e, int64_t pid, int64_t tid) {
  return {b, e, Gtid(pid, tid), false};
}
NvtxRange Process(int64_t b, int64_t e, int64_t pid) {
  return {b, e, ProcessKey(Gtid(pid, 0)), true};
}
LaunchCall Call(int64_t b, int64_t e, int64_t pid, int64_t tid) {
  return {b, e, Gtid(pid, tid), ProcessKey(Gtid(pid, tid))};
}

std::vector<uint32_t> Ranges(const Enclosure& enc, size_t launch) {
  return std::vector<uint32_t>(enc.range_index.begin() + enc.offsets[launch],
                               enc.range_index.begin() + enc.offsets[launch + 1]);
}

std::vector<uint64_t> Offsets(const Enclosure& enc) {
  return std::vector<uint64_t>(enc.offsets.begin(), enc.offsets.end());
}

using V = std::vector<uint32_t>;
using O = std::vector<uint64_t>;

TEST(NvtxAttribution, EmptyInputs) {
  Enclosure e = FindEnclosingRanges({}, {});
  EXPECT_EQ(Offsets(e), O{0});
  EXPECT_TRUE(e.range_index.empty());
  Enclosure f = FindEnclosingRanges({}, {Call(0, 1, 1, 1)});
  EXPECT_EQ(Offsets(f), (O{0, 0}));
  EXPECT_EQ(f.Innermost(0), -1);
  Enclosure g = FindEnclosingRanges({Thread(0, 10, 1, 1)}, {});
  EXPECT_EQ(Offsets(g), O{0});
}

TEST(NvtxAttribution, NestedPushPopOutermostFirst) {
  std::vector<NvtxRange> r{Thread(0, 100, 1, 1),   // 0 outer
                           Thread(10, 50, 1, 1),   // 1 middle
                           Thread(20, 30, 1, 1)};  // 2 inner
  std::vector<LaunchCall> l{Call(22, 25, 1, 1),    // in all three
                            Call(60, 70, 1, 1),    // outer only
                            Call(45, 55, 1, 1),    // crosses middle's end
                            Call(200, 210, 1, 1)}; // none
  Enclosure e = FindEnclosingRanges(r, l);
  EXPECT_EQ(Ranges(e, 0), (V{0, 1, 2}));
  EXPECT_EQ(e.Innermost(0), 2);
  EXPECT_EQ(Ranges(e, 1), V{0});
  EXPECT_EQ(Ranges(e, 2), V{0});
  EXPECT_EQ(Ranges(e, 3), V{});
  EXPECT_EQ(e.Count(3), 0u);
  EXPECT_EQ(e.Innermost(3), -1);
}

TEST(NvtxAttribution, BoundariesAreInclusive) {
  std::vector<NvtxRange> r{Thread(10, 20, 1, 1)};
  std::vector<LaunchCall> l{Call(10, 20, 1, 1),   // exactly the range
                            Call(10, 10, 1, 1),   // zero length at start
                            Call(20, 20, 1, 1),   // zero length at end
                            Call(9, 15, 1, 1),    // starts before
                            Call(15, 21, 1, 1)};  // ends after
  Enclosure e = FindEnclosingRanges(r, l);
  EXPECT_EQ(e.Count(0), 1u);
  EXPECT_EQ(e.Count(1), 1u);
  EXPECT_EQ(e.Count(2), 1u);
  EXPECT_EQ(e.Count(3), 0u);
  EXPECT_EQ(e.Count(4), 0u);
}

TEST(NvtxAttribution, ThreadScopeOnlyOwnThread) {
  std::vector<NvtxRange> r{Thread(0, 100, 1, 1)};
  std::vector<LaunchCall> l{Call(10, 20, 1, 2),   // other thread, same pid
                            Call(10, 20, 2, 1),   // same tid, other pid
                            Call(10, 20, 1, 1)};
  Enclosure e = FindEnclosingRanges(r, l);
  EXPECT_EQ(e.Count(0), 0u);
  EXPECT_EQ(e.Count(1), 0u);
  EXPECT_EQ(e.Count(2), 1u);
}

TEST(NvtxAttribution, ProcessScopeAnyThreadOfProcess) {
  std::vector<NvtxRange> r{Process(0, 100, 1)};
  std::vector<LaunchCall> l{Call(10, 20, 1, 2), Call(10, 20, 1, 77),
                            Call(10, 20, 2, 2)};
  Enclosure e = FindEnclosingRanges(r, l);
  EXPECT_EQ(Ranges(e, 0), V{0});
  EXPECT_EQ(Ranges(e, 1), V{0});
  EXPECT_EQ(Ranges(e, 2), V{});
}

TEST(NvtxAttribution, ProcessKeyKeepsHardwareAndVmBits) {
  // Same OS pid on two VMs: different processes.
  int64_t vm1 = int64_t{1} << 48;
  NvtxRange range{0, 100, ProcessKey(vm1 | Gtid(5, 0)), true};
  LaunchCall same{10, 20, vm1 | Gtid(5, 3), ProcessKey(vm1 | Gtid(5, 3))};
  LaunchCall other{10, 20, Gtid(5, 3), ProcessKey(Gtid(5, 3))};
  Enclosure e = FindEnclosingRanges({range}, {same, other});
  EXPECT_EQ(e.Count(0), 1u);
  EXPECT_EQ(e.Count(1), 0u);
}

TEST(NvtxAttribution, OpenRangeExtendsToInfinity) {
  std::vector<NvtxRange> r{Thread(50, kOpenEnd, 1, 1),
                           Process(60, kOpenEnd, 1)};
  std::vector<LaunchCall> l{Call(40, 55, 1, 1),
                            Call(1'000'000'000'000, 1'000'000'000'001, 1, 1),
                            Call(70, 80, 1, 9)};
  Enclosure e = FindEnclosingRanges(r, l);
  EXPECT_EQ(Ranges(e, 0), V{});
  EXPECT_EQ(Ranges(e, 1), (V{0, 1}));
  EXPECT_EQ(Ranges(e, 2), V{1});
}

TEST(NvtxAttribution, OverlappingStartEndRanges) {
  // Start/end ranges need not nest: [0,50) and [30,100) overlap.
  std::vector<NvtxRange> r{Thread(0, 50, 1, 1), Thread(30, 100, 1, 1)};
  std::vector<LaunchCall> l{Call(35, 40, 1, 1), Call(10, 20, 1, 1),
                            Call(60, 70, 1, 1), Call(45, 55, 1, 1),
                            Call(45, 101, 1, 1)};
  Enclosure e = FindEnclosingRanges(r, l);
  EXPECT_EQ(Ranges(e, 0), (V{0, 1}));
  EXPECT_EQ(e.Innermost(0), 1);  // latest start
  EXPECT_EQ(Ranges(e, 1), V{0});
  EXPECT_EQ(Ranges(e, 2), V{1});
  EXPECT_EQ(Ranges(e, 3), V{1});  // crosses the first range's end only
  EXPECT_EQ(Ranges(e, 4), V{});
}

TEST(NvtxAttribution, InnermostTieBreaks) {
  // Same start: the shortest range is innermost.
  std::vector<NvtxRange> r{Thread(10, 100, 1, 1), Thread(10, 40, 1, 1),
                           Thread(10, 70, 1, 1)};
  Enclosure e = FindEnclosingRanges(r, {Call(15, 20, 1, 1)});
  EXPECT_EQ(Ranges(e, 0), (V{0, 2, 1}));
  EXPECT_EQ(e.Innermost(0), 1);
  // Same start and end: the later row is innermost.
  std::vector<NvtxRange> s{Thread(10, 40, 1, 1), Thread(10, 40, 1, 1),
                           Thread(10, 40, 1, 1)};
  Enclosure f = FindEnclosingRanges(s, {Call(15, 20, 1, 1)});
  EXPECT_EQ(Ranges(f, 0), (V{0, 1, 2}));
  EXPECT_EQ(f.Innermost(0), 2);
}

TEST(NvtxAttribution, ThreadAndProcessRangesMerged) {
  // A launch inside both a thread range and a process range gets both, in
  // depth order regardless of which pass found them.
  std::vector<NvtxRange> r{Thread(20, 80, 1, 1), Process(0, 100, 1),
                           Process(30, 60, 1)};
  Enclosure e = FindEnclosingRanges(r, {Call(40, 50, 1, 1)});
  EXPECT_EQ(Ranges(e, 0), (V{1, 0, 2}));
  EXPECT_EQ(e.Innermost(0), 2);
}

TEST(NvtxAttribution, InvalidRangesIgnored) {
  std::vector<NvtxRange> r{Thread(50, 10, 1, 1), Thread(0, 100, 1, 1)};
  Enclosure e = FindEnclosingRanges(r, {Call(20, 30, 1, 1)});
  EXPECT_EQ(Ranges(e, 0), V{1});
}

TEST(NvtxAttribution, LaunchOrderIndependent) {
  // Output rows follow the input launch order, not time order.
  std::vector<NvtxRange> r{Thread(0, 10, 1, 1), Thread(20, 30, 1, 1)};
  std::vector<LaunchCall> l{Call(25, 26, 1, 1), Call(5, 6, 1, 1),
                            Call(25, 26, 1, 1)};
  Enclosure e = FindEnclosingRanges(r, l);
  EXPECT_EQ(Ranges(e, 0), V{1});
  EXPECT_EQ(Ranges(e, 1), V{0});
  EXPECT_EQ(Ranges(e, 2), V{1});
}

// -------------------------------------------------------- random vs. naive
struct RandomTrace {
  std::vector<NvtxRange> ranges;
  std::vector<LaunchCall> launches;
};

// Small coordinates so that ties at boundaries are frequent.
RandomTrace MakeTrace(std::mt19937_64& rng) {
  RandomTrace t;
  auto U = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const int64_t span = U(10, 200);
  const int nproc = int(U(1, 3));
  for (int p = 0; p < nproc; ++p) {
    int64_t pid = 100 + p;
    int64_t hwvm = U(0, 3) == 0 ? (int64_t{1} << 48) : 0;  // VM bits sometimes
    int nthreads = int(U(1, 4));
    for (int th = 0; th < nthreads; ++th) {
      int64_t gtid = hwvm | Gtid(pid, pid + th);
      // Push/pop: a properly nested stack sequence.
      if (U(0, 4) > 0) {
        std::vector<int64_t> stack;
        int64_t now = U(0, 5);
        int ops = int(U(0, 30));
        for (int o = 0; o < ops && now < span; ++o) {
          if (stack.empty() || (stack.size() < 6 && U(0, 1) == 0)) {
            stack.push_back(now);
          } else {
            t.ranges.push_back({stack.back(), now, gtid, false});
            stack.pop_back();
          }
          now += U(0, 6);
        }
        // Unclosed pushes: open ranges, or closed at the end of the capture.
        while (!stack.empty()) {
          t.ranges.push_back(
              {stack.back(), U(0, 2) == 0 ? kOpenEnd : now, gtid, false});
          stack.pop_back();
        }
      }
      // Start/end ranges on this thread: arbitrary overlap.
      for (int k = int(U(0, 5)); k > 0; --k) {
        int64_t b = U(0, span);
        int64_t e = U(0, 8) == 0 ? kOpenEnd : b + U(0, span / 2);
        t.ranges.push_back({b, e, gtid, false});
      }
      // Invalid ranges (end < start) must be ignored by both.
      if (U(0, 9) == 0) t.ranges.push_back({U(5, span), 0, gtid, false});
      // Launches, some exactly on range boundaries.
      for (int k = int(U(0, 12)); k > 0; --k) {
        int64_t b, e;
        if (!t.ranges.empty() && U(0, 3) == 0) {
          const NvtxRange& r = t.ranges[size_t(U(0, int64_t(t.ranges.size()) - 1))];
          b = r.start;
          e = r.end == kOpenEnd ? b + U(0, 5) : std::max(b, r.end - U(0, 1));
        } else {
          b = U(0, span);
          e = b + U(0, 10);
        }
        t.launches.push_back({b, e, gtid, ProcessKey(gtid)});
      }
    }
    // Process-scoped start/end ranges (ended on another thread).
    for (int k = int(U(0, 4)); k > 0; --k) {
      int64_t b = U(0, span);
      int64_t e = U(0, 6) == 0 ? kOpenEnd : b + U(0, span);
      t.ranges.push_back({b, e, ProcessKey(hwvm | Gtid(pid, 0)), true});
    }
    // Launches on threads that have no ranges at all.
    for (int k = int(U(0, 4)); k > 0; --k) {
      int64_t gtid = hwvm | Gtid(pid, 9000 + U(0, 3));
      int64_t b = U(0, span);
      t.launches.push_back({b, b + U(0, 10), gtid, ProcessKey(gtid)});
    }
  }
  std::shuffle(t.ranges.begin(), t.ranges.end(), rng);
  std::shuffle(t.launches.begin(), t.launches.end(), rng);
  // Duplicate some launches (CUDA-graph kernels share one launch row).
  if (!t.launches.empty() && U(0, 2) == 0)
    t.launches.push_back(t.launches[size_t(U(0, int64_t(t.launches.size()) - 1))]);
  return t;
}

TEST(NvtxAttribution, RandomAgainstNaive) {
  std::mt19937_64 rng(424242);
  size_t nonempty = 0, multi = 0, process_hits = 0;
  for (int iter = 0; iter < 5000; ++iter) {
    RandomTrace t = MakeTrace(rng);
    Enclosure fast = FindEnclosingRanges(t.ranges, t.launches);
    Enclosure ref = FindEnclosingRangesNaive(t.ranges, t.launches);
    SCOPED_TRACE(::testing::Message() << "iteration " << iter << ": "
                                      << t.ranges.size() << " ranges, "
                                      << t.launches.size() << " launches");
    ASSERT_EQ(fast.offsets.size(), t.launches.size() + 1);
    ASSERT_EQ(Offsets(fast), Offsets(ref));
    ASSERT_EQ(fast.range_index, ref.range_index);
    for (size_t l = 0; l < t.launches.size(); ++l) {
      ASSERT_EQ(fast.Innermost(l), ref.Innermost(l));
      nonempty += fast.Count(l) > 0;
      multi += fast.Count(l) > 1;
      for (size_t j = fast.offsets[l]; j < fast.offsets[l + 1]; ++j)
        process_hits += t.ranges[fast.range_index[j]].process_scoped;
    }
  }
  // The generator really exercises nesting and both scopes.
  EXPECT_GT(nonempty, 10000u);
  EXPECT_GT(multi, 3000u);
  EXPECT_GT(process_hits, 1000u);
}

// Ranges as nsys writes them: each push/pop range when it is popped, so a
// range comes after everything nested in it (nearly sorted by start, with
// long displacements for the outer ranges), plus a tail in random order that
// exhausts the insertion sort's budget mid-way. Against the reference.
TEST(NvtxAttribution, RangesInPopOrderAgainstNaive) {
  std::mt19937_64 rng(77);
  auto U = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (int iter = 0; iter < 12; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    std::vector<NvtxRange> ranges;
    std::vector<LaunchCall> launches;
    for (int64_t tid = 1; tid <= 2; ++tid) {
      int64_t now = 0;
      std::vector<int64_t> stack;  // start times
      // Steps, each with layers, each with ops: pushes and pops in time.
      for (int step = 0; step < 6; ++step) {
        stack.push_back(now);
        for (int layer = 0; layer < 20; ++layer) {
          stack.push_back(now += U(1, 5));
          for (int op = 0; op < 40; ++op) {
            int64_t b = now += U(1, 5);
            int64_t e = now += U(0, 30);
            ranges.push_back(Thread(b, e, 1, tid));  // popped at once
            if (U(0, 9) == 0)
              launches.push_back(Call(b + (e - b) / 3, b + (e - b) / 2, 1, tid));
          }
          ranges.push_back(Thread(stack.back(), now += U(0, 5), 1, tid));
          stack.pop_back();
        }
        ranges.push_back(Thread(stack.back(), now += U(0, 5), 1, tid));
        stack.pop_back();
      }
      if (iter % 3 == 0) {  // a run-long range, written last
        ranges.push_back(Thread(0, now + 10, 1, tid));
      }
      if (iter % 4 == 1) {  // a random tail: too far from sorted
        for (int i = 0; i < 3000; ++i) {
          int64_t b = U(0, now);
          ranges.push_back(Thread(b, b + U(0, 500), 1, tid));
        }
      }
    }
    Enclosure fast = FindEnclosingRanges(ranges, launches);
    Enclosure ref = FindEnclosingRangesNaive(ranges, launches);
    ASSERT_EQ(Offsets(fast), Offsets(ref));
    ASSERT_EQ(fast.range_index, ref.range_index);
    EXPECT_GT(fast.range_index.size(), launches.size() * 2);
  }
}

// The column interface used by the extension: buckets are given directly.
// Ranges of bucket b enclose launches whose thread or process bucket is b.
TEST(NvtxAttribution, ColumnInterfaceRandomAgainstNaive) {
  std::mt19937_64 rng(77);
  auto U = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (int iter = 0; iter < 2000; ++iter) {
    uint32_t nb = uint32_t(U(1, 6));
    size_t nr = size_t(U(0, 25)), nl = size_t(U(0, 25));
    std::vector<int64_t> rs(nr), re(nr), ls(nl), le(nl);
    std::vector<uint32_t> rb(nr), lt(nl), lp(nl);
    for (size_t i = 0; i < nr; ++i) {
      rs[i] = U(0, 40);
      int64_t kind = U(0, 9);
      re[i] = kind == 0 ? kOpenEnd : kind == 1 ? rs[i] - 1 : rs[i] + U(0, 30);
      rb[i] = U(0, 7) == 0 ? kNoBucket : uint32_t(U(0, nb - 1));
    }
    for (size_t i = 0; i < nl; ++i) {
      ls[i] = U(0, 50);
      le[i] = ls[i] + U(0, 8);
      // Thread buckets in [0, nb/2], process buckets above: never equal.
      uint32_t half = nb / 2;
      lt[i] = U(0, 4) == 0 ? kNoBucket : uint32_t(U(0, half));
      lp[i] = U(0, 4) == 0 || half + 1 >= nb ? kNoBucket
                                              : uint32_t(U(half + 1, nb - 1));
    }
    Enclosure got = FindEnclosing({rs.data(), re.data(), rb.data(), nr},
                                  {ls.data(), le.data(), lt.data(), lp.data(), nl},
                                  nb);
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    ASSERT_EQ(got.offsets.size(), nl + 1);
    for (size_t l = 0; l < nl; ++l) {
      std::vector<uint32_t> want;
      for (uint32_t r = 0; r < nr; ++r) {
        if (rb[r] == kNoBucket || re[r] < rs[r]) continue;
        if (rb[r] != lt[l] && rb[r] != lp[l]) continue;
        if (rs[r] <= ls[l] && le[l] <= re[r]) want.push_back(r);
      }
      std::sort(want.begin(), want.end(), [&](uint32_t a, uint32_t b) {
        if (rs[a] != rs[b]) return rs[a] < rs[b];
        if (re[a] != re[b]) return re[a] > re[b];
        return a < b;
      });
      ASSERT_EQ(Ranges(got, l), want) << "launch " << l;
    }
  }
}

TEST(NvtxAttribution, NaiveMatchesDefinition) {
  // Sanity check of the reference itself on one random trace.
  std::mt19937_64 rng(5);
  RandomTrace t = MakeTrace(rng);
  Enclosure ref = FindEnclosingRangesNaive(t.ranges, t.launches);
  for (size_t l = 0; l < t.launches.size(); ++l) {
    const LaunchCall& c = t.launches[l];
    size_t count = 0;
    for (const NvtxRange& r : t.ranges) {
      if (r.end < r.start) continue;
      bool scope = r.process_scoped ? r.scope_key == c.process_key
                                    : r.scope_key == c.thread_key;
      count += scope && r.start <= c.start && c.end <= r.end;
    }
    EXPECT_EQ(ref.Count(l), count);
  }
}

}  // namespace
}  // namespace nsysexplain::core
