// llm_* views over small nsys-shaped fixtures, against values computed by
// hand from docs/SEMANTICS.md. Every fixture is described next to its test;
// times are nanoseconds.
#include <gtest/gtest.h>

#include <random>

#include <cmath>
#include <memory>
#include <set>

#include "report_shape.h"
#include "trace_test.h"

namespace nsysexplain::testing {
namespace {

const char kFill[] =
    "void at::native::vectorized_elementwise_kernel<(int)4, "
    "at::native::FillFunctor<c10::Half>, std::array<char *, (unsigned "
    "long)1>>(int, T2, T3)";

class ViewTest : public TraceTest {};

// --------------------------------------------------------------- kernels
// dev0: gemm [1000,4000) [5000,9000) [20000,22000); attn [2000,3500) (overlaps
//       gemm); fill [9000,10000) (touches gemm)
// dev1: fill [3000,6000) and a zero-length fill [6000,6000)
// invalid: end < start, NULL start, NULL end.
void AddKernelFixture(TraceBuilder& t) {
  const int64_t pid = Gpid(100);
  t.K(1000, 4000, "gemm", 0, pid, 1);
  t.K(5000, 9000, "gemm", 0, pid, 2);
  t.K(20000, 22000, "gemm", 0, pid, 3);
  t.K(2000, 3500, "attn", 0, pid, 4);
  TraceBuilder::Kernel fill;
  fill.name = kFill;
  fill.short_name = "vectorized_elementwise_kernel";
  fill.global_pid = pid;
  fill.start = 9000;
  fill.end = 10000;
  t.AddKernel(fill);
  fill.device = 1;
  fill.start = 3000;
  fill.end = 6000;
  t.AddKernel(fill);
  fill.start = 6000;
  fill.end = 6000;
  t.AddKernel(fill);
  TraceBuilder::Kernel bad;
  bad.name = "bad";
  bad.start = 500;
  bad.end = 400;
  t.AddKernel(bad);
  bad.start = std::nullopt;
  bad.end = 100;
  t.AddKernel(bad);
  bad.start = 100;
  bad.end = std::nullopt;
  t.AddKernel(bad);
}

TEST_F(ViewTest, TopKernels) {
  AddKernelFixture(t());
  Conn& c = Open();
  // Total valid kernel time: 9000 + 1500 + 1000 + 3000 = 14500.
  // gemm: 2000, 3000, 4000 -> p50 3000, p90 3800, p99 3980, stdev 1000.
  // fill dev1: 0, 3000 -> p50 1500, p90 2700, p99 2970,
  //            stdev sqrt(2 * 1500^2) = 2121.32.
  EXPECT_EQ(Render(c.Query(
                "SELECT kernel_name, device_id, total_ms, calls, avg_us, "
                "p50_us, p90_us, pct_kernel_time, min_us, max_us, p99_us, "
                "stdev_us, kernel_short_name FROM llm_top_kernels")),
            "gemm|0|0.009|3|3.0|3.0|3.8|62.069|2.0|4.0|3.98|1.0|gemm\n" +
                std::string(kFill) +
                "|1|0.003|2|1.5|1.5|2.7|20.69|0.0|3.0|2.97|2.121|"
                "vectorized_elementwise_kernel\n"
                "attn|0|0.0015|1|1.5|1.5|1.5|10.345|1.5|1.5|1.5|0.0|attn\n" +
                kFill +
                "|0|0.001|1|1.0|1.0|1.0|6.897|1.0|1.0|1.0|0.0|"
                "vectorized_elementwise_kernel\n");
  // Per-PID table adds up to the global one.
  EXPECT_DOUBLE_EQ(c.Num("SELECT sum(total_time_ms) FROM llm_kernels_by_pid"),
                   c.Num("SELECT sum(total_ms) FROM llm_top_kernels"));
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_kernels_by_pid WHERE pid = 100"), 4);
  EXPECT_EQ(c.Int("SELECT value FROM _nsys_data_quality "
                  "WHERE key = 'kernel_invalid_rows'"),
            3);
  EXPECT_EQ(c.Text("SELECT message FROM llm_warnings "
                   "WHERE code = 'invalid_kernel_rows'"),
            "3 kernel rows have NULL times or end < start and were skipped.");
}

// _nsys_kernel_stats computes only the part a `pid IS [NOT] NULL`
// constraint asks for (the global rows or the per-PID rows); every way of
// asking gives the rows of the unfiltered scan.
TEST_F(ViewTest, KernelStatsNullFilterMatchesFullScan) {
  AddKernelFixture(t());
  t().K(30000, 31000, "gemm", 0, Gpid(200), 9);
  Conn& c = Open();
  const std::string cols =
      "pid, kernel_name, device_id, calls, total_ns, p50_ns, p99_ns, stdev_ns";
  auto q = [&](const std::string& where) {
    return Render(c.Query("SELECT " + cols + " FROM _nsys_kernel_stats " + where +
                          " ORDER BY pid, kernel_name, device_id"));
  };
  // The same filters applied by SQLite to materialized rows (no pushdown).
  auto ref = [&](const std::string& where) {
    return Render(c.Query("SELECT " + cols +
                          " FROM (SELECT * FROM _nsys_kernel_stats "
                          "ORDER BY rowid LIMIT -1) " + where +
                          " ORDER BY pid, kernel_name, device_id"));
  };
  for (const char* where : {"", "WHERE pid IS NULL", "WHERE pid IS NOT NULL",
                            "WHERE pid IS NULL AND pid IS NOT NULL",
                            "WHERE pid IS NULL OR pid = 200", "WHERE pid = 100"}) {
    SCOPED_TRACE(where);
    EXPECT_EQ(q(where), ref(where));
  }
  EXPECT_EQ(c.Int("SELECT count(*) FROM _nsys_kernel_stats WHERE pid IS NULL"), 4);
  EXPECT_EQ(c.Int("SELECT count(*) FROM _nsys_kernel_stats WHERE pid IS NOT NULL"), 5);
  EXPECT_EQ(c.Int("SELECT count(*) FROM _nsys_kernel_stats"), 9);
  EXPECT_EQ(q("WHERE pid IS NULL AND pid IS NOT NULL"), "");
}

// Launch latency (like cuda_kern_exec_sum), PID-safe, graph replays under
// their graph launch. Times in us:
//   pid 100: A launched 3x, calls [0,10) [100,106) [200,204), kernels start
//            15, 110, 230 (queue 5, 4, 26), 20 us each;
//            cudaGraphLaunch [300,320) replays B [330,340) [345,350) and
//            C [360,380); D has no launch row.
//   pid 200: E, correlationId 1 like A's first call, call [0,2), kernel
//            [500,501): queue 498 (499-ish would mean pid 100's call).
TEST_F(ViewTest, LaunchLatency) {
  const int64_t p1 = Gpid(100), p2 = Gpid(200);
  const int64_t t1 = Gtid(100, 101), t2 = Gtid(200, 201);
  t().R(0, 10000, "cudaLaunchKernel", t1, 1);
  t().R(100000, 106000, "cudaLaunchKernel", t1, 2);
  t().R(200000, 204000, "cudaLaunchKernel", t1, 3);
  t().R(300000, 320000, "cudaGraphLaunch", t1, 50);
  t().R(0, 2000, "cudaLaunchKernel", t2, 1);
  t().K(15000, 35000, "A", 0, p1, 1);
  t().K(110000, 130000, "A", 0, p1, 2);
  t().K(230000, 250000, "A", 0, p1, 3);
  t().K(330000, 340000, "B", 0, p1, 50);
  t().K(345000, 350000, "B", 0, p1, 50);
  t().K(360000, 380000, "C", 0, p1, 50);
  t().K(400000, 401000, "D", 0, p1, 99);
  t().K(500000, 501000, "E", 0, p2, 1);
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_launch_latency")),
            "A|A|other|cudaLaunchKernel|0|3|3|6.667|6.0|9.92|10.0|11.667|5.0|21.8|25.58|"
            "26.0|4.0|20.0|20.0|20.0|0.06\n"
            "C|C|other|cudaGraphLaunch|1|1|1|20.0|20.0|20.0|20.0|40.0|40.0|40.0|40.0|"
            "40.0|40.0|20.0|20.0|20.0|0.02\n"
            "B|B|other|cudaGraphLaunch|1|2|1|20.0|20.0|20.0|20.0|17.5|17.5|23.5|24.85|"
            "25.0|10.0|7.5|7.5|9.95|0.015\n"
            "E|E|other|cudaLaunchKernel|0|1|1|2.0|2.0|2.0|2.0|498.0|498.0|498.0|498.0|"
            "498.0|498.0|1.0|1.0|1.0|0.001\n");
  EXPECT_EQ(Render(c.Query("SELECT pid, device_id, stream_id, kernel_name, kernels, "
                           "api_calls, queue_avg_us FROM llm_launch_latency_by_stream")),
            "100|0|7|A|3|3|11.667\n100|0|7|C|1|1|40.0\n100|0|7|B|2|1|17.5\n"
            "200|0|7|E|1|1|498.0\n");
  // The dataset's pid filter gives exactly the two views' rows.
  EXPECT_EQ(c.Int("SELECT count(*) FROM _nsys_launch_latency"), 8);
  EXPECT_EQ(c.Int("SELECT count(*) FROM (SELECT * FROM _nsys_launch_latency LIMIT -1) "
                  "WHERE pid IS NULL"),
            4);
}

// Kernel tails: T is 19 x 10 us and one 500 us launch; U is 5 x 50 us
// (fewer calls than tail_min_calls: no flags).
TEST_F(ViewTest, KernelTails) {
  for (int i = 0; i < 19; ++i) t().K(i * 1000000, i * 1000000 + 10000, "T", 0, Gpid(1), i);
  t().K(50000000, 50500000, "T", 0, Gpid(1), 100);
  for (int i = 0; i < 5; ++i) t().K(60000000 + i * 100000, 60050000 + i * 100000, "U", 0, Gpid(1), 200 + i);
  Conn& c = Open();
  // p95 = 10 + 0.05 * 490, p99 = 10 + 0.81 * 490; tail = 490 us of 940 us.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_kernel_tails")),
            "T|T|other|0|20|0.69|10.0|10.0|34.5|406.9|500.0|50.0|40.69|1|1|0.49|52.128|T\n"
            "U|U|other|0|5|0.25|50.0|50.0|50.0|50.0|50.0|1.0|1.0|NULL|NULL|0.0|0.0|U\n");
  EXPECT_EQ(c.Text("SELECT severity || ' ' || evidence FROM llm_findings "
                   "WHERE rule = 'kernel_tail_score'"),
            "medium `T` (device 0): tail 0.490 ms = 52.1% of all kernel time (p50 10.00 "
            "us, p99 406.90 us, max 500.00 us over 20 calls; systematic: p99/p50 40.69; "
            "outliers: max/p50 50.0)");
  // With tail_min_calls above 20 nothing is flagged and the finding goes.
  c.Query("UPDATE temp.llm_settings SET value = 21 WHERE key = 'tail_min_calls'");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_kernel_tails WHERE outliers IS NOT NULL"), 0);
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_findings WHERE rule = 'kernel_tail_score'"), 0);
}

