// Multi-process safety on nsysai_mfu_2gpu_before (torchrun, 2 ranks = PIDs
// 144 and 145, devices 0 and 1). CUPTI correlation ids are per-process
// counters, so both ranks reuse the same ids: a kernel must be joined to its
// launch call on correlationId AND process (SEMANTICS "NVTX -> kernel
// attribution" rule 1). These tests pin that down and show that the
// correlationId-only join really differs on this trace, so a regression to it
// would be caught.
#include <map>
#include <set>

#include "conformance.h"
#include "reference.h"

namespace conformance {
namespace {

const char kTrace[] = "nsysai_mfu_2gpu_before";

class MultiProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    CONFORMANCE_REQUIRE_TRACE(kTrace);
    ext_ = OpenTrace(kTrace, true);
    plain_ = OpenTrace(kTrace, false);
    ref_ = LoadReference(*plain_);
  }
  std::unique_ptr<Db> ext_, plain_;
  RefTrace ref_;
};

TEST_F(MultiProcess, TwoProcessesOnTwoDevices) {
  Result p = ext_->Query("SELECT pid, kernel_count FROM llm_pids ORDER BY pid");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.rows[0][0].i, 144);
  EXPECT_EQ(p.rows[1][0].i, 145);
  EXPECT_EQ(p.rows[0][1].i + p.rows[1][1].i, 4010);
  Result d = ext_->Query(
      "SELECT pid, group_concat(DISTINCT device_id) FROM nsys_kernels GROUP BY pid "
      "ORDER BY pid");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.rows[0][1].s, "0");  // rank 0 on device 0
  EXPECT_EQ(d.rows[1][1].s, "1");
}

TEST_F(MultiProcess, CorrelationIdsCollideAcrossProcesses) {
  // Plain SQL: the naive correlationId-only join finds more rows than the
  // process-aware one, because both ranks reuse correlation ids.
  int64_t naive = plain_->Int(
      "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL AS k JOIN "
      "CUPTI_ACTIVITY_KIND_RUNTIME AS r ON r.correlationId = k.correlationId");
  int64_t safe = plain_->Int(
      "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL AS k JOIN "
      "CUPTI_ACTIVITY_KIND_RUNTIME AS r ON r.correlationId = k.correlationId "
      "AND (r.globalTid & -16777216) = k.globalPid");
  int64_t foreign = plain_->Int(
      "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL AS k WHERE EXISTS ("
      "SELECT 1 FROM CUPTI_ACTIVITY_KIND_RUNTIME AS r WHERE r.correlationId = "
      "k.correlationId AND (r.globalTid & -16777216) <> k.globalPid)");
  EXPECT_EQ(safe, 3986);
  EXPECT_GT(naive, safe);
  EXPECT_EQ(naive, 4280);
  EXPECT_EQ(foreign, 294) << "kernels whose correlationId also exists in the "
                             "other rank";
}

TEST_F(MultiProcess, LaunchRowIsInTheKernelsProcess) {
  // Every launch the extension found has the kernel's correlationId and
  // process, and exactly the kernels that have such a row are launched.
  EXPECT_EQ(ext_->Int("SELECT count(*) FROM nsys_kernels AS n "
                      "JOIN main.CUPTI_ACTIVITY_KIND_KERNEL AS k ON k.rowid = "
                      "n.kernel_rowid JOIN main.CUPTI_ACTIVITY_KIND_RUNTIME AS r "
                      "ON r.rowid = n.launch_rowid WHERE r.correlationId <> "
                      "k.correlationId OR (r.globalTid & -16777216) <> "
                      "k.globalPid OR n.pid <> ((r.globalTid >> 24) & 16777215)"),
            0);
  EXPECT_EQ(ext_->Int("SELECT count(*) FROM nsys_kernels WHERE launch_rowid "
                      "IS NOT NULL"),
            3986);
  EXPECT_EQ(ext_->Int("SELECT launched_kernel_count FROM llm_nvtx_coverage "
                      "WHERE pid IS NULL"),
            3986);

  // The naive references: process-aware equals the extension kernel by
  // kernel; correlationId-only picks another process's call for many kernels.
  std::vector<int> safe = KernelLaunch(ref_, true);
  std::vector<int> naive = KernelLaunch(ref_, false);
  Result k = ext_->Query("SELECT kernel_rowid, launch_rowid FROM nsys_kernels");
  ASSERT_EQ(k.size(), ref_.kernels.size());
  int64_t ext_vs_safe = 0, naive_vs_safe = 0, naive_cross = 0;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t got = k.rows[i][1].null() ? -1 : k.rows[i][1].i;
    int64_t want = safe[i] < 0 ? -1 : ref_.runtime[size_t(safe[i])].rowid;
    int64_t bad = naive[i] < 0 ? -1 : ref_.runtime[size_t(naive[i])].rowid;
    ext_vs_safe += got != want;
    naive_vs_safe += bad != want;
    naive_cross += naive[i] >= 0 && ProcessKeyOf(ref_.runtime[size_t(naive[i])].gtid) !=
                                        ref_.kernels[i].global_pid;
  }
  EXPECT_EQ(ext_vs_safe, 0);
  EXPECT_GT(naive_vs_safe, 0) << "the correlationId-only join must differ here";
  EXPECT_GT(naive_cross, 0);
  RecordProperty("naive_join_wrong_launches", std::to_string(naive_vs_safe));
}

