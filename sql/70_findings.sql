-- Warnings and findings ("what to do next"), computed from the views above so
-- that SQL users get exactly what the renderer prints. Thresholds are the
-- predecessor's (heuristics.py) unless stated.

-- Helper: one row of key numbers used by several rules.
CREATE TEMP VIEW IF NOT EXISTS _nsys_facts AS
SELECT
  (SELECT count(*) FROM nsys_schema
   WHERE table_name IN ('CUPTI_ACTIVITY_KIND_KERNEL',
                        'CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL')
     AND present) AS has_kernel_table,
  (SELECT present FROM nsys_schema
   WHERE table_name = 'CUPTI_ACTIVITY_KIND_RUNTIME') AS has_runtime,
  (SELECT present FROM nsys_schema WHERE table_name = 'NVTX_EVENTS')
    AS has_nvtx,
  (SELECT launches FROM _nsys_launch_storm WHERE pid IS NULL) AS n_kernels,
  (SELECT total_ns FROM _nsys_launch_storm WHERE pid IS NULL)
    AS total_kernel_ns,
  (SELECT window_ns FROM _nsys_launch_storm WHERE pid IS NULL)
    AS kernel_window_ns,
  (SELECT CAST(value AS REAL) FROM temp.llm_settings
   WHERE key = 'nvtx_coverage_warn_threshold') AS cov_threshold,
  (SELECT value FROM _nsys_trace_info WHERE key = 'cuda_graph_trace_mode')
    AS graph_mode,
  (SELECT coalesce(max(value), 1) FROM temp.llm_settings
   WHERE key = 'nvtx_kernel_map') AS nvtx_map;

CREATE TEMP VIEW IF NOT EXISTS llm_warnings(
  severity,   -- warning or info
  code,       -- stable identifier
  message     -- one line for humans
) AS
SELECT 'warning', 'no_kernel_table',
       'No CUPTI_ACTIVITY_KIND_KERNEL table: GPU sections (top kernels, launch '
       || 'storm, GPU idle, NVTX GPU time, PIDs) cannot be computed. Capture '
       || 'with --trace=cuda and GPU activity enabled.'
FROM _nsys_facts WHERE has_kernel_table = 0
UNION ALL
SELECT 'warning', 'no_kernels',
       'The kernel table is present but holds no valid kernel rows.'
FROM _nsys_facts WHERE has_kernel_table > 0 AND coalesce(n_kernels, 0) = 0
UNION ALL
SELECT 'warning', 'timestamp_unit_unknown',
       printf('Kernel window is only %d ns (< 1 ms): cannot confirm that '
              || 'timestamps are nanoseconds; treat time-derived numbers as '
              || 'suspect.', kernel_window_ns)
FROM _nsys_facts WHERE n_kernels > 0 AND kernel_window_ns < 1000000
UNION ALL
SELECT 'warning', 'nvtx_coverage_low',
       printf('NVTX-attributed GPU time is best-effort (NVTX→runtime→kernel '
              || 'correlation). Coverage is %.1f%% (< %.1f%%). Low coverage: '
              || 'interpret per-range GPU time cautiously.',
              100.0 * c.attributed_ns / c.kernel_ns,
              100.0 * f.cov_threshold)
FROM _nsys_nvtx_coverage AS c, _nsys_facts AS f
WHERE (SELECT coalesce(max(value), 1) FROM temp.llm_settings
       WHERE key = 'nvtx_kernel_map')
  AND c.pid IS NULL AND f.has_nvtx AND c.kernel_ns > 0
  AND 1.0 * c.attributed_ns / c.kernel_ns < f.cov_threshold
UNION ALL
SELECT 'warning', 'nvtx_coverage_low_pid',
       printf('Per-PID NVTX-attributed GPU time has low coverage for %d '
              || 'PID(s) (worst PID %d: %.1f%%). Interpret per-PID attribution '
              || 'cautiously.', n, pid, pct)
FROM (SELECT count(*) AS n, pid,
             min(100.0 * attributed_ns / kernel_ns) AS pct
      FROM _nsys_nvtx_coverage, _nsys_facts AS f
      WHERE (SELECT coalesce(max(value), 1) FROM temp.llm_settings
       WHERE key = 'nvtx_kernel_map')
        AND pid IS NOT NULL AND kernel_ns > 0 AND f.has_nvtx
        AND 1.0 * attributed_ns / kernel_ns < f.cov_threshold)
