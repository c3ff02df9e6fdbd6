// Step splitting and idle-inside-a-window (ext/core/steps.h) against
// hand-computed cases and brute-force references on random inputs.
#include "core/steps.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace nsysexplain::core {
namespace {

TEST(SplitAtSyncs, HandComputed) {
  // launches at 0, 10, 20 | sync [25, 40) | launches 50, 60 | sync [70, 80)
  // | sync [90, 95) (no launch since: no step) | launch 100 (trailing).
  std::vector<HostCall> l = {{0, 5}, {10, 15}, {20, 22}, {50, 55}, {60, 61}, {100, 104}};
  std::vector<HostCall> s = {{25, 40}, {70, 80}, {90, 95}};
  auto st = SplitAtSyncs(l, s);
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0].first, 0u);
  EXPECT_EQ(st[0].last, 3u);
  EXPECT_EQ(st[0].start, 0);
  EXPECT_EQ(st[0].end, 40);
  EXPECT_TRUE(st[0].closed);
  EXPECT_EQ(st[1].first, 3u);
  EXPECT_EQ(st[1].last, 5u);
  EXPECT_EQ(st[1].end, 80);
  EXPECT_EQ(st[2].first, 5u);
  EXPECT_EQ(st[2].last, 6u);
  EXPECT_EQ(st[2].end, 104);
  EXPECT_FALSE(st[2].closed);
  EXPECT_TRUE(SplitAtSyncs({}, s).empty());
}

TEST(SplitAtSyncs, MatchesBruteForce) {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 300; ++iter) {
    // One thread: calls do not overlap; each is a launch or a sync.
    std::vector<HostCall> l, s;
    int64_t t = 0;
    int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      t += 1 + static_cast<int64_t>(rng() % 5);
      int64_t d = 1 + static_cast<int64_t>(rng() % 4);
      (rng() % 3 == 0 ? s : l).push_back({t, t + d});
      t += d;
    }
    auto st = SplitAtSyncs(l, s);
    // Reference: launches i < j share a step iff no sync starts in
    // (start_i, start_j]; a step ends at the first sync after its last launch.
    std::vector<size_t> step_of(l.size());
    size_t cur = 0;
    for (size_t i = 0; i < l.size(); ++i) {
      if (i > 0) {
        bool cut = false;
        for (const HostCall& x : s)
          if (x.start > l[i - 1].start && x.start <= l[i].start) cut = true;
        if (cut) ++cur;
      }
      step_of[i] = cur;
    }
    size_t expected_steps = l.empty() ? 0 : cur + 1;
    ASSERT_EQ(st.size(), expected_steps);
    for (size_t k = 0; k < st.size(); ++k) {
      for (size_t i = st[k].first; i < st[k].last; ++i) EXPECT_EQ(step_of[i], k);
      int64_t end = l[st[k].last - 1].end;
      bool closed = false;
      for (const HostCall& x : s)
        if (x.start > l[st[k].last - 1].start) {
          end = std::max(end, x.end);
          closed = true;
          break;
        }
      EXPECT_EQ(st[k].end, end);
      EXPECT_EQ(st[k].closed, closed);
      EXPECT_EQ(st[k].start, l[st[k].first].start);
    }
  }
}

TEST(SplitAtGraphLaunches, HandComputed) {
  std::vector<HostCall> l = {{0, 1}, {2, 3}, {4, 9}, {10, 11}, {12, 20}, {21, 22}};
  std::vector<uint8_t> g = {0, 0, 1, 0, 1, 0};
  auto st = SplitAtGraphLaunches(l, g);
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0].last, 2u);
  EXPECT_EQ(st[1].first, 2u);
  EXPECT_EQ(st[1].last, 4u);
  EXPECT_EQ(st[1].end, 11);
  EXPECT_EQ(st[2].first, 4u);
  EXPECT_EQ(st[2].end, 22);
}

TEST(IdleInside, MatchesBruteForce) {
  std::mt19937_64 rng(11);
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<Interval> busy;
    for (int i = 0, n = static_cast<int>(rng() % 12); i < n; ++i) {
      int64_t a = static_cast<int64_t>(rng() % 200);
      busy.push_back({a, a + 1 + static_cast<int64_t>(rng() % 30)});
    }
    std::vector<Interval> merged = MergeIntervals(busy);
    if (merged.empty()) continue;
    int64_t ws = merged.front().start, we = merged.back().end;
    std::vector<Interval> gaps = GapsInWindow(merged, ws, we);
    // Padding gaps of another device before and after: only the range counts.
    std::vector<Interval> all = {{-50, -40}};
    all.insert(all.end(), gaps.begin(), gaps.end());
    all.push_back({500, 510});
    for (int q = 0; q < 20; ++q) {
      int64_t a = static_cast<int64_t>(rng() % 260) - 30;
      int64_t b = a + static_cast<int64_t>(rng() % 120);
      int64_t ref = 0;
      for (int64_t x = a; x < b; ++x) {
        bool is_busy = false;
        for (const Interval& m : merged) is_busy |= m.start <= x && x < m.end;
        ref += !is_busy;
      }
      EXPECT_EQ(IdleInside(all.data() + 1, gaps.size(), ws, we, a, b), ref)
          << "iter " << iter << " [" << a << "," << b << ")";
    }
  }
}

}  // namespace
}  // namespace nsysexplain::core

