// Time windows (llm_settings window_from_ns / window_to_ns; core/window.h)
// on a hand-computed fixture. Process 1, thread 1, device 0 (us):
//
//   launch call [0,2)   -> K1 [5,10)     NVTX "prefill" [0,15)
//   launch call [12,14) -> K2 [20,30)    NVTX "decode"  [15,80)
//   launch call [22,24) -> K3 [40,50)
//   launch call [52,54) -> K4 [60,70)
//
// Window [25,65): K2 clipped to [25,30), K3, K4 clipped to [60,65): 3
// kernels, busy 5+10+5 = 20 of 40 us, idle gaps [30,40) and [50,60); the
// launch rows of K2..K4 are kept (K2's call precedes the window); only
// "decode" overlaps it.
#include <gtest/gtest.h>

#include <string>

#include "trace_test.h"

namespace nsysexplain::testing {
namespace {

constexpr int64_t us = 1000;

class Window : public TraceTest {
 protected:
  Conn& Build() {
    const int64_t tid = Gtid(1, 1);
    const int64_t launch[4][2] = {{0, 2}, {12, 14}, {22, 24}, {52, 54}};
    const int64_t kernel[4][2] = {{5, 10}, {20, 30}, {40, 50}, {60, 70}};
    for (int i = 0; i < 4; ++i) {
      t().R(launch[i][0] * us, launch[i][1] * us, "cudaLaunchKernel_v7000", tid, i + 1);
      t().K(kernel[i][0] * us, kernel[i][1] * us, "k" + std::to_string(i + 1), 0, Gpid(1),
            i + 1);
    }
    t().N(59, 0, 15 * us, "prefill", tid);
    t().N(59, 15 * us, 80 * us, "decode", tid);
    return Open();
  }
  static void SetWindow(Conn& c, const std::string& from, const std::string& to) {
    c.Exec("UPDATE temp.llm_settings SET value = " + from + " WHERE key = 'window_from_ns'");
    c.Exec("UPDATE temp.llm_settings SET value = " + to + " WHERE key = 'window_to_ns'");
  }
  // The views a window changes, rendered.
  static std::string Snapshot(Conn& c) {
    std::string out;
    for (const char* v : {"llm_gpu_idle", "llm_gpu_idle_gaps", "llm_gpu_busy", "llm_top_kernels",
                          "llm_launch_latency", "llm_nvtx_ranges", "llm_nvtx_kernel_time",
                          "llm_launch_storm", "llm_gpu_timeline", "llm_steps"})
      out += std::string(v) + ":\n" + Render(c.Query(std::string("SELECT * FROM ") + v));
    return out;
  }
};

TEST_F(Window, ClipsKernelsAndIdleToTheWindow) {
  Conn& c = Build();
  SetWindow(c, "25000", "65000");
  EXPECT_EQ(Render(c.Query("SELECT window_ms, busy_ms, idle_ms, kernel_count, gap_count, "
                           "largest_gap_ms FROM llm_gpu_idle")),
            "0.04|0.02|0.02|3|2|0.01\n");
  EXPECT_EQ(Render(c.Query("SELECT gap_start_ns, gap_start_ns + gap_ns FROM nsys_gpu_gaps ORDER BY gap_start_ns")),
            "30000|40000\n50000|60000\n");
  EXPECT_EQ(Render(c.Query("SELECT launches, total_ns, first_start_ns, last_end_ns "
                           "FROM _nsys_launch_storm WHERE pid IS NULL")),
            "3|20000|25000|65000\n");
  // Every windowed kernel keeps its launch call, the one before the window too.
  EXPECT_EQ(c.Num("SELECT sum(kernels) FROM llm_launch_latency"), 3);
  EXPECT_EQ(Render(c.Query("SELECT range_name FROM llm_nvtx_ranges")), "decode\n");
  EXPECT_EQ(c.Text("SELECT value FROM llm_trace_info WHERE key = 'window'"),
            "[25000, 65000) ns");
  // Whole-trace counters stay whole.
  EXPECT_EQ(c.Text("SELECT value FROM llm_trace_info WHERE key = 'kernel_rows'"), "4");
}

TEST_F(Window, OpenSidedWindow) {
  Conn& c = Build();
  SetWindow(c, "45000", "NULL");  // from 45 us to the end: K3 [45,50), K4
  EXPECT_EQ(Render(c.Query("SELECT window_ms, busy_ms, kernel_count FROM llm_gpu_idle")),
            "0.025|0.015|2\n");
  EXPECT_EQ(c.Text("SELECT value FROM llm_trace_info WHERE key = 'window'"),
            "[45000, end of trace) ns");
}

TEST_F(Window, WholeExtentEqualsNoWindow) {
  Conn& c = Build();
  std::string whole = Snapshot(c);
  EXPECT_EQ(c.Text("SELECT value FROM llm_trace_info WHERE key = 'window'"), "whole trace");
  SetWindow(c, "5000", "70000");  // first kernel start .. last kernel end
  EXPECT_EQ(Snapshot(c), whole);
}

TEST_F(Window, BackAndForthInOneConnection) {
  Conn& c = Build();
  std::string whole = Snapshot(c);
  SetWindow(c, "25000", "65000");
  std::string win = Snapshot(c);
  EXPECT_NE(win, whole);
  SetWindow(c, "NULL", "NULL");
  EXPECT_EQ(Snapshot(c), whole);
  SetWindow(c, "25000", "65000");
  EXPECT_EQ(Snapshot(c), win);
  // nsys_prepare() prepares the current window; results are unchanged.
  EXPECT_EQ(c.Num("SELECT nsys_prepare()"), 1);
  EXPECT_EQ(Snapshot(c), win);
  SetWindow(c, "NULL", "NULL");
  EXPECT_EQ(c.Num("SELECT nsys_prepare()"), 1);
  EXPECT_EQ(Snapshot(c), whole);
}

TEST_F(Window, BadSettingsAreErrors) {
  Conn& c = Build();
  SetWindow(c, "'soon'", "NULL");
  EXPECT_NE(c.Error("SELECT * FROM llm_gpu_idle").find("window_from_ns must be an integer"),
            std::string::npos);
  SetWindow(c, "65000", "25000");
  EXPECT_NE(c.Error("SELECT * FROM llm_gpu_idle").find("must be before window_to_ns"),
            std::string::npos);
}

// Memory operations are clipped like kernels. Device 0 (us): kernels [0,10)
// [20,30) [25,40), a copy [35,50), a memset [60,65). Window [5,45): kernels
// [5,10) [20,30) [25,40) (busy 25 of 40), the copy [35,45), no memset: with
// memory [5,10) + [20,45) = 30 us, memory alone 10 us, 5 us of it outside
// kernels.
TEST_F(Window, ClipsMemoryOperations) {
  t().Exec("CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY(start INTEGER NOT NULL, \"end\" INTEGER "
           "NOT NULL, deviceId INTEGER, streamId INTEGER, correlationId INTEGER, globalPid "
           "INTEGER, bytes INTEGER, copyKind INTEGER)");
  t().Exec("CREATE TABLE CUPTI_ACTIVITY_KIND_MEMSET(start INTEGER NOT NULL, \"end\" INTEGER "
           "NOT NULL, deviceId INTEGER, streamId INTEGER, correlationId INTEGER, globalPid "
           "INTEGER, bytes INTEGER)");
  t().K(0, 10 * us, "a");
  t().K(20 * us, 30 * us, "b");
  t().K(25 * us, 40 * us, "c");
  t().Exec("INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (35000, 50000, 0, 9, 1, " +
           std::to_string(Gpid(1)) + ", 64, 1)");
  t().Exec("INSERT INTO CUPTI_ACTIVITY_KIND_MEMSET VALUES (60000, 65000, 0, 7, 2, " +
           std::to_string(Gpid(1)) + ", 64)");
  Conn& c = Open();
  SetWindow(c, "5000", "45000");
  EXPECT_EQ(Render(c.Query("SELECT kernels, memcpys, memsets, kernel_window_ms, kernel_busy_ms, "
                           "window_with_memory_ms, busy_with_memory_ms, memory_busy_ms, "
                           "memory_outside_kernels_ms FROM llm_gpu_busy")),
            "3|1|0|0.04|0.025|0.04|0.03|0.01|0.005\n");
}

// llm_settings trace_schema points every view at an ATTACHed export: the
// same rows as opening that file as main, and back.
TEST_F(Window, TraceSchemaReadsAnAttachedTrace) {
  TempPath other("nsx_attached");
  {
    TraceBuilder b(other.path());
    b.R(0, 1000, "cudaLaunchKernel_v7000", Gtid(7, 7), 1);
    b.K(2000, 9000, "attached_kernel", 0, Gpid(7), 1);
    b.N(59, 0, 10000, "attached_range", Gtid(7, 7));
    b.Close();
  }
  std::string attached;
  {
    Conn o(other.path());
    ASSERT_EQ(o.Load(), "");
    attached = Snapshot(o);
  }
  Conn& c = Build();
  std::string main_view = Snapshot(c);
  c.Exec("ATTACH '" + other.path() + "' AS base");
  c.Exec("UPDATE temp.llm_settings SET value = 'base' WHERE key = 'trace_schema'");
  EXPECT_EQ(Snapshot(c), attached);
  EXPECT_NE(attached, main_view);
  EXPECT_EQ(c.Text("SELECT nsys_nvtx_range_extent('attached_range')"),
            "{\"start\":0,\"end\":10000,\"instances\":1}");
  c.Exec("UPDATE temp.llm_settings SET value = NULL WHERE key = 'trace_schema'");
  EXPECT_EQ(Snapshot(c), main_view);
  c.Exec("UPDATE temp.llm_settings SET value = 'nosuch' WHERE key = 'trace_schema'");
  EXPECT_NE(c.Error("SELECT * FROM llm_gpu_idle").find("trace_schema 'nosuch' is no attached"),
            std::string::npos);
}

TEST_F(Window, NvtxRangeExtent) {
  Conn& c = Build();
  EXPECT_EQ(c.Text("SELECT nsys_nvtx_range_extent('decode')"),
            "{\"start\":15000,\"end\":80000,\"instances\":1}");
  EXPECT_EQ(c.Text("SELECT nsys_nvtx_range_extent('decode', '')"),
            "{\"start\":15000,\"end\":80000,\"instances\":1}");
  EXPECT_EQ(c.One("SELECT nsys_nvtx_range_extent('decode', 'other')").str(), "NULL");
  EXPECT_EQ(c.One("SELECT nsys_nvtx_range_extent('nosuch')").str(), "NULL");
}

}  // namespace
}  // namespace nsysexplain::testing