WHERE n > 0
UNION ALL
SELECT 'warning', 'kernels_without_launch',
       printf('%d of %d kernels (%.1f%% of kernel time) have no runtime/driver '
              || 'call with the same (process, correlationId); they cannot be '
              || 'attributed to NVTX ranges.',
              c.kernels - c.launched_kernels, c.kernels,
              100.0 * (c.kernel_ns - c.launched_ns) / c.kernel_ns)
FROM _nsys_nvtx_coverage AS c, _nsys_facts AS f
WHERE (SELECT coalesce(max(value), 1) FROM temp.llm_settings
       WHERE key = 'nvtx_kernel_map')
  AND c.pid IS NULL AND c.kernel_ns > 0 AND c.launched_kernels < c.kernels
  AND f.has_runtime
UNION ALL
SELECT 'warning', 'nvtx_depth_truncated',
       printf('%d launch calls are enclosed by more than %d NVTX ranges (ranges '
              || 'pushed and never popped?); only the %d innermost were kept, '
              || 'so inclusive totals of outer ranges are low for them.',
              truncated_launches, 256, 256)
FROM _nsys_nvtx_coverage
WHERE (SELECT coalesce(max(value), 1) FROM temp.llm_settings
       WHERE key = 'nvtx_kernel_map')
  AND pid IS NULL AND truncated_launches > 0
UNION ALL
SELECT 'warning', 'invalid_kernel_rows',
       printf('%d kernel rows have NULL times or end < start and were skipped.',
              value)
FROM _nsys_data_quality WHERE key = 'kernel_invalid_rows' AND value > 0
UNION ALL
SELECT 'warning', 'unresolved_kernel_names',
       printf('%d kernel rows have a name id with no StringIds row; they are '
              || 'shown as <unresolved name id N>.', value)
FROM _nsys_data_quality WHERE key = 'kernel_unresolved_names' AND value > 0
UNION ALL
SELECT 'warning', 'graph_mode_capture',
       'CUDA graphs were traced in graph mode (CUDA_GRAPH_TRACE_OPTIONS:MODE='
       || graph_mode || ') and cudaGraphLaunch calls exist: kernels inside '
       || 'graphs are not in the kernel table, so kernel time, GPU busy time '
       || 'and launch counts miss them. Re-capture with '
       || '--cuda-graph-trace=node.'
FROM _nsys_facts
WHERE lower(graph_mode) = 'graph'
  AND EXISTS (SELECT 1 FROM _nsys_api_calls
              WHERE base_name IN ('cudaGraphLaunch', 'cuGraphLaunch'))
UNION ALL
SELECT 'info', 'runtime_rows_skipped',
       printf('%d CUPTI_ACTIVITY_KIND_RUNTIME rows with eventClass other than '
              || '0/1 (e.g. 67, CUDA backtrace duplicates) were ignored.', value)
FROM _nsys_data_quality WHERE key = 'runtime_skipped_rows' AND value > 0
UNION ALL
SELECT 'info', 'nvtx_open_ranges',
       printf('%d NVTX ranges were never closed; they are excluded from range '
              || 'totals and treated as open-ended for kernel attribution.',
              value)
FROM _nsys_data_quality WHERE key = 'nvtx_open_ranges' AND value > 0
UNION ALL
SELECT 'info', 'nvtx_cross_thread_ranges',
       printf('%d start/end NVTX ranges ended on another thread; they enclose '
              || 'launches from any thread of their process.', value)
FROM _nsys_data_quality WHERE key = 'nvtx_cross_thread_ranges' AND value > 0
UNION ALL
SELECT 'info', 'no_nvtx',
       'No NVTX ranges in this export: phase and range sections are empty. '
       || 'Add NVTX ranges around prefill/decode steps (or capture with '
       || '--trace=cuda,nvtx) to get per-phase numbers.'
FROM _nsys_facts WHERE coalesce(has_nvtx, 0) = 0
UNION ALL
SELECT 'info', 'no_runtime',
       'No CUPTI_ACTIVITY_KIND_RUNTIME table: sync-call and NVTX→kernel '
       || 'sections cannot be computed.'
FROM _nsys_facts WHERE coalesce(has_runtime, 0) = 0;

