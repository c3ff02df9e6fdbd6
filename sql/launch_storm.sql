-- Launch storm: launch rate and kernel-duration shape. Source: kernel
-- start/end of CUPTI_ACTIVITY_KIND_KERNEL. The window is first kernel start to
-- last kernel end, so long idle stretches dilute the rate. Storm rule
-- (predecessor heuristics.py): (>= 50000 launches/s and p50 <= 10 us) or
-- (>= 100000 launches/s and p50 <= 20 us).

-- The storm rule and the report columns, once, for all processes (pid NULL)
-- and for each process; llm_launch_storm and llm_launch_storm_by_pid select
-- their rows from here.
CREATE TEMP VIEW IF NOT EXISTS _nsys_launch_storm_rule AS
WITH s AS (
  SELECT *, launches / nullif(window_ns / 1e9, 0) AS rate
  FROM _nsys_launch_storm)
SELECT pid, launches AS total_launches,
       round(window_ns / 1e9, 6) AS window_s,
       round(rate, 3) AS launches_per_s,
       round(p50_ns / 1e3, 3) AS p50_kernel_us,
       round(p90_ns / 1e3, 3) AS p90_kernel_us,
       round(p99_ns / 1e3, 3) AS p99_kernel_us,
       round(100.0 * under_5us / launches, 3) AS pct_under_5us,
       round(100.0 * under_10us / launches, 3) AS pct_under_10us,
       round(100.0 * under_20us / launches, 3) AS pct_under_20us,
       coalesce((rate >= 50000 AND p50_ns <= 10000)
                OR (rate >= 100000 AND p50_ns <= 20000), 0) AS launch_storm
FROM s;

-- Global launch storm (one row).
CREATE TEMP VIEW IF NOT EXISTS llm_launch_storm(
  total_launches,   -- valid kernel rows
  window_s,         -- last kernel end - first kernel start
  launches_per_s,   -- total_launches / window_s
  p50_kernel_us,    -- median kernel duration
  p90_kernel_us,    -- 90th percentile kernel duration
  p99_kernel_us,    -- 99th percentile kernel duration
  pct_under_5us,    -- share of kernels shorter than 5 us, 0..100
  pct_under_10us,   -- share shorter than 10 us
  pct_under_20us,   -- share shorter than 20 us
  launch_storm      -- 1 if the storm rule holds, else 0
) AS
SELECT total_launches, window_s, launches_per_s, p50_kernel_us, p90_kernel_us,
       p99_kernel_us, pct_under_5us, pct_under_10us, pct_under_20us,
       launch_storm
FROM _nsys_launch_storm_rule WHERE pid IS NULL AND total_launches > 0;

-- Launch storm per process.
CREATE TEMP VIEW IF NOT EXISTS llm_launch_storm_by_pid(
  pid,              -- OS process id (from kernel globalPid)
  total_launches,   -- kernels of this process
  window_s,         -- its first kernel start to last kernel end
  launches_per_s,   -- total_launches / window_s
  p50_kernel_us,    -- median kernel duration
  p90_kernel_us,    -- 90th percentile
  p99_kernel_us,    -- 99th percentile
  pct_under_5us,    -- share shorter than 5 us, 0..100
  pct_under_10us,   -- share shorter than 10 us
  pct_under_20us,   -- share shorter than 20 us
  launch_storm      -- 1 if the storm rule holds
) AS
SELECT pid, total_launches, window_s, launches_per_s, p50_kernel_us,
       p90_kernel_us, p99_kernel_us, pct_under_5us, pct_under_10us,
       pct_under_20us, launch_storm
FROM _nsys_launch_storm_rule WHERE pid IS NOT NULL
ORDER BY total_launches DESC, pid;

-- Tiny kernels (< 5 us) by launch count, all processes.
CREATE TEMP VIEW IF NOT EXISTS llm_tiny_kernels(
  kernel_name,       -- demangled kernel name
  kernel,            -- base name (nsys_kernel_base_name(kernel_name))
  category,          -- kernel category (llm_kernel_category_rules)
  call_count,        -- launches shorter than 5 us
  avg_duration_us,   -- their mean duration
  total_time_ms      -- their total duration
) AS
WITH cat AS MATERIALIZED (
  SELECT kernel_name, category FROM _nsys_kernel_category_names)
