// Copy direction / memory kind classification (core/memory.h), interval
// intersection and the idle-cause classification (core/idle_causes.h)
// against brute-force references on random inputs.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/idle_causes.h"
#include "core/interval_union.h"
#include "core/memory.h"
#include "core/nccl.h"

#include <algorithm>

namespace nsysexplain::core {
namespace {

TEST(CopyDirection, DocumentedConstants) {
  const std::pair<int64_t, const char*> cases[] = {
      {0, "unknown"}, {1, "h2d"}, {2, "d2h"}, {3, "h2d"}, {4, "d2h"}, {5, "d2d"},
      {6, "d2d"}, {7, "d2d"}, {8, "d2d"}, {9, "h2h"}, {10, "p2p"}, {11, "um_h2d"},
      {12, "um_d2h"}, {13, "um_d2d"}, {14, "unknown"}, {-1, "unknown"}};
  for (const auto& [kind, name] : cases)
    EXPECT_STREQ(CopyDirectionName(ClassifyCopy(kind, "", -1, -1)), name) << kind;
  // A device copy between two devices is peer-to-peer; unknown devices are not.
  EXPECT_EQ(ClassifyCopy(8, "", 0, 1), CopyDirection::kP2P);
  EXPECT_EQ(ClassifyCopy(8, "", 1, 1), CopyDirection::kD2D);
  EXPECT_EQ(ClassifyCopy(8, "", -1, 1), CopyDirection::kD2D);
  EXPECT_EQ(ClassifyCopy(1, "", 0, 1), CopyDirection::kH2D);
  EXPECT_TRUE(IsUnifiedMigration(CopyDirection::kUmD2D));
  EXPECT_FALSE(IsUnifiedMigration(CopyDirection::kP2P));
}

TEST(CopyDirection, EnumSymbolsWin) {
  EXPECT_EQ(ClassifyCopy(1, "CUDA_MEMCPY_KIND_DTOH", -1, -1), CopyDirection::kD2H);
  EXPECT_EQ(ClassifyCopy(2, "CUDA_MEMCPY_KIND_UVM_HTOD", -1, -1), CopyDirection::kUmH2D);
  EXPECT_EQ(ClassifyCopy(1, "CUDA_MEMCPY_KIND_SOMETHING_NEW", -1, -1), CopyDirection::kUnknown);
  EXPECT_EQ(ClassifyMemKind(0, "CUDA_MEMOPR_MEMORY_KIND_PINNED"), MemKind::kPinned);
  EXPECT_EQ(ClassifyMemKind(4, "CUDA_MEMOPR_MEMORY_KIND_MANAGED_STATIC"), MemKind::kManagedStatic);
  EXPECT_EQ(ClassifyMemKind(0, ""), MemKind::kPageable);
  EXPECT_EQ(ClassifyMemKind(9, ""), MemKind::kUnknown);
  EXPECT_STREQ(MemKindName(MemKind::kDeviceStatic), "device_static");
}

std::vector<Interval> RandomIntervals(std::mt19937_64& rng, int n, int64_t span) {
  std::uniform_int_distribution<int64_t> at(0, span), len(0, span / 8);
  std::vector<Interval> v;
  for (int i = 0; i < n; ++i) {
    int64_t s = at(rng);
    v.push_back({s, s + len(rng)});
  }
  return v;
}

TEST(IntersectionLength, MatchesBruteForce) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 500; ++round) {
    const int64_t span = 200;
    auto a = MergeIntervals(RandomIntervals(rng, int(rng() % 12), span));
    auto b = MergeIntervals(RandomIntervals(rng, int(rng() % 12), span));
    int64_t brute = 0;
    for (int64_t t = 0; t < 2 * span; ++t) {
      bool in_a = false, in_b = false;
      for (const auto& x : a) in_a |= x.start <= t && t < x.end;
      for (const auto& x : b) in_b |= x.start <= t && t < x.end;
      brute += in_a && in_b;
    }
    ASSERT_EQ(IntersectionLength(a, b), brute) << round;
    ASSERT_EQ(IntersectionLength(b, a), brute) << round;
  }
}

TEST(IdleCauses, HandComputed) {
  // Process 1 syncs over [10, 20); gap (15, 30) overlaps it: host wait. Gap
  // (40, 50) has its next launch at 45 (after 40): launch-bound. Gap (60, 70)
  // was launched at 5: other. Gap (80, 90) of process 2 sees no sync of
  // process 1 (the sync [85, 95) is process 1's): launch unknown -> other.
  std::vector<IdleGap> gaps = {{15, 30, 1, 12}, {40, 50, 1, 45}, {60, 70, 1, 5},
                               {80, 90, 2, kNoLaunch}, {20, 25, 1, 21}};
  std::vector<HostWait> waits = {{1, 10, 20}, {1, 85, 95}};
  auto c = ClassifyIdleGaps(gaps, waits);
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[0], IdleCause::kHostWait);
  EXPECT_EQ(c[1], IdleCause::kLaunchBound);
  EXPECT_EQ(c[2], IdleCause::kOther);
  EXPECT_EQ(c[3], IdleCause::kOther);
  // A sync that ends exactly when the gap starts is not in progress in it.
  EXPECT_EQ(c[4], IdleCause::kLaunchBound);
  EXPECT_STREQ(IdleCauseName(IdleCause::kLaunchBound), "launch_bound");
}