TEST_F(ViewTest, GpuIdleAndGaps) {
  AddKernelFixture(t());
  Conn& c = Open();
  // dev0: window [1000, 22000] = 21000; busy = 3000 + 4000 + 1000 + 2000 =
  // 10000 (attn is inside gemm; gemm/fill touch); gaps [4000,5000) and
  // [10000,20000). dev1: window 3000, busy 3000, no gap.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_gpu_idle")),
            "0|0.021|0.01|0.011|52.381|5|0|2|0.01\n"
            "1|0.003|0.003|0.0|0.0|2|0|0|NULL\n");
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_gpu_idle_gaps")),
            "0|10000|20000|0.01\n"
            "0|4000|5000|0.001\n");
  EXPECT_EQ(Render(c.Query("SELECT * FROM _nsys_gpu_idle")),
            "0|5|0|1000|22000|10000|2|10000\n"
            "1|2|0|3000|6000|3000|0|NULL\n");
  // The same numbers from the generic building blocks.
  EXPECT_EQ(c.Int("SELECT nsys_union_ns(start, \"end\") FROM "
                  "CUPTI_ACTIVITY_KIND_KERNEL WHERE deviceId = 0"),
            10000);
  EXPECT_EQ(Render(c.Query(
                "SELECT grp, gap_start_ns, gap_end_ns, gap_ns FROM "
                "nsys_interval_gaps('SELECT start, \"end\", deviceId FROM "
                "CUPTI_ACTIVITY_KIND_KERNEL') ORDER BY grp, gap_start_ns")),
            Render(c.Query("SELECT * FROM nsys_gpu_gaps "
                           "ORDER BY device_id, gap_start_ns")));
}

