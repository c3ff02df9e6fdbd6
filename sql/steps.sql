-- Serving-loop steps without NVTX (docs/SEMANTICS.md, "Steps"): per process,
-- the launch calls of its launch thread (the thread with most kernel
-- launches) cut at that thread's host-blocking syncs (cudaStreamSynchronize,
-- cudaEventSynchronize, cudaDeviceSynchronize, synchronous copies: a serving
-- loop waits for each step's sampled tokens) or, where it never syncs, at its
-- CUDA graph launches. Phase from kernel evidence: prefill-only or
-- decode-only attention kernels, CUDA graph replay (decode). Where NVTX
-- ranges mark the steps (a range whose llm_phase_map phase is prefill,
-- decode, mixed or step; the outermost such range of a thread), a process's
-- steps are those ranges (basis nvtx, phase from the map; "step" leaves the
-- phase to the kernels) and llm_step_agreement compares them with the steps
-- cut from host events.

INSERT OR IGNORE INTO llm_settings(key, value) VALUES
  ('launch_bound_idle_pct', 10),  -- a step is launch-bound when its GPU idles this % of it while its launches are still being issued
  ('nvtx_step_ranges', 'execute_model'),  -- NVTX ranges that are serving steps: comma-separated name substrings, case-insensitive ('' = none)
  ('attention_growth_pct', 30);   -- finding attention_grows: attention per decode step rises this % from the first to the last quarter of the steps

-- One row per serving-loop step: GPU busy/idle inside it, launches, phase.
-- Example: SELECT phase, count(*), avg(duration_us) FROM llm_steps WHERE NOT warmup GROUP BY phase;
CREATE TEMP VIEW IF NOT EXISTS llm_steps(
  pid,                -- OS process id
  device_id,          -- device of most of the step's kernels
  step,               -- step number within the process, from 1
  start_ns,           -- start of the step's first launch call
  end_ns,             -- end of the sync call that closed it (else of its last kernel)
  duration_us,        -- end - start
  busy_us,            -- GPU busy inside the step (union of every kernel on the device)
  idle_us,            -- GPU idle inside the step
  idle_pct,           -- idle share of the step, 0..100
  idle_launching_us,  -- GPU idle while the step's launches were still being issued
  launch_bound,       -- 1: idle_launching >= launch_bound_idle_pct of the step
  kernels,            -- kernels launched by the step's launch calls
  kernel_us,          -- their summed duration
  attention_us,       -- ... of those of category attention (llm_kernel_category_rules)
  launches,           -- launch calls (graph launches included)
  graph_launches,     -- CUDA graph launches
  phase,              -- prefill, decode, mixed or unknown (NVTX phase ranges, else kernel evidence)
  evidence,           -- what the phase rests on
  warmup,             -- 1: before the process's last graph capture/instantiation (start-up)
  basis               -- how the step was cut: sync, graph or nvtx (an NVTX step range)
) AS
SELECT pid, device_id, step, start_ns, end_ns, round((end_ns - start_ns) / 1e3, 3),
       round((end_ns - start_ns - idle_ns) / 1e3, 3), round(idle_ns / 1e3, 3),
       round(100.0 * idle_ns / nullif(end_ns - start_ns, 0), 3),
       round(idle_launching_ns / 1e3, 3),
       CASE WHEN launches > 0 AND end_ns > start_ns
                 AND 100.0 * idle_launching_ns >= (SELECT value FROM llm_settings
                                                   WHERE key = 'launch_bound_idle_pct')
                                                  * (end_ns - start_ns)
            THEN 1 ELSE 0 END,
       kernels, round(kernel_ns / 1e3, 3), round(attention_ns / 1e3, 3), launches,
       graph_launches, phase, evidence, warmup, basis
FROM _nsys_steps
ORDER BY pid, step;

