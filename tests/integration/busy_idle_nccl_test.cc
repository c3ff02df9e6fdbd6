// GPU busy with memory operations (sql/gpu_busy.sql), idle causes
// (sql/idle_causes.sql) and NCCL collectives (sql/nccl.sql) on
// hand-computed fixtures.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "trace_test.h"

namespace nsysexplain::testing {
namespace {

class BusyIdleNccl : public TraceTest {
 protected:
  void Kernel(int64_t b, int64_t e, const std::string& name, int64_t stream, int64_t pid = 1,
              int64_t device = 0, std::optional<int64_t> corr = std::nullopt) {
    TraceBuilder::Kernel k;
    k.start = b;
    k.end = e;
    k.name = name;
    k.stream = stream;
    k.global_pid = Gpid(pid);
    k.device = device;
    k.correlation = corr;
    t().AddKernel(k);
  }
  void MemoryTables() {
    t().Exec("CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY(start INTEGER NOT NULL, \"end\" INTEGER "
             "NOT NULL, deviceId INTEGER, streamId INTEGER, correlationId INTEGER, globalPid "
             "INTEGER, bytes INTEGER, copyKind INTEGER)");
    t().Exec("CREATE TABLE CUPTI_ACTIVITY_KIND_MEMSET(start INTEGER NOT NULL, \"end\" INTEGER "
             "NOT NULL, deviceId INTEGER, streamId INTEGER, correlationId INTEGER, globalPid "
             "INTEGER, bytes INTEGER)");
  }
};

// Device 0 (us): kernels [0,10) [20,30) on stream 7, [25,40) on stream 8; a
// copy [35,50) on stream 9 and a memset [60,65) on stream 7.
TEST_F(BusyIdleNccl, BusyWithAndWithoutMemory) {
  const int64_t us = 1000;
  MemoryTables();
  Kernel(0, 10 * us, "a", 7);
  Kernel(20 * us, 30 * us, "b", 7);
  Kernel(25 * us, 40 * us, "c", 8);
  t().Exec("INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (35000, 50000, 0, 9, 1, " +
           std::to_string(Gpid(1)) + ", 64, 1)");
  t().Exec("INSERT INTO CUPTI_ACTIVITY_KIND_MEMSET VALUES (60000, 65000, 0, 7, 2, " +
           std::to_string(Gpid(1)) + ", 64)");
  Conn& c = Open();
  // Kernels: busy 30 of [0,40). With memory: [0,10) [20,50) [60,65) = 45 of
  // [0,65); the copy and memset add 15 us when no kernel ran.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_gpu_busy")),
            "0|3|1|1|0.04|0.03|0.01|75.0|0.065|0.045|0.02|69.231|0.02|0.015\n");
  EXPECT_EQ(Render(c.Query("SELECT busy_ms, window_ms FROM llm_gpu_idle")), "0.03|0.04\n");
  EXPECT_EQ(Render(c.Query("SELECT stream_id, kernels, memcpys, memsets, kernel_window_ms, "
                           "kernel_busy_ms, window_with_memory_ms, busy_with_memory_ms, "
                           "memory_outside_kernels_ms FROM llm_gpu_busy_by_stream")),
            "7|2|0|1|0.03|0.02|0.065|0.025|0.005\n"
            "8|1|0|0|0.015|0.015|0.015|0.015|0.0\n"
            "9|0|1|0|NULL|0.0|0.015|0.015|0.015\n");
}

// Device 0 of process 1 (us): K1 [5,10); K2 [20,30) launched at 3 (before
// the gap): other; K3 [50,60) after a sync [31,45): host wait; K4 [70,75)
// launched at 65, after the gap began at 60: launch-bound; K5 [80,90) has
// no launch row: other, without launch.
TEST_F(BusyIdleNccl, IdleCauses) {
  const int64_t us = 1000, tid = Gtid(1, 1);
  t().R(0, 2 * us, "cudaLaunchKernel_v7000", tid, 1);
  Kernel(5 * us, 10 * us, "k1", 7, 1, 0, 1);
  t().R(3 * us, 4 * us, "cudaLaunchKernel_v7000", tid, 2);
  Kernel(20 * us, 30 * us, "k2", 7, 1, 0, 2);
  t().R(31 * us, 45 * us, "cudaStreamSynchronize_v3020", tid, 50);
  t().R(46 * us, 48 * us, "cudaLaunchKernel_v7000", tid, 3);
  Kernel(50 * us, 60 * us, "k3", 7, 1, 0, 3);
  t().R(65 * us, 67 * us, "cudaLaunchKernel_v7000", tid, 4);
  Kernel(70 * us, 75 * us, "k4", 7, 1, 0, 4);
  Kernel(80 * us, 90 * us, "k5", 7, 1, 0, 99);
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_gpu_idle_causes")),
            "0|host_wait|1|0.02|44.444|0.02|0\n"
            "0|launch_bound|1|0.01|22.222|0.01|0\n"
            "0|other|2|0.015|33.333|0.01|1\n");
  EXPECT_EQ(Render(c.Query("SELECT cause, rank, gap_start_ns, gap_end_ns, gap_ms, next_pid, "
                           "next_kernel, launch_start_after_gap_us FROM llm_gpu_idle_cause_gaps")),
            "host_wait|1|30000|50000|0.02|1|k3|16.0\n"
            "launch_bound|1|60000|70000|0.01|1|k4|5.0\n"
            "other|1|10000|20000|0.01|1|k2|-7.0\n"
            "other|2|75000|80000|0.005|1|k5|NULL\n");
  EXPECT_EQ(Render(c.Query("SELECT severity, title, evidence FROM llm_findings "
                           "WHERE rule = 'idle_causes'")),
            "medium|GPU idle between kernels is mostly host waits (syncs)|GPU 0 idle 0.045 ms "
            "between kernels (52.9% of its kernel window): host_wait 0.020 ms, launch_bound "
            "0.010 ms, other 0.015 ms.\n");
}

