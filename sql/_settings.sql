-- Framework, loaded first: the report settings and the helpers every
-- analysis may use. Then come the analyses (sql/<analysis>.sql, in the order
-- of NSYSEXPLAIN_ANALYSES in ext/CMakeLists.txt), then sql/_report.sql, then
-- the registry views generated from the analyses (see sql/_report.sql for the
-- conventions). TEMP objects: they live in the connection, never in the trace.

-- Report settings read by llm_warnings / llm_findings.
CREATE TEMP TABLE IF NOT EXISTS llm_settings(
  key TEXT PRIMARY KEY,  -- setting name
  value                  -- its value
);
INSERT OR IGNORE INTO llm_settings(key, value) VALUES
  ('nvtx_coverage_warn_threshold', 0.7),  -- warn below this NVTX coverage
  ('nvtx_kernel_map', 1),  -- 0: skip NVTX->kernel attribution in warnings,
                           -- findings, phases and the report sections
  ('top_n', 30),                           -- rows shown per table by renderers
  -- The time window every llm_* view reports on, [from, to) in trace ns (the
  -- export's start/end timestamps); NULL = unbounded on that side (both NULL:
  -- the whole trace). Kernels, memcpy/memset and graph executions overlapping
  -- it are clipped to it; runtime calls and NVTX ranges overlapping it are
  -- kept whole (docs/SEMANTICS.md, "Time windows"). Results are cached per
  -- window: changing it back is free.
  ('window_from_ns', NULL),
  ('window_to_ns', NULL),
  ('window_source', NULL),  -- text shown in llm_trace_info: how the window was chosen
  -- The trace the views report on: NULL = main, or the name of an ATTACHed
  -- export (ATTACH 'before.sqlite' AS base; ... SET value = 'base'). Results
  -- are cached per trace: switching back costs nothing.
  ('trace_schema', NULL),
  -- The before trace of the llm_diff_* views (sql/_diff.sql): the name of an
  -- ATTACHed export compared with main (ATTACH 'before.sqlite' AS base).
  ('diff_base', 'base');


-- 1 unless llm_settings.nvtx_kernel_map is 0 (--no-nvtx-kernel-map). Read it
-- as a constant subquery, (SELECT enabled FROM _nsys_nvtx_kernel_map), so a
-- rule that needs the NVTX attribution does not compute it when disabled.
CREATE TEMP VIEW IF NOT EXISTS _nsys_nvtx_kernel_map(enabled) AS
SELECT coalesce(max(value), 1) FROM temp.llm_settings
WHERE key = 'nvtx_kernel_map';

-- One row of key numbers used by several rules and by section availability.
CREATE TEMP VIEW IF NOT EXISTS _nsys_facts AS
SELECT
  (SELECT count(*) FROM nsys_schema
   WHERE table_name IN ('CUPTI_ACTIVITY_KIND_KERNEL',
                        'CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL')
     AND present) AS has_kernel_table,
  (SELECT present FROM nsys_schema
   WHERE table_name = 'CUPTI_ACTIVITY_KIND_RUNTIME') AS has_runtime,
  (SELECT present FROM nsys_schema WHERE table_name = 'NVTX_EVENTS')
    AS has_nvtx,
  (SELECT launches FROM _nsys_launch_storm WHERE pid IS NULL) AS n_kernels,
  (SELECT total_ns FROM _nsys_launch_storm WHERE pid IS NULL)
    AS total_kernel_ns,
  (SELECT window_ns FROM _nsys_launch_storm WHERE pid IS NULL)
    AS kernel_window_ns,
  (SELECT CAST(value AS REAL) FROM temp.llm_settings
   WHERE key = 'nvtx_coverage_warn_threshold') AS cov_threshold,
  (SELECT value FROM _nsys_trace_info WHERE key = 'cuda_graph_trace_mode')
    AS graph_mode,
  (SELECT enabled FROM _nsys_nvtx_kernel_map) AS nvtx_map,
  (SELECT substr(value, instr(value, ' -> ') + 4) FROM _nsys_trace_info
   WHERE key = 'table_variant_unusable' AND value LIKE 'NVTX\_EVENTS -> %' ESCAPE '\')
    AS nvtx_variant_unusable,
  (SELECT substr(value, instr(value, ' -> ') + 4) FROM _nsys_trace_info
   WHERE key = 'table_variant_unusable'
     AND value LIKE 'CUPTI\_ACTIVITY\_KIND\_RUNTIME -> %' ESCAPE '\')
    AS runtime_variant_unusable;

-- What a report section needs from the trace: a section's `need` is looked up
-- here (and in the _nsys_<analysis>_needs views) for its `available` and
-- `reason` columns. none: always available;
-- kernels: valid kernel rows; runtime: the runtime API table; nvtx: the NVTX
-- table; nvtx_kernels: NVTX, runtime and kernels, with the NVTX->kernel
-- attribution enabled.
CREATE TEMP VIEW IF NOT EXISTS _nsys_settings_needs AS
SELECT 'none' AS need, 1 AS available, NULL AS reason
UNION ALL
SELECT 'kernels', has_kernel_table > 0 AND coalesce(n_kernels, 0) > 0,
       CASE WHEN has_kernel_table = 0
            THEN 'no CUPTI_ACTIVITY_KIND_KERNEL table in this export'
            WHEN coalesce(n_kernels, 0) = 0
            THEN 'the kernel table has no valid rows' END
FROM _nsys_facts
UNION ALL
SELECT 'runtime', coalesce(has_runtime, 0),
       CASE WHEN runtime_variant_unusable IS NOT NULL
            THEN 'no CUPTI_ACTIVITY_KIND_RUNTIME table; its variant '
                 || runtime_variant_unusable || ' lacks the start/end columns'
            WHEN NOT coalesce(has_runtime, 0)
            THEN 'no CUPTI_ACTIVITY_KIND_RUNTIME table in this export' END
FROM _nsys_facts
UNION ALL
SELECT 'nvtx', coalesce(has_nvtx, 0),
       CASE WHEN nvtx_variant_unusable IS NOT NULL
            THEN 'no NVTX_EVENTS table; its variant ' || nvtx_variant_unusable
                 || ' lacks the start/eventType columns'
            WHEN NOT coalesce(has_nvtx, 0)
            THEN 'no NVTX_EVENTS table in this export' END
FROM _nsys_facts
UNION ALL
SELECT 'nvtx_kernels',
       coalesce(has_nvtx, 0) AND coalesce(has_runtime, 0)
       AND coalesce(n_kernels, 0) > 0 AND nvtx_map,
       CASE WHEN NOT coalesce(has_nvtx, 0)
            THEN 'no NVTX_EVENTS table in this export'
            WHEN NOT coalesce(has_runtime, 0)
            THEN 'no CUPTI_ACTIVITY_KIND_RUNTIME table (needed to find '
                 || 'each kernel''s launching thread)'
            WHEN coalesce(n_kernels, 0) = 0
            THEN 'no kernels in this export'
            WHEN NOT nvtx_map
            THEN 'disabled by --no-nvtx-kernel-map (llm_settings '
                 || 'nvtx_kernel_map = 0)' END
FROM _nsys_facts;