// nsys_gpu_gaps comes longest first (then device, start) and says so to
// SQLite, so that order (or a prefix of it) needs no sort and LIMIT stops
// early; any other order is still sorted by SQLite. Either way the rows equal
// a sort of the same rows.
TEST_F(ViewTest, GapsComeLongestFirstWithoutASort) {
  // Two devices, equal-length gaps on both, to exercise the tie-breaks.
  for (int dev = 0; dev < 2; ++dev)
    for (int64_t s : {0, 100, 300, 600, 700, 1000})
      t().K(s, s + 50, "k", dev);
  Conn& c = Open();
  auto plan = [&](const std::string& q) {
    std::string out;
    for (const Row& r : c.Query("EXPLAIN QUERY PLAN " + q)) out += r[3].s + "\n";
    return out;
  };
  const std::string natural = "SELECT * FROM nsys_gpu_gaps";
  for (const char* ob : {" ORDER BY gap_ns DESC", " ORDER BY gap_ns DESC, device_id",
                         " ORDER BY gap_ns DESC, device_id, gap_start_ns"})
    EXPECT_EQ(plan(natural + ob).find("ORDER BY"), std::string::npos) << ob;
  EXPECT_NE(plan(natural + " ORDER BY gap_ns").find("ORDER BY"), std::string::npos);
  EXPECT_NE(plan(natural + " ORDER BY device_id").find("ORDER BY"), std::string::npos);
  EXPECT_EQ(Render(c.Query(natural)),
            "0|350|600|250\n0|750|1000|250\n1|350|600|250\n1|750|1000|250\n"
            "0|150|300|150\n1|150|300|150\n0|50|100|50\n0|650|700|50\n"
            "1|50|100|50\n1|650|700|50\n");
  // Consumed order equals SQLite's own sort of the same rows.
  EXPECT_EQ(Render(c.Query(natural + " ORDER BY gap_ns DESC, device_id, gap_start_ns")),
            Render(c.Query("SELECT * FROM (SELECT * FROM nsys_gpu_gaps ORDER BY "
                           "device_id DESC) ORDER BY +gap_ns DESC, +device_id, "
                           "+gap_start_ns")));
  EXPECT_EQ(Render(c.Query("SELECT gap_start_ns FROM llm_gpu_idle_gaps LIMIT 3")),
            "350\n750\n350\n");
  EXPECT_EQ(Render(c.Query("SELECT gap_start_ns FROM nsys_gpu_gaps ORDER BY "
                           "gap_ns, device_id DESC, gap_start_ns LIMIT 3")),
            "50\n650\n50\n");
}

// The longest-first order is produced lazily, a doubling chunk at a time:
// a LIMIT read, then full reads, then reads past chunk boundaries all equal
// SQLite's sort of the same rows (many ties, two devices).
TEST_F(ViewTest, GapsSortedLazilyMatchFullSort) {
  std::mt19937_64 rng(5);
  t().Begin();
  for (int dev = 0; dev < 2; ++dev) {
    int64_t now = 0;
    for (int i = 0; i < 6000; ++i) {
      now += int64_t(rng() % 7) * 10;  // gaps of 0..60 ns: many ties
      t().K(now, now + 5, "k", dev);
      now += 5;
    }
  }
  t().Commit();
  Conn& c = Open();
  Rows first = c.Query("SELECT * FROM nsys_gpu_gaps LIMIT 5");  // first chunk (4096)
  Rows some = c.Query("SELECT * FROM nsys_gpu_gaps LIMIT 5000");  // 2 chunks
  const std::string sorted =
      Render(c.Query("SELECT * FROM nsys_gpu_gaps ORDER BY +gap_ns DESC, "
                     "+device_id, +gap_start_ns"));
  EXPECT_GT(c.Int("SELECT count(*) FROM nsys_gpu_gaps"), 9000);  // > 2 chunks
  EXPECT_EQ(Render(some), sorted.substr(0, Render(some).size()));
  EXPECT_EQ(Render(first), sorted.substr(0, Render(first).size()));
  EXPECT_EQ(Render(c.Query("SELECT * FROM nsys_gpu_gaps")), sorted);
  EXPECT_EQ(Render(c.Query("SELECT * FROM nsys_gpu_gaps ORDER BY gap_ns DESC, "
                           "device_id, gap_start_ns")),
            sorted);
}

TEST_F(ViewTest, KernelNameFallsBackToShortName) {
  // docs/SEMANTICS.md: kernel_name = StringIds[demangledName], falling back
  // to StringIds[shortName], then to "<unresolved name id N>" (warned).
  TraceBuilder::Kernel k;
  k.start = 0;
  k.end = 10;
  k.short_name = "short_only";
  t().AddKernel(k);  // demangledName NULL
  k.raw_name_id = 999001;  // demangledName not in StringIds
  k.short_name = "short_fallback";
  k.start = 20;
  k.end = 40;
  t().AddKernel(k);
  k.raw_name_id = 999002;  // neither resolves
  k.short_name = std::nullopt;
  k.start = 50;
  k.end = 80;
  t().AddKernel(k);
  k.raw_name_id = std::nullopt;
  k.name = "full_name";
  k.short_name = "short";
  k.start = 100;
  k.end = 140;
  t().AddKernel(k);
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT kernel_name, calls FROM llm_top_kernels")),
            "full_name|1\n"
            "<unresolved name id 999002>|1\n"
            "short_fallback|1\n"
            "short_only|1\n");
  EXPECT_EQ(c.Int("SELECT value FROM _nsys_data_quality "
                  "WHERE key = 'kernel_unresolved_names'"),
            1);
}

// ---------------------------------------------------------- launch storm
// pid 100: 1000 kernels starting every 10 us; every 10th lasts 12 us, the
//          others 2 us. pid 300: two 50 us kernels at 0 and 100 us.
void AddStormFixture(TraceBuilder& t) {
  t.Begin();
  for (int i = 0; i < 1000; ++i) {
    int64_t b = int64_t(i) * 10000;
    t.K(b, b + (i % 10 == 9 ? 12000 : 2000), i % 10 == 9 ? "mid_k" : "small_k",
        0, Gpid(100), i);
  }
  t.K(0, 50000, "big_k", 1, Gpid(300), 1);
  t.K(100000, 150000, "big_k", 1, Gpid(300), 2);
  t.Commit();
}

