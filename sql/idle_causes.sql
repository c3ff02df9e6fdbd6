-- Why the GPU was idle: each idle gap of llm_gpu_idle_gaps (between kernels
-- of one device) classified, in this order, as host_wait (a host-blocking call
-- -- cudaStreamSynchronize, cudaDeviceSynchronize, blocking cudaMemcpy, ... --
-- of the process of the kernel after the gap was in progress during the gap),
-- launch_bound (the launch call of the kernel after the gap started after the
-- gap began: the GPU waited for the CPU) or other (dependency, another
-- process, untraced work). Source: CUPTI_ACTIVITY_KIND_KERNEL gaps, the
-- kernel -> launch call map (process and correlationId) and the sync calls
-- of CUPTI_ACTIVITY_KIND_RUNTIME.

-- Idle time per device and cause.
-- Example: SELECT device_id, cause, gaps, idle_ms, pct_of_idle FROM llm_gpu_idle_causes;
CREATE TEMP VIEW IF NOT EXISTS llm_gpu_idle_causes(
  device_id,            -- CUDA device ordinal (per process)
  cause,                -- host_wait, launch_bound, other
  gaps,                 -- idle gaps of this cause
  idle_ms,              -- their summed length
  pct_of_idle,          -- share of the device's idle time between kernels, 0..100
  largest_gap_ms,       -- longest gap of this cause (NULL without gaps)
  gaps_without_launch   -- gaps whose next kernel has no launch call in the trace
) AS
SELECT device_id, cause, gaps, round(idle_ns / 1e6, 6),
       round(100.0 * idle_ns / nullif(sum(idle_ns) OVER (PARTITION BY device_id), 0), 3),
       CASE WHEN gaps > 0 THEN round(largest_ns / 1e6, 6) END, without_launch
FROM _nsys_gpu_idle_causes
ORDER BY device_id, CASE cause WHEN 'host_wait' THEN 0 WHEN 'launch_bound' THEN 1 ELSE 2 END;

-- The largest idle gaps of each device and cause (20 at most per pair), the
-- largest of every pair first, then the second largest, ...
-- Example: SELECT cause, gap_ms, next_kernel, launch_start_after_gap_us FROM llm_gpu_idle_cause_gaps WHERE rank <= 3;
CREATE TEMP VIEW IF NOT EXISTS llm_gpu_idle_cause_gaps(
  device_id,          -- CUDA device ordinal (per process)
  cause,              -- host_wait, launch_bound, other
  rank,               -- 1 = largest gap of its device and cause
  gap_start_ns,       -- end of the busy interval before the gap
  gap_end_ns,         -- start of the kernel after the gap
  gap_ms,             -- gap length
  next_pid,           -- process of the kernel after the gap
  next_kernel,        -- its base name (NULL for a graph-mode graph execution)
  launch_start_after_gap_us     -- its launch call start - gap start (> 0: launched after the GPU went idle)
) AS
SELECT device_id, cause, rank, gap_start_ns, gap_end_ns, round(gap_ns / 1e6, 6), next_pid,
       nsys_kernel_base_name(next_kernel_name),
       round((next_launch_ns - gap_start_ns) / 1e3, 3)
FROM _nsys_gpu_idle_cause_gaps
ORDER BY rank, device_id,
         CASE cause WHEN 'host_wait' THEN 0 WHEN 'launch_bound' THEN 1 ELSE 2 END;

