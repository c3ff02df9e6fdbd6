-- Kernel statistics. Source: CUPTI_ACTIVITY_KIND_KERNEL (else
-- CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL), names via StringIds (demangledName,
-- falling back to shortName). Duration = end - start; rows with end < start
-- or NULL times are skipped (counted in llm_warnings). Percentiles use linear
-- interpolation (p50 = nsys median). Totals are sums over launches: kernels
-- that overlap on different streams are each counted in full.

-- Top kernels by total GPU time, per (kernel name, device).
-- Example: SELECT kernel, category, device_id, total_ms, calls, p50_us FROM llm_top_kernels LIMIT 10
CREATE TEMP VIEW IF NOT EXISTS llm_top_kernels(
  kernel_name,        -- demangled kernel name
  kernel,             -- base name: no return type, template arguments or
                      -- parameters (nsys_kernel_base_name(kernel_name))
  device_id,          -- CUDA device ordinal (deviceId)
  total_ms,           -- sum of durations
  calls,              -- number of launches
  avg_us,             -- mean duration
  p50_us,             -- median duration
  p90_us,             -- 90th percentile duration
  pct_kernel_time,    -- share of all kernel time, 0..100
  min_us,             -- shortest launch
  max_us,             -- longest launch
  p99_us,             -- 99th percentile duration
  stdev_us,           -- sample standard deviation
  kernel_short_name,  -- base name (shortName)
  category            -- kernel category (llm_kernel_category_rules)
) AS
WITH cat AS MATERIALIZED (
  SELECT kernel_name, category FROM _nsys_kernel_category_names)
SELECT k.kernel_name, k.kernel, device_id,
       round(total_ns / 1e6, 6), calls,
       round(avg_ns / 1e3, 3), round(p50_ns / 1e3, 3), round(p90_ns / 1e3, 3),
       round(100.0 * total_ns
             / nullif((SELECT total(total_ns) FROM _nsys_kernel_stats
                       WHERE pid IS NULL), 0), 3),
       round(min_ns / 1e3, 3), round(max_ns / 1e3, 3), round(p99_ns / 1e3, 3),
       round(stdev_ns / 1e3, 3), kernel_short_name, c.category
FROM _nsys_kernel_stats AS k
LEFT JOIN cat AS c ON c.kernel_name = k.kernel_name
WHERE pid IS NULL
ORDER BY total_ns DESC, k.kernel_name, device_id;

