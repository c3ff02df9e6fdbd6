// CUDA graphs in both trace modes and serving-loop steps (sql/cuda_graphs.sql,
// sql/steps.sql) on hand-computed fixtures.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "trace_test.h"

namespace nsysexplain::testing {
namespace {

class GraphsSteps : public TraceTest {
 protected:
  void GraphTraceTable() {
    t().Exec("CREATE TABLE CUPTI_ACTIVITY_KIND_GRAPH_TRACE(start INTEGER NOT NULL, "
             "\"end\" INTEGER NOT NULL, deviceId INTEGER, contextId INTEGER, "
             "greenContextId INTEGER, streamId INTEGER, correlationId INTEGER, "
             "globalPid INTEGER, graphId INTEGER, graphExecId INTEGER)");
  }
  // A GPU that is ~99% busy: eager kernels [0, 730 us) and [990, 1000 us),
  // one graph-mode graph execution [730, 980 us) whose kernels are not in
  // the kernel table. Reading only kernels, it looks 26% idle.
  void BusyGpuWithGraphMode(bool graph_rows) {
    const int64_t us = 1000, tid = Gtid(1, 1);
    t().R(0, 5 * us, "cudaLaunchKernel_v7000", tid, 1);
    t().K(0, 730 * us, "gemm_eager", 0, Gpid(1), 1);
    t().R(700 * us, 720 * us, "cudaGraphLaunch_v10000", tid, 2);
    t().R(980 * us, 985 * us, "cudaLaunchKernel_v7000", tid, 3);
    t().K(990 * us, 1000 * us, "sampler", 0, Gpid(1), 3);
    if (graph_rows) {
      GraphTraceTable();
      t().Exec("INSERT INTO CUPTI_ACTIVITY_KIND_GRAPH_TRACE VALUES (730000, 980000, 0, 1, "
               "NULL, 7, 2, " + std::to_string(Gpid(1)) + ", 5, 11)");
    }
  }
};

TEST_F(GraphsSteps, GraphModeExecutionsCountAsBusy) {
  BusyGpuWithGraphMode(true);
  Conn& c = Open();
  // busy 730 + 250 + 10 = 990 of 1000 us: 1% idle, not 26%.
  EXPECT_EQ(Render(c.Query("SELECT idle_pct_of_window, kernel_count, graph_executions, "
                           "busy_ms FROM llm_gpu_idle")),
            "1.0|2|1|0.99\n");
  EXPECT_EQ(Render(c.Query("SELECT mode, graph_launch_calls, graph_trace_rows FROM "
                           "_nsys_cuda_graph_mode")),
            "graph|1|1\n");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_warnings WHERE code = 'graph_mode_capture'"), 1);
  EXPECT_EQ(Render(c.Query("SELECT value FROM llm_trace_info WHERE key = "
                           "'cuda_graph_mode_detected'")),
            "graph\n");
  // Every section that reads kernels says what it cannot see.
  EXPECT_EQ(Render(c.Query("SELECT caveats FROM llm_report_sections "
                           "WHERE section_id = 'top_kernels'")),
            "graph-mode capture: the kernels of 1 CUDA graph executions (0.250 ms of GPU "
            "time, CUPTI_ACTIVITY_KIND_GRAPH_TRACE) are not in the kernel table, so no "
            "kernel a graph ran is listed or counted here\n");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_report_sections WHERE caveats IS NOT NULL"), 12);
  EXPECT_EQ(Render(c.Query("SELECT pid, device_id, graph_key, basis, launches, "
                           "kernels_per_launch, gpu_ms, api_per_launch_us FROM llm_cuda_graphs")),
            "1|0|11|graph_exec_id|1|NULL|0.25|20.0\n");
  // No sync: steps start at graph launches; the eager launch before the
  // first graph launch is a step of its own. The graph step runs to the end
  // of the graph execution's successor kernel (its last launch's kernel).
  EXPECT_EQ(Render(c.Query("SELECT step, start_ns, end_ns, launches, graph_launches, phase, "
                           "basis FROM llm_steps")),
            "1|0|730000|1|0|unknown|graph\n2|700000|1000000|2|1|decode|graph\n");
}

TEST_F(GraphsSteps, GraphLaunchesWithoutGpuRecordAreNamed) {
  BusyGpuWithGraphMode(false);
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT idle_pct_of_window, graph_executions FROM llm_gpu_idle")),
            "26.0|0\n");
  EXPECT_EQ(Render(c.Query("SELECT mode FROM _nsys_cuda_graph_mode")), "unknown\n");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_warnings WHERE code = 'graph_work_missing'"), 1);
}

// Node mode and steps, in us: one thread of process 1.
//   eager prefill: cudaLaunchKernel [0,10) -> flash_fwd_kernel [20,100);
//                  cudaStreamSynchronize [15,120) closes step 1
//   cudaGraphInstantiate [130,140): start-up ends here (step 1 is warm-up)
//   graph replay:  cudaGraphLaunch [200,230) -> attention_3d [240,300),
//                  gemm [300,350); sync [235,360) closes step 2
//   graph replay:  cudaGraphLaunch [400,430) -> [440,500), [500,550);
//                  sync [435,560) closes step 3
// Device window [20,550); gaps [100,240) and [350,440).
TEST_F(GraphsSteps, NodeModeGraphsAndSteps) {
  const int64_t us = 1000, tid = Gtid(1, 1), pid = Gpid(1);
  t().R(0, 10 * us, "cudaLaunchKernel_v7000", tid, 1);
  t().K(20 * us, 100 * us, "void flash::flash_fwd_kernel<T>(P)", 0, pid, 1);
  t().R(15 * us, 120 * us, "cudaStreamSynchronize_v3020", tid, 90);
  t().R(130 * us, 140 * us, "cudaGraphInstantiate_v10000", tid, 91);
  t().R(200 * us, 230 * us, "cudaGraphLaunch_v10000", tid, 2);
  t().K(240 * us, 300 * us, "kernel_unified_attention_3d", 0, pid, 2);
  t().K(300 * us, 350 * us, "gemm", 0, pid, 2);
  t().R(235 * us, 360 * us, "cudaStreamSynchronize_v3020", tid, 92);
  t().R(400 * us, 430 * us, "cudaGraphLaunch_v10000", tid, 3);
  t().K(440 * us, 500 * us, "kernel_unified_attention_3d", 0, pid, 3);
  t().K(500 * us, 550 * us, "gemm", 0, pid, 3);
  t().R(435 * us, 560 * us, "cudaStreamSynchronize_v3020", tid, 93);
  Conn& c = Open();
  // Step 1 [0,120): idle [0,20) before the window + [100,120) = 40 us; the
  // launch [0,10) sees 10 us idle (>= 10% of 120: launch-bound).
  // Step 2 [200,360): idle [200,240) + [350,360) = 50; launching [200,230) 30.
  // Step 3 [400,560): idle [400,440) + [550,560) after the window = 50.
  EXPECT_EQ(Render(c.Query("SELECT step, start_ns, end_ns, duration_us, busy_us, idle_us, "
                           "idle_launching_us, launch_bound, kernels, launches, "
                           "graph_launches, phase, warmup, basis FROM llm_steps")),
            "1|0|120000|120.0|80.0|40.0|10.0|0|1|1|0|prefill|1|sync\n"
            "2|200000|360000|160.0|110.0|50.0|30.0|1|2|1|1|decode|0|sync\n"
            "3|400000|560000|160.0|110.0|50.0|30.0|1|2|1|1|decode|0|sync\n");
  EXPECT_EQ(Render(c.Query("SELECT evidence FROM llm_steps WHERE step = 2")),
            "1 decode-attention kernels (kernel_unified_attention_3d); CUDA graph replay "
            "(1 graph launch)\n");
  EXPECT_EQ(Render(c.Query("SELECT phase, steps, step_p50_us, step_max_us, kernels_per_step, "
                           "graph_step_pct, idle_pct, launch_bound_pct FROM llm_step_summary")),
            "decode|2|160.0|160.0|2.0|100.0|31.25|100.0\n"
            "warmup|1|120.0|120.0|1.0|0.0|33.333|0.0\n");
  // One graph (the same replayed sequence twice): 2 launches of 2 kernels,
  // 110 us GPU per launch, 30 us host per launch; one eager launch of 10 us:
  // replaying 4 kernels eagerly would cost 40 us, the graphs cost 60 us.
  EXPECT_EQ(Render(c.Query("SELECT pid, basis, first_kernel, launches, kernels_per_launch, "
                           "gpu_per_launch_us, busy_per_launch_us, api_per_launch_us, "
                           "launches_avoided, eager_launch_us, host_saved_ms "
                           "FROM llm_cuda_graphs")),
            "1|kernel_sequence|kernel_unified_attention_3d|2|2.0|110.0|110.0|30.0|2|10.0|-0.02\n");
  EXPECT_EQ(Render(c.Query("SELECT mode, launches_with_kernels FROM _nsys_cuda_graph_mode")),
            "node|2\n");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_report_sections WHERE caveats IS NOT NULL"), 0);
}

// A thread that never syncs and never launches a graph has no steps; the
// section says why.
TEST_F(GraphsSteps, NoBoundaryNoSteps) {
  const int64_t tid = Gtid(1, 1), pid = Gpid(1);
  t().R(0, 10, "cudaLaunchKernel_v7000", tid, 1);
  t().K(20, 100, "gemm", 0, pid, 1);
  Conn& c = Open();
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_steps"), 0);
  EXPECT_EQ(Render(c.Query("SELECT available, reason FROM llm_report_sections "
                           "WHERE section_id = 'steps'")),
            "0|no launch thread has a host sync or a CUDA graph launch to cut steps at\n");
}

// NVTX step ranges replace the host-event steps they overlap and are
// compared with them. Process 1, one thread, step i (us, at i*1000): NVTX
// "execute_model" [0, 800) holding "decode" [5, 300) (step 4: "prefill"),
// cudaLaunchKernel [10, 20) -> paged_attention_v2_kernel [30, 130),
// cudaLaunchKernel [20, 25) -> gemm [130, 300); sync [400, 700). Host step i
// = [10, 700): IoU with the NVTX step 690/800.
TEST_F(GraphsSteps, NvtxStepRangesAndAgreement) {
  const int64_t us = 1000, tid = Gtid(1, 1), pid = Gpid(1);
  for (int64_t i = 0; i < 4; ++i) {
    const int64_t b = i * 1000 * us;
    t().N(59, b, b + 800 * us, "execute_model", tid);
    t().N(59, b + 5 * us, b + 300 * us, i < 3 ? "decode" : "prefill", tid);
    t().R(b + 10 * us, b + 20 * us, "cudaLaunchKernel_v7000", tid, 1 + 2 * i);
    t().K(b + 30 * us, b + 130 * us, "paged_attention_v2_kernel", 0, pid, 1 + 2 * i);
    t().R(b + 20 * us, b + 25 * us, "cudaLaunchKernel_v7000", tid, 2 + 2 * i);
    t().K(b + 130 * us, b + 300 * us, "gemm", 0, pid, 2 + 2 * i);
    t().R(b + 400 * us, b + 700 * us, "cudaStreamSynchronize_v3020", tid, 100 + i);
  }
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT step, start_ns, end_ns, kernels, launches, kernel_us, "
                           "attention_us, phase, basis FROM llm_steps")),
            "1|0|800000|2|2|270.0|100.0|decode|nvtx\n"
            "2|1000000|1800000|2|2|270.0|100.0|decode|nvtx\n"
            "3|2000000|2800000|2|2|270.0|100.0|decode|nvtx\n"
            "4|3000000|3800000|2|2|270.0|100.0|prefill|nvtx\n");
  EXPECT_EQ(Render(c.Query("SELECT evidence FROM llm_steps WHERE step = 4")),
            "NVTX step range \"execute_model\"; NVTX range \"prefill\" (llm_phase_map: "
            "prefill); kernels: 1 decode-attention kernels (paged_attention_v2_kernel)\n");
  // Step 4's kernels say decode, its NVTX range prefill.
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_step_agreement")), "1|4|4|sync|4|100.0|75.0\n");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_warnings WHERE code = 'step_basis_disagree'"), 0);
  // Without phase ranges, the kernels give the phase.
  c.Exec("DELETE FROM llm_phase_map");
  EXPECT_EQ(Render(c.Query("SELECT group_concat(phase || '/' || basis) FROM llm_steps")),
            "decode/nvtx,decode/nvtx,decode/nvtx,decode/nvtx\n");
  EXPECT_EQ(Render(c.Query("SELECT matched, phase_agreement_pct FROM llm_step_agreement")),
            "4|NULL\n");
  // Without step ranges, the host-event steps are back, phases from NVTX.
  c.Exec("INSERT INTO llm_phase_map(phase, pattern) VALUES ('decode', 'decode'), "
         "('prefill', 'prefill')");
  c.Exec("UPDATE llm_settings SET value = '' WHERE key = 'nvtx_step_ranges'");
  EXPECT_EQ(Render(c.Query("SELECT group_concat(phase || '/' || basis), max(start_ns) "
                           "FROM llm_steps")),
            "decode/sync,decode/sync,decode/sync,prefill/sync|3010000\n");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_step_agreement"), 0);
}

