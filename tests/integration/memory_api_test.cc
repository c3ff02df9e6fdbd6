// Memory copies and memsets (sql/memory.sql), the CUDA API summary and
// allocation churn (sql/api_calls.sql) on hand-computed fixtures.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "trace_test.h"

namespace nsysexplain::testing {
namespace {

class MemoryApi : public TraceTest {
 protected:
  void MemoryTables() {
    t().Exec("CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY(start INTEGER NOT NULL, \"end\" INTEGER "
             "NOT NULL, deviceId INTEGER, contextId INTEGER, streamId INTEGER, correlationId "
             "INTEGER, globalPid INTEGER, bytes INTEGER, copyKind INTEGER, srcKind INTEGER, "
             "dstKind INTEGER, srcDeviceId INTEGER, dstDeviceId INTEGER)");
    t().Exec("CREATE TABLE CUPTI_ACTIVITY_KIND_MEMSET(start INTEGER NOT NULL, \"end\" INTEGER "
             "NOT NULL, deviceId INTEGER, contextId INTEGER, streamId INTEGER, correlationId "
             "INTEGER, globalPid INTEGER, value INTEGER, bytes INTEGER, memKind INTEGER)");
  }
  // start/end in us; kinds as exported.
  void Copy(int64_t b, int64_t e, int64_t corr, int64_t bytes, int64_t kind, int64_t src,
            int64_t dst, int64_t src_dev = 0, int64_t dst_dev = 0) {
    t().Exec("INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (" + std::to_string(b * 1000) +
             ", " + std::to_string(e * 1000) + ", 0, 1, 7, " + std::to_string(corr) + ", " +
             std::to_string(Gpid(1)) + ", " + std::to_string(bytes) + ", " +
             std::to_string(kind) + ", " + std::to_string(src) + ", " + std::to_string(dst) +
             ", " + std::to_string(src_dev) + ", " + std::to_string(dst_dev) + ")");
  }
  void Set(int64_t b, int64_t e, int64_t corr, int64_t bytes, int64_t kind) {
    t().Exec("INSERT INTO CUPTI_ACTIVITY_KIND_MEMSET VALUES (" + std::to_string(b * 1000) +
             ", " + std::to_string(e * 1000) + ", 0, 1, 7, " + std::to_string(corr) + ", " +
             std::to_string(Gpid(1)) + ", 0, " + std::to_string(bytes) + ", " +
             std::to_string(kind) + ")");
  }
  // Process 1 (us): an async pageable H2D copy, an async pinned H2D copy, a
  // blocking pageable D2H copy, a peer copy, a device copy and a unified-
  // memory migration (no call), a blocking and an async memset; warm-up
  // ends with cudaGraphInstantiate at 160 us; allocations before and after.
  // Process 2: one cudaMalloc (no version suffix).
  void Fixture() {
    const int64_t us = 1000, tid = Gtid(1, 1);
    MemoryTables();
    t().R(0, 5 * us, "cudaMemcpyAsync_v3020", tid, 10);
    Copy(10, 20, 10, 1000, 1, 0, 2);  // h2d pageable -> device, async
    t().R(30 * us, 35 * us, "cudaMemcpyAsync_v3020", tid, 11);
    Copy(40, 44, 11, 3000, 1, 1, 2);  // h2d pinned, async
    t().R(50 * us, 80 * us, "cudaMemcpy_v3020", tid, 12);
    Copy(60, 70, 12, 500, 2, 2, 0);  // d2h to pageable, blocking call
    Copy(100, 102, 13, 4000, 8, 2, 2, 0, 1);  // device 0 -> device 1: peer
    Copy(110, 111, 14, 10, 8, 2, 2, 0, 0);    // device to device
    Copy(120, 130, 0, 4096, 11, 4, 4);        // unified-memory migration
    t().R(150 * us, 160 * us, "cudaGraphInstantiate_v10000", tid, 20);
    t().R(200 * us, 210 * us, "cudaMemset_v3020", tid, 21);
    Set(202, 204, 21, 256, 2);
    t().R(220 * us, 222 * us, "cudaMemsetAsync_v3020", tid, 22);
    Set(230, 231, 22, 64, 2);
    t().R(1 * us, 2 * us, "cudaMalloc_v3020", tid, 30);
    t().R(300 * us, 310 * us, "cudaMalloc_v3020", tid, 31);
    t().R(320 * us, 325 * us, "cudaFree_v3020", tid, 32);
    t().R(330 * us, 332 * us, "cudaMalloc_v3020", tid, 33);
    t().R(400 * us, 404 * us, "cudaMalloc", Gtid(2, 1), 1);
  }
};

TEST_F(MemoryApi, CopiesByDirection) {
  Fixture();
  Conn& c = Open();
  // h2d: 1000 + 3000 bytes in 10 + 4 us = 0.286 GB/s; the unified migration
  // and the peer copy stay apart from h2d and d2d.
  EXPECT_EQ(Render(c.Query("SELECT pid, device_id, direction, unified, copies, total_mb, "
                           "total_time_ms, p50_us, gb_per_s, largest_bytes, sync_copies, "
                           "async_copies, pageable_copies, async_pageable_copies "
                           "FROM llm_memcpy")),
            "1|0|h2d|0|2|0.004|0.014|7.0|0.286|3000|0|2|1|1\n"
            "1|0|d2h|0|1|0.0005|0.01|10.0|0.05|500|1|0|1|0\n"
            "1|0|um_h2d|1|1|0.004096|0.01|10.0|0.41|4096|0|0|0|0\n"
            "1|0|p2p|0|1|0.004|0.002|2.0|2.0|4000|0|0|0|0\n"
            "1|0|d2d|0|1|1e-05|0.001|1.0|0.01|10|0|0|0|0\n");
  EXPECT_EQ(Render(c.Query("SELECT pid, device_id, mem_kind, memsets, total_mb, total_time_ms, "
                           "largest_bytes, sync_memsets, async_memsets FROM llm_memset")),
            "1|0|device|2|0.00032|0.003|256|1|1\n");
  // The blocking copy at 50 us is warm-up (before the graph build ends at
  // 160 us); the blocking memset at 200 us is steady state.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_memory_flags")),
            "1|1|160000|1|0.001|0.01|0|0.0|1|0.01\n");
  EXPECT_EQ(Render(c.Query("SELECT rule, severity, evidence FROM llm_findings WHERE rule IN "
                           "('memcpy_async_pageable', 'memory_sync_ops') ORDER BY rule")),
            "memcpy_async_pageable|low|1 asynchronous copies (0.001 MB, 0.010 ms of GPU "
            "time) used pageable host memory; most in PID 1 (1 copies).\n"
            "memory_sync_ops|low|0 synchronous copy calls (0.000 ms host time) and 1 "
            "synchronous memset calls (0.010 ms) after warm-up (the last CUDA graph build).\n");
  EXPECT_EQ(Render(c.Query("SELECT available FROM llm_report_sections WHERE section_id = "
                           "'memory'")),
            "1\n");
}

// The export's ENUM tables win over the documented constants: here value 1
// is DtoH and memory kind 1 pageable.
TEST_F(MemoryApi, EnumTablesDecideKinds) {
  Fixture();
  t().Exec("CREATE TABLE ENUM_CUDA_MEMCPY_OPER(id INTEGER PRIMARY KEY, name TEXT, label TEXT)");
  t().Exec("INSERT INTO ENUM_CUDA_MEMCPY_OPER VALUES (1, 'CUDA_MEMCPY_KIND_DTOH', ''), "
           "(2, 'CUDA_MEMCPY_KIND_HTOD', ''), (8, 'CUDA_MEMCPY_KIND_DTOD', ''), "
           "(11, 'CUDA_MEMCPY_KIND_UVM_HTOD', '')");
  t().Exec("CREATE TABLE ENUM_CUDA_MEM_KIND(id INTEGER PRIMARY KEY, name TEXT, label TEXT)");
  t().Exec("INSERT INTO ENUM_CUDA_MEM_KIND VALUES (0, 'CUDA_MEMOPR_MEMORY_KIND_PINNED', ''), "
           "(1, 'CUDA_MEMOPR_MEMORY_KIND_PAGEABLE', ''), "
           "(2, 'CUDA_MEMOPR_MEMORY_KIND_MANAGED', '')");
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT direction, copies, pageable_copies, async_pageable_copies "
                           "FROM llm_memcpy WHERE direction IN ('h2d', 'd2h') ORDER BY direction")),
            "d2h|2|1|1\nh2d|1|0|0\n");
  EXPECT_EQ(Render(c.Query("SELECT async_pageable, async_pageable_bytes FROM _nsys_memory_flags")),
            "1|3000\n");
  EXPECT_EQ(Render(c.Query("SELECT mem_kind FROM llm_memset")), "managed\n");
}

