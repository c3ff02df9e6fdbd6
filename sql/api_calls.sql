-- All CUDA runtime/driver API calls per process and name. Source:
-- CUPTI_ACTIVITY_KIND_RUNTIME rows with eventClass 0/1 (eventClass 67
-- backtrace duplicates are excluded).
CREATE TEMP VIEW IF NOT EXISTS llm_api_calls(
  pid,               -- OS process id (from globalTid)
  api_name,          -- raw API name, e.g. cudaLaunchKernel_v7000
  base_name,         -- name without _vNNNN/_ptsz suffix
  kind,              -- host_sync, sync_copy, device_wait, poll, launch, other
  call_count,        -- calls
  total_time_ms,     -- summed call duration (host time)
  avg_duration_us,   -- mean
  p50_us,            -- median
  p90_us,            -- 90th percentile
  max_us             -- longest call
) AS
SELECT pid, api_name, base_name, kind, calls, round(total_ns / 1e6, 6),
       round(avg_ns / 1e3, 3), round(p50_ns / 1e3, 3), round(p90_ns / 1e3, 3),
       round(max_ns / 1e3, 3)
FROM _nsys_api_calls
ORDER BY total_ns DESC, pid, api_name;

-- Every CUDA runtime and driver API by base name over all processes, like
-- nsys stats --report cuda_api_sum: version suffixes (_v3020, _ptsz, _v2) are
-- folded and runtime (eventClass 0) and driver (eventClass 1) calls shown
-- apart. Source: CUPTI_ACTIVITY_KIND_RUNTIME rows with eventClass 0/1.
-- Example: SELECT api_name, api, calls, total_ms, median_us, pct_api_time FROM llm_cuda_api LIMIT 10;
CREATE TEMP VIEW IF NOT EXISTS llm_cuda_api(
  api_name,          -- base name (cudaMemcpyAsync, cuLaunchKernel, ...)
  api,               -- runtime or driver
  kind,              -- host_sync, sync_copy, device_wait, poll, launch, other
  calls,             -- calls
  total_ms,          -- summed call duration (host time)
  avg_us,            -- mean
  median_us,         -- median (mean of the two middle values for even counts)
  min_us,            -- shortest
  max_us,            -- longest
  stdev_us,          -- sample standard deviation (0 for one call)
  pct_api_time,      -- share of all API time, 0..100
  pids               -- processes that made the call
) AS
SELECT base_name, api, nsys_api_kind(base_name), calls, round(total_ns / 1e6, 6),
       round(avg_ns / 1e3, 3), round(p50_ns / 1e3, 3), round(min_ns / 1e3, 3),
       round(max_ns / 1e3, 3), round(stdev_ns / 1e3, 3),
       round(100.0 * total_ns / nullif(sum(total_ns) OVER (), 0), 3), pids
FROM _nsys_cuda_api
ORDER BY total_ns DESC, base_name, api;

INSERT OR IGNORE INTO llm_settings(key, value) VALUES
  ('alloc_churn_min_calls', 10);  -- alloc_churn finding from this many steady-state alloc/free calls in a process

-- Allocation churn per process: cudaMalloc*/cudaFree*/cudaHostAlloc*/
-- cuMemAlloc*/cuMemFree* (and their async pool forms) after the process's
-- warm-up, which ends at its last CUDA graph build call (as in llm_steps);
-- over the whole trace when the process has none.
-- Example: SELECT pid, warmup_known, steady_calls, steady_ms, top_api_name FROM llm_alloc_churn;
CREATE TEMP VIEW IF NOT EXISTS llm_alloc_churn(
  pid,                -- OS process id (from globalTid)
  warmup_known,       -- 1 when the process has a graph build call
  steady_from_ns,     -- end of warm-up; NULL when not known
  alloc_calls,        -- alloc/free calls in the whole trace
  alloc_ms,           -- their host time
  steady_calls,       -- alloc/free calls in the steady state
  steady_ms,          -- their host time
  steady_calls_per_s, -- steady_calls / steady-state span (NULL for a zero span)
  top_api_name,       -- steady-state alloc/free call with most calls
  top_calls           -- its calls
) AS
SELECT pid, warmup_known, steady_from_ns, calls, round(total_ns / 1e6, 6), steady_calls,
       round(steady_ns / 1e6, 6),
       round(steady_calls * 1e9 / nullif(steady_window_ns, 0), 3), top_api_name, top_calls
FROM _nsys_alloc_churn
ORDER BY steady_calls DESC, pid;