TEST(IdleCauses, MatchesBruteForce) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 300; ++round) {
    std::uniform_int_distribution<int64_t> at(0, 1000), len(0, 60), proc(1, 3);
    std::vector<IdleGap> gaps;
    std::vector<HostWait> waits;
    int ng = int(rng() % 40), nw = int(rng() % 40);
    for (int i = 0; i < ng; ++i) {
      int64_t s = at(rng);
      int64_t launch = rng() % 4 == 0 ? kNoLaunch : s - 30 + int64_t(rng() % 60);
      gaps.push_back({s, s + 1 + len(rng), proc(rng), launch});
    }
    for (int i = 0; i < nw; ++i) {
      int64_t s = at(rng);
      waits.push_back({proc(rng), s, s + len(rng)});
    }
    auto got = ClassifyIdleGaps(gaps, waits);
    ASSERT_EQ(got.size(), gaps.size());
    for (size_t g = 0; g < gaps.size(); ++g) {
      bool wait = false;
      for (const HostWait& w : waits)
        wait |= w.process == gaps[g].process && w.start < gaps[g].end && w.end > gaps[g].start;
      IdleCause want = wait ? IdleCause::kHostWait
                            : (gaps[g].next_launch != kNoLaunch && gaps[g].next_launch > gaps[g].start
                                   ? IdleCause::kLaunchBound
                                   : IdleCause::kOther);
      ASSERT_EQ(got[g], want) << round << " gap " << g;
    }
  }
}

}  // namespace
}  // namespace nsysexplain::core

namespace nsysexplain::core {
namespace {

TEST(Nccl, Collectives) {
  EXPECT_EQ(NcclCollective("ncclDevKernel_SendRecv(ncclDevKernelArgsStorage<4096ul>)"), "SendRecv");
  EXPECT_EQ(NcclCollective("ncclDevKernel_AllReduce_Sum_bf16_RING_LL"), "AllReduce");
  EXPECT_EQ(NcclCollective("ncclKernel_ReduceScatter_RING_SIMPLE_Sum_half"), "ReduceScatter");
  EXPECT_EQ(NcclCollective("ncclDevKernel_Reduce_Sum_f32"), "Reduce");
  EXPECT_EQ(NcclCollective("ncclDevKernel_Broadcast_RING_LL"), "Broadcast");
  EXPECT_EQ(NcclCollective("ncclDevKernel_Generic"), "Other");
  EXPECT_EQ(NcclCollective("void allreduce_kernel<float>()"), "");
  EXPECT_EQ(NcclCollective(""), "");
}

// NVTX range names: NCCL's own (API function names) and PyTorch's
// ProcessGroupNCCL ranges ("nccl:all_reduce"), where '_' separates words.
TEST(Nccl, CollectivesOfNvtxRangeNames) {
  EXPECT_EQ(NcclCollective("ncclAllReduce"), "AllReduce");
  EXPECT_EQ(NcclCollective("ncclSend"), "Send");
  EXPECT_EQ(NcclCollective("ncclRecv"), "Recv");
  EXPECT_EQ(NcclCollective("ncclGroupEnd"), "Other");
  EXPECT_EQ(NcclCollective("ncclCommCount"), "Other");
  EXPECT_EQ(NcclCollective("nccl:all_reduce"), "AllReduce");
  EXPECT_EQ(NcclCollective("nccl:reduce_scatter"), "ReduceScatter");
  EXPECT_EQ(NcclCollective("nccl:_all_gather_base"), "AllGather");
  EXPECT_EQ(NcclCollective("nccl:all_to_all, op_id = 994474"), "AllToAll");
  EXPECT_EQ(NcclCollective("nccl:broadcast"), "Broadcast");
  EXPECT_EQ(NcclCollective("nccl:reduce"), "Reduce");
  // A '_' between words never joins a word with the next one's start:
  // Reduce_Sum is Reduce, not ReduceScatter; a leading '_' is not skipped.
  EXPECT_EQ(NcclCollective("ncclDevKernel_Reduce_Sum_f32_RING"), "Reduce");
  EXPECT_EQ(NcclCollective("nccl_x_Send_Recv"), "SendRecv");
}

TEST(Nccl, RankSkewPerRankInstances) {
  // Rank 0 ran 3 instances, rank 1 two, rank 2 one: instance 0 over 3 ranks
  // (spread 30 - 10 = 20, rank 2 last), instance 1 over 2 (spread 5, rank 1
  // last), instance 2 on rank 0 alone (not compared).
  RankSkew s = ComputeRankSkew({{10, 100, 200}, {12, 105}, {30}});
  EXPECT_EQ(s.instances, 2);
  EXPECT_EQ(s.total, 25);
  EXPECT_EQ(s.max, 20);
  EXPECT_EQ(s.last, (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(ComputeRankSkew({{1, 2, 3}}).instances, 0);
}

TEST(Nccl, RankSkewMatchesBruteForce) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::vector<int64_t>> starts(1 + rng() % 4);
    for (auto& s : starts) {
      int n = int(rng() % 6);
      for (int i = 0; i < n; ++i) s.push_back(int64_t(rng() % 1000));
      std::sort(s.begin(), s.end());
    }
    RankSkew got = ComputeRankSkew(starts);
    int64_t instances = 0, total = 0, mx = 0;
    for (size_t n = 0; n < 6; ++n) {
      std::vector<int64_t> v;
      for (const auto& s : starts)
        if (n < s.size()) v.push_back(s[n]);
      if (v.size() < 2) continue;
      ++instances;
      int64_t spread = *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end());
      total += spread;
      mx = std::max(mx, spread);
    }
    ASSERT_EQ(got.instances, instances);
    ASSERT_EQ(got.total, total);
    ASSERT_EQ(got.max, mx);
  }
}

}  // namespace
}  // namespace nsysexplain::core
