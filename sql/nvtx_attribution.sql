-- GPU kernel time attributed to NVTX ranges: kernel -> launching runtime call
-- (same correlationId AND same process) -> ranges enclosing that call on the
-- launching thread (process-wide for start/end ranges that end on another
-- thread). `kernel_*` columns use innermost attribution (each kernel counts
-- once, for its innermost range: the columns add up to the coverage);
-- `inclusive_*` columns count a kernel for every enclosing range name, like
-- nsys nvtx_kern_sum (they can add up to more than 100%).
CREATE TEMP VIEW IF NOT EXISTS llm_nvtx_kernel_time(
  range_name,                  -- message text
  domain,                      -- NVTX domain name
  kernel_count,                -- kernels whose innermost range this is
  total_kernel_time_ms,        -- their summed GPU time
  avg_kernel_duration_us,      -- mean of those kernels
  pct_of_total_kernel_time,    -- share of all kernel time, 0..100
  inclusive_kernel_count,      -- kernels anywhere inside such a range
  inclusive_kernel_time_ms,    -- their summed GPU time
  inclusive_pct_of_kernel_time -- share of all kernel time, 0..100
) AS
WITH tot AS (SELECT kernel_ns FROM _nsys_nvtx_coverage WHERE pid IS NULL)
SELECT range_name, domain, innermost_kernels,
       round(innermost_ns / 1e6, 6),
       round(innermost_ns / 1e3 / nullif(innermost_kernels, 0), 3),
       round(100.0 * innermost_ns / nullif((SELECT kernel_ns FROM tot), 0), 3),
       inclusive_kernels, round(inclusive_ns / 1e6, 6),
       round(100.0 * inclusive_ns / nullif((SELECT kernel_ns FROM tot), 0), 3)
FROM _nsys_nvtx_attr
WHERE pid IS NULL
ORDER BY innermost_ns DESC, inclusive_ns DESC, range_name;

-- Attribution coverage, overall (pid NULL) and per process.
CREATE TEMP VIEW IF NOT EXISTS llm_nvtx_coverage(
  pid,                          -- NULL = all processes
  total_kernel_time_ms,         -- all valid kernels
  attributed_kernel_time_ms,    -- kernels inside >= 1 NVTX range
  coverage_pct,                 -- attributed / total, 0..100
  kernel_count,                 -- all valid kernels
  attributed_kernel_count,      -- kernels inside >= 1 range
  launched_kernel_count,        -- kernels whose launch call was found
  unlaunched_kernel_time_ms     -- kernel time with no launch row (never attributable)
) AS
SELECT pid, round(kernel_ns / 1e6, 6), round(attributed_ns / 1e6, 6),
       round(100.0 * attributed_ns / nullif(kernel_ns, 0), 3), kernels,
       attributed_kernels, launched_kernels,
       round((kernel_ns - launched_ns) / 1e6, 6)
FROM _nsys_nvtx_coverage
ORDER BY pid IS NOT NULL, kernel_ns DESC, pid;

-- NVTX per process: host wall time and attributed GPU time side by side.
CREATE TEMP VIEW IF NOT EXISTS llm_nvtx_by_pid(
  pid,                             -- OS process id
  range_name,                      -- message text
  domain,                          -- NVTX domain name
  nvtx_total_time_ms,              -- summed wall time of closed ranges
  nvtx_count,                      -- closed ranges
  attributed_kernel_time_ms,       -- GPU time, innermost attribution
  attributed_kernel_count,         -- kernels, innermost attribution
  inclusive_kernel_time_ms,        -- GPU time, inclusive attribution
  pid_attribution_coverage_pct     -- the PID's coverage (rows with GPU time)
) AS
WITH r AS (
  SELECT pid, domain, range_name, sum(count) AS cnt, total(total_ns) AS ns
  FROM _nsys_nvtx_ranges GROUP BY pid, domain, range_name),
a AS (SELECT * FROM _nsys_nvtx_attr WHERE pid IS NOT NULL),
c AS (SELECT * FROM _nsys_nvtx_coverage WHERE pid IS NOT NULL)
SELECT r.pid, r.range_name, r.domain, round(r.ns / 1e6, 6), r.cnt,
       round(coalesce(a.innermost_ns, 0) / 1e6, 6),
       coalesce(a.innermost_kernels, 0),
       round(coalesce(a.inclusive_ns, 0) / 1e6, 6),
       CASE WHEN coalesce(a.inclusive_ns, 0) > 0 THEN
         round(100.0 * c.attributed_ns / nullif(c.kernel_ns, 0), 3) END
FROM r
LEFT JOIN a ON a.pid = r.pid AND a.domain = r.domain
           AND a.range_name = r.range_name
LEFT JOIN c ON c.pid = r.pid
ORDER BY r.pid, coalesce(a.inclusive_ns, 0) DESC, r.ns DESC, r.range_name;


-- Warnings about the attribution, none when it is disabled (see
-- sql/_report.sql for the conventions).
CREATE TEMP VIEW IF NOT EXISTS _nsys_nvtx_attribution_warnings AS
SELECT 40 AS seq, 'warning' AS severity, 'nvtx_coverage_low' AS code,
       printf('NVTX-attributed GPU time is best-effort (NVTX→runtime→kernel '
              || 'correlation). Coverage is %.1f%% (< %.1f%%). Low coverage: '
              || 'interpret per-range GPU time cautiously.',
              100.0 * c.attributed_ns / c.kernel_ns,
              100.0 * f.cov_threshold) AS message