TEST_F(BusyIdleNccl, IdleCausesNeedRuntime) {
  Kernel(0, 10, "k1", 7);
  Kernel(20, 30, "k2", 7);
  t().Exec("DROP TABLE CUPTI_ACTIVITY_KIND_RUNTIME");
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT available, reason FROM llm_report_sections "
                           "WHERE section_id = 'idle_causes'")),
            "0|no CUPTI_ACTIVITY_KIND_RUNTIME table (launch and sync calls)\n");
}

// Two ranks (ms): rank A = PID 1 / GPU 0 computes [0,100) and runs
// AllReduce [50,150) and [200,220) and a SendRecv [300,310); rank B = PID 2
// / GPU 1 runs AllReduce [60,160) and [230,240) and no compute.
TEST_F(BusyIdleNccl, NcclPerRankOverlapAndSkew) {
  const int64_t ms = 1000000;
  const std::string ar = "ncclDevKernel_AllReduce_Sum_f32_RING_LL(ncclDevKernelArgsStorage<4096ul>)";
  Kernel(0, 100 * ms, "gemm", 7, 1, 0);
  Kernel(50 * ms, 150 * ms, ar, 8, 1, 0);
  Kernel(200 * ms, 220 * ms, ar, 8, 1, 0);
  Kernel(300 * ms, 310 * ms, "ncclDevKernel_SendRecv(ncclDevKernelArgsStorage<4096ul>)", 8, 1, 0);
  Kernel(60 * ms, 160 * ms, ar, 8, 2, 1);
  Kernel(230 * ms, 240 * ms, ar, 8, 2, 1);
  Conn& c = Open();
  // A: AllReduce busy 120, hidden under the gemm [50,100) = 50.
  EXPECT_EQ(Render(c.Query("SELECT pid, device_id, collective, kernels, total_ms, busy_ms, "
                           "hidden_ms, alone_ms, hidden_pct, top_kernel FROM llm_nccl")),
            "1|0|AllReduce|2|120.0|120.0|50.0|70.0|41.667|ncclDevKernel_AllReduce_Sum_f32_RING_LL\n"
            "1|0|SendRecv|1|10.0|10.0|0.0|10.0|0.0|ncclDevKernel_SendRecv\n"
            "2|1|AllReduce|2|110.0|110.0|0.0|110.0|0.0|ncclDevKernel_AllReduce_Sum_f32_RING_LL\n");
  // Instance 1: 50 vs 60 ms, instance 2: 200 vs 230 ms; B last both times.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_nccl_skew")),
            "AllReduce|2|2|20000.0|30000.0|2|1|100.0\n");
  EXPECT_EQ(Render(c.Query("SELECT rule, severity FROM llm_findings WHERE rule LIKE 'nccl%' "
                           "ORDER BY rule")),
            "nccl_exposed|medium\nnccl_rank_skew|medium\n");
  EXPECT_EQ(c.Text("SELECT evidence FROM llm_findings WHERE rule = 'nccl_exposed'"),
            "NCCL kernels of rank PID 2 / GPU 1 were busy 110.000 ms, 110.000 ms of it with no "
            "other kernel of that rank running (0.0% hidden).");
  c.Exec("UPDATE llm_settings SET value = 25000 WHERE key = 'nccl_skew_warn_us'");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_findings WHERE rule = 'nccl_rank_skew'"), 0);
}

