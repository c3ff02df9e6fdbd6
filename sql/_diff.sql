-- Two traces side by side in SQL: the trace of `main` (after) against an
-- ATTACHed export (before, the schema named by llm_settings diff_base,
-- default 'base'):
--   sqlite3 after.sqlite
--   .load libnsysexplain
--   ATTACH 'before.sqlite' AS base;
--   SELECT * FROM llm_diff_kernels LIMIT 10;
-- Each side is read through the datasets' hidden trace_schema column
-- (`_nsys_kernel_stats WHERE trace_schema = 'base'`, ext/dataset_vtab.cc), in
-- the connection's time window. The numbers are defined as those of
-- nsys-explain-render --diff (report/diff.cc), which reads the llm_* views of
-- each trace: the same columns before rounding, summed the same way. Without
-- an attached diff_base schema every llm_diff_* view is empty except
-- llm_diff_comparability, which says why.

-- The two sides: ('before', diff_base) and ('after', 'main'); no rows when
-- diff_base names no attached database.
CREATE TEMP VIEW IF NOT EXISTS _nsys_diff_sides(side, schema) AS
WITH b(name) AS (
  SELECT coalesce((SELECT value FROM temp.llm_settings WHERE key = 'diff_base'), 'base'))
SELECT 'before', name FROM b
WHERE name IN (SELECT name FROM pragma_database_list WHERE name <> 'temp')
UNION ALL
SELECT 'after', 'main' FROM b
WHERE name IN (SELECT name FROM pragma_database_list WHERE name <> 'temp');

-- Decode steps per side (llm_step_summary: warm-up steps excluded).
CREATE TEMP VIEW IF NOT EXISTS _nsys_diff_step_sides AS
SELECT d.side, CASE WHEN s.warmup THEN 'warmup' ELSE s.phase END AS phase,
       round((s.end_ns - s.start_ns) / 1e3, 3) AS duration_us
FROM _nsys_diff_sides AS d CROSS JOIN _nsys_steps AS s ON s.trace_schema = d.schema;

-- Per side, the rows llm_diff_kernels and llm_diff_categories pair up: what
-- = 'kernel' (key = kernel name, summed over devices as diff.cc sums
-- llm_top_kernels; per = avg_us per call) or 'category' (diff.cc:
-- llm_kernel_categories; per = us per decode step).
CREATE TEMP VIEW IF NOT EXISTS _nsys_diff_sided(what, key, side, calls, total_ms, per, kernel,
                                                category) AS
WITH cat AS MATERIALIZED (
  SELECT d.side, c.kernel_name, c.category
  FROM _nsys_diff_sides AS d
  CROSS JOIN _nsys_kernel_category_names AS c ON c.trace_schema = d.schema),
steps AS MATERIALIZED (
  SELECT side, count(*) AS n FROM _nsys_diff_step_sides WHERE phase = 'decode' GROUP BY side)
SELECT 'kernel', s.kernel_name, d.side, sum(s.calls),
       round(total(round(s.total_ns / 1e6, 6)), 6),
       round(1000.0 * total(round(s.total_ns / 1e6, 6)) / sum(s.calls), 3),
       min(s.kernel), min(cat.category)
FROM _nsys_diff_sides AS d
CROSS JOIN _nsys_kernel_stats AS s ON s.trace_schema = d.schema
LEFT JOIN cat ON cat.side = d.side AND cat.kernel_name = s.kernel_name
WHERE s.pid IS NULL
GROUP BY d.side, s.kernel_name
UNION ALL
SELECT 'category', k.category, d.side, sum(k.calls),
       round(total(round(k.total_ns / 1e6, 6)), 6),
       round(1000.0 * total(round(k.total_ns / 1e6, 6))
             / (SELECT nullif(n, 0) FROM steps WHERE steps.side = d.side), 3),
       NULL, k.category
FROM _nsys_diff_sides AS d
CROSS JOIN _nsys_kernel_categories AS k ON k.trace_schema = d.schema
WHERE k.pid IS NULL
GROUP BY d.side, k.category;