-- Kernels per process (PID decoded from the kernel's globalPid).
CREATE TEMP VIEW IF NOT EXISTS llm_kernels_by_pid(
  pid,                        -- OS process id
  kernel_name,                -- demangled kernel name
  kernel,                     -- base name (nsys_kernel_base_name(kernel_name))
  device_id,                  -- CUDA device ordinal
  total_time_ms,              -- sum of durations in this process
  call_count,                 -- launches in this process
  avg_duration_us,            -- mean duration
  p50_us,                     -- median duration
  p90_us,                     -- 90th percentile duration
  pct_of_pid_kernel_time,     -- share of this PID's kernel time, 0..100
  pct_of_total_kernel_time,   -- share of all kernel time, 0..100
  pid_total_kernel_time_ms,   -- this PID's kernel time
  rank_in_pid,                -- 1 = largest total in this PID
  category                    -- kernel category (llm_kernel_category_rules)
) AS
WITH cat AS MATERIALIZED (
  SELECT kernel_name, category FROM _nsys_kernel_category_names),
s AS (
  SELECT k.*, total(total_ns) OVER (PARTITION BY pid) AS pid_ns,
         row_number() OVER (PARTITION BY pid
                            ORDER BY total_ns DESC, kernel_name, device_id)
           AS rnk
  FROM _nsys_kernel_stats AS k
  WHERE pid IS NOT NULL)
SELECT pid, s.kernel_name, s.kernel, device_id, round(total_ns / 1e6, 6), calls,
       round(avg_ns / 1e3, 3), round(p50_ns / 1e3, 3), round(p90_ns / 1e3, 3),
       round(100.0 * total_ns / nullif(pid_ns, 0), 3),
       round(100.0 * total_ns
             / nullif((SELECT total(total_ns) FROM _nsys_kernel_stats
                       WHERE pid IS NULL), 0), 3),
       round(pid_ns / 1e6, 6), rnk, c.category
FROM s LEFT JOIN cat AS c ON c.kernel_name = s.kernel_name
ORDER BY pid_ns DESC, pid, rnk;

-- Warnings about the kernel table (see sql/_report.sql for the conventions).
CREATE TEMP VIEW IF NOT EXISTS _nsys_kernels_warnings AS
SELECT 10 AS seq, 'warning' AS severity, 'no_kernel_table' AS code,
       'No CUPTI_ACTIVITY_KIND_KERNEL table: GPU sections (top kernels, launch '
       || 'storm, GPU idle, NVTX GPU time, PIDs) cannot be computed. Capture '
       || 'with --trace=cuda and GPU activity enabled.' AS message
FROM _nsys_facts WHERE has_kernel_table = 0
UNION ALL
SELECT 20, 'warning', 'no_kernels',
       'The kernel table is present but holds no valid kernel rows.'
FROM _nsys_facts WHERE has_kernel_table > 0 AND coalesce(n_kernels, 0) = 0
UNION ALL
SELECT 80, 'warning', 'invalid_kernel_rows',
       printf('%d kernel rows have NULL times or end < start and were skipped.',
              value)
FROM _nsys_data_quality WHERE key = 'kernel_invalid_rows' AND value > 0
UNION ALL
SELECT 90, 'warning', 'unresolved_kernel_names',
       printf('%d kernel rows have a name id with no StringIds row; they are '
              || 'shown as <unresolved name id N>.', value)
FROM _nsys_data_quality WHERE key = 'kernel_unresolved_names' AND value > 0;

-- Findings over the kernel statistics.
CREATE TEMP VIEW IF NOT EXISTS _nsys_kernels_findings AS
-- Dominant kernel.
SELECT 10 AS seq,
       CASE WHEN pct_kernel_time >= 50 THEN 'high' ELSE 'medium' END
         AS severity,
       'Single kernel dominates GPU time' AS title,
       printf('Top kernel `%s` (device %d) is %.1f%% of kernel time '
              || '(%.3f ms over %d calls, p50 %.2f us, p99 %.2f us).',
              kernel_name, device_id, pct_kernel_time, total_ms, calls,
              p50_us, p99_us) AS evidence,
       'Profile this kernel in Nsight Compute (ncu) to see whether it is '
       || 'memory- or compute-bound.' || char(10)
       || 'Check its launch shapes (batch size, sequence length): larger '
       || 'batches or a better-tuned kernel move the most time here.'
         AS recommendation,
       'dominant_kernel' AS rule
FROM (SELECT * FROM llm_top_kernels LIMIT 1)
WHERE pct_kernel_time >= 25
UNION ALL
-- Communication share.
SELECT 60, CASE WHEN pct >= 30 THEN 'high' ELSE 'medium' END,
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
WHERE pct >= 10;

CREATE TEMP VIEW IF NOT EXISTS _nsys_kernels_sections AS VALUES
  (3, 'top_kernels', 'Global: top CUDA kernels (by total time)',
   'llm_top_kernels',
   '`CUPTI_ACTIVITY_KIND_KERNEL`; duration = `end-start`; names via '
   || '`StringIds` (demangledName, else shortName).',
   'Totals are summed over launches (no overlap correction); p50 is the nsys '
   || 'median; percentiles interpolate linearly.', 'kernels', NULL),
  (6, 'kernels_by_pid', 'Top kernels per PID', 'llm_kernels_by_pid',
   '`CUPTI_ACTIVITY_KIND_KERNEL` grouped by (PID, name, device).',
   'Same as the global table, restricted to one process.', 'kernels',
   '`globalPid` (kernel rows)');

CREATE TEMP VIEW IF NOT EXISTS _nsys_kernels_tables AS VALUES
  ('top_kernels', 1, 'kernels', 'llm_top_kernels', NULL,
   'kernel|kernel_name, category, device_id, total_ms, calls, avg_us, '
   || 'p50_us, p90_us, pct_kernel_time', NULL, NULL, NULL, NULL, 0),
  -- One "### PID" block per process (the --top largest), each with at most
  -- md_rows kernels.
  ('kernels_by_pid', 1, 'kernels_by_pid', 'llm_kernels_by_pid', NULL,
   'kernel|kernel_name, category, device_id, total_time_ms, call_count, '
   || 'avg_duration_us, pct_of_pid_kernel_time', 10, NULL, NULL, 'pid_blocks', 0);
