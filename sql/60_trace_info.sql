-- Facts about the trace: exporter version, name sources, GPUs, the kernel time
-- window, the timestamp-unit sanity check and data-quality counters.
CREATE TEMP VIEW IF NOT EXISTS llm_trace_info(
  key,     -- fact name
  value    -- its value (text)
) AS
SELECT key, value FROM _nsys_trace_info
UNION ALL
SELECT 'nsysexplain_version', nsys_version()
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
SELECT key, CAST(value AS TEXT) FROM _nsys_data_quality;
