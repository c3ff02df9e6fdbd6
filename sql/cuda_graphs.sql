-- CUDA graphs (docs/SEMANTICS.md, "CUDA graphs"): per process and graph, the
-- graph launches, the kernels they replay and what they cost. A graph is
-- identified by its graphExecId/graphId where the export records one
-- (graph-mode CUPTI_ACTIVITY_KIND_GRAPH_TRACE), else by the sequence of
-- kernel names a launch replays (node mode: the kernels share the launch
-- call's correlationId). host_saved_ms compares the graph launches with
-- launching the same kernels one by one at the process's measured
-- cudaLaunchKernel cost.
-- Example: SELECT pid, launches, kernels_per_launch, host_saved_ms FROM llm_cuda_graphs;
CREATE TEMP VIEW IF NOT EXISTS llm_cuda_graphs(
  pid,                  -- OS process id
  device_id,            -- CUDA device ordinal
  graph_key,            -- graphExecId / graphId, or a hash of the replayed kernel sequence
  basis,                -- what identifies the graph: graph_exec_id, graph_id or kernel_sequence
  first_kernel,         -- first kernel of a replay (node mode; NULL in graph mode)
  launches,             -- graph launches
  kernels_per_launch,   -- kernels replayed per launch (NULL: graph mode, not visible)
  gpu_ms,               -- summed kernel time (graph mode: graph execution time)
  gpu_per_launch_us,    -- GPU time per launch
  busy_per_launch_us,   -- union of the launch's GPU intervals, per launch
  api_per_launch_us,    -- cudaGraphLaunch host time per launch
  launches_avoided,     -- kernels - launches: launch calls the graphs replaced
  eager_launch_us,      -- the process's mean cudaLaunchKernel-like call (NULL: none)
  host_saved_ms,        -- kernels x eager_launch_us - graph launch time (NULL: unknown)
  first_ns,             -- first replay start
  last_ns               -- last replay end
) AS
SELECT pid, device_id, graph_key, basis, first_kernel, launches,
       round(1.0 * kernels / launches, 3), round(gpu_ns / 1e6, 6),
       round(gpu_per_launch_ns / 1e3, 3), round(busy_per_launch_ns / 1e3, 3),
       round(api_per_launch_ns / 1e3, 3), kernels - launches,
       round(eager_launch_avg_ns / 1e3, 3),
       round((kernels * eager_launch_avg_ns - api_ns) / 1e6, 6), first_ns, last_ns
FROM _nsys_cuda_graphs
ORDER BY pid, gpu_ns DESC, graph_key;

-- Warnings (see sql/_report.sql for the conventions): graph-mode captures
-- hide the graphs' kernels; graph launches without any GPU record of their
-- work make the GPU look idle while graphs run.
-- Caveats (see sql/_report.sql): in a graph-mode capture, the sections that
-- read kernels say what they cannot see.
CREATE TEMP VIEW IF NOT EXISTS _nsys_cuda_graphs_caveats AS
WITH m AS (
  SELECT printf('graph-mode capture: the kernels of %d CUDA graph executions '
                || '(%.3f ms of GPU time, CUPTI_ACTIVITY_KIND_GRAPH_TRACE) are '
                || 'not in the kernel table, so ', graph_trace_rows,
                graph_trace_ns / 1e6)
           AS head
  FROM _nsys_cuda_graph_mode WHERE mode IN ('graph', 'node+graph')),
x(section_id, what) AS (VALUES
  ('top_kernels', 'no kernel a graph ran is listed or counted here'),
  ('kernel_categories', 'the categories leave out the graphs'' kernels'),
  ('pids', 'kernel counts and times leave out the graphs'' kernels'),
  ('kernels_by_pid', 'no kernel a graph ran is listed here'),
  ('launch_storm', 'the graphs'' kernels are not counted as launches'),
  ('launch_storm_by_pid', 'the graphs'' kernels are not counted as launches'),
  ('nvtx_kernel_time', 'NVTX ranges get no time from the graphs'' kernels'),
  ('nvtx_by_pid', 'NVTX ranges get no time from the graphs'' kernels'),
  ('kernel_tails', 'the graphs'' kernels have no tails here'),
  ('launch_latency', 'graph launches have no kernel and no queue time here'),
  ('steps', 'kernels and kernel_us per step leave them out (the graph '
            || 'executions do count as GPU busy)'),
  ('gpu_idle', 'the graph executions count as busy, but what ran inside them '
               || 'and any idle time within them are unknown'))
SELECT x.section_id, m.head || x.what FROM m, x;

CREATE TEMP VIEW IF NOT EXISTS _nsys_cuda_graphs_warnings AS
SELECT 100 AS seq, 'warning' AS severity, 'graph_mode_capture' AS code,
       printf('CUDA graphs were traced in graph mode (--cuda-graph-trace=graph): '
              || 'the kernels inside %d graph launches are not in the kernel '
              || 'table. GPU busy/idle counts the %d graph executions '
              || '(CUPTI_ACTIVITY_KIND_GRAPH_TRACE) as busy, but kernel time, '
              || 'top kernels, categories, tails, launch latency and kernels per '
              || 'step miss every kernel a graph ran. Re-capture with '
              || '--cuda-graph-trace=node to see them.',
              graph_launch_calls, graph_trace_rows) AS message
FROM _nsys_cuda_graph_mode WHERE mode IN ('graph', 'node+graph')
UNION ALL
SELECT 101, 'warning', 'graph_work_missing',
       printf('%d CUDA graph launches (cudaGraphLaunch) have no GPU record: '
              || 'neither their kernels (node mode) nor graph executions '
              || '(CUPTI_ACTIVITY_KIND_GRAPH_TRACE) are in this export, so the '
              || 'GPU looks idle while graphs run: GPU idle, kernel time and '
              || 'step busy time are understated or overstated accordingly. '
              || 'Re-capture with --cuda-graph-trace=node.', graph_launch_calls)
FROM _nsys_cuda_graph_mode WHERE mode = 'unknown';

-- Findings: how much host launch time the graphs save, and graph launches
-- that cost more host time than the kernels they replace would have.
CREATE TEMP VIEW IF NOT EXISTS _nsys_cuda_graphs_findings AS
SELECT 27 AS seq, 'low' AS severity,
       'CUDA graphs replace most kernel launches' AS title,
       printf('%d graph launches replay %d kernels (%.1f per launch) in %d '
              || 'graphs; at the measured %.2f us per cudaLaunchKernel they save '
              || 'about %.1f ms of host launch time.', sum(launches),
              sum(launches_avoided + launches),
              1.0 * sum(launches_avoided + launches) / sum(launches), count(*),
              avg(eager_launch_us), sum(host_saved_ms)) AS evidence,
       'Keep decode in CUDA graphs; check that eager steps (llm_steps with '
       || 'graph_launches = 0) are rare.' AS recommendation,
       'cuda_graphs_saving' AS rule
FROM llm_cuda_graphs
WHERE kernels_per_launch IS NOT NULL
HAVING count(*) > 0 AND sum(host_saved_ms) > 0;

CREATE TEMP VIEW IF NOT EXISTS _nsys_cuda_graphs_needs AS
SELECT 'cuda_graphs', coalesce(has_runtime, 0) AND graph_launch_calls + graph_trace_rows > 0,
       CASE WHEN NOT coalesce(has_runtime, 0)
            THEN 'no CUPTI_ACTIVITY_KIND_RUNTIME table (the graph launch calls)'
            WHEN graph_launch_calls + graph_trace_rows = 0
            THEN 'no cudaGraphLaunch calls: the trace has no CUDA graphs' END
FROM _nsys_facts, _nsys_cuda_graph_mode;

CREATE TEMP VIEW IF NOT EXISTS _nsys_cuda_graphs_sections AS VALUES
  (22, 'cuda_graphs', 'CUDA graphs', 'llm_cuda_graphs',
   'Graph launches (`cudaGraphLaunch` in `CUPTI_ACTIVITY_KIND_RUNTIME`) and, '
   || 'in node mode, the kernels sharing their `correlationId` (same '
   || 'process); in graph mode the executions in '
   || '`CUPTI_ACTIVITY_KIND_GRAPH_TRACE`. Trace mode: `llm_trace_info` '
   || 'cuda_graph_mode_detected.',
   'Graphs without ids are told apart by their replayed kernel sequence; in '
   || 'graph mode kernels per launch are not visible; host_saved_ms assumes '
   || 'each replayed kernel would cost one mean cudaLaunchKernel call.',
   'cuda_graphs', NULL);

CREATE TEMP VIEW IF NOT EXISTS _nsys_cuda_graphs_tables AS VALUES
  ('cuda_graphs', 1, 'cuda_graphs', 'llm_cuda_graphs', NULL,
   'pid, device_id, basis, first_kernel, launches, kernels_per_launch, '
   || 'gpu_per_launch_us, api_per_launch_us, host_saved_ms', 20, NULL, NULL,
   NULL, 0);
