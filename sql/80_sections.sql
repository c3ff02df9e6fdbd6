-- The report's sections in order, with what each is derived from, its limits,
-- and whether the trace has the data for it (with the reason when not). The
-- renderer prints these texts verbatim; SQL users can read them too.
CREATE TEMP VIEW IF NOT EXISTS llm_report_sections(
  ord,            -- position in the report
  section_id,     -- stable id (also the report.json key)
  title,          -- heading
  views,          -- the llm_* views the section shows
  derived_from,   -- source tables and rule
  limitations,    -- what the numbers do not say
  available,      -- 1 if the trace has the data
  reason          -- why not, when available = 0
) AS
WITH f AS (SELECT * FROM _nsys_facts),
s(ord, section_id, title, views, derived_from, limitations, need) AS (
  VALUES
  (1, 'warnings', 'Warnings', 'llm_warnings',
   'Data-quality counters and coverage checks over every section below.',
   'Only what can be checked from the export itself.', 'none'),
  (2, 'findings', 'What to do next', 'llm_findings',
   'Rules over the sections below (thresholds of the predecessor tool: '
   || 'dominant kernel >= 25/50%, launch storm, sync >= 1 ms, idle >= 20/40%).',
   'Heuristics for triage, not proofs; no speed-up is promised.', 'none'),
  (3, 'top_kernels', 'Global: top CUDA kernels (by total time)',
   'llm_top_kernels',
   '`CUPTI_ACTIVITY_KIND_KERNEL`; duration = `end-start`; names via '
   || '`StringIds` (demangledName, else shortName).',
   'Totals are summed over launches (no overlap correction); p50 is the nsys '
   || 'median; percentiles interpolate linearly.', 'kernels'),
  (4, 'pids', 'Top PIDs by GPU kernel time', 'llm_pids',
   '`CUPTI_ACTIVITY_KIND_KERNEL` grouped by PID decoded from `globalPid` '
   || '(bits 24-47).',
   'PIDs are per host; merged multi-host reports can repeat a PID.', 'kernels'),
  (5, 'kernels_by_pid', 'Top kernels per PID', 'llm_kernels_by_pid',
   '`CUPTI_ACTIVITY_KIND_KERNEL` grouped by (PID, name, device).',
   'Same as the global table, restricted to one process.', 'kernels'),
  (6, 'launch_storm_by_pid', 'Launch storm per PID',
   'llm_launch_storm_by_pid',
   '`CUPTI_ACTIVITY_KIND_KERNEL` timestamps of each PID.',
   'The rate is averaged over the PID''s whole kernel window; idle stretches '
   || 'dilute it.', 'kernels'),
  (7, 'sync_by_pid', 'Sync indicators per PID', 'llm_sync_calls_by_pid',
   '`CUPTI_ACTIVITY_KIND_RUNTIME` (eventClass 0/1) grouped by PID from '
   || '`globalTid`; names matched by base name (suffixes such as _v3020 '
   || 'removed).',
   'Only explicit API calls: implicit waits (pageable copies, allocator) do '
   || 'not appear. cudaStreamWaitEvent and cudaEventQuery do not block the '
   || 'host and are listed as device_wait/poll.', 'runtime'),
  (8, 'launch_storm', 'Global: launch storm', 'llm_launch_storm, llm_tiny_kernels',
   '`CUPTI_ACTIVITY_KIND_KERNEL` timestamps (`start/end`).',
   'Uses the whole kernel window; overlap across streams does not change the '
   || 'rate but complicates a "GPU saturated" reading.', 'kernels'),
  (9, 'sync', 'Global: CPU↔GPU synchronization (CUDA runtime/driver)',
   'llm_sync_calls',
   '`CUPTI_ACTIVITY_KIND_RUNTIME` calls classified as host_sync, sync_copy, '
   || 'device_wait or poll.',
   'Host time of the call, not GPU time; only what was traced.', 'runtime'),
  (10, 'gpu_idle', 'GPU idle estimate (from kernel timeline)',
   'llm_gpu_idle, llm_gpu_idle_gaps',
   'Union of kernel intervals from `CUPTI_ACTIVITY_KIND_KERNEL` per '
   || '`deviceId`, within the device''s first-kernel..last-kernel window.',
   'Excludes memcpy/memset; warm-up or a long idle tail inflates idle %; '
   || 'device ids are per-process CUDA ordinals.', 'kernels'),
  (11, 'nvtx_ranges', 'NVTX ranges', 'llm_nvtx_ranges, llm_phases',
   '`NVTX_EVENTS` ranges (eventType 59/60/70/71) with an end, by name '
   || '(coalesce(StringIds[textId], text)); phases via `llm_phase_map`.',
   'NVTX is host wall time, not GPU time; nested ranges are counted in full.',
   'nvtx'),
  (12, 'nvtx_kernel_time', 'NVTX-attributed GPU kernel time',
   'llm_nvtx_kernel_time, llm_nvtx_coverage',
   'kernel → runtime call with the same `correlationId` and process → NVTX '
   || 'ranges enclosing that call on the launching thread (process-wide for '
   || 'start/end ranges ending on another thread).',
   'Kernels launched outside any range, or with no runtime row, stay '
   || 'unattributed: read the coverage before the numbers.', 'nvtx_kernels'),
  (13, 'nvtx_by_pid', 'NVTX per PID', 'llm_nvtx_by_pid, llm_nvtx_coverage',
   '`NVTX_EVENTS` grouped by PID from `globalTid`, joined with the '
   || 'attribution above.',
   'Host-side wall time next to best-effort GPU attribution.', 'nvtx'),
  (14, 'derivation', 'Derivation & assumptions', 'llm_trace_info',
   'Export metadata, schema probe and data-quality counters.',
   'Timestamps are read as nanoseconds; see the unit check.', 'none'))
