-- GPU busy/idle from the union of kernel intervals per device. Source:
-- CUPTI_ACTIVITY_KIND_KERNEL start/end grouped by deviceId. The window is the
-- device's first kernel start to last kernel end; memcpy/memset are not
-- counted as busy; overlapping kernels on several streams count once. In a
-- graph-mode capture (--cuda-graph-trace=graph) the executions of CUDA graphs
-- (CUPTI_ACTIVITY_KIND_GRAPH_TRACE) count as busy too: their kernels are not
-- in the kernel table.

CREATE TEMP VIEW IF NOT EXISTS llm_gpu_idle(
  device_id,            -- CUDA device ordinal
  window_ms,            -- first kernel start to last kernel end
  busy_ms,              -- union of kernel intervals
  idle_ms,              -- window - busy
  idle_pct_of_window,   -- idle share, 0..100
  kernel_count,         -- kernels on the device
  graph_executions,     -- graph-mode CUDA graph executions counted as busy
  gap_count,            -- number of idle gaps
  largest_gap_ms        -- longest idle gap
) AS
SELECT g.device_id, round((window_end_ns - window_start_ns) / 1e6, 6),
       round(busy_ns / 1e6, 6),
       round((window_end_ns - window_start_ns - busy_ns) / 1e6, 6),
       round(100.0 * (window_end_ns - window_start_ns - busy_ns)
             / nullif(window_end_ns - window_start_ns, 0), 3),
       kernels, graph_executions, gaps, round(largest_gap_ns / 1e6, 6)
FROM _nsys_gpu_idle AS g
ORDER BY g.device_id;

-- Idle gaps between kernels, largest first.
CREATE TEMP VIEW IF NOT EXISTS llm_gpu_idle_gaps(
  device_id,      -- CUDA device ordinal
  gap_start_ns,   -- end of the busy interval before the gap
  gap_end_ns,     -- start of the next kernel
  gap_ms          -- gap length
) AS
SELECT device_id, gap_start_ns, gap_end_ns, round(gap_ns / 1e6, 6)
FROM nsys_gpu_gaps
ORDER BY gap_ns DESC, device_id, gap_start_ns;

-- GPU idle (see sql/_report.sql for the conventions).
CREATE TEMP VIEW IF NOT EXISTS _nsys_gpu_idle_findings AS
SELECT 50 AS seq,
       CASE WHEN idle_pct_of_window >= 40 THEN 'high' ELSE 'medium' END
         AS severity,
       'Significant GPU idle gaps' AS title,
       printf('GPU %d idle %.1f%% of its kernel window (%.1f ms / %.1f ms); '
              || 'largest gap %.1f ms.', device_id, idle_pct_of_window,
              idle_ms, window_ms, largest_gap_ms) AS evidence,
       'If kernels are short, CPU scheduling/launch overhead creates gaps: '
       || 'batch more work per launch or use CUDA graphs.' || char(10)
       || 'Check sync calls and data dependencies that serialize work; '
       || 'overlap streams.' || char(10)
       || 'Very large gaps often mean warm-up, model load or an idle tail '
       || 'inside the capture: capture a steady-state window.'
         AS recommendation,
       'gpu_idle' AS rule
FROM (SELECT * FROM llm_gpu_idle ORDER BY idle_pct_of_window DESC LIMIT 1)
WHERE idle_pct_of_window >= 20;

CREATE TEMP VIEW IF NOT EXISTS _nsys_gpu_idle_sections AS VALUES
  (11, 'gpu_idle', 'GPU idle estimate (from kernel timeline)',
   'llm_gpu_idle, llm_gpu_idle_gaps',
   'Union of kernel intervals from `CUPTI_ACTIVITY_KIND_KERNEL` (and, in '
   || 'graph-mode captures, graph executions from '
   || '`CUPTI_ACTIVITY_KIND_GRAPH_TRACE`) per `deviceId`, within the '
   || 'device''s first-kernel..last-kernel window.',
   'Excludes memcpy/memset; warm-up or a long idle tail inflates idle %; '
   || 'device ids are per-process CUDA ordinals.', 'kernels', NULL);

-- The report keeps the 50 largest gaps (CSV/JSON) and shows at most 20.
CREATE TEMP VIEW IF NOT EXISTS _nsys_gpu_idle_tables AS VALUES
  ('gpu_idle', 1, 'gpu_idle', 'llm_gpu_idle', NULL,
   'device_id, window_ms, busy_ms, idle_ms, idle_pct_of_window, '
   || 'largest_gap_ms', NULL, NULL, NULL, NULL, 0),
  ('gpu_idle', 2, 'gpu_idle_gaps', 'llm_gpu_idle_gaps', 50,
   'device_id, gap_start_ns, gap_end_ns, gap_ms', 20, 'Largest gaps:', NULL,
   NULL, 0);
