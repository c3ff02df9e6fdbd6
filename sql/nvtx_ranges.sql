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


-- Warnings about NVTX ranges (see sql/_report.sql for the conventions).
CREATE TEMP VIEW IF NOT EXISTS _nsys_nvtx_ranges_warnings AS
SELECT 120 AS seq, 'info' AS severity, 'nvtx_open_ranges' AS code,
       printf('%d NVTX ranges were never closed; they are excluded from range '
              || 'totals and treated as open-ended for kernel attribution.',
              value) AS message
FROM _nsys_data_quality WHERE key = 'nvtx_open_ranges' AND value > 0
UNION ALL
SELECT 130, 'info', 'nvtx_cross_thread_ranges',
       printf('%d start/end NVTX ranges ended on another thread; they enclose '
              || 'launches from any thread of their process.', value)
FROM _nsys_data_quality WHERE key = 'nvtx_cross_thread_ranges' AND value > 0
UNION ALL
SELECT 140, 'info', 'no_nvtx',
       'No NVTX ranges in this export: phase and range sections are empty. '
       || 'Add NVTX ranges around prefill/decode steps (or capture with '
       || '--trace=cuda,nvtx) to get per-phase numbers.'
FROM _nsys_facts WHERE coalesce(has_nvtx, 0) = 0;

-- NVTX phases.
CREATE TEMP VIEW IF NOT EXISTS _nsys_nvtx_ranges_findings AS
SELECT 80 AS seq,
       CASE WHEN max_pct >= 70 THEN 'medium' ELSE 'low' END AS severity,
       'NVTX ranges present' AS title,
       printf('Found %d NVTX range names.', names)
       || CASE WHEN top_phase IS NOT NULL THEN char(10)
            || printf('Phase `%s` holds %.1f%% of kernel time '
                      || '(llm_phases).', top_phase, max_pct) ELSE '' END
         AS evidence,
       'Use the NVTX phase totals (llm_phases, llm_nvtx_kernel_time) to '
       || 'focus on prefill vs decode vs sampling.' AS recommendation,
       'nvtx' AS rule
FROM (SELECT (SELECT count(*) FROM llm_nvtx_ranges) AS names,
             (SELECT phase FROM llm_phases
              ORDER BY pct_of_total_kernel_time DESC LIMIT 1) AS top_phase,
             (SELECT max(pct_of_total_kernel_time) FROM llm_phases)
               AS max_pct)
WHERE names > 0;

CREATE TEMP VIEW IF NOT EXISTS _nsys_nvtx_ranges_sections AS VALUES
  (12, 'nvtx_ranges', 'NVTX ranges', 'llm_nvtx_ranges, llm_phases',
   '`NVTX_EVENTS` ranges (eventType 59/60/70/71) with an end, by name '
   || '(coalesce(StringIds[textId], text)); phases via `llm_phase_map`.',
   'NVTX is host wall time, not GPU time; nested ranges are counted in full.',
   'nvtx', NULL);

-- `domain?` and `open_count?`: shown only when some range has a domain or is
-- unterminated. The phases table says which phase map was used, and what to
-- do when no range name matched it.
CREATE TEMP VIEW IF NOT EXISTS _nsys_nvtx_ranges_tables AS VALUES
  ('nvtx_ranges', 1, 'nvtx_ranges', 'llm_nvtx_ranges', NULL,
   'range_name, domain?, count, total_time_ms, avg_duration_us, open_count?',
   NULL, NULL, NULL, NULL, 0),
  ('nvtx_ranges', 2, 'phases', 'llm_phases', NULL,
   'phase, range_names, nvtx_count, nvtx_wall_time_ms, kernel_count, '
   || 'kernel_time_ms, pct_of_total_kernel_time', NULL, NULL, NULL,
   'phases', 0);
