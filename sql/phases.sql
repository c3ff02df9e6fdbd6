-- Phases: NVTX ranges grouped into LLM serving phases by name.

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
        WHERE (SELECT enabled FROM _nsys_nvtx_kernel_map) AND pid IS NULL)
SELECT w.phase, w.names, w.cnt, round(w.ns / 1e6, 6),
       coalesce(g.kernels, 0), round(coalesce(g.kernel_ns, 0) / 1e6, 6),
       round(100.0 * coalesce(g.kernel_ns, 0)
             / nullif((SELECT total_ns FROM _nsys_launch_storm
                       WHERE pid IS NULL), 0), 3)
FROM wall AS w LEFT JOIN gpu AS g ON g.phase = w.phase
ORDER BY coalesce(g.kernel_ns, 0) DESC, w.ns DESC, w.phase;