TEST_F(ViewTest, LaunchStorm) {
  AddStormFixture(t());
  Conn& c = Open();
  // Global: 1002 launches over [0, 10002000] ns: 100179.964 launches/s.
  // Sorted durations: 900 x 2000, 100 x 12000, 2 x 50000:
  // p50 = 2000; p90 at 900.9 -> 12000; p99 at 990.99 -> 12000.
  // < 5 us: 900/1002 = 89.820%; < 20 us: 1000/1002 = 99.800%.
  // Storm rule: >= 100000/s and p50 <= 20 us.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_launch_storm")),
            "1002|0.010002|100179.964|2.0|12.0|12.0|89.82|89.82|99.8|1\n");
  // pid 100: 1000 over 0.010002 s = 99980.004/s, p50 2 us -> storm by the
  // first clause. p90 at 899.1 -> 2000 + 0.1 * 10000 = 3000.
  // pid 300: 2 over 150 us = 13333.333/s, p50 50 us -> no storm.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_launch_storm_by_pid")),
            "100|1000|0.010002|99980.004|2.0|3.0|12.0|90.0|90.0|100.0|1\n"
            "300|2|0.00015|13333.333|50.0|50.0|50.0|0.0|0.0|0.0|0\n");
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_tiny_kernels")),
            "small_k|small_k|other|900|2.0|1.8\n");
  EXPECT_EQ(c.Text("SELECT rule || ':' || severity FROM llm_findings "
                   "WHERE rule = 'launch_storm'"),
            "launch_storm:high");
}

TEST_F(ViewTest, NoStormBelowThreshold) {
  // 100 kernels of 2 us, one every 100 us: window 9902 us, 10098.97/s.
  for (int i = 0; i < 100; ++i)
    t().K(int64_t(i) * 100000, int64_t(i) * 100000 + 2000, "k", 0, Gpid(1), i);
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT total_launches, launches_per_s, "
                           "launch_storm FROM llm_launch_storm")),
            "100|10098.97|0\n");
}

// ------------------------------------------------------------ sync calls
TEST_F(ViewTest, SyncCalls) {
  const int64_t a1 = Gtid(100, 100), a2 = Gtid(100, 101), b = Gtid(200, 200);
  t().R(10000, 12000, "cudaStreamSynchronize_v3020", a1);
  t().R(13000, 13500, "cudaStreamSynchronize_v3020", a2);
  t().R(20000, 26000, "cudaStreamSynchronize_v3020", b);
  t().R(7000, 8000, "cuStreamSynchronize", b, std::nullopt, 1);  // driver
  t().R(14000, 17000, "cudaMemcpy_v3020", a1);
  t().R(17000, 17100, "cudaMemcpyAsync_v3020", a1);  // not a sync
  t().R(17200, 17300, "cudaStreamWaitEvent_v3020", a1);
  t().R(17400, 17450, "cudaEventQuery_v3020", b);
  t().R(18000, 18200, "cudaStreamSynchronize_ptsz", a1);
  t().R(0, 99999, "cudaStreamSynchronize_v3020", a1, std::nullopt, 67);
  t().R(0, 99999, "cudaDeviceSynchronize_v3020", a1, std::nullopt, 67);
  t().R(500, 900, "cudaLaunchKernel_v7000", a1, 1, std::nullopt);  // NULL class
  Conn& c = Open();
  // Host-blocking first by total: 8500 (3 calls, 2 pids), 3000, 1000, 200;
  // then device_wait 100 and poll 50. eventClass 67 rows are ignored.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_sync_calls")),
            "cudaStreamSynchronize_v3020|host_sync|1|3|0.0085|2.833|6.0|2\n"
            "cudaMemcpy_v3020|sync_copy|1|1|0.003|3.0|3.0|1\n"
            "cuStreamSynchronize|host_sync|1|1|0.001|1.0|1.0|1\n"
            "cudaStreamSynchronize_ptsz|host_sync|1|1|0.0002|0.2|0.2|1\n"
            "cudaStreamWaitEvent_v3020|device_wait|0|1|0.0001|0.1|0.1|1\n"
            "cudaEventQuery_v3020|poll|0|1|5e-05|0.05|0.05|1\n");
  EXPECT_EQ(Render(c.Query("SELECT pid, api_name, kind, blocks_host, "
                           "total_time_ms, call_count, p50_us, p90_us, max_us "
                           "FROM llm_sync_calls_by_pid")),
            "100|cudaMemcpy_v3020|sync_copy|1|0.003|1|3.0|3.0|3.0\n"
            "100|cudaStreamSynchronize_v3020|host_sync|1|0.0025|2|1.25|1.85|2.0\n"
            "100|cudaStreamSynchronize_ptsz|host_sync|1|0.0002|1|0.2|0.2|0.2\n"
            "100|cudaStreamWaitEvent_v3020|device_wait|0|0.0001|1|0.1|0.1|0.1\n"
            "200|cudaStreamSynchronize_v3020|host_sync|1|0.006|1|6.0|6.0|6.0\n"
            "200|cuStreamSynchronize|host_sync|1|0.001|1|1.0|1.0|1.0\n"
            "200|cudaEventQuery_v3020|poll|0|5e-05|1|0.05|0.05|0.05\n");
  EXPECT_EQ(Render(c.Query("SELECT pid, api_name, base_name, kind, call_count "
                           "FROM llm_api_calls WHERE kind IN ('other', "
                           "'launch') ORDER BY api_name")),
            "100|cudaLaunchKernel_v7000|cudaLaunchKernel|launch|1\n"
            "100|cudaMemcpyAsync_v3020|cudaMemcpyAsync|other|1\n");
  EXPECT_EQ(c.Int("SELECT value FROM _nsys_data_quality "
                  "WHERE key = 'runtime_skipped_rows'"),
            2);
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_warnings "
                  "WHERE code = 'runtime_rows_skipped'"),
            1);
  EXPECT_EQ(c.Text("SELECT evidence FROM llm_findings WHERE rule = 'host_sync'"),
            "Top host-blocking call `cudaStreamSynchronize_v3020` total 0.01 ms "
            "across 3 calls.\nAll host-blocking calls total 0.01 ms over 6 "
            "calls (cudaStreamWaitEvent/cudaEventQuery are listed separately: "
            "they do not block the host).");
}