SELECT t.kernel_name, kernel, c.category, calls, round(total_ns / 1e3 / calls, 3),
       round(total_ns / 1e6, 6)
FROM _nsys_tiny_kernels AS t
LEFT JOIN cat AS c ON c.kernel_name = t.kernel_name
WHERE pid IS NULL
ORDER BY calls DESC, t.kernel_name;

-- Findings over the launch rate (see sql/_report.sql for the conventions).
CREATE TEMP VIEW IF NOT EXISTS _nsys_launch_storm_findings AS
-- Launch storm.
SELECT 20 AS seq,
       CASE WHEN launch_storm THEN 'high' ELSE 'medium' END AS severity,
       CASE WHEN launch_storm THEN 'Kernel launch storm (many tiny kernels)'
            ELSE 'Very high kernel launch rate' END AS title,
       printf('%d launches over %.3f s = %.1f launches/s; kernel p50 %.2f us; '
              || '%.1f%% of kernels are shorter than 10 us.',
              total_launches, window_s, launches_per_s, p50_kernel_us,
              pct_under_10us) AS evidence,
       'Capture decode with CUDA graphs (vLLM: do not use --enforce-eager) '
       || 'so launches are replayed, not issued one by one.' || char(10)
       || 'Fuse pointwise/elementwise kernels (torch.compile, fused '
       || 'RMSNorm/SiLU-mul kernels).' AS recommendation,
       'launch_storm' AS rule
FROM llm_launch_storm
WHERE launch_storm OR launches_per_s >= 100000
UNION ALL
-- Tiny kernels even without a storm.
SELECT 30, 'medium', 'Most kernels are tiny (launch overhead dominates)',
       printf('%.1f%% of %d kernels are shorter than 10 us (p50 %.2f us); '
              || 'each launch costs ~5 us of CPU time when not in a CUDA '
              || 'graph.', pct_under_10us, total_launches, p50_kernel_us),
       'Use CUDA graphs for the decode loop and fuse small kernels.'
       || char(10) || 'Check llm_tiny_kernels for the most frequent ones.',
       'tiny_kernels'
FROM llm_launch_storm
WHERE NOT launch_storm AND launches_per_s < 100000
  AND pct_under_10us >= 50 AND total_launches >= 1000;

CREATE TEMP VIEW IF NOT EXISTS _nsys_launch_storm_sections AS VALUES
  (7, 'launch_storm_by_pid', 'Launch storm per PID',
   'llm_launch_storm_by_pid',
   '`CUPTI_ACTIVITY_KIND_KERNEL` timestamps of each PID.',
   'The rate is averaged over the PID''s whole kernel window; idle stretches '
   || 'dilute it.', 'kernels', '`globalPid` (kernel rows)'),
  (9, 'launch_storm', 'Global: launch storm',
   'llm_launch_storm, llm_tiny_kernels',
   '`CUPTI_ACTIVITY_KIND_KERNEL` timestamps (`start/end`).',
   'Uses the whole kernel window; overlap across streams does not change the '
   || 'rate but complicates a "GPU saturated" reading.', 'kernels', NULL);

CREATE TEMP VIEW IF NOT EXISTS _nsys_launch_storm_tables AS VALUES
  ('launch_storm_by_pid', 1, 'launch_storm_by_pid', 'llm_launch_storm_by_pid',
   NULL, 'pid, total_launches, window_s, launches_per_s, p50_kernel_us, '
   || 'p90_kernel_us, p99_kernel_us, pct_under_5us, pct_under_10us, '
   || 'pct_under_20us, launch_storm', NULL, NULL, NULL, NULL, 0),
  -- The one row as bullets, with the storm rule spelled out.
  ('launch_storm', 1, 'launch_storm', 'llm_launch_storm', NULL, NULL, NULL,
   NULL, NULL, 'storm_bullets', 0),
  ('launch_storm', 2, 'tiny_kernels', 'llm_tiny_kernels', NULL,
   'kernel|kernel_name, category, call_count, avg_duration_us', 10,
   'Top tiny kernels by call count (shorter than 5 us):', NULL, NULL, 0);