-- Both sides of each (what, key), with diff.cc's delta, delta_pct and status.
CREATE TEMP VIEW IF NOT EXISTS _nsys_diff_pairs AS
WITH x AS MATERIALIZED (SELECT * FROM _nsys_diff_sided),
j AS (
  SELECT n.what, n.key, coalesce(a.kernel, b.kernel) AS kernel,
         coalesce(a.category, b.category) AS category, b.calls AS bc, a.calls AS ac,
         b.total_ms AS bt, a.total_ms AS at, b.per AS bp, a.per AS ap,
         coalesce(a.total_ms, 0) - coalesce(b.total_ms, 0) AS delta
  FROM (SELECT DISTINCT what, key FROM x) AS n
  LEFT JOIN x AS b ON b.side = 'before' AND b.what = n.what AND b.key = n.key
  LEFT JOIN x AS a ON a.side = 'after' AND a.what = n.what AND a.key = n.key)
SELECT what, key, kernel, category, bc, ac, bt, at, bp, ap, round(delta, 6) AS delta,
       CASE WHEN bt IS NOT NULL AND at IS NOT NULL AND bt <> 0
            THEN round(1000.0 * delta / bt) / 10.0 END AS delta_pct,
       CASE WHEN bt IS NULL THEN 'new' WHEN at IS NULL THEN 'vanished'
            WHEN delta = 0 THEN 'same' ELSE 'changed' END AS status
FROM j;

-- Kernels of both traces by name, largest change of total time first.
-- Example: SELECT kernel, status, before_total_ms, after_total_ms, delta_total_ms, delta_pct, before_avg_us, after_avg_us FROM llm_diff_kernels LIMIT 10;
CREATE TEMP VIEW IF NOT EXISTS llm_diff_kernels(
  kernel_name,      -- demangled kernel name (the join key)
  kernel,           -- base name (nsys_kernel_base_name(kernel_name))
  category,         -- kernel category (llm_kernel_category_rules; after, else before)
  before_calls,     -- launches in the before trace (NULL: not in it)
  after_calls,      -- launches in the after trace (NULL: not in it)
  before_total_ms,  -- summed durations, all devices, before
  after_total_ms,   -- the same, after
  before_avg_us,    -- mean duration per call, before
  after_avg_us,     -- mean duration per call, after
  delta_total_ms,   -- after - before total (a missing side counts 0)
  delta_pct,        -- delta / before total, 0..100 (NULL: new, vanished or before 0)
  status            -- new, vanished, changed (total differs) or same
) AS
SELECT key, kernel, category, bc, ac, bt, at, bp, ap, delta, delta_pct, status
FROM _nsys_diff_pairs WHERE what = 'kernel'
ORDER BY abs(delta) DESC, key;

-- Kernel categories of both traces, largest change of total time first.
-- Example: SELECT category, before_total_ms, after_total_ms, delta_total_ms, before_per_decode_step_us, after_per_decode_step_us FROM llm_diff_categories;
CREATE TEMP VIEW IF NOT EXISTS llm_diff_categories(
  category,                   -- from llm_kernel_category_rules, else other
  before_calls,               -- launches, before (NULL: category not in it)
  after_calls,                -- launches, after
  before_total_ms,            -- summed kernel durations, all devices, before
  after_total_ms,             -- the same, after
  before_per_decode_step_us,  -- before total / before decode steps (NULL: no decode steps)
  after_per_decode_step_us,   -- after total / after decode steps
  delta_total_ms,             -- after - before total (a missing side counts 0)
  delta_pct,                  -- delta / before total, 0..100 (NULL: new, vanished or before 0)
  status                      -- new, vanished, changed or same
) AS
SELECT key, bc, ac, bt, at, bp, ap, delta, delta_pct, status
FROM _nsys_diff_pairs WHERE what = 'category'
ORDER BY abs(delta) DESC, key;