-- Synchronization calls per process. host_sync and sync_copy block the host;
-- device_wait (cudaStreamWaitEvent) and poll (cudaEventQuery) do not, and are
-- listed separately by `kind`. Names match by base-name, so _v3020 suffixes
-- and driver equivalents (cuStreamSynchronize) count.
CREATE TEMP VIEW IF NOT EXISTS llm_sync_calls_by_pid(
  pid,               -- OS process id (from globalTid)
  api_name,          -- raw API name
  kind,              -- host_sync, sync_copy, device_wait, poll
  blocks_host,       -- 1 for host_sync/sync_copy
  total_time_ms,     -- summed call duration
  call_count,        -- calls
  avg_duration_us,   -- mean
  p50_us,            -- median
  p90_us,            -- 90th percentile
  max_us             -- longest call
) AS
SELECT pid, api_name, kind, kind IN ('host_sync', 'sync_copy'),
       round(total_ns / 1e6, 6), calls, round(avg_ns / 1e3, 3),
       round(p50_ns / 1e3, 3), round(p90_ns / 1e3, 3), round(max_ns / 1e3, 3)
FROM _nsys_api_calls
WHERE kind IN ('host_sync', 'sync_copy', 'device_wait', 'poll')
ORDER BY pid, kind IN ('host_sync', 'sync_copy') DESC, total_ns DESC, api_name;

-- Synchronization calls over all processes.
CREATE TEMP VIEW IF NOT EXISTS llm_sync_calls(
  api_name,          -- raw API name
  kind,              -- host_sync, sync_copy, device_wait, poll
  blocks_host,       -- 1 for host_sync/sync_copy
  call_count,        -- calls
  total_time_ms,     -- summed call duration
  avg_duration_us,   -- mean
  max_us,            -- longest call
  pids               -- number of processes that made the call
) AS
SELECT api_name, kind, kind IN ('host_sync', 'sync_copy'), sum(calls),
       round(total(total_ns) / 1e6, 6),
       round(total(total_ns) / 1e3 / sum(calls), 3), round(max(max_ns) / 1e3, 3),
       count(DISTINCT pid)
FROM _nsys_api_calls
WHERE kind IN ('host_sync', 'sync_copy', 'device_wait', 'poll')
GROUP BY api_name, kind
ORDER BY kind IN ('host_sync', 'sync_copy') DESC, total(total_ns) DESC, api_name;

-- Warnings about the runtime API table (see sql/_report.sql).
CREATE TEMP VIEW IF NOT EXISTS _nsys_api_calls_warnings AS
SELECT 110 AS seq, 'info' AS severity, 'runtime_rows_skipped' AS code,
       printf('%d CUPTI_ACTIVITY_KIND_RUNTIME rows with eventClass other than '
              || '0/1 (e.g. 67, CUDA backtrace duplicates) were ignored.', value)
         AS message
FROM _nsys_data_quality WHERE key = 'runtime_skipped_rows' AND value > 0
UNION ALL
SELECT 150, 'info', 'no_runtime',
       'No CUPTI_ACTIVITY_KIND_RUNTIME table: sync-call and NVTX→kernel '
       || 'sections cannot be computed.'
FROM _nsys_facts WHERE coalesce(has_runtime, 0) = 0;

-- Host synchronization; allocation churn.
CREATE TEMP VIEW IF NOT EXISTS _nsys_api_calls_findings AS
SELECT 210 AS seq,
       CASE WHEN warmup_known AND steady_ms >= 1 THEN 'medium' ELSE 'low' END AS severity,
       'Allocation churn in the steady state' AS title,
       printf('PID %d made %d alloc/free calls (%.3f ms host time) %s; most: `%s` x%d.',
              pid, steady_calls, steady_ms,
              CASE WHEN warmup_known
                   THEN printf('after warm-up (ends at %d ns, its last CUDA graph build)',
                               steady_from_ns)
                   ELSE 'in the whole capture (no graph build: warm-up not recognised)' END,
              top_api_name, top_calls) AS evidence,
       'Allocate once and reuse buffers (a caching allocator or a CUDA memory pool '
       || 'with cudaMallocAsync), or move allocation out of the serving loop: '
       || 'cudaMalloc/cudaFree can synchronise the device.' AS recommendation,
       'alloc_churn' AS rule
FROM llm_alloc_churn
WHERE steady_calls >= (SELECT CAST(value AS INTEGER) FROM temp.llm_settings
                       WHERE key = 'alloc_churn_min_calls')
