-- NVTX. Source: NVTX_EVENTS rows of eventType 59/60/70/71 (push/pop,
-- start/end and their NVTXT forms); names are coalesce(StringIds[textId],
-- text); domains come from eventType-75 rows of the same process. NVTX times
-- are host-side wall time, not GPU time.

-- NVTX ranges by name over all processes (closed ranges only).
CREATE TEMP VIEW IF NOT EXISTS llm_nvtx_ranges(
  range_name,        -- message text
  domain,            -- NVTX domain name ('' = default domain)
  count,             -- closed ranges
  total_time_ms,     -- summed wall time (nested ranges are counted in full)
  avg_duration_us,   -- mean
  min_us,            -- shortest
  max_us,            -- longest
  open_count,        -- ranges with no end (still open at capture end)
  styles             -- push_pop, start_end or both
) AS
SELECT range_name, domain, sum(count), round(total(total_ns) / 1e6, 6),
       round(total(total_ns) / 1e3 / nullif(sum(count), 0), 3),
       round(min(CASE WHEN count > 0 THEN min_ns END) / 1e3, 3),
       round(max(CASE WHEN count > 0 THEN max_ns END) / 1e3, 3),
       sum(open_count),
       group_concat(DISTINCT style)
FROM _nsys_nvtx_ranges
GROUP BY domain, range_name
ORDER BY total(total_ns) DESC, range_name;

-- NVTX ranges per process.
CREATE TEMP VIEW IF NOT EXISTS llm_nvtx_ranges_by_pid(
  pid,               -- OS process id (from globalTid)
  range_name,        -- message text
  domain,            -- NVTX domain name
  count,             -- closed ranges
  total_time_ms,     -- summed wall time
  avg_duration_us,   -- mean
  open_count         -- unterminated ranges
) AS
SELECT pid, range_name, domain, sum(count), round(total(total_ns) / 1e6, 6),
       round(total(total_ns) / 1e3 / nullif(sum(count), 0), 3), sum(open_count)
FROM _nsys_nvtx_ranges
GROUP BY pid, domain, range_name
ORDER BY pid, total(total_ns) DESC, range_name;

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

-- Phases (llm_phase_map): NVTX wall time of the ranges mapped to each phase,
-- and GPU kernel time of kernels launched inside at least one such range
-- (each kernel counted once per phase; 0 when llm_settings.nvtx_kernel_map
-- is 0).
CREATE TEMP VIEW IF NOT EXISTS llm_phases(
  phase,                       -- label from llm_phase_map
  range_names,                 -- distinct range names mapped to it
  nvtx_count,                  -- closed ranges
  nvtx_wall_time_ms,           -- their summed wall time (host)
  kernel_count,                -- kernels launched inside the phase
  kernel_time_ms,              -- their GPU time
  pct_of_total_kernel_time     -- share of all kernel time, 0..100
) AS
WITH names AS (
  SELECT domain, range_name, sum(count) AS cnt, total(total_ns) AS ns
  FROM _nsys_nvtx_ranges GROUP BY domain, range_name),
mapped AS (
  SELECT n.*, (SELECT p.phase FROM temp.llm_phase_map AS p
               WHERE instr(lower(n.range_name), lower(p.pattern)) > 0
               ORDER BY p.rowid LIMIT 1) AS phase
  FROM names AS n),
wall AS (
  SELECT phase, count(*) AS names, sum(cnt) AS cnt, total(ns) AS ns
  FROM mapped WHERE phase IS NOT NULL GROUP BY phase),
gpu AS (SELECT * FROM _nsys_phase_attr
        WHERE (SELECT coalesce(max(value), 1) FROM temp.llm_settings
       WHERE key = 'nvtx_kernel_map') AND pid IS NULL)
SELECT w.phase, w.names, w.cnt, round(w.ns / 1e6, 6),
       coalesce(g.kernels, 0), round(coalesce(g.kernel_ns, 0) / 1e6, 6),
       round(100.0 * coalesce(g.kernel_ns, 0)
             / nullif((SELECT total_ns FROM _nsys_launch_storm
                       WHERE pid IS NULL), 0), 3)
FROM wall AS w LEFT JOIN gpu AS g ON g.phase = w.phase
ORDER BY coalesce(g.kernel_ns, 0) DESC, w.ns DESC, w.phase;
