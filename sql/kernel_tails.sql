-- Kernel duration tails: the percentiles the median hides, per kernel name x
-- device, from _nsys_kernel_stats (CUPTI_ACTIVITY_KIND_KERNEL end - start).
-- Flags as in the profiling guide: max/p50 > 2 means outlier invocations
-- (MoE route imbalance, NCCL rank arrival skew, allocator stalls); p99/p50 >
-- 1.5 means a systematic tail (stream contention, variable work per call).
-- Percentiles of a handful of calls say little, so the flags need at least
-- llm_settings.tail_min_calls calls (default 20).

INSERT OR IGNORE INTO llm_settings(key, value) VALUES
  ('tail_min_calls', 20);  -- calls a kernel needs before its tail is flagged

-- Kernel duration tails per (kernel name, device), by tail score.
-- Example: SELECT kernel, p50_us, p99_us, max_us, tail_ms FROM llm_kernel_tails LIMIT 10
CREATE TEMP VIEW IF NOT EXISTS llm_kernel_tails(
  kernel_name,          -- demangled kernel name
  kernel,               -- base name (nsys_kernel_base_name(kernel_name))
  category,             -- kernel category (llm_kernel_category_rules)
  device_id,            -- CUDA device ordinal
  calls,                -- launches
  total_ms,             -- sum of durations
  p50_us,               -- median duration
  p90_us,               -- 90th percentile
  p95_us,               -- 95th percentile
  p99_us,               -- 99th percentile
  max_us,               -- longest launch
  max_over_p50,         -- max / p50 (NULL when p50 is 0)
  p99_over_p50,         -- p99 / p50 (NULL when p50 is 0)
  outliers,             -- 1: max/p50 > 2 (NULL: fewer than tail_min_calls calls)
  systematic_tail,      -- 1: p99/p50 > 1.5 (NULL: fewer than tail_min_calls calls)
  tail_ms,              -- tail score: sum of (duration - p50) over the launches
                        -- slower than the median, i.e. the time the slow calls
                        -- cost beyond a median call
  tail_pct_of_kernel_time,  -- tail_ms as a share of all kernel time, 0..100
  kernel_short_name     -- base name (shortName)
) AS
WITH t AS (SELECT CAST(value AS INTEGER) AS min_calls FROM temp.llm_settings
           WHERE key = 'tail_min_calls'),
all_ns AS (SELECT total(total_ns) AS ns FROM _nsys_kernel_stats WHERE pid IS NULL),
cat AS MATERIALIZED (SELECT kernel_name, category FROM _nsys_kernel_category_names)
SELECT k.kernel_name, kernel, c.category, device_id, calls, round(total_ns / 1e6, 6),
       round(p50_ns / 1e3, 3), round(p90_ns / 1e3, 3), round(p95_ns / 1e3, 3),
       round(p99_ns / 1e3, 3), round(max_ns / 1e3, 3),
       round(max_ns / nullif(p50_ns, 0), 3), round(p99_ns / nullif(p50_ns, 0), 3),
       CASE WHEN calls >= coalesce((SELECT min_calls FROM t), 20)
            THEN max_ns > 2 * p50_ns END,
       CASE WHEN calls >= coalesce((SELECT min_calls FROM t), 20)
            THEN p99_ns > 1.5 * p50_ns END,
       round(excess_over_p50_ns / 1e6, 6),
       round(100.0 * excess_over_p50_ns / nullif((SELECT ns FROM all_ns), 0), 3),
       kernel_short_name
FROM _nsys_kernel_stats AS k
LEFT JOIN cat AS c ON c.kernel_name = k.kernel_name
WHERE pid IS NULL
ORDER BY excess_over_p50_ns DESC, k.kernel_name, device_id;

-- Tail latency (see sql/_report.sql for the conventions).
CREATE TEMP VIEW IF NOT EXISTS _nsys_kernel_tails_findings AS
SELECT 70 AS seq, 'medium' AS severity,
       'Kernels with heavy tails (p99 >> p50)' AS title,
       group_concat(printf('`%s`: p50 %.2f us, p99 %.2f us, max %.2f us '
                           || '(%.1f%% of kernel time)',
                           kernel_name, p50_us, p99_us, max_us,
                           pct_kernel_time), char(10)) AS evidence,
       'Tails come from contention, variable work per call (MoE routing, '
       || 'dynamic shapes) or allocator/sync stalls: look at the slow '
       || 'instances in the timeline.' AS recommendation,
       'kernel_tail' AS rule
FROM (SELECT * FROM llm_top_kernels
      WHERE calls >= 20 AND pct_kernel_time >= 1 AND p50_us > 0
        AND p99_us >= 2 * p50_us
      ORDER BY total_ms DESC LIMIT 3)
HAVING count(*) > 0
UNION ALL
-- Cheap but spiky: a large tail score relative to the kernel's own time.
SELECT 75, CASE WHEN tail_pct_of_kernel_time >= 5 THEN 'medium' ELSE 'low' END,
       'Kernels that are cheap at the median but lose time in their tail',
       group_concat(printf('`%s` (device %d): tail %.3f ms = %.1f%% of all '
                           || 'kernel time (p50 %.2f us, p99 %.2f us, max '
                           || '%.2f us over %d calls%s%s)',
                           coalesce(kernel_short_name, kernel_name), device_id,
                           tail_ms, tail_pct_of_kernel_time, p50_us, p99_us,
                           max_us, calls,
                           CASE WHEN systematic_tail THEN '; systematic: p99/p50 '
                                || printf('%.2f', p99_over_p50) ELSE '' END,
                           CASE WHEN outliers THEN '; outliers: max/p50 '
                                || printf('%.1f', max_over_p50) ELSE '' END),
                    char(10)),
       'Look at the slow launches of these kernels in the timeline (sort by '
       || 'duration): outliers (max/p50 > 2) point at MoE route imbalance, NCCL '
       || 'rank skew or allocator stalls; a systematic tail (p99/p50 > 1.5) at '
       || 'stream contention or variable work per call.',
       'kernel_tail_score'
FROM (SELECT * FROM llm_kernel_tails
      WHERE (systematic_tail OR outliers) AND tail_pct_of_kernel_time >= 1
        AND tail_ms >= 0.5 * total_ms
      ORDER BY tail_ms DESC LIMIT 3)
HAVING count(*) > 0;

CREATE TEMP VIEW IF NOT EXISTS _nsys_kernel_tails_sections AS VALUES
  (15, 'kernel_tails', 'Kernel tails (p95/p99/max vs the median)',
   'llm_kernel_tails',
   '`CUPTI_ACTIVITY_KIND_KERNEL` durations per (name, device); percentiles '
   || 'interpolate linearly; tail score = sum of (duration - p50) over the '
   || 'launches slower than the median.',
   'Flags need at least `tail_min_calls` calls (llm_settings, default 20); '
   || 'nsys inflates absolute times, so read the ratios; a tail says which '
   || 'kernel to look at in the timeline, not why.', 'kernels', NULL);

CREATE TEMP VIEW IF NOT EXISTS _nsys_kernel_tails_tables AS VALUES
  ('kernel_tails', 1, 'kernel_tails', 'llm_kernel_tails', NULL,
   'kernel|kernel_name, category, device_id, calls, p50_us, p95_us, p99_us, max_us, '
   || 'p99_over_p50, max_over_p50, tail_ms, tail_pct_of_kernel_time',
   15, 'Kernels by tail score (time lost to launches slower than the median):',
   NULL, NULL, 0);