// NCCL NVTX ranges (us): NCCL's own ranges in a declared "NCCL" domain and
// undeclared/default-domain ncclX names, PyTorch's "nccl:" ranges with
// emit_nvtx suffixes folded, an open range, and ranges that are not NCCL's.
TEST_F(BusyIdleNccl, NcclNvtxRanges) {
  const int64_t us = 1000;
  const int64_t t1 = Gtid(1, 1), t2 = Gtid(2, 2);
  TraceBuilder::Nvtx dom;
  dom.type = 75;
  dom.start = 0;
  dom.global_tid = t1;
  dom.text = "NCCL";
  dom.domain = 5;
  t().AddNvtx(dom);
  auto range = [&](int64_t b, std::optional<int64_t> e, const std::string& name,
                   int64_t tid, std::optional<int64_t> domain) {
    TraceBuilder::Nvtx n;
    n.start = b * us;
    n.end = e ? std::optional<int64_t>(*e * us) : std::nullopt;
    n.text_id = name;
    n.global_tid = tid;
    n.domain = domain;
    t().AddNvtx(n);
  };
  range(0, 40, "ncclGroupEnd", t1, 5);
  range(100, 150, "ncclGroupEnd", t1, 5);
  range(1, 3, "ncclAllReduce", t1, 5);
  range(200, std::nullopt, "ncclAllReduce", t1, 5);  // never closed
  range(10, 110, "nccl:all_reduce, op_id = 7", t1, std::nullopt);
  range(300, 320, "nccl:all_reduce, op_id = 9, sizes = [[4096]]", t1, std::nullopt);
  range(5, 6, "ncclSend", t2, std::nullopt);  // PID 2, default domain
  range(0, 500, "forward", t1, std::nullopt);
  range(0, 500, "nccl_helper_setup", t1, std::nullopt);  // no upper case after "nccl"
  Kernel(0, 10, "gemm", 7);
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_nccl_nvtx")),
            "1||framework|nccl:all_reduce|AllReduce|2|0.12|60.0|100.0|0\n"
            "1|NCCL|nccl_api|ncclGroupEnd|Other|2|0.09|45.0|50.0|0\n"
            "1|NCCL|nccl_api|ncclAllReduce|AllReduce|1|0.002|2.0|2.0|1\n"
            "2||nccl_api|ncclSend|Send|1|0.001|1.0|1.0|0\n");
  // NCCL NVTX ranges alone make the section available; the kernel tables are
  // empty (no NCCL kernels).
  EXPECT_EQ(c.Int("SELECT available FROM llm_report_sections WHERE section_id = 'nccl'"), 1);
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_nccl"), 0);
}

TEST_F(BusyIdleNccl, NoNcclSaysWhy) {
  Kernel(0, 10, "gemm", 7);
  Conn& c = Open();
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_nccl"), 0);
  EXPECT_EQ(Render(c.Query("SELECT available, reason FROM llm_report_sections "
                           "WHERE section_id = 'nccl'")),
            "0|no NCCL kernels (kernel names containing \"nccl\") in the kernel table and no "
            "NCCL NVTX ranges\n");
}

}  // namespace
}  // namespace nsysexplain::testing