TEST_F(MultiProcess, CorrelationOnlyAttributionWouldDiffer) {
  RefAttribution safe = Attribute(ref_, KernelLaunch(ref_, true));
  RefAttribution naive = Attribute(ref_, KernelLaunch(ref_, false));
  // What the extension reports (global and per PID) equals the safe one...
  Result c = ext_->Query(
      "SELECT coalesce(pid, -1), kernels, launched_kernels, attributed_kernels, "
      "attributed_ns FROM _nsys_nvtx_coverage");
  ASSERT_EQ(c.size(), safe.coverage.size());
  bool naive_differs = false;
  for (const Row& r : c.rows) {
    const RefCoverage& s = safe.coverage[r[0].i];
    const RefCoverage& n = naive.coverage[r[0].i];
    EXPECT_EQ(r[2].i, s.launched);
    EXPECT_EQ(r[3].i, s.attributed);
    EXPECT_EQ(r[4].i, s.attributed_ns);
    naive_differs |= n.launched != s.launched || n.attributed != s.attributed ||
                     n.attributed_ns != s.attributed_ns;
  }
  // ... and the correlationId-only version differs from it somewhere: in the
  // coverage or in the per-range attribution.
  naive_differs |= naive.rows.size() != safe.rows.size();
  for (const auto& [key, s] : safe.rows) {
    auto it = naive.rows.find(key);
    if (it == naive.rows.end() || it->second.incl_ns != s.incl_ns ||
        it->second.inner_ns != s.inner_ns)
      naive_differs = true;
  }
  EXPECT_TRUE(naive_differs);
  // Kernels the naive join attributes to ranges of the other process.
  int64_t cross = 0;
  for (size_t i = 0; i < ref_.kernels.size(); ++i)
    for (int r : naive.enclosing[i])
      cross += PidOfGlobal(ref_.nvtx[size_t(r)].gtid) != ref_.kernels[i].pid();
  EXPECT_GT(cross, 0);
}

TEST_F(MultiProcess, RangesNeverCrossProcesses) {
  EXPECT_EQ(ext_->Int("SELECT count(*) FROM nsys_nvtx_kernel_ranges AS x JOIN "
                      "main.NVTX_EVENTS AS n ON n.rowid = x.range_rowid WHERE "
                      "((n.globalTid >> 24) & 16777215) <> x.pid"),
            0);
  EXPECT_GT(ext_->Int("SELECT count(*) FROM nsys_nvtx_kernel_ranges"), 0);
}