-- Per process with both NVTX step ranges and steps cut from host events:
-- how well the two agree (an NVTX step matches when it holds the midpoint
-- of exactly one host-event step).
-- Example: SELECT pid, nvtx_steps, host_steps, agreement_pct, phase_agreement_pct FROM llm_step_agreement;
CREATE TEMP VIEW IF NOT EXISTS llm_step_agreement(
  pid,                  -- OS process id
  nvtx_steps,           -- steps from NVTX ranges (what llm_steps shows)
  host_steps,           -- steps cut from host events that overlap them
  host_basis,           -- how those were cut: sync or graph
  matched,              -- NVTX steps holding the midpoint of exactly one host-event step
  agreement_pct,        -- matched / max(nvtx_steps, host_steps), 0..100
  phase_agreement_pct   -- matched steps with an NVTX phase whose host step's kernel evidence gives that phase, 0..100 (NULL: none has an NVTX phase)
) AS
SELECT pid, nvtx_steps, host_steps, host_basis, matched,
       round(100.0 * matched / nullif(max(nvtx_steps, host_steps), 0), 3),
       round(100.0 * phase_matched / nullif(phase_known, 0), 3)
FROM _nsys_step_agreement
ORDER BY pid;

-- Attention time per steady-state decode step, first vs last quarter of
-- each process's decode steps (finding attention_grows).
CREATE TEMP VIEW IF NOT EXISTS _nsys_attention_growth AS
WITH d AS (
  SELECT pid, attention_us, kernel_us,
         ntile(4) OVER (PARTITION BY pid ORDER BY step) AS q
  FROM llm_steps WHERE phase = 'decode' AND NOT warmup)
SELECT pid, count(*) AS steps,
       avg(CASE WHEN q = 1 THEN attention_us END) AS first_us,
       avg(CASE WHEN q = 4 THEN attention_us END) AS last_us,
       100.0 * sum(CASE WHEN q = 1 THEN attention_us END)
         / nullif(sum(CASE WHEN q = 1 THEN kernel_us END), 0) AS first_share,
       100.0 * sum(CASE WHEN q = 4 THEN attention_us END)
         / nullif(sum(CASE WHEN q = 4 THEN kernel_us END), 0) AS last_share
FROM d GROUP BY pid;

-- Steps per phase, start-up (warm-up) steps in a row of their own. nsys
-- inflates absolute times: the proportions are the trustworthy part.
-- Example: SELECT phase, steps, step_p50_us, step_p99_us, launch_bound_pct FROM llm_step_summary;
CREATE TEMP VIEW IF NOT EXISTS llm_step_summary(
  phase,              -- prefill, decode, mixed, unknown, or warmup (start-up steps)
  steps,              -- step count
  step_p50_us,        -- step duration: median
  step_p90_us,        -- 90th percentile
  step_p99_us,        -- 99th percentile
  step_max_us,        -- longest
  kernels_per_step,   -- mean kernels per step
  launches_per_step,  -- mean launch calls per step
  graph_step_pct,     -- share of steps with a CUDA graph launch, 0..100
  idle_pct,           -- GPU idle inside the steps, share of their time, 0..100
  launch_bound_pct,   -- share of launch-bound steps, 0..100
  busy_ms,            -- GPU busy inside the steps
  busy_share_pct      -- share of the busy time of all steps, 0..100
) AS
WITH s AS (
  SELECT CASE WHEN warmup THEN 'warmup' ELSE phase END AS phase, duration_us,
         busy_us, idle_us, kernels, launches, graph_launches, launch_bound
  FROM llm_steps)
SELECT phase, count(*), round(nsys_percentile(duration_us, 50), 3),
       round(nsys_percentile(duration_us, 90), 3),
       round(nsys_percentile(duration_us, 99), 3), max(duration_us),
       round(avg(kernels), 3), round(avg(launches), 3),
       round(100.0 * avg(graph_launches > 0), 3),
       round(100.0 * sum(idle_us) / nullif(sum(duration_us), 0), 3),
       round(100.0 * avg(launch_bound), 3), round(sum(busy_us) / 1e3, 6),
       round(100.0 * sum(busy_us) / nullif((SELECT sum(busy_us) FROM s), 0), 3)