// NVTX step ranges that each hold two host-event steps: no pair agrees, and
// the report warns. A fifth host step outside every range stays.
TEST_F(GraphsSteps, NvtxStepsThatDisagreeAreFlagged) {
  const int64_t us = 1000, tid = Gtid(1, 1), pid = Gpid(1);
  for (int64_t i = 0; i < 5; ++i) {
    const int64_t b = i * 1000 * us;
    if (i % 2 == 0 && i < 4) t().N(59, b, b + 1800 * us, "Worker.execute_model", tid);
    t().R(b + 10 * us, b + 20 * us, "cudaLaunchKernel_v7000", tid, 1 + i);
    t().K(b + 30 * us, b + 300 * us, "gemm", 0, pid, 1 + i);
    t().R(b + 400 * us, b + 700 * us, "cudaStreamSynchronize_v3020", tid, 100 + i);
  }
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT step, start_ns, end_ns, kernels, basis FROM llm_steps")),
            "1|0|1800000|2|nvtx\n2|2000000|3800000|2|nvtx\n3|4010000|4700000|1|sync\n");
  EXPECT_EQ(Render(c.Query("SELECT * FROM llm_step_agreement")), "1|2|4|sync|0|0.0|NULL\n");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_warnings WHERE code = 'step_basis_disagree'"), 1);
}