// ----------------------------------------------------------- NVTX ranges
TEST_F(ViewTest, NvtxRanges) {
  const int64_t t1 = Gtid(100, 100), t2 = Gtid(100, 101);
  t().N(59, 0, 1000, "alpha", t1);      // textId
  t().N(59, 2000, 2500, "alpha", t1);
  TraceBuilder::Nvtx n;                 // inline text, start/end, same name
  n.type = 60;
  n.start = 3000;
  n.end = 6000;
  n.text = "alpha";
  n.global_tid = t1;
  n.end_global_tid = t1;
  t().AddNvtx(n);
  n = {};
  n.type = 70;                          // NVTXT push/pop, inline text
  n.start = 100;
  n.end = 400;
  n.text = "beta";
  n.global_tid = t1;
  t().AddNvtx(n);
  t().N(59, 5000, std::nullopt, "gamma", t1);  // never closed
  n = {};
  n.type = 34;                          // mark: not a range
  n.start = 700;
  n.text = "mark";
  n.global_tid = t1;
  t().AddNvtx(n);
  n = {};
  n.type = 59;                          // neither text nor textId
  n.start = 800;
  n.end = 900;
  n.global_tid = t1;
  t().AddNvtx(n);
  n = {};
  n.type = 75;                          // domain 7 of process 100
  n.start = 0;
  n.text = "mydom";
  n.global_tid = t1;
  n.domain = 7;
  t().AddNvtx(n);
  n = {};
  n.type = 59;
  n.start = 0;
  n.end = 50;
  n.text_id = "alpha";
  n.global_tid = t2;
  n.domain = 7;
  t().AddNvtx(n);
  t().N(59, 500, 100, "bad", t1);                    // end < start
  t().N(71, 1000, 3000, "delta", t1, t2);            // ends on another thread
  Conn& c = Open();
  Rows rows = c.Query(
      "SELECT range_name, domain, count, total_time_ms, avg_duration_us, "
      "min_us, max_us, open_count FROM llm_nvtx_ranges");
  EXPECT_EQ(Render(rows),
            "alpha||3|0.0045|1.5|0.5|3.0|0\n"
            "delta||1|0.002|2.0|2.0|2.0|0\n"
            "beta||1|0.0003|0.3|0.3|0.3|0\n"
            "<unnamed>||1|0.0001|0.1|0.1|0.1|0\n"
            "alpha|mydom|1|5e-05|0.05|0.05|0.05|0\n"
            "gamma||0|0.0|NULL|NULL|NULL|1\n");
  std::string styles = c.Text(
      "SELECT styles FROM llm_nvtx_ranges WHERE range_name = 'alpha' "
      "AND domain = ''");
  EXPECT_TRUE(styles == "push_pop,start_end" || styles == "start_end,push_pop")
      << styles;
  EXPECT_EQ(c.Text("SELECT styles FROM llm_nvtx_ranges "
                   "WHERE range_name = 'delta'"),
            "start_end");
  EXPECT_EQ(Render(c.Query("SELECT key, value FROM _nsys_data_quality WHERE "
                           "key LIKE 'nvtx%' ORDER BY key")),
            "nvtx_cross_thread_ranges|1\n"
            "nvtx_invalid_rows|1\n"
            "nvtx_open_ranges|1\n"
            "nvtx_other_rows|2\n"
            "nvtx_range_rows|8\n");
  EXPECT_EQ(Render(c.Query("SELECT pid, range_name, domain, count, open_count "
                           "FROM llm_nvtx_ranges_by_pid")),
            "100|alpha||3|0\n"
            "100|delta||1|0\n"
            "100|beta||1|0\n"
            "100|<unnamed>||1|0\n"
            "100|alpha|mydom|1|0\n"
            "100|gamma||0|1\n");
}

TEST_F(ViewTest, NvtxNameIsTextIdThenText) {
  // coalesce(StringIds[textId], text): an unresolvable textId falls back to
  // the inline text.
  TraceBuilder::Nvtx n;
  n.type = 59;
  n.start = 0;
  n.end = 10;
  n.raw_text_id = 987654;
  n.text = "inline_fallback";
  n.global_tid = Gtid(1, 1);
  t().AddNvtx(n);
  n.raw_text_id = std::nullopt;
  n.text_id = "from_string_ids";
  n.text = "ignored_inline";
  t().AddNvtx(n);
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT range_name FROM llm_nvtx_ranges "
                           "ORDER BY range_name")),
            "from_string_ids\ninline_fallback\n");
}

// ------------------------------------------------------ NVTX attribution
// Two processes whose correlationIds collide (A's 1 and 2 are also B's).
//  A = pid 100, threads A1 (100) and A2 (101); B = pid 200, thread B1.
//  kernel  pid corr  time            launch (thread, time)
//  K1      A   1     [10000,13000)   A1 [500,600)
//  K2      A   2     [13000,17000)   A1 [4500,4600)
//  K3      A   3     [17000,18000)   A2 [4700,4800)
//  K4      A   4     [30000,32000)   A1 [19000,19100)
//  K9      A   9     [40000,41500)   A1 [1500,1550) cuLaunchKernel (driver)
//  K11     A   5     [60000,60700)   A1 [26000,26100) (outside every range)
//  K5      B   1     [10000,13000)   B1 [2000,2100)
//  K6      B   2     [14000,14000)   B1 [2200,2300)
//  K10     B   77    [50000,50500)   none
//  NVTX: A1 push/pop step [0,25000) > prefill [400,5000) (inline text),
//        decode [18000,20000); start/end async_region [4000,6000) started on
//        A1, ended on A2 (process scope); start/end a2_same_thread
//        [4400,4900) on A2 (thread scope); B1 push/pop prefill [1000,3000),
//        open bg [1500,-).
//  A backtrace duplicate (eventClass 67) of corr 1 on A2 must be ignored.
void AddAttributionFixture(TraceBuilder& t) {
  const int64_t a1 = Gtid(100, 100), a2 = Gtid(100, 101), b1 = Gtid(200, 200);
  const int64_t pa = Gpid(100), pb = Gpid(200);
  t.K(10000, 13000, "k_a1", 0, pa, 1);
  t.K(13000, 17000, "k_a2", 0, pa, 2);
  t.K(17000, 18000, "k_a3", 0, pa, 3);
  t.K(30000, 32000, "k_a4", 0, pa, 4);
  t.K(40000, 41500, "k_a9", 0, pa, 9);
  t.K(60000, 60700, "k_late", 0, pa, 5);
  t.K(10000, 13000, "k_b1", 1, pb, 1);
  t.K(14000, 14000, "k_b2", 1, pb, 2);
  t.K(50000, 50500, "k_orphan", 1, pb, 77);
  // First in the table: a join that kept it would pick it for K1.
  t.R(4450, 4460, "cudaLaunchKernel_v7000", a2, 1, 67);
  t.R(500, 600, "cudaLaunchKernel_v7000", a1, 1);
  t.R(4500, 4600, "cudaLaunchKernel_v7000", a1, 2);
  t.R(4700, 4800, "cudaLaunchKernel_v7000", a2, 3);
  t.R(19000, 19100, "cudaLaunchKernel_v7000", a1, 4);
  t.R(1500, 1550, "cuLaunchKernel", a1, 9, 1);
  t.R(26000, 26100, "cudaLaunchKernel_v7000", a1, 5);
  t.R(2000, 2100, "cudaLaunchKernel_v7000", b1, 1);
  t.R(2200, 2300, "cudaLaunchKernel_v7000", b1, 2);
  t.N(59, 0, 25000, "step", a1);
  TraceBuilder::Nvtx n;
  n.type = 59;
  n.start = 400;
  n.end = 5000;
  n.text = "prefill";
  n.global_tid = a1;
  t.AddNvtx(n);
  t.N(59, 18000, 20000, "decode", a1);
  t.N(60, 4000, 6000, "async_region", a1, a2);
  t.N(60, 4400, 4900, "a2_same_thread", a2, a2);
  t.N(59, 1000, 3000, "prefill", b1);
  t.N(59, 1500, std::nullopt, "bg", b1);
}