// Old exports: no memory tables at all, or a copy table without the kind
// columns. Nothing is guessed.
TEST_F(MemoryApi, MissingTablesAndColumns) {
  Fixture();
  t().Exec("DROP TABLE CUPTI_ACTIVITY_KIND_MEMSET");
  t().Exec("ALTER TABLE CUPTI_ACTIVITY_KIND_MEMCPY DROP COLUMN copyKind");
  t().Exec("ALTER TABLE CUPTI_ACTIVITY_KIND_MEMCPY DROP COLUMN srcKind");
  Conn& c = Open();
  // dstKind is still there: the D2H copy into pageable memory is seen.
  EXPECT_EQ(Render(c.Query("SELECT direction, copies, pageable_copies FROM llm_memcpy")),
            "unknown|6|1\n");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_memset"), 0);
}

TEST_F(MemoryApi, NoMemoryTablesSectionSaysWhy) {
  const int64_t tid = Gtid(1, 1);
  t().R(0, 10, "cudaLaunchKernel_v7000", tid, 1);
  t().K(20, 100, "gemm", 0, Gpid(1), 1);
  Conn& c = Open();
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_memcpy"), 0);
  EXPECT_EQ(Render(c.Query("SELECT available, reason FROM llm_report_sections WHERE "
                           "section_id = 'memory'")),
            "0|no CUPTI_ACTIVITY_KIND_MEMCPY or CUPTI_ACTIVITY_KIND_MEMSET table in this "
            "export (memory operations were not traced)\n");
}