-- The headline numbers per side (the metrics of nsys-explain-render --diff).
CREATE TEMP VIEW IF NOT EXISTS _nsys_diff_metric_sides(side, ord, metric, unit, gate, value) AS
WITH sides AS MATERIALIZED (SELECT * FROM _nsys_diff_sides),
steps AS MATERIALIZED (SELECT * FROM _nsys_diff_step_sides),
cats AS MATERIALIZED (
  SELECT d.side, total(round(k.total_ns / 1e6, 6)) AS ms, total(k.calls) AS calls
  FROM sides AS d LEFT JOIN _nsys_kernel_categories AS k
    ON k.trace_schema = d.schema AND k.pid IS NULL
  GROUP BY d.side),
idle AS MATERIALIZED (
  SELECT d.side, count(g.device_id) AS gpus,
         round(100.0 * total(round((g.window_end_ns - g.window_start_ns - g.busy_ns) / 1e6, 6))
               / nullif(total(round((g.window_end_ns - g.window_start_ns) / 1e6, 6)), 0), 3)
           AS idle_pct
  FROM sides AS d LEFT JOIN _nsys_gpu_idle AS g ON g.trace_schema = d.schema
  GROUP BY d.side),
api AS MATERIALIZED (
  SELECT d.side,
         total(round(a.total_ns / 1e6, 6)) AS ms,
         total(CASE WHEN a.kind IN ('host_sync', 'sync_copy')
                    THEN round(a.total_ns / 1e6, 6) END) AS sync_ms
  FROM sides AS d LEFT JOIN _nsys_api_calls AS a ON a.trace_schema = d.schema
  GROUP BY d.side),
ph(ord, phase) AS (VALUES (5, 'decode'), (8, 'prefill')),
st AS (
  SELECT d.side, ph.ord, ph.phase,
         (SELECT round(nsys_percentile(duration_us, 50), 3) FROM steps AS s
          WHERE s.side = d.side AND s.phase = ph.phase) AS p50,
         (SELECT round(nsys_percentile(duration_us, 99), 3) FROM steps AS s
          WHERE s.side = d.side AND s.phase = ph.phase) AS p99,
         (SELECT nullif(count(*), 0) FROM steps AS s
          WHERE s.side = d.side AND s.phase = ph.phase) AS n
  FROM sides AS d, ph)
SELECT side, 1, 'total_kernel_time_ms', 'ms', 'pct', ms FROM cats
UNION ALL SELECT side, 2, 'kernels', '', '', calls FROM cats
UNION ALL SELECT side, 3, 'gpus', '', '', gpus FROM idle
UNION ALL SELECT side, 4, 'gpu_idle_pct', '%', 'pp', idle_pct FROM idle
UNION ALL SELECT side, ord, phase || '_step_p50_us', 'us',
                 CASE phase WHEN 'decode' THEN 'pct' ELSE '' END, p50 FROM st
UNION ALL SELECT side, ord + 1, phase || '_step_p99_us', 'us',
                 CASE phase WHEN 'decode' THEN 'pct' ELSE '' END, p99 FROM st
UNION ALL SELECT side, ord + 2, phase || '_steps', '', '', n FROM st
UNION ALL SELECT side, 11, 'sync_time_ms', 'ms', '', sync_ms FROM api
UNION ALL SELECT side, 12, 'api_time_ms', 'ms', '', ms FROM api
UNION ALL
SELECT d.side, 13, 'window_s', 's', '',
       (SELECT round(l.window_ns / 1e9, 6) FROM _nsys_launch_storm AS l
        WHERE l.trace_schema = d.schema AND l.pid IS NULL AND l.launches > 0)
FROM sides AS d;

-- The headline numbers of both traces, as in diff.json's metrics.
-- Example: SELECT metric, before, after, delta, delta_pct FROM llm_diff_summary;
CREATE TEMP VIEW IF NOT EXISTS llm_diff_summary(
  metric,     -- id (diff.json metrics[].id): total_kernel_time_ms, kernels, gpus,
              -- gpu_idle_pct, decode/prefill_step_p50_us, _step_p99_us, _steps,
              -- sync_time_ms, api_time_ms, window_s
  unit,       -- ms, us, s, % or '' (a count)
  before,     -- value in the before trace (NULL: not measurable there)
  after,      -- value in the after trace
  delta,      -- after - before
  delta_pct,  -- delta / before, 0..100 (0 when both are 0; NULL when before is 0 or NULL)
  gated       -- 1: --fail-on-regression gates it (gpu_idle_pct in points, the rest in %)
) AS
WITH m AS MATERIALIZED (SELECT * FROM _nsys_diff_metric_sides)
SELECT a.metric, a.unit, b.value, a.value, a.value - b.value,
       CASE WHEN b.value = 0 AND a.value = 0 THEN 0.0
            WHEN b.value <> 0 THEN 100.0 * (a.value - b.value) / b.value END,
       a.gate <> ''
