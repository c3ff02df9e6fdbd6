-- Facts about the trace: exporter version, name sources, GPUs, the time window
-- reported on, the kernel time window (inside it), the timestamp-unit sanity
-- check and data-quality counters (whole trace).
CREATE TEMP VIEW IF NOT EXISTS llm_trace_info(
  key,     -- fact name
  value    -- its value (text)
) AS
SELECT key, value FROM _nsys_trace_info
UNION ALL
SELECT 'nsysexplain_version', nsys_version()
UNION ALL
-- The time window the views report on (llm_settings window_from_ns/_to_ns).
SELECT 'window',
       CASE WHEN f IS NULL AND t IS NULL THEN 'whole trace'
            ELSE printf('[%s, %s) ns', coalesce(f, 'start of trace'),
                        coalesce(t, 'end of trace')) END
FROM (SELECT (SELECT value FROM temp.llm_settings WHERE key = 'window_from_ns') AS f,
             (SELECT value FROM temp.llm_settings WHERE key = 'window_to_ns') AS t)
UNION ALL
SELECT key, CAST(value AS TEXT) FROM temp.llm_settings
WHERE key IN ('window_from_ns', 'window_to_ns', 'window_source') AND value IS NOT NULL
UNION ALL
SELECT 'sqlite_version', sqlite_version()
UNION ALL
SELECT 'kernel_window_start_ns', CAST(first_start_ns AS TEXT)
FROM _nsys_launch_storm WHERE pid IS NULL AND launches > 0
UNION ALL
SELECT 'kernel_window_end_ns', CAST(last_end_ns AS TEXT)
FROM _nsys_launch_storm WHERE pid IS NULL AND launches > 0
UNION ALL
SELECT 'kernel_window_s', CAST(round(window_ns / 1e9, 6) AS TEXT)
FROM _nsys_launch_storm WHERE pid IS NULL AND launches > 0
UNION ALL
SELECT 'timestamp_unit_guess',
       CASE WHEN launches = 0 THEN 'unknown'
            WHEN window_ns >= 1000000000 THEN 'ns'
            WHEN window_ns >= 1000000 THEN 'ns_likely'
            ELSE 'unknown' END
FROM _nsys_launch_storm WHERE pid IS NULL
UNION ALL
SELECT 'timestamp_unit_basis',
       CASE WHEN launches = 0 THEN 'no_kernels'
            WHEN window_ns >= 1000000000 THEN 'kernel_window_ns_ge_1s'
            WHEN window_ns >= 1000000 THEN 'kernel_window_ns_ge_1ms'
            ELSE 'kernel_window_ns_lt_1ms' END
FROM _nsys_launch_storm WHERE pid IS NULL
UNION ALL
SELECT key, CAST(value AS TEXT) FROM _nsys_data_quality
UNION ALL
SELECT 'cuda_graph_mode_detected', mode FROM _nsys_cuda_graph_mode
UNION ALL
SELECT 'cuda_graph_launch_calls', CAST(graph_launch_calls AS TEXT)
FROM _nsys_cuda_graph_mode
UNION ALL
SELECT 'cuda_graph_trace_rows', CAST(graph_trace_rows AS TEXT)
FROM _nsys_cuda_graph_mode;

-- Warnings about the capture itself (see sql/_report.sql for the conventions).
CREATE TEMP VIEW IF NOT EXISTS _nsys_trace_info_warnings AS
-- A table the report reads is missing but a variant of its name exists
-- (NVTX_EVENTS_V2, ...): read when its columns match, else said so.
SELECT 5 AS seq, 'info' AS severity, 'table_variant' AS code,
       printf('%s is missing; the report reads %s instead (it has the columns '
              || 'the report needs).', substr(value, 1, instr(value, ' -> ') - 1),
              substr(value, instr(value, ' -> ') + 4)) AS message
FROM _nsys_trace_info WHERE key = 'table_variant'
UNION ALL
SELECT 6, 'warning', 'table_variant_unusable',
       printf('%s is missing and its variant %s lacks the columns the report '
              || 'needs: the sections that read it are not available.',
              substr(value, 1, instr(value, ' -> ') - 1),
              substr(value, instr(value, ' -> ') + 4))
FROM _nsys_trace_info WHERE key = 'table_variant_unusable'
UNION ALL
-- A time window is set: say what it is and what stays whole-trace.
SELECT 7, 'info', 'time_window',
       printf('Every section reports on the time window %s%s. Kernels, memcpy/memset '
              || 'and graph executions are clipped to it; runtime launch calls and NVTX '
              || 'ranges overlapping it are kept whole. Whole-trace regardless: the API '
              || 'call statistics (sections sync_by_pid, sync, cuda_api; the mean eager '
              || 'launch cost of cuda_graphs) and the data-quality counters.',
              value,
              coalesce(' (' || (SELECT value FROM temp.llm_settings
                                WHERE key = 'window_source') || ')', ''))
FROM (SELECT value FROM llm_trace_info WHERE key = 'window') WHERE value <> 'whole trace'
UNION ALL
SELECT 30, 'warning' AS severity, 'timestamp_unit_unknown' AS code,
       printf('Kernel window is only %d ns (< 1 ms): cannot confirm that '
              || 'timestamps are nanoseconds; treat time-derived numbers as '
              || 'suspect.', kernel_window_ns) AS message
FROM _nsys_facts WHERE n_kernels > 0 AND kernel_window_ns < 1000000
  -- a short time window is no sign of a unit problem (checked without one)
  AND (SELECT value FROM llm_trace_info WHERE key = 'window') = 'whole trace';

CREATE TEMP VIEW IF NOT EXISTS _nsys_trace_info_sections AS VALUES
  (100, 'derivation', 'Derivation & assumptions', 'llm_trace_info',
   'Export metadata, schema probe and data-quality counters.',
   'Timestamps are read as nanoseconds; see the unit check.', 'none', NULL);

-- Rendered as the derivation text, not as a table.
CREATE TEMP VIEW IF NOT EXISTS _nsys_trace_info_tables AS VALUES
  ('derivation', 1, 'trace_info', 'llm_trace_info', NULL, NULL, NULL, NULL,
   NULL, 'derivation', 0);