TEST_F(ViewTest, NvtxKernelTime) {
  AddAttributionFixture(t());
  Conn& c = Open();
  // Total kernel time 15700 (A 12200, B 3500). Innermost:
  //   prefill K1+K9 = 4500; async_region K2 = 4000; bg K5+K6 = 3000;
  //   decode K4 = 2000; a2_same_thread K3 = 1000; step 0.
  // Inclusive: prefill K1,K2,K9,K5,K6 = 11500; step K1,K2,K4,K9 = 10500;
  //   async_region K2,K3 = 5000; bg 3000; decode 2000; a2_same_thread 1000.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_nvtx_kernel_time")),
            "prefill||2|0.0045|2.25|28.662|5|0.0115|73.248\n"
            "async_region||1|0.004|4.0|25.478|2|0.005|31.847\n"
            "bg||2|0.003|1.5|19.108|2|0.003|19.108\n"
            "decode||1|0.002|2.0|12.739|1|0.002|12.739\n"
            "a2_same_thread||1|0.001|1.0|6.369|1|0.001|6.369\n"
            "step||0|0.0|NULL|0.0|4|0.0105|66.879\n");
  // Innermost attribution adds up to the coverage, which is <= 100%.
  EXPECT_EQ(c.Int("SELECT sum(innermost_ns) FROM _nsys_nvtx_attr "
                  "WHERE pid IS NULL"),
            c.Int("SELECT attributed_ns FROM _nsys_nvtx_coverage "
                  "WHERE pid IS NULL"));
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_nvtx_coverage")),
            "NULL|0.0157|0.0145|92.357|9|7|8|0.0005\n"
            "100|0.0122|0.0115|94.262|6|5|6|0.0\n"
            "200|0.0035|0.003|85.714|3|2|2|0.0005\n");
  // Per process: attribution follows the process of the kernel.
  EXPECT_EQ(Render(c.Query("SELECT pid, range_name, inclusive_kernels, "
                           "inclusive_ns, innermost_kernels, innermost_ns FROM "
                           "_nsys_nvtx_attr WHERE pid IS NOT NULL "
                           "ORDER BY pid, range_name")),
            "100|a2_same_thread|1|1000|1|1000\n"
            "100|async_region|2|5000|1|4000\n"
            "100|decode|1|2000|1|2000\n"
            "100|prefill|3|8500|2|4500\n"
            "100|step|4|10500|0|0\n"
            "200|bg|2|3000|2|3000\n"
            "200|prefill|2|3000|0|0\n");
}

// nsys_prepare() loads every table and computes every analysis up front, in
// parallel; every view read afterwards is exactly what it is without it,
// with the NVTX attribution on and off, and at any part count.
TEST_F(ViewTest, PrepareChangesNoResult) {
  AddAttributionFixture(t());
  AddKernelFixture(t());
  trace_->Close();
  std::vector<std::string> views;
  {
    Conn c(path_.path());
    ASSERT_EQ(c.Load(), "");
    for (const Row& r : c.Query("SELECT name FROM sqlite_temp_master WHERE type = "
                                "'view' AND name LIKE 'llm\\_%' ESCAPE '\\' "
                                "ORDER BY name"))
      views.push_back(r[0].s);
  }
  ASSERT_GE(views.size(), 20u);
  for (const char* map : {"1", "0"}) {
    for (const char* parts : {"1", "3"}) {
      SCOPED_TRACE(std::string("nvtx_kernel_map=") + map + " parts=" + parts);
      setenv("NSYSEXPLAIN_LOAD_PARTS", parts, 1);
      Conn plain(path_.path()), prepared(path_.path());
      ASSERT_EQ(plain.Load(), "");
      ASSERT_EQ(prepared.Load(), "");
      for (Conn* c : {&plain, &prepared})
        c->Query(std::string("UPDATE temp.llm_settings SET value = ") + map +
                 " WHERE key = 'nvtx_kernel_map'");
      EXPECT_EQ(prepared.Int("SELECT nsys_prepare()"), 1);
      for (const std::string& v : views)
        EXPECT_EQ(Render(prepared.Query("SELECT * FROM " + v)),
                  Render(plain.Query("SELECT * FROM " + v)))
            << v;
      // A second call and a reset in between change nothing either.
      EXPECT_EQ(prepared.Int("SELECT nsys_prepare() + nsys_reset() + nsys_prepare()"), 3);
      EXPECT_EQ(Render(prepared.Query("SELECT * FROM llm_nvtx_kernel_time")),
                Render(plain.Query("SELECT * FROM llm_nvtx_kernel_time")));
    }
  }
  unsetenv("NSYSEXPLAIN_LOAD_PARTS");
}

// nsys_prepare() also computes the results that depend on the settings
// tables (step table, phase attribution) for the settings of that moment;
// a later edit of those tables is seen by the next query, as without it.
TEST_F(ViewTest, PrepareThenSettingsEdit) {
  AddAttributionFixture(t());
  AddKernelFixture(t());
  trace_->Close();
  Conn plain(path_.path()), prepared(path_.path());
  ASSERT_EQ(plain.Load(), "");
  ASSERT_EQ(prepared.Load(), "");
  EXPECT_EQ(prepared.Int("SELECT nsys_prepare()"), 1);
  const char* views[] = {"llm_phases", "llm_steps", "llm_step_agreement", "llm_step_summary"};
  for (const char* v : views)
    EXPECT_EQ(Render(prepared.Query(std::string("SELECT * FROM ") + v)),
              Render(plain.Query(std::string("SELECT * FROM ") + v)))
        << v;
  for (Conn* c : {&plain, &prepared}) {
    c->Query("DELETE FROM temp.llm_phase_map");
    c->Query("INSERT INTO temp.llm_phase_map(phase, pattern) VALUES ('all', 'a')");
    c->Query("UPDATE temp.llm_settings SET value = 'zzz' WHERE key = 'nvtx_step_ranges'");
  }
  for (const char* v : views)
    EXPECT_EQ(Render(prepared.Query(std::string("SELECT * FROM ") + v)),
              Render(plain.Query(std::string("SELECT * FROM ") + v)))
        << v << " after the edit";
  EXPECT_GT(prepared.Int("SELECT count(*) FROM llm_phases WHERE phase = 'all'"), 0);
}