-- The device with the most idle time between kernels, when that is >= 10% of
-- its kernel window: what the idle time is made of.
CREATE TEMP VIEW IF NOT EXISTS _nsys_idle_causes_findings AS
SELECT 220 AS seq,
       CASE WHEN idle_pct >= 30 THEN 'medium' ELSE 'low' END AS severity,
       printf('GPU idle between kernels is mostly %s',
              CASE top_cause WHEN 'host_wait' THEN 'host waits (syncs)'
                             WHEN 'launch_bound' THEN 'launch-bound (the CPU was late)'
                             ELSE 'dependencies / other' END) AS title,
       printf('GPU %d idle %.3f ms between kernels (%.1f%% of its kernel window): '
              || 'host_wait %.3f ms, launch_bound %.3f ms, other %.3f ms.',
              device_id, idle_ms, idle_pct, hw, lb, ot) AS evidence,
       CASE top_cause
         WHEN 'host_wait' THEN 'Remove per-step synchronisation (.item(), .cpu(), '
              || 'cudaStreamSynchronize) from the loop or overlap it with queued work.'
         WHEN 'launch_bound' THEN 'The GPU starves while the host prepares launches: '
              || 'capture the step in a CUDA graph, fuse small kernels, move host work '
              || 'off the launch thread.'
         ELSE 'Look at event waits and cross-stream or cross-process dependencies '
              || '(collectives, copies) that serialise the device.' END
         AS recommendation,
       'idle_causes' AS rule
FROM (SELECT c.device_id, sum(c.idle_ms) AS idle_ms,
             100.0 * sum(c.idle_ms) / nullif(max(g.window_ms), 0) AS idle_pct,
             total(CASE WHEN c.cause = 'host_wait' THEN c.idle_ms END) AS hw,
             total(CASE WHEN c.cause = 'launch_bound' THEN c.idle_ms END) AS lb,
             total(CASE WHEN c.cause = 'other' THEN c.idle_ms END) AS ot,
             (SELECT x.cause FROM llm_gpu_idle_causes AS x WHERE x.device_id = c.device_id
              ORDER BY x.idle_ms DESC LIMIT 1) AS top_cause
      FROM llm_gpu_idle_causes AS c JOIN llm_gpu_idle AS g USING (device_id)
      GROUP BY c.device_id
      ORDER BY idle_pct DESC LIMIT 1)
WHERE idle_pct >= 10;

CREATE TEMP VIEW IF NOT EXISTS _nsys_idle_causes_needs AS
SELECT 'idle_causes', has_kernel_table > 0 AND coalesce(n_kernels, 0) > 0
                      AND coalesce(has_runtime, 0),
       CASE WHEN has_kernel_table = 0 OR coalesce(n_kernels, 0) = 0
            THEN 'no valid kernel rows (no kernel timeline to find gaps in)'
            WHEN NOT coalesce(has_runtime, 0)
            THEN 'no CUPTI_ACTIVITY_KIND_RUNTIME table (launch and sync calls)' END
FROM _nsys_facts;

CREATE TEMP VIEW IF NOT EXISTS _nsys_idle_causes_sections AS VALUES
  (36, 'idle_causes', 'Why the GPU was idle (host wait / launch-bound / other)',
   'llm_gpu_idle_causes, llm_gpu_idle_cause_gaps',
   'The idle gaps of `llm_gpu_idle_gaps`; the kernel starting at each gap''s end and '
   || 'its launch call (`CUPTI_ACTIVITY_KIND_RUNTIME` row with the same process and '
   || '`correlationId`; for graph-mode executions the `cudaGraphLaunch`); host-blocking '
   || 'calls (host_sync, sync_copy) of that kernel''s process.',
   'A sync that overlaps a gap is taken as its cause even when the GPU was also '
   || 'waiting for something else; gaps before a kernel without a launch call can only '
   || 'be host_wait or other; only gaps between kernels, not memory operations.',
   'idle_causes', '`globalPid` (kernels), `globalTid` (calls)');

CREATE TEMP VIEW IF NOT EXISTS _nsys_idle_causes_tables AS VALUES
  ('idle_causes', 1, 'gpu_idle_causes', 'llm_gpu_idle_causes', NULL,
   'device_id, cause, gaps, idle_ms, pct_of_idle, largest_gap_ms, gaps_without_launch?',
   NULL, NULL, NULL, NULL, 0),
  ('idle_causes', 2, 'gpu_idle_cause_gaps', 'llm_gpu_idle_cause_gaps', NULL,
   'device_id, cause, rank, gap_ms, next_kernel, launch_start_after_gap_us', 18,
   'Largest gaps of each cause (rank 1 of every device and cause first):', NULL, NULL, 0);
