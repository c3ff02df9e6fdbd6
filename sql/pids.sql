-- Processes by GPU kernel time. Source: CUPTI_ACTIVITY_KIND_KERNEL.globalPid
-- decoded as (globalPid >> 24) & 0xFFFFFF.
CREATE TEMP VIEW IF NOT EXISTS llm_pids(
  pid,                         -- OS process id
  total_kernel_time_ms,        -- summed kernel durations
  kernel_count,                -- kernels
  pct_of_total_kernel_time,    -- share of all kernel time, 0..100
  window_s                     -- first kernel start to last kernel end
) AS
SELECT pid, round(kernel_ns / 1e6, 6), kernels,
       round(100.0 * kernel_ns
             / nullif((SELECT total(kernel_ns) FROM _nsys_pids), 0), 3),
       round((last_end_ns - first_start_ns) / 1e9, 6)
FROM _nsys_pids
ORDER BY kernel_ns DESC, pid;

CREATE TEMP VIEW IF NOT EXISTS _nsys_pids_sections AS VALUES
  (5, 'pids', 'Top PIDs by GPU kernel time', 'llm_pids',
   '`CUPTI_ACTIVITY_KIND_KERNEL` grouped by PID decoded from `globalPid` '
   || '(bits 24-47).',
   'PIDs are per host; merged multi-host reports can repeat a PID.', 'kernels',
   '`globalPid` (kernel rows)');

CREATE TEMP VIEW IF NOT EXISTS _nsys_pids_tables AS VALUES
  ('pids', 1, 'pids', 'llm_pids', NULL,
   'pid, total_kernel_time_ms, kernel_count, pct_of_total_kernel_time, '
   || 'window_s', NULL, NULL, NULL, NULL, 0);