// Newer exports renamed tables with a version suffix: a missing NVTX_EVENTS
// or CUPTI_ACTIVITY_KIND_RUNTIME is read from its highest-numbered variant
// (said in llm_warnings and nsys_schema); a variant without the needed
// columns is named in the warning and in the sections' reasons.
TEST_F(ViewTest, TableVariants) {
  AddAttributionFixture(t());
  trace_->Close();
  std::string expected_nvtx, expected_attr;
  {
    Conn c(path_.path());
    ASSERT_EQ(c.Load(), "");
    expected_nvtx = Render(c.Query("SELECT * FROM llm_nvtx_ranges"));
    expected_attr = Render(c.Query("SELECT * FROM llm_nvtx_kernel_time"));
  }
  ASSERT_FALSE(expected_nvtx.empty());
  {
    Conn w(path_.path());
    w.Query("ALTER TABLE NVTX_EVENTS RENAME TO NVTX_EVENTS_V2");
    w.Query("ALTER TABLE CUPTI_ACTIVITY_KIND_RUNTIME RENAME TO CUPTI_ACTIVITY_KIND_RUNTIME_V3");
    w.Query("CREATE TABLE NVTX_EVENTS_V1(start INTEGER)");  // older, ignored
  }
  {
    Conn c(path_.path());
    ASSERT_EQ(c.Load(), "");
    EXPECT_EQ(Render(c.Query("SELECT * FROM llm_nvtx_ranges")), expected_nvtx);
    EXPECT_EQ(Render(c.Query("SELECT * FROM llm_nvtx_kernel_time")), expected_attr);
    EXPECT_EQ(Render(c.Query("SELECT message FROM llm_warnings WHERE code = 'table_variant' "
                             "ORDER BY message")),
              "CUPTI_ACTIVITY_KIND_RUNTIME is missing; the report reads "
              "CUPTI_ACTIVITY_KIND_RUNTIME_V3 instead (it has the columns the report "
              "needs).\n"
              "NVTX_EVENTS is missing; the report reads NVTX_EVENTS_V2 instead (it has "
              "the columns the report needs).\n");
    EXPECT_EQ(Render(c.Query("SELECT present, role FROM nsys_schema "
                             "WHERE table_name = 'NVTX_EVENTS'")),
              "1|NVTX ranges (read from NVTX_EVENTS_V2)\n");
  }
  {
    Conn w(path_.path());
    w.Query("CREATE TABLE NVTX_EVENTS_V7(start INTEGER, \"end\" INTEGER)");  // no eventType
  }
  Conn c(path_.path());
  ASSERT_EQ(c.Load(), "");
  EXPECT_EQ(c.Text("SELECT message FROM llm_warnings WHERE code = 'table_variant_unusable'"),
            "NVTX_EVENTS is missing and its variant NVTX_EVENTS_V7 lacks the columns the "
            "report needs: the sections that read it are not available.");
  EXPECT_EQ(Render(c.Query("SELECT available, reason FROM llm_report_sections "
                           "WHERE section_id = 'nvtx_ranges'")),
            "0|no NVTX_EVENTS table; its variant NVTX_EVENTS_V7 lacks the start/eventType "
            "columns\n");
  EXPECT_TRUE(c.Query("SELECT * FROM llm_nvtx_ranges").empty());
}

TEST_F(ViewTest, NvtxKernelRangesAndKernels) {
  AddAttributionFixture(t());
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query(
                "SELECT kernel_name, pid, dur_ns, range_name, event_type, "
                "range_start_ns, range_end_ns, depth, is_innermost FROM "
                "nsys_nvtx_kernel_ranges ORDER BY kernel_rowid, depth")),
            "k_a1|100|3000|step|59|0|25000|0|0\n"
            "k_a1|100|3000|prefill|59|400|5000|1|1\n"
            "k_a2|100|4000|step|59|0|25000|0|0\n"
            "k_a2|100|4000|prefill|59|400|5000|1|0\n"
            "k_a2|100|4000|async_region|60|4000|6000|2|1\n"
            "k_a3|100|1000|async_region|60|4000|6000|0|0\n"
            "k_a3|100|1000|a2_same_thread|60|4400|4900|1|1\n"
            "k_a4|100|2000|step|59|0|25000|0|0\n"
            "k_a4|100|2000|decode|59|18000|20000|1|1\n"
            "k_a9|100|1500|step|59|0|25000|0|0\n"
            "k_a9|100|1500|prefill|59|400|5000|1|1\n"
            "k_b1|200|3000|prefill|59|1000|3000|0|0\n"
            "k_b1|200|3000|bg|59|1500|NULL|1|1\n"
            "k_b2|200|0|prefill|59|1000|3000|0|0\n"
            "k_b2|200|0|bg|59|1500|NULL|1|1\n");
  // Launch join: same correlationId AND same process; eventClass 67 ignored.
  EXPECT_EQ(Render(c.Query(
                "SELECT kernel_name, pid, correlation_id, launch_api, "
                "launch_tid, launch_start_ns, queue_ns, nvtx_depth, "
                "nvtx_innermost FROM nsys_kernels ORDER BY kernel_rowid")),
            "k_a1|100|1|cudaLaunchKernel_v7000|100|500|9400|2|prefill\n"
            "k_a2|100|2|cudaLaunchKernel_v7000|100|4500|8400|3|async_region\n"
            "k_a3|100|3|cudaLaunchKernel_v7000|101|4700|12200|2|a2_same_thread\n"
            "k_a4|100|4|cudaLaunchKernel_v7000|100|19000|10900|2|decode\n"
            "k_a9|100|9|cuLaunchKernel|100|1500|38450|2|prefill\n"
            "k_late|100|5|cudaLaunchKernel_v7000|100|26000|33900|0|NULL\n"
            "k_b1|200|1|cudaLaunchKernel_v7000|200|2000|7900|2|bg\n"
            "k_b2|200|2|cudaLaunchKernel_v7000|200|2200|11700|2|bg\n"
            "k_orphan|200|77|NULL|NULL|NULL|NULL|NULL|NULL\n");
  EXPECT_EQ(c.Text("SELECT message FROM llm_warnings "
                   "WHERE code = 'kernels_without_launch'"),
            "1 of 9 kernels (3.2% of kernel time) have no runtime/driver call "
            "with the same (process, correlationId); they cannot be attributed "
            "to NVTX ranges.");
}

