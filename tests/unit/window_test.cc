// Time windows (ext/core/window.h): the kept rows and their clipped
// intervals against a per-nanosecond brute force on random inputs.
#include "core/window.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/interval_union.h"

namespace nsysexplain::core {
namespace {

TEST(Window, Edges) {
  TimeWindow w{10, 20};
  EXPECT_FALSE(w.Overlaps(0, 10));   // ends at the window start
  EXPECT_TRUE(w.Overlaps(0, 11));
  EXPECT_TRUE(w.Overlaps(19, 30));
  EXPECT_FALSE(w.Overlaps(20, 30));  // starts at the (exclusive) end
  EXPECT_TRUE(w.Overlaps(10, 10));   // zero length at from: inside
  EXPECT_FALSE(w.Overlaps(20, 20));
  EXPECT_TRUE(TimeWindow{}.whole());
  EXPECT_TRUE(TimeWindow{}.Overlaps(INT64_MIN, INT64_MAX));
}

// Random kernels in [0, 200) ns and windows: a kernel is kept iff some
// nanosecond of it is inside the window (zero-length: its start is); the
// union of the clipped kernels covers exactly the nanoseconds of the window
// the whole union covers.
TEST(Window, KernelsMatchBruteForce) {
  std::mt19937_64 rng(12);
  for (int round = 0; round < 500; ++round) {
    Kernels k;
    int n = static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      int64_t s = static_cast<int64_t>(rng() % 200), len = static_cast<int64_t>(rng() % 40);
      if (rng() % 8 == 0) len = 0;
      k.rowid.push_back(1000 + i);
      k.start.push_back(s);
      k.end.push_back(s + len);
      k.global_pid.push_back(1);
      k.correlation_id.push_back(i);
      k.device_id.push_back(0);
      k.stream_id.push_back(7);
      k.name.push_back(static_cast<uint32_t>(i));
      k.short_name.push_back(0);
      k.graph_node.push_back(0);
    }
    int64_t a = static_cast<int64_t>(rng() % 250), b = a + 1 + static_cast<int64_t>(rng() % 120);
    TimeWindow w{a, b};
    std::vector<uint32_t> rows = RowsInWindow(k.start, k.end, w);
    std::vector<uint32_t> expect;
    for (int i = 0; i < n; ++i) {
      bool in = k.start[i] == k.end[i] ? k.start[i] >= a && k.start[i] < b : false;
      for (int64_t t = k.start[i]; t < k.end[i]; ++t) in |= t >= a && t < b;
      if (in) expect.push_back(static_cast<uint32_t>(i));
    }
    ASSERT_EQ(rows, expect) << "round " << round;
    Kernels win = KernelsInWindow(k, rows, w);
    ASSERT_EQ(win.size(), rows.size());
    std::vector<Interval> clipped;
    for (size_t j = 0; j < win.size(); ++j) {
      EXPECT_GE(win.start[j], a);
      EXPECT_LE(win.end[j], b);
      EXPECT_EQ(win.rowid[j], k.rowid[rows[j]]);
      EXPECT_EQ(win.name[j], k.name[rows[j]]);
      clipped.push_back({win.start[j], win.end[j]});
    }
    std::vector<bool> busy(400, false);
    for (int i = 0; i < n; ++i)
      for (int64_t t = k.start[i]; t < k.end[i]; ++t) busy[size_t(t)] = true;
    int64_t inside = 0;
    for (int64_t t = a; t < b && t < 400; ++t) inside += busy[size_t(t)];
    EXPECT_EQ(UnionLength(MergeIntervals(clipped)), inside) << "round " << round;
  }
}

// Launch rows: kept iff they overlap the window or launched a kept kernel,
// and the windowed kernel -> launch map points at the same rows.
TEST(Window, RuntimeKeepsTheLaunchesOfWindowedKernels) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 300; ++round) {
    RuntimeCalls r;
    int nl = 1 + static_cast<int>(rng() % 20);
    for (int l = 0; l < nl; ++l) {
      int64_t s = static_cast<int64_t>(rng() % 200);
      r.rowid.push_back(l);
      r.start.push_back(s);
      r.end.push_back(s + 1 + static_cast<int64_t>(rng() % 5));
      r.global_tid.push_back(1);
      r.correlation_id.push_back(l);
      r.name.push_back(0);
    }
    Column<int64_t> ks, ke;
    std::vector<int32_t> launch;
    int nk = static_cast<int>(rng() % 30);
    for (int i = 0; i < nk; ++i) {
      int32_t l = rng() % 4 == 0 ? -1 : static_cast<int32_t>(rng() % uint64_t(nl));
      int64_t s = (l < 0 ? 0 : r.end[size_t(l)]) + static_cast<int64_t>(rng() % 50);
      ks.push_back(s);
      ke.push_back(s + static_cast<int64_t>(rng() % 20));
      launch.push_back(l);
    }
    TimeWindow w{static_cast<int64_t>(rng() % 200), 0};
    w.to = w.from + 1 + static_cast<int64_t>(rng() % 100);
    std::vector<uint32_t> krows = RowsInWindow(ks, ke, w);
    std::vector<int32_t> wlaunch;
    RuntimeCalls out = RuntimeInWindow(r, launch, krows, w, wlaunch);
    std::vector<int64_t> expect;
    for (int l = 0; l < nl; ++l) {
      bool keep = r.end[size_t(l)] > w.from && r.start[size_t(l)] < w.to;
      for (uint32_t i : krows) keep |= launch[i] == l;
      if (keep) expect.push_back(l);
    }
    std::vector<int64_t> got;
    for (size_t l = 0; l < out.size(); ++l) got.push_back(out.rowid[l]);
    ASSERT_EQ(got, expect) << "round " << round;
    ASSERT_EQ(wlaunch.size(), krows.size());
    for (size_t j = 0; j < krows.size(); ++j) {
      int32_t l = launch[krows[j]];
      if (l < 0) {
        EXPECT_EQ(wlaunch[j], -1);
      } else {
        ASSERT_GE(wlaunch[j], 0);
        EXPECT_EQ(out.rowid[size_t(wlaunch[j])], l);
      }
    }
  }
}

}  // namespace
}  // namespace nsysexplain::core