SELECT s.ord, s.section_id, s.title, s.views, s.derived_from, s.limitations,
       CASE s.need
         WHEN 'none' THEN 1
         WHEN 'kernels' THEN f.has_kernel_table > 0 AND coalesce(f.n_kernels, 0) > 0
         WHEN 'runtime' THEN coalesce(f.has_runtime, 0)
         WHEN 'nvtx' THEN coalesce(f.has_nvtx, 0)
         WHEN 'nvtx_kernels' THEN coalesce(f.has_nvtx, 0)
              AND coalesce(f.has_runtime, 0) AND coalesce(f.n_kernels, 0) > 0
              AND f.nvtx_map
       END,
       CASE s.need
         WHEN 'kernels' THEN
           CASE WHEN f.has_kernel_table = 0
                THEN 'no CUPTI_ACTIVITY_KIND_KERNEL table in this export'
                WHEN coalesce(f.n_kernels, 0) = 0
                THEN 'the kernel table has no valid rows' END
         WHEN 'runtime' THEN
           CASE WHEN NOT coalesce(f.has_runtime, 0)
                THEN 'no CUPTI_ACTIVITY_KIND_RUNTIME table in this export' END
         WHEN 'nvtx' THEN
           CASE WHEN NOT coalesce(f.has_nvtx, 0)
                THEN 'no NVTX_EVENTS table in this export' END
         WHEN 'nvtx_kernels' THEN
           CASE WHEN NOT coalesce(f.has_nvtx, 0)
                THEN 'no NVTX_EVENTS table in this export'
                WHEN NOT coalesce(f.has_runtime, 0)
                THEN 'no CUPTI_ACTIVITY_KIND_RUNTIME table (needed to find '
                     || 'each kernel''s launching thread)'
                WHEN coalesce(f.n_kernels, 0) = 0
                THEN 'no kernels in this export'
                WHEN NOT f.nvtx_map
                THEN 'disabled by --no-nvtx-kernel-map (llm_settings '
                     || 'nvtx_kernel_map = 0)' END
       END
FROM s, f
ORDER BY s.ord;