TEST_F(ViewTest, NvtxByPid) {
  AddAttributionFixture(t());
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query(
                "SELECT pid, range_name, nvtx_count, attributed_kernel_count, "
                "inclusive_kernel_time_ms, pid_attribution_coverage_pct "
                "FROM llm_nvtx_by_pid")),
            "100|step|1|0|0.0105|94.262\n"
            "100|prefill|1|2|0.0085|94.262\n"
            "100|async_region|1|1|0.005|94.262\n"
            "100|decode|1|1|0.002|94.262\n"
            "100|a2_same_thread|1|1|0.001|94.262\n"
            "200|prefill|1|0|0.003|85.714\n"  // tie on GPU time: wall time
            "200|bg|0|2|0.003|85.714\n");
}

TEST_F(ViewTest, PhasesWithCustomMap) {
  AddAttributionFixture(t());
  Conn& c = Open();
  // Default map: prefill/decode patterns.
  EXPECT_EQ(Render(c.Query("SELECT phase, range_names, nvtx_count, "
                           "kernel_count, kernel_time_ms FROM llm_phases")),
            "prefill|1|2|5|0.0115\n"
            "decode|1|1|1|0.002\n");
  // Custom map; the first matching row wins ('other' only gets the names no
  // earlier pattern matched); patterns are case-insensitive.
  c.Exec("DELETE FROM llm_phase_map;"
         "INSERT INTO llm_phase_map(phase, pattern) VALUES "
         "('warm', 'PREFILL'), ('gen', 'decode'), ('gen', 'Step'), "
         "('other', 'e');");
  // warm: prefill (A 4600 + B 2000 wall); kernels K1,K2,K9,K5,K6 = 11500.
  // gen: decode + step (2000 + 25000 wall); K1,K2,K4,K9 once each = 10500.
  // other: async_region + a2_same_thread (2000 + 500); K2,K3 = 5000.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_phases")),
            "warm|1|2|0.0066|5|0.0115|73.248\n"
            "gen|2|2|0.027|4|0.0105|66.879\n"
            "other|2|2|0.0025|2|0.005|31.847\n");
  // Changing the map again is seen by the next query (the session caches
  // the result per map content), and so is changing it back.
  c.Exec("DELETE FROM llm_phase_map WHERE phase <> 'gen'");
  EXPECT_EQ(Render(c.Query("SELECT phase, kernel_count FROM llm_phases")),
            "gen|4\n");
  c.Exec("UPDATE llm_phase_map SET pattern = 'STEP' WHERE pattern = 'Step'");
  EXPECT_EQ(Render(c.Query("SELECT phase, kernel_count FROM llm_phases")),
            "gen|4\n");
  c.Exec("DELETE FROM llm_phase_map WHERE pattern = 'STEP'");
  EXPECT_EQ(Render(c.Query("SELECT phase, kernel_count FROM llm_phases")),
            "gen|1\n");
  c.Exec("DELETE FROM llm_phase_map");
  EXPECT_TRUE(c.Query("SELECT * FROM llm_phases").empty());
}

TEST_F(ViewTest, Pids) {
  AddAttributionFixture(t());
  Conn& c = Open();
  Rows rows = c.Query("SELECT * FROM llm_pids");
  ASSERT_EQ(rows.size(), 2u);
  // A: 12200 ns in 6 kernels over [10000, 60700]; B: 3500 in 3 over
  // [10000, 50500].
  EXPECT_EQ(rows[0][0].i, 100);
  EXPECT_DOUBLE_EQ(rows[0][1].num(), 0.0122);
  EXPECT_EQ(rows[0][2].i, 6);
  EXPECT_DOUBLE_EQ(rows[0][3].num(), 77.707);
  EXPECT_NEAR(rows[0][4].num(), 50700e-9, 1e-6);
  EXPECT_EQ(rows[1][0].i, 200);
  EXPECT_DOUBLE_EQ(rows[1][1].num(), 0.0035);
  EXPECT_EQ(rows[1][2].i, 3);
  EXPECT_DOUBLE_EQ(rows[1][3].num(), 22.293);
  EXPECT_NEAR(rows[1][4].num(), 40500e-9, 1e-6);
}

TEST_F(ViewTest, PidDecodingKeepsVmApart) {
  // Same OS pid 7 on VM 0 and VM 1: one PID row (PIDs are per host) but
  // the launch join uses the full process key, so VM 1's kernel does not
  // pick up VM 0's launch row.
  t().K(100, 200, "k_vm0", 0, Gpid(7, 0), 1);
  t().K(100, 300, "k_vm1", 0, Gpid(7, 1), 1);
  t().R(10, 20, "cudaLaunchKernel", Gtid(7, 8, 0), 1);
  t().N(59, 0, 50, "r", Gtid(7, 8, 0));
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT pid, kernel_count FROM llm_pids")), "7|2\n");
  EXPECT_EQ(Render(c.Query("SELECT kernel_name, launch_rowid IS NOT NULL, "
                           "nvtx_innermost FROM nsys_kernels "
                           "ORDER BY kernel_rowid")),
            "k_vm0|1|r\n"
            "k_vm1|0|NULL\n");
  EXPECT_EQ(Render(c.Query("SELECT attributed_kernel_count, coverage_pct "
                           "FROM llm_nvtx_coverage WHERE pid IS NULL")),
            "1|33.333\n");
}

// Every llm_* view runs on every fixture without error.
TEST_F(ViewTest, EveryViewRuns) {
  AddKernelFixture(t());
  AddAttributionFixture(t());
  Conn& c = Open();
  Rows views = c.Query("SELECT name FROM sqlite_temp_master WHERE type = "
                       "'view' ORDER BY name");
  EXPECT_GE(views.size(), 20u);
  for (const Row& v : views) {
    SCOPED_TRACE(v[0].s);
    c.Query("SELECT * FROM " + v[0].s);
  }
  // The fixtures have no CUDA graphs, no host syncs (no steps), no memory
  // tables and no NCCL kernels: every other section is available.
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_report_sections WHERE available"),
            static_cast<int64_t>(nsysexplain::testing::kReportSections) - 4);
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_report_sections WHERE NOT available "
                  "AND section_id IN ('cuda_graphs', 'steps', 'memory', 'nccl')"),
            4);
}

}  // namespace
}  // namespace nsysexplain::testing