namespace nsysexplain::core {
namespace {

TEST(MatchSteps, HandComputed) {
  // Midpoints of b: 55, 225, 310, 390, 660. a[0] [0,100) holds one (55);
  // a[1] [100,200) none; a[2] [300,400) two; a[3] [400,500) none (b[4]
  // starts inside it but its midpoint is outside); a[4] is empty.
  std::vector<Interval> a = {{0, 100}, {100, 200}, {300, 400}, {400, 500}, {600, 600}};
  std::vector<Interval> b = {{10, 100}, {150, 300}, {300, 320}, {380, 400}, {420, 900}};
  auto m = MatchSteps(a, b);
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0], 0);
  EXPECT_EQ(m[1], -1);
  EXPECT_EQ(m[2], -1);
  EXPECT_EQ(m[3], -1);
  EXPECT_EQ(m[4], -1);
  // Half-open: a midpoint at a's end is outside.
  EXPECT_EQ(MatchSteps({{0, 50}}, {{0, 100}})[0], -1);
  EXPECT_EQ(MatchSteps({{0, 51}}, {{0, 100}})[0], 0);
  EXPECT_TRUE(MatchSteps({}, {{0, 1}}).empty());
  EXPECT_EQ(MatchSteps({{0, 1}}, {})[0], -1);
  // No overflow at the extremes.
  EXPECT_EQ(Midpoint({INT64_MAX - 2, INT64_MAX}), INT64_MAX - 1);
  EXPECT_EQ(Midpoint({INT64_MIN, INT64_MIN + 4}), INT64_MIN + 2);
}

TEST(MatchSteps, MatchesBruteForce) {
  std::mt19937_64 rng(11);
  for (int iter = 0; iter < 400; ++iter) {
    auto make = [&](size_t n, bool overlapping) {
      std::vector<Interval> v;
      int64_t t = int64_t(rng() % 50);
      for (size_t i = 0; i < n; ++i) {
        int64_t len = int64_t(rng() % 60);
        v.push_back({t, t + len});
        t += overlapping ? int64_t(rng() % 40) : len + int64_t(rng() % 20);
      }
      return v;
    };
    auto a = make(rng() % 30, iter % 3 == 0);
    auto b = make(rng() % 30, iter % 2 == 0);
    std::shuffle(b.begin(), b.end(), rng);
    auto m = MatchSteps(a, b);
    ASSERT_EQ(m.size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      int64_t want = -1, found = 0;
      for (size_t j = 0; j < b.size(); ++j) {
        int64_t mid = (b[j].start + b[j].end) / 2;
        if (mid >= a[i].start && mid < a[i].end) want = int64_t(j), ++found;
      }
      ASSERT_EQ(m[i], found == 1 ? want : -1) << "iter " << iter << " i " << i;
    }
  }
}

TEST(AttentionPhaseOf, Variants) {
  EXPECT_EQ(AttentionPhaseOf("kernel_unified_attention_3d"), AttentionPhase::kDecode);
  EXPECT_EQ(AttentionPhaseOf("kernel_unified_attention_2d"), AttentionPhase::kPrefill);
  EXPECT_EQ(AttentionPhaseOf("void flash::flash_fwd_splitkv_kernel<T>(P)"), AttentionPhase::kDecode);
  EXPECT_EQ(AttentionPhaseOf("void flash::flash_fwd_kernel<T>(P)"), AttentionPhase::kPrefill);
  EXPECT_EQ(AttentionPhaseOf("void vllm::paged_attention_v2_kernel<T>(P)"), AttentionPhase::kDecode);
  EXPECT_EQ(AttentionPhaseOf("BatchPrefillWithPagedKVCacheKernel"), AttentionPhase::kPrefill);
  EXPECT_EQ(AttentionPhaseOf("BatchDecodeWithPagedKVCacheKernel"), AttentionPhase::kDecode);
  EXPECT_EQ(AttentionPhaseOf("ampere_sgemm_128x64_nn"), AttentionPhase::kNone);
}

}  // namespace
}  // namespace nsysexplain::core
