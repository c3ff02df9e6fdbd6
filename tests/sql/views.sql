-- The llm_* views over the tiny export of fixtures/minimal_nsys.sql (see its
-- header for the rows). Float columns are rounded by the views themselves.
.echo on
.headers on
.mode list
.nullvalue NULL
.read fixtures/minimal_nsys.sql
SELECT * FROM llm_top_kernels;
SELECT * FROM llm_kernels_by_pid;
SELECT * FROM llm_gpu_idle;
SELECT * FROM llm_gpu_idle_gaps;
SELECT * FROM llm_launch_storm;
SELECT * FROM llm_launch_storm_by_pid;
SELECT * FROM llm_tiny_kernels;
SELECT * FROM llm_sync_calls;
SELECT * FROM llm_sync_calls_by_pid;
SELECT * FROM llm_api_calls;
SELECT * FROM llm_nvtx_ranges;
SELECT * FROM llm_nvtx_kernel_time;
SELECT * FROM llm_nvtx_coverage;
SELECT * FROM llm_nvtx_by_pid;
SELECT * FROM llm_pids;
SELECT * FROM llm_phases;
DELETE FROM llm_phase_map;
INSERT INTO llm_phase_map(phase, pattern) VALUES
  ('warm', 'PREFILL'), ('gen', 'decode'), ('gen', 'step');
SELECT * FROM llm_phases;
SELECT kernel_rowid, kernel_name, pid, correlation_id, launch_api, launch_tid,
       queue_ns, nvtx_depth, nvtx_innermost
FROM nsys_kernels ORDER BY kernel_rowid;
SELECT kernel_rowid, range_name, event_type, range_start_ns, range_end_ns,
       depth, is_innermost
FROM nsys_nvtx_kernel_ranges ORDER BY kernel_rowid, depth;
SELECT key, value FROM _nsys_data_quality;
SELECT severity, code, message FROM llm_warnings;
SELECT severity, title, evidence, rule FROM llm_findings;
SELECT ord, section_id, available, reason FROM llm_report_sections;
SELECT key, value FROM llm_trace_info
WHERE key NOT IN ('nsysexplain_version', 'sqlite_version');
-- Kernel categories: defaults, then user-edited rules (a rule in front of
-- the defaults changes the views and nsys_kernel_category alike; no rules at
-- all put every kernel in other; the defaults come back when re-inserted).
SELECT * FROM llm_kernel_categories;
SELECT * FROM llm_kernel_categories_by_pid;
SELECT kernel_name, category, pattern FROM _nsys_kernel_category_names
ORDER BY kernel_name;
INSERT INTO llm_kernel_category_rules VALUES (50, 'mine', 'orphan+KERNEL');
SELECT category, device_id, total_ms, calls, kernels, top_kernel_name
FROM llm_kernel_categories;
SELECT kernel_name, category FROM llm_top_kernels;
SELECT nsys_kernel_category('orphan_kernel'), nsys_kernel_category('kernel orphan'),
       nsys_kernel_category('orphan');
CREATE TEMP TABLE saved_rules AS SELECT * FROM llm_kernel_category_rules;
DELETE FROM llm_kernel_category_rules;
SELECT category, device_id, total_ms, calls, kernels FROM llm_kernel_categories;
SELECT pid, kernel_name, category FROM llm_kernels_by_pid;
SELECT nsys_kernel_category('ampere_fp16_s16816gemm_fp16_128x128_ldg8_f2f_stages_32x5_tn');
INSERT INTO llm_kernel_category_rules SELECT * FROM saved_rules
WHERE category <> 'mine';
SELECT category, count(*) FROM llm_top_kernels GROUP BY category ORDER BY 1;
SELECT nsys_kernel_category('ampere_fp16_s16816gemm_fp16_128x128_ldg8_f2f_stages_32x5_tn');