FROM s
GROUP BY phase
ORDER BY CASE phase WHEN 'prefill' THEN 1 WHEN 'decode' THEN 2 WHEN 'mixed' THEN 3
                    WHEN 'unknown' THEN 4 ELSE 5 END;

-- Findings (see sql/_report.sql for the conventions).
CREATE TEMP VIEW IF NOT EXISTS _nsys_steps_findings AS
SELECT 8 AS seq, 'high' AS severity,
       'Decode is launch-bound' AS title,
       printf('GPU idle %.1f%% inside decode steps; %.1f%% of %d decode steps '
              || 'are launch-bound (the GPU idles >= %s%% of the step while its '
              || 'launches are still issued); %.1f launch calls and %.1f kernels '
              || 'per step; %s.', idle_pct, launch_bound_pct, steps,
              (SELECT value FROM llm_settings WHERE key = 'launch_bound_idle_pct'),
              launches_per_step, kernels_per_step,
              CASE WHEN graph_step_pct = 0 THEN 'no CUDA graphs'
                   ELSE printf('%.0f%% of steps replay CUDA graphs', graph_step_pct) END)
         AS evidence,
       CASE WHEN graph_step_pct >= 50
            THEN 'The steps already replay CUDA graphs: the GPU waits for the '
                 || 'host work before and between launches (input preparation, '
                 || 'scheduling, sampling). Overlap it with the GPU (async '
                 || 'scheduling / output processing), move small eager kernels '
                 || 'into the graph, and check the eager steps in llm_steps.'
            ELSE 'Capture decode in CUDA graphs (vLLM: drop --enforce-eager; '
                 || 'check that the capture sizes cover the batch sizes), fuse '
                 || 'small kernels, and keep Python work off the launch thread.'
       END AS recommendation,
       'decode_launch_bound' AS rule
FROM llm_step_summary
WHERE phase = 'decode' AND steps >= 5 AND launch_bound_pct >= 50 AND idle_pct >= 20
UNION ALL
SELECT 9, 'medium', 'Decode step time has a systematic tail',
       printf('Decode step p50 %.1f us, p99 %.1f us (p99/p50 %.2f), max %.1f us, '
              || 'over %d steps.', step_p50_us, step_p99_us,
              step_p99_us / step_p50_us, step_max_us, steps),
       'Look at the slowest decode steps in llm_steps (ORDER BY duration_us '
       || 'DESC): eager (non-graph) steps, batch-size changes, host syncs or '
       || 'GC pauses on the launch thread.',
       'decode_step_tail'
FROM llm_step_summary
WHERE phase = 'decode' AND steps >= 20 AND step_p50_us > 0
  AND step_p99_us / step_p50_us > 1.5
UNION ALL
SELECT 12, 'medium', 'Prefill dominates GPU time',
       printf('Prefill steps hold %.1f%% of the GPU busy time inside steps '
              || '(%.1f ms over %d steps; decode %.1f%%).', p.busy_share_pct,
              p.busy_ms, p.steps, d.busy_share_pct),
       'Prefill cost scales with prompt tokens: chunked prefill, prefix '
       || 'caching and a faster attention/GEMM path for long prompts pay off '
       || 'most here.',
       'prefill_dominates'
FROM llm_step_summary AS p JOIN llm_step_summary AS d ON d.phase = 'decode'
WHERE p.phase = 'prefill' AND p.busy_share_pct >= 50 AND d.steps > 0
UNION ALL
SELECT 13, 'medium', 'Attention grows across decode steps',
       printf('PID %d: attention per decode step rises from %.1f us (first '
              || 'quarter of %d steady-state decode steps) to %.1f us (last '
              || 'quarter), +%.0f%%; its share of the step''s kernel time '
              || '%.1f%% -> %.1f%%.', pid, first_us, steps, last_us,
              100.0 * (last_us / first_us - 1), first_share, last_share),
       'Attention cost follows the KV-cache length: long generations (or '
       || 'growing batches) make every decode step slower. Check the '
       || 'attention kernel in llm_kernel_tails and llm_steps (attention_us '
       || 'by step); a decode kernel with split-KV / FlashDecoding, prefix '
       || 'caching, a lower max_model_len or a KV-cache dtype of fp8 bound it.',
       'attention_grows'