TEST_F(MultiProcess, AttributedAtMost100Percent) {
  Result c = ext_->Query("SELECT * FROM llm_nvtx_coverage");
  ASSERT_EQ(c.size(), 3u);  // global + 2 PIDs
  for (size_t i = 0; i < c.size(); ++i) {
    EXPECT_LE(c.At(i, "coverage_pct").num(), 100.0);
    EXPECT_LE(c.At(i, "attributed_kernel_count").i, c.At(i, "kernel_count").i);
  }
  EXPECT_LE(ext_->Query("SELECT sum(pct_of_total_kernel_time) FROM "
                        "llm_nvtx_kernel_time").rows[0][0].num(),
            100.0);
  // Inclusive: a kernel counts once per range name, never more than all kernels.
  EXPECT_EQ(ext_->Int("SELECT count(*) FROM llm_nvtx_kernel_time WHERE "
                      "inclusive_kernel_count > 4010 OR "
                      "inclusive_pct_of_kernel_time > 100"),
            0);
  Result by = ext_->Query(
      "SELECT max(pid_attribution_coverage_pct) FROM llm_nvtx_by_pid");
  EXPECT_LE(by.rows[0][0].num(), 100.0);
}

TEST_F(MultiProcess, PerPidSumsEqualGlobal) {
  auto one = [&](const std::string& sql) { return ext_->Query(sql).rows.at(0); };
  Row g = one("SELECT kernel_count, round(total_kernel_time_ms * 1e6), "
              "attributed_kernel_count, round(attributed_kernel_time_ms * 1e6), "
              "launched_kernel_count FROM llm_nvtx_coverage WHERE pid IS NULL");
  Row p = one("SELECT sum(kernel_count), sum(round(total_kernel_time_ms * 1e6)), "
              "sum(attributed_kernel_count), "
              "sum(round(attributed_kernel_time_ms * 1e6)), "
              "sum(launched_kernel_count) FROM llm_nvtx_coverage WHERE pid IS NOT "
              "NULL");
  for (size_t i = 0; i < g.size(); ++i) EXPECT_EQ(g[i].num(), p[i].num()) << i;
  Row pids = one("SELECT sum(kernel_count), sum(round(total_kernel_time_ms * 1e6)) "
                 "FROM llm_pids");
  EXPECT_EQ(pids[0].num(), g[0].num());
  EXPECT_EQ(pids[1].num(), g[1].num());
  Row k1 = one("SELECT sum(calls), sum(round(total_ms * 1e6)) FROM llm_top_kernels");
  Row k2 = one("SELECT sum(call_count), sum(round(total_time_ms * 1e6)) FROM "
               "llm_kernels_by_pid");
  EXPECT_EQ(k1[0].num(), 4010);
  EXPECT_EQ(k1[0].num(), k2[0].num());
  EXPECT_EQ(k1[1].num(), k2[1].num());
  Row s1 = one("SELECT sum(call_count), sum(round(total_time_ms * 1e6)) FROM "
               "llm_sync_calls");
  Row s2 = one("SELECT sum(call_count), sum(round(total_time_ms * 1e6)) FROM "
               "llm_sync_calls_by_pid");
  EXPECT_EQ(s1[0].num(), s2[0].num());
  EXPECT_EQ(s1[1].num(), s2[1].num());
  Row n1 = one("SELECT sum(count), sum(round(total_time_ms * 1e6)) FROM "
               "llm_nvtx_ranges");
  Row n2 = one("SELECT sum(count), sum(round(total_time_ms * 1e6)) FROM "
               "llm_nvtx_ranges_by_pid");
  EXPECT_EQ(n1[0].num(), 19118);
  EXPECT_EQ(n1[0].num(), n2[0].num());
  EXPECT_EQ(n1[1].num(), n2[1].num());
  Row l1 = one("SELECT total_launches FROM llm_launch_storm");
  Row l2 = one("SELECT sum(total_launches) FROM llm_launch_storm_by_pid");
  EXPECT_EQ(l1[0].num(), l2[0].num());
  // Attributed GPU time per PID (llm_nvtx_by_pid) adds up to the global
  // innermost attribution.
  Row a1 = one("SELECT sum(round(total_kernel_time_ms * 1e6)), sum(kernel_count) "
               "FROM llm_nvtx_kernel_time");
  Row a2 = one("SELECT sum(round(attributed_kernel_time_ms * 1e6)), "
               "sum(attributed_kernel_count) FROM llm_nvtx_by_pid");
  EXPECT_EQ(a1[0].num(), a2[0].num());
  EXPECT_EQ(a1[1].num(), a2[1].num());
  EXPECT_EQ(a1[1].num(), g[2].num());
}

}  // namespace
}  // namespace conformance