TEST_F(MemoryApi, CudaApiSummaryFoldsSuffixesAcrossProcesses) {
  Fixture();
  Conn& c = Open();
  // cudaMalloc: 1, 10, 2 us (PID 1, cudaMalloc_v3020) and 4 us (PID 2):
  // median (2 + 4) / 2 = 3; sample stdev sqrt(48.75 / 3) = 4.031.
  EXPECT_EQ(Render(c.Query("SELECT api_name, api, kind, calls, total_ms, avg_us, median_us, "
                           "min_us, max_us, stdev_us, pids FROM llm_cuda_api "
                           "WHERE api_name = 'cudaMalloc'")),
            "cudaMalloc|runtime|other|4|0.017|4.25|3.0|1.0|10.0|4.031|2\n");
  // Shares add up to 100; the longest API is the blocking cudaMemcpy.
  EXPECT_NEAR(c.Num("SELECT sum(pct_api_time) FROM llm_cuda_api"), 100.0, 0.01);
  EXPECT_EQ(c.Text("SELECT api_name FROM llm_cuda_api LIMIT 1"), "cudaMemcpy");
}

TEST_F(MemoryApi, AllocationChurnAfterWarmup) {
  Fixture();
  Conn& c = Open();
  // PID 1: 4 alloc/free calls, 3 after warm-up (10 + 5 + 2 us over
  // [160, 332) us); PID 2 has no graph build, so its one call counts.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_alloc_churn")),
            "1|1|160000|4|0.018|3|0.017|17441.86|cudaMalloc_v3020|2\n"
            "2|0|NULL|1|0.004|1|0.004|250000.0|cudaMalloc|1\n");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_findings WHERE rule = 'alloc_churn'"), 0);
  c.Exec("UPDATE llm_settings SET value = 3 WHERE key = 'alloc_churn_min_calls'");
  EXPECT_EQ(Render(c.Query("SELECT severity, evidence FROM llm_findings "
                           "WHERE rule = 'alloc_churn'")),
            "low|PID 1 made 3 alloc/free calls (0.017 ms host time) after warm-up (ends at "
            "160000 ns, its last CUDA graph build); most: `cudaMalloc_v3020` x2.\n");
}

}  // namespace
}  // namespace nsysexplain::testing
