-- Settings and user-editable inputs of the report. TEMP tables: they live in
-- the connection, never in the trace file.

-- Report settings read by llm_warnings / llm_findings.
CREATE TEMP TABLE IF NOT EXISTS llm_settings(
  key TEXT PRIMARY KEY,  -- setting name
  value                  -- its value
);
INSERT OR IGNORE INTO llm_settings(key, value) VALUES
  ('nvtx_coverage_warn_threshold', 0.7),  -- warn below this NVTX coverage
  ('nvtx_kernel_map', 1),  -- 0: skip NVTX->kernel attribution in warnings,
                           -- findings, phases and the report sections
  ('top_n', 30);                           -- rows shown per table by renderers

-- NVTX phase mapping: a range whose name contains `pattern` (case-insensitive)
-- belongs to `phase`; the first matching row (lowest rowid) wins. Fill it with
-- your own patterns (DELETE FROM llm_phase_map; INSERT ...). Defaults follow
-- common serving stacks (vLLM, SGLang, TensorRT-LLM) and are only inserted
-- when the table is created empty.
CREATE TEMP TABLE IF NOT EXISTS llm_phase_map(
  phase TEXT NOT NULL,   -- phase label, e.g. prefill, decode, sampling
  pattern TEXT NOT NULL  -- substring of NVTX range names, case-insensitive
);
INSERT INTO llm_phase_map(phase, pattern)
SELECT phase, pattern FROM (
  SELECT 'prefill' AS phase, 'prefill' AS pattern UNION ALL
  SELECT 'prefill', 'prompt' UNION ALL
  SELECT 'decode', 'decode' UNION ALL
  SELECT 'decode', 'generation' UNION ALL
  SELECT 'sampling', 'sampl' UNION ALL
  SELECT 'sampling', 'logits')
WHERE NOT EXISTS (SELECT 1 FROM temp.llm_phase_map);