-- Findings: what to do next, most severe first.
CREATE TEMP VIEW IF NOT EXISTS llm_findings(
  severity,        -- high, medium or low
  title,           -- one line
  evidence,        -- newline-separated facts with numbers from the trace
  recommendation,  -- newline-separated suggestions
  rule             -- stable rule id
) AS
WITH f AS (
  -- Dominant kernel.
  SELECT CASE WHEN pct_kernel_time >= 50 THEN 'high' ELSE 'medium' END AS sev,
         'Single kernel dominates GPU time' AS title,
         printf('Top kernel `%s` (device %d) is %.1f%% of kernel time '
                || '(%.3f ms over %d calls, p50 %.2f us, p99 %.2f us).',
                kernel_name, device_id, pct_kernel_time, total_ms, calls,
                p50_us, p99_us) AS evidence,
         'Profile this kernel in Nsight Compute (ncu) to see whether it is '
         || 'memory- or compute-bound.' || char(10)
         || 'Check its launch shapes (batch size, sequence length): larger '
         || 'batches or a better-tuned kernel move the most time here.'
           AS rec,
         'dominant_kernel' AS rule
  FROM (SELECT * FROM llm_top_kernels LIMIT 1)
  WHERE pct_kernel_time >= 25
  UNION ALL
  -- Launch storm.
  SELECT CASE WHEN launch_storm THEN 'high' ELSE 'medium' END,
         CASE WHEN launch_storm THEN 'Kernel launch storm (many tiny kernels)'
              ELSE 'Very high kernel launch rate' END,
         printf('%d launches over %.3f s = %.1f launches/s; kernel p50 %.2f us; '
                || '%.1f%% of kernels are shorter than 10 us.',
                total_launches, window_s, launches_per_s, p50_kernel_us,
                pct_under_10us),
         'Capture decode with CUDA graphs (vLLM: do not use --enforce-eager) '
         || 'so launches are replayed, not issued one by one.' || char(10)
         || 'Fuse pointwise/elementwise kernels (torch.compile, fused '
         || 'RMSNorm/SiLU-mul kernels).',
         'launch_storm'
  FROM llm_launch_storm
  WHERE launch_storm OR launches_per_s >= 100000
  UNION ALL
  -- Tiny kernels even without a storm.
  SELECT 'medium', 'Most kernels are tiny (launch overhead dominates)',
         printf('%.1f%% of %d kernels are shorter than 10 us (p50 %.2f us); '
                || 'each launch costs ~5 us of CPU time when not in a CUDA '
                || 'graph.', pct_under_10us, total_launches, p50_kernel_us),
         'Use CUDA graphs for the decode loop and fuse small kernels.'
         || char(10) || 'Check llm_tiny_kernels for the most frequent ones.',
         'tiny_kernels'
  FROM llm_launch_storm
  WHERE NOT launch_storm AND launches_per_s < 100000
    AND pct_under_10us >= 50 AND total_launches >= 1000
  UNION ALL
  -- Host synchronization.
  SELECT CASE WHEN total_ms >= 1 THEN 'medium' ELSE 'low' END,
         'CPU↔GPU synchronization detected (runtime API)',
         printf('Top host-blocking call `%s` total %.2f ms across %d calls.',
                top_name, top_ms, top_calls) || char(10)
         || printf('All host-blocking calls total %.2f ms over %d calls '
                   || '(cudaStreamWaitEvent/cudaEventQuery are listed '
                   || 'separately: they do not block the host).',
                   total_ms, calls),
         'Look for cudaDeviceSynchronize / cudaStreamSynchronize / '
         || 'cudaEventSynchronize and blocking cudaMemcpy in the serving loop '
         || 'and remove unnecessary barriers.' || char(10)
         || 'Prefer async launches and overlap CPU work with GPU execution; '
         || 'avoid per-token synchronization (e.g. .item() / .cpu() on every '
         || 'step).',
         'host_sync'
  FROM (SELECT sum(total_time_ms) AS total_ms, sum(call_count) AS calls,
               (SELECT api_name FROM llm_sync_calls WHERE blocks_host
                ORDER BY total_time_ms DESC LIMIT 1) AS top_name,
               (SELECT total_time_ms FROM llm_sync_calls WHERE blocks_host
                ORDER BY total_time_ms DESC LIMIT 1) AS top_ms,
               (SELECT call_count FROM llm_sync_calls WHERE blocks_host
                ORDER BY total_time_ms DESC LIMIT 1) AS top_calls
        FROM llm_sync_calls WHERE blocks_host)
  WHERE calls > 0
  UNION ALL
  -- GPU idle.
  SELECT CASE WHEN idle_pct_of_window >= 40 THEN 'high' ELSE 'medium' END,
         'Significant GPU idle gaps',
         printf('GPU %d idle %.1f%% of its kernel window (%.1f ms / %.1f ms); '
                || 'largest gap %.1f ms.', device_id, idle_pct_of_window,
                idle_ms, window_ms, largest_gap_ms),
         'If kernels are short, CPU scheduling/launch overhead creates gaps: '
         || 'batch more work per launch or use CUDA graphs.' || char(10)
         || 'Check sync calls and data dependencies that serialize work; '
         || 'overlap streams.' || char(10)
         || 'Very large gaps often mean warm-up, model load or an idle tail '
         || 'inside the capture: capture a steady-state window.',
         'gpu_idle'
  FROM (SELECT * FROM llm_gpu_idle ORDER BY idle_pct_of_window DESC LIMIT 1)
  WHERE idle_pct_of_window >= 20
  UNION ALL
  -- Communication share.
  SELECT CASE WHEN pct >= 30 THEN 'high' ELSE 'medium' END,
         'Collective communication takes a large share of GPU time',
         printf('NCCL/all-reduce kernels are %.1f%% of kernel time (%.3f ms '
                || 'over %d calls).', pct, ms, calls),
         'Check comm/compute overlap and rank skew (a slow rank makes the '
         || 'others wait inside the collective).' || char(10)
         || 'For tensor parallelism, consider custom all-reduce or fewer TP '
         || 'ranks for small models.',
         'communication'
  FROM (SELECT sum(pct_kernel_time) AS pct, sum(total_ms) AS ms,
               sum(calls) AS calls
        FROM llm_top_kernels
        WHERE lower(kernel_name) LIKE '%nccl%'
           OR lower(kernel_name) LIKE '%allreduce%'
           OR lower(kernel_name) LIKE '%all_reduce%'
           OR lower(kernel_name) LIKE '%cross_device_reduce%')
  WHERE pct >= 10
  UNION ALL
  -- Tail latency.
  SELECT 'medium', 'Kernels with heavy tails (p99 >> p50)',
         group_concat(printf('`%s`: p50 %.2f us, p99 %.2f us, max %.2f us '
                             || '(%.1f%% of kernel time)',
                             kernel_name, p50_us, p99_us, max_us,
                             pct_kernel_time), char(10)),
         'Tails come from contention, variable work per call (MoE routing, '
         || 'dynamic shapes) or allocator/sync stalls: look at the slow '
         || 'instances in the timeline.',
         'kernel_tail'
  FROM (SELECT * FROM llm_top_kernels
        WHERE calls >= 20 AND pct_kernel_time >= 1 AND p50_us > 0
          AND p99_us >= 2 * p50_us
        ORDER BY total_ms DESC LIMIT 3)
  HAVING count(*) > 0
  UNION ALL
  -- NVTX phases.
  SELECT CASE WHEN max_pct >= 70 THEN 'medium' ELSE 'low' END,
         'NVTX ranges present',
         printf('Found %d NVTX range names.', names)
         || CASE WHEN top_phase IS NOT NULL THEN char(10)
              || printf('Phase `%s` holds %.1f%% of kernel time '
                        || '(llm_phases).', top_phase, max_pct) ELSE '' END,
         'Use the NVTX phase totals (llm_phases, llm_nvtx_kernel_time) to '
         || 'focus on prefill vs decode vs sampling.',
         'nvtx'
  FROM (SELECT (SELECT count(*) FROM llm_nvtx_ranges) AS names,
               (SELECT phase FROM llm_phases
                ORDER BY pct_of_total_kernel_time DESC LIMIT 1) AS top_phase,
               (SELECT max(pct_of_total_kernel_time) FROM llm_phases)
                 AS max_pct)
  WHERE names > 0)
SELECT sev, title, evidence, rec, rule FROM f
ORDER BY CASE sev WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END;