UNION ALL
SELECT 40,
       CASE WHEN total_ms >= 1 THEN 'medium' ELSE 'low' END,
       'CPU↔GPU synchronization detected (runtime API)',
       printf('Top host-blocking call `%s` total %.2f ms across %d calls.',
              top_name, top_ms, top_calls) || char(10)
       || printf('All host-blocking calls total %.2f ms over %d calls '
                 || '(cudaStreamWaitEvent/cudaEventQuery are listed '
                 || 'separately: they do not block the host).',
                 total_ms, calls),
       'Look for cudaDeviceSynchronize / cudaStreamSynchronize / '
       || 'cudaEventSynchronize and blocking cudaMemcpy in the serving loop '
       || 'and remove unnecessary barriers.' || char(10)
       || 'Prefer async launches and overlap CPU work with GPU execution; '
       || 'avoid per-token synchronization (e.g. .item() / .cpu() on every '
       || 'step).',
       'host_sync'
FROM (SELECT sum(total_time_ms) AS total_ms, sum(call_count) AS calls,
             (SELECT api_name FROM llm_sync_calls WHERE blocks_host
              ORDER BY total_time_ms DESC LIMIT 1) AS top_name,
             (SELECT total_time_ms FROM llm_sync_calls WHERE blocks_host
              ORDER BY total_time_ms DESC LIMIT 1) AS top_ms,
             (SELECT call_count FROM llm_sync_calls WHERE blocks_host
              ORDER BY total_time_ms DESC LIMIT 1) AS top_calls
      FROM llm_sync_calls WHERE blocks_host)
WHERE calls > 0;

CREATE TEMP VIEW IF NOT EXISTS _nsys_api_calls_sections AS VALUES
  (8, 'sync_by_pid', 'Sync indicators per PID', 'llm_sync_calls_by_pid',
   '`CUPTI_ACTIVITY_KIND_RUNTIME` (eventClass 0/1) grouped by PID from '
   || '`globalTid`; names matched by base name (suffixes such as _v3020 '
   || 'removed).',
   'Only explicit API calls: implicit waits (pageable copies, allocator) do '
   || 'not appear. cudaStreamWaitEvent and cudaEventQuery do not block the '
   || 'host and are listed as device_wait/poll.', 'runtime',
   '`globalTid` (runtime/NVTX rows)'),
  (10, 'sync', 'Global: CPU↔GPU synchronization (CUDA runtime/driver)',
   'llm_sync_calls',
   '`CUPTI_ACTIVITY_KIND_RUNTIME` calls classified as host_sync, sync_copy, '
   || 'device_wait or poll.',
   'Host time of the call, not GPU time; only what was traced.', 'runtime',
   NULL),
  (32, 'cuda_api', 'CUDA API summary and allocation churn', 'llm_cuda_api, llm_alloc_churn',
   '`CUPTI_ACTIVITY_KIND_RUNTIME` rows with eventClass 0/1 grouped by API base name '
   || '(version suffixes folded) and eventClass over all processes; allocation calls '
   || 'are the alloc markers (cudaMalloc*/cudaFree*/cudaHostAlloc*/cuMemAlloc*/'
   || 'cuMemFree*) per PID from `globalTid`, after the warm-up that ends at the '
   || 'process''s last CUDA graph build call.',
   'Host time of each call; calls made before tracing started or by untraced '
   || 'libraries are missing. Without CUDA graph builds the warm-up is not '
   || 'recognised and churn is counted over the whole capture.', 'runtime',
   '`globalTid` (runtime rows)');

CREATE TEMP VIEW IF NOT EXISTS _nsys_api_calls_tables AS VALUES
  ('sync_by_pid', 1, 'sync_by_pid', 'llm_sync_calls_by_pid', NULL,
   'pid, api_name, kind, total_time_ms, call_count, avg_duration_us', NULL,
   NULL, NULL, NULL, 0),
  ('sync', 1, 'sync', 'llm_sync_calls', NULL,
   'api_name, kind, call_count, total_time_ms, avg_duration_us, max_us', NULL,
   NULL, NULL, NULL, 0),
  ('sync', 2, 'api_calls', 'llm_api_calls', NULL,
   'pid, api_name, kind, call_count, total_time_ms, avg_duration_us', 10,
   'All CUDA runtime/driver API calls by total time:', NULL, NULL, 0),
  ('cuda_api', 1, 'cuda_api', 'llm_cuda_api', NULL,
   'api_name, api, calls, total_ms, avg_us, median_us, min_us, max_us, stdev_us, '
   || 'pct_api_time', 20, NULL, NULL, NULL, 0),
  ('cuda_api', 2, 'alloc_churn', 'llm_alloc_churn', NULL,
   'pid, warmup_known, alloc_calls, steady_calls, steady_ms, steady_calls_per_s, '
   || 'top_api_name', 20, 'Allocation/free calls per process:', NULL, NULL, 0);