FROM _nsys_attention_growth
WHERE steps >= 20 AND first_us > 0
  AND 100.0 * (last_us / first_us - 1) >= (SELECT value FROM llm_settings
                                           WHERE key = 'attention_growth_pct');

CREATE TEMP VIEW IF NOT EXISTS _nsys_steps_warnings AS
SELECT 95 AS seq, 'warning' AS severity, 'step_basis_disagree' AS code,
       printf('PID %d: the NVTX step ranges and the steps cut from host events '
              || '(%s) agree on only %.0f%% of the steps (%d NVTX, %d host): '
              || 'llm_steps uses the NVTX ranges; check that '
              || 'llm_settings.nvtx_step_ranges names whole steps, not parts '
              || 'of them.', pid, host_basis,
              agreement_pct, nvtx_steps, host_steps) AS message
FROM llm_step_agreement
WHERE agreement_pct < 50;

CREATE TEMP VIEW IF NOT EXISTS _nsys_steps_needs AS
SELECT 'steps', EXISTS (SELECT 1 FROM _nsys_steps),
       CASE WHEN NOT coalesce(has_runtime, 0)
            THEN 'no CUPTI_ACTIVITY_KIND_RUNTIME table (the launch and sync calls)'
            WHEN NOT EXISTS (SELECT 1 FROM _nsys_steps)
            THEN 'no launch thread has a host sync or a CUDA graph launch to cut '
                 || 'steps at' END
FROM _nsys_facts;

CREATE TEMP VIEW IF NOT EXISTS _nsys_steps_sections AS VALUES
  (20, 'steps', 'Steps and phases (prefill vs decode)',
   'llm_step_summary, llm_step_agreement, llm_steps',
   'Launch calls (`CUPTI_ACTIVITY_KIND_RUNTIME` rows matched to kernels by '
   || 'process and `correlationId`, plus `cudaGraphLaunch` calls) of each '
   || 'process''s launch thread, cut at that thread''s host-blocking sync '
   || 'calls (or graph launches), no NVTX needed; where `NVTX_EVENTS` has '
   || 'step ranges (llm_settings.nvtx_step_ranges), those ranges instead '
   || '(basis nvtx), compared with the host-event steps in the agreement '
   || 'table; GPU busy/idle from the kernel timeline of the step''s device; '
   || 'phase from llm_phase_map ranges, else attention-kernel names and graph '
   || 'replay.',
   'nsys inflates absolute times: compare proportions, not microseconds. '
   || 'Steps of other threads are not seen; a step whose attention kernels '
   || 'do not tell prefill from decode (vLLM V1 mixed batches) is unknown '
   || 'or mixed; warm-up = steps before the last graph capture/instantiation.',
   'steps', NULL);

CREATE TEMP VIEW IF NOT EXISTS _nsys_steps_tables AS VALUES
  ('steps', 1, 'step_summary', 'llm_step_summary', NULL,
   'phase, steps, step_p50_us, step_p90_us, step_p99_us, step_max_us, '
   || 'kernels_per_step, launches_per_step, graph_step_pct, idle_pct, '
   || 'launch_bound_pct, busy_share_pct', NULL, NULL, NULL, NULL, 0),
  ('steps', 2, 'step_agreement', 'llm_step_agreement', NULL,
   'pid, nvtx_steps, host_steps, host_basis, matched, agreement_pct, '
   || 'phase_agreement_pct', NULL, 'NVTX step ranges vs steps cut from host events:',
   NULL, NULL, 0),
  ('steps', 3, 'steps', 'llm_steps', 20000, NULL, NULL, NULL,
   'Every step (first 20000) is in tables/steps.csv and report.json.', NULL, 0);