// 24 decode steps whose attention kernel grows by 10 us a step (100 ..
// 330 us) beside a 100 us GEMM: first quarter 125 us, last 305 us.
TEST_F(GraphsSteps, AttentionGrowsAcrossDecodeSteps) {
  const int64_t us = 1000, tid = Gtid(1, 1), pid = Gpid(1);
  for (int64_t i = 0; i < 24; ++i) {
    const int64_t b = i * 1000 * us, a = (100 + 10 * i) * us;
    t().R(b, b + 5 * us, "cudaLaunchKernel_v7000", tid, 1 + 2 * i);
    t().K(b + 10 * us, b + 10 * us + a, "paged_attention_v2_kernel", 0, pid, 1 + 2 * i);
    t().R(b + 5 * us, b + 8 * us, "cudaLaunchKernel_v7000", tid, 2 + 2 * i);
    t().K(b + 10 * us + a, b + 110 * us + a, "gemm", 0, pid, 2 + 2 * i);
    t().R(b + 9 * us, b + 600 * us, "cudaStreamSynchronize_v3020", tid, 1000 + i);
  }
  Conn& c = Open();
  EXPECT_EQ(Render(c.Query("SELECT evidence FROM llm_findings WHERE rule = 'attention_grows'")),
            "PID 1: attention per decode step rises from 125.0 us (first quarter of 24 "
            "steady-state decode steps) to 305.0 us (last quarter), +144%; its share of the "
            "step's kernel time 55.6% -> 75.3%.\n");
  // Below the threshold: no finding.
  c.Exec("UPDATE llm_settings SET value = 150 WHERE key = 'attention_growth_pct'");
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_findings WHERE rule = 'attention_grows'"), 0);
}

}  // namespace
}  // namespace nsysexplain::testing