FROM _nsys_nvtx_coverage AS c, _nsys_facts AS f
WHERE (SELECT enabled FROM _nsys_nvtx_kernel_map)
  AND c.pid IS NULL AND f.has_nvtx AND c.kernel_ns > 0
  AND 1.0 * c.attributed_ns / c.kernel_ns < f.cov_threshold
UNION ALL
SELECT 50, 'warning', 'nvtx_coverage_low_pid',
       printf('Per-PID NVTX-attributed GPU time has low coverage for %d '
              || 'PID(s) (worst PID %d: %.1f%%). Interpret per-PID attribution '
              || 'cautiously.', n, pid, pct)
FROM (SELECT count(*) AS n, pid,
             min(100.0 * attributed_ns / kernel_ns) AS pct
      FROM _nsys_nvtx_coverage, _nsys_facts AS f
      WHERE (SELECT enabled FROM _nsys_nvtx_kernel_map)
        AND pid IS NOT NULL AND kernel_ns > 0 AND f.has_nvtx
        AND 1.0 * attributed_ns / kernel_ns < f.cov_threshold)
WHERE n > 0
UNION ALL
SELECT 60, 'warning', 'kernels_without_launch',
       printf('%d of %d kernels (%.1f%% of kernel time) have no runtime/driver '
              || 'call with the same (process, correlationId); they cannot be '
              || 'attributed to NVTX ranges.',
              c.kernels - c.launched_kernels, c.kernels,
              100.0 * (c.kernel_ns - c.launched_ns) / c.kernel_ns)
FROM _nsys_nvtx_coverage AS c, _nsys_facts AS f
WHERE (SELECT enabled FROM _nsys_nvtx_kernel_map)
  AND c.pid IS NULL AND c.kernel_ns > 0 AND c.launched_kernels < c.kernels
  AND f.has_runtime
UNION ALL
SELECT 70, 'warning', 'nvtx_depth_truncated',
       printf('%d launch calls are enclosed by more than %d NVTX ranges (ranges '
              || 'pushed and never popped?); only the %d innermost were kept, '
              || 'so inclusive totals of outer ranges are low for them.',
              truncated_launches, 256, 256)
FROM _nsys_nvtx_coverage
WHERE (SELECT enabled FROM _nsys_nvtx_kernel_map)
  AND pid IS NULL AND truncated_launches > 0;

CREATE TEMP VIEW IF NOT EXISTS _nsys_nvtx_attribution_sections AS VALUES
  (13, 'nvtx_kernel_time', 'NVTX-attributed GPU kernel time',
   'llm_nvtx_kernel_time, llm_nvtx_coverage',
   'kernel → runtime call with the same `correlationId` and process → NVTX '
   || 'ranges enclosing that call on the launching thread (process-wide for '
   || 'start/end ranges ending on another thread).',
   'Kernels launched outside any range, or with no runtime row, stay '
   || 'unattributed: read the coverage before the numbers.', 'nvtx_kernels',
   NULL),
  (14, 'nvtx_by_pid', 'NVTX per PID', 'llm_nvtx_by_pid, llm_nvtx_coverage',
   '`NVTX_EVENTS` grouped by PID from `globalTid`, joined with the '
   || 'attribution above.',
   'Host-side wall time next to best-effort GPU attribution.', 'nvtx',
   '`globalTid` (runtime/NVTX rows)');

-- nvtx_kernel_time: the overall coverage line above the table (from the
-- nvtx_coverage table, not shown as a table). nvtx_by_pid: with the
-- attribution, the per-PID coverage follows the table; without it
-- (--no-nvtx-kernel-map) the table is the host wall time of
-- llm_nvtx_ranges_by_pid.
CREATE TEMP VIEW IF NOT EXISTS _nsys_nvtx_attribution_tables AS
SELECT * FROM (VALUES
  ('nvtx_kernel_time', 1, 'nvtx_kernel_time', 'llm_nvtx_kernel_time', NULL,
   'range_name, kernel_count, total_kernel_time_ms, avg_kernel_duration_us, '
   || 'pct_of_total_kernel_time, inclusive_kernel_time_ms', NULL, NULL,
   '- `kernel_count`/`total_kernel_time_ms` count each kernel once, for its '
   || 'innermost enclosing range (they add up to the coverage); '
   || '`inclusive_kernel_time_ms` counts it for every enclosing range name '
   || '(nested ranges overlap).', 'coverage_line', 1),
  ('nvtx_kernel_time', 2, 'nvtx_coverage', 'llm_nvtx_coverage', NULL, NULL,
   NULL, NULL, NULL, NULL, 1))
UNION ALL
SELECT 'nvtx_by_pid', 1, 'nvtx_by_pid', 'llm_nvtx_by_pid', NULL,
       'pid, range_name, nvtx_total_time_ms, nvtx_count, '
       || 'attributed_kernel_time_ms, attributed_kernel_count, '
       || 'pid_attribution_coverage_pct', NULL, NULL, NULL, 'pid_coverage', 1
WHERE (SELECT enabled FROM _nsys_nvtx_kernel_map)
UNION ALL
SELECT 'nvtx_by_pid', 1, 'nvtx_by_pid', 'llm_nvtx_ranges_by_pid', NULL,
       'pid, range_name, count, total_time_ms, avg_duration_us, open_count',
       NULL, 'NVTX-attributed GPU time columns: disabled by '
       || '`--no-nvtx-kernel-map` (host wall time only).', NULL, NULL, 0
WHERE NOT (SELECT enabled FROM _nsys_nvtx_kernel_map);