FROM m AS a JOIN m AS b ON b.side = 'before' AND b.metric = a.metric
WHERE a.side = 'after'
ORDER BY a.ord;

-- Whether the two traces can be compared fairly (report/diff.cc's rules): the
-- blockers and caveats, then one verdict row.
-- Example: SELECT kind, message FROM llm_diff_comparability;
CREATE TEMP VIEW IF NOT EXISTS llm_diff_comparability(
  kind,     -- blocker (no fair comparison), caveat, verdict (last row: comparable,
            -- comparable with caveats or not comparable) or unavailable (no
            -- diff_base schema attached: the other llm_diff_* views are empty)
  message   -- the reason, or the verdict
) AS
-- Every input is referenced once, into the one row f, and every rule is a
-- row of `rules` joined to it: SQLite prepares each reference to a view or
-- CTE (MATERIALIZED or not) anew from a copy of its definition, so one
-- UNION ALL branch per rule over shared CTEs, with r read three times,
-- prepared _nsys_diff_metric_sides 36 times and llm_diff_kernels 9 times
-- (~45 ms per prepare of this view, ~0.3 s under ASan; now ~7 ms).
WITH sides AS MATERIALIZED (SELECT * FROM _nsys_diff_sides),
-- Both sides of each metric (one row per side and metric).
mx AS MATERIALIZED (
  SELECT max(CASE metric WHEN 'total_kernel_time_ms' THEN b END) AS kt_b,
         max(CASE metric WHEN 'total_kernel_time_ms' THEN a END) AS kt_a,
         max(CASE metric WHEN 'window_s' THEN b END) AS w_b,
         max(CASE metric WHEN 'window_s' THEN a END) AS w_a,
         max(CASE metric WHEN 'gpus' THEN b END) AS g_b,
         max(CASE metric WHEN 'gpus' THEN a END) AS g_a,
         coalesce(max(nb > 0 AND na > 0 AND b IS NOT a), 0) AS metrics_differ
  FROM (SELECT metric, sum(side = 'before') AS nb, sum(side = 'after') AS na,
               max(CASE side WHEN 'before' THEN value END) AS b,
               max(CASE side WHEN 'after' THEN value END) AS a
        FROM _nsys_diff_metric_sides GROUP BY metric)),
kx AS MATERIALIZED (
  SELECT count(*) AS n, total(status IN ('same', 'changed')) AS shared,
         total(status <> 'same') AS not_same
  FROM llm_diff_kernels),
info AS MATERIALIZED (
  SELECT d.side, d.schema,
         (SELECT group_concat(value, ', ') FROM _nsys_trace_info AS t
          WHERE t.trace_schema = d.schema AND t.key = 'gpu_name') AS gpu,
         (SELECT mode FROM _nsys_cuda_graph_mode AS g WHERE g.trace_schema = d.schema) AS mode,
         (SELECT graph_launch_calls FROM _nsys_cuda_graph_mode AS g
          WHERE g.trace_schema = d.schema) AS graphs,
         (SELECT file FROM pragma_database_list WHERE name = d.schema) AS file
  FROM sides AS d),
ix AS MATERIALIZED (
  SELECT count(*) > 0 AS has_sides,
         max(CASE side WHEN 'before' THEN schema END) AS b_schema,
         max(CASE side WHEN 'before' THEN gpu END) AS b_gpu,
         max(CASE side WHEN 'after' THEN gpu END) AS a_gpu,
         max(CASE side WHEN 'before' THEN mode END) AS b_mode,
         max(CASE side WHEN 'after' THEN mode END) AS a_mode,
         max(CASE side WHEN 'before' THEN graphs END) AS b_graphs,
         max(CASE side WHEN 'after' THEN graphs END) AS a_graphs,
         max(CASE side WHEN 'before' THEN file END) AS b_file,
         max(CASE side WHEN 'after' THEN file END) AS a_file
  FROM info),
f AS MATERIALIZED (
  SELECT coalesce((SELECT value FROM temp.llm_settings WHERE key = 'diff_base'), 'base')
           AS base, *
  FROM ix, mx, kx),
-- The rules (ord 1-10: a row when its condition holds) and the verdict (99,
-- filled in below).
rules(ord, kind) AS (
  VALUES (1, 'unavailable'), (2, 'blocker'), (3, 'blocker'), (4, 'blocker'), (5, 'blocker'),
         (6, 'blocker'), (7, 'blocker'), (8, 'caveat'), (9, 'caveat'), (10, 'caveat'),
         (99, 'verdict')),
r(ord, kind, message) AS (
  SELECT c.ord, c.kind,
         CASE c.ord
           WHEN 1 THEN printf('No schema ''%s'' is attached: ATTACH ''before.sqlite'' AS %s (or '
                              || 'set llm_settings diff_base to the attached schema''s name).',
                              f.base, f.base)
           WHEN 2 THEN f.b_schema || ' (before) has no kernels'
           WHEN 3 THEN 'main (after) has no kernels'
           WHEN 4 THEN 'no kernel name is in both traces'
           WHEN 5 THEN printf('different GPU models (%s vs %s)', f.b_gpu, f.a_gpu)
           WHEN 6 THEN printf('different GPU counts (%d vs %d)', f.g_b, f.g_a)
           WHEN 7 THEN
             CASE WHEN f.b_file <> '' AND f.b_file = f.a_file THEN 'the same file twice'
                  ELSE 'the traces are identical in every compared number (the same trace twice?)'
             END
           WHEN 8 THEN
             printf('different CUDA-graph trace modes (%s vs %s): in graph mode the graphs'' '
                    || 'kernels are not in the kernel table', f.b_mode, f.a_mode)
           WHEN 9 THEN
             printf('CUDA graphs in %s only: launch overhead and step times change with them',
                    CASE WHEN coalesce(f.b_graphs, 0) > 0 THEN 'before' ELSE 'after' END)
           WHEN 10 THEN
             printf('kernel windows of very different length (%.3f s vs %.3f s): compare per '
                    || 'call (avg_us) and per step, not totals', f.w_b, f.w_a)
         END
  FROM f CROSS JOIN rules AS c
  WHERE CASE c.ord
          WHEN 1 THEN NOT f.has_sides
          WHEN 2 THEN f.has_sides AND coalesce(f.kt_b, 0) <= 0
          WHEN 3 THEN f.has_sides AND coalesce(f.kt_a, 0) <= 0
          WHEN 4 THEN f.kt_b > 0 AND f.kt_a > 0 AND f.shared = 0
          WHEN 5 THEN f.b_gpu <> '' AND f.a_gpu <> '' AND f.b_gpu <> f.a_gpu
          WHEN 6 THEN f.g_b <> f.g_a
          WHEN 7 THEN f.has_sides
                      AND ((f.b_file <> '' AND f.b_file = f.a_file)
                           OR (f.n > 0 AND f.not_same = 0 AND NOT f.metrics_differ))
          WHEN 8 THEN f.has_sides AND f.b_mode IS NOT f.a_mode
          WHEN 9 THEN f.has_sides
                      AND (coalesce(f.b_graphs, 0) > 0) <> (coalesce(f.a_graphs, 0) > 0)
          WHEN 10 THEN f.w_b > 0 AND f.w_a > 0 AND max(f.w_b / f.w_a, f.w_a / f.w_b) > 2
          WHEN 99 THEN f.has_sides
        END)
SELECT kind, message FROM (
  SELECT ord, kind,
         CASE WHEN kind <> 'verdict' THEN message
              WHEN max(kind = 'blocker') OVER () THEN 'not comparable'
              WHEN max(kind = 'caveat') OVER () THEN 'comparable with caveats'
              ELSE 'comparable' END AS message
  FROM r)
ORDER BY ord;
