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

-- Host synchronization.
CREATE TEMP VIEW IF NOT EXISTS _nsys_api_calls_findings AS
SELECT 40 AS seq,
       CASE WHEN total_ms >= 1 THEN 'medium' ELSE 'low' END AS severity,
       'CPU↔GPU synchronization detected (runtime API)' AS title,
       printf('Top host-blocking call `%s` total %.2f ms across %d calls.',
              top_name, top_ms, top_calls) || char(10)
       || printf('All host-blocking calls total %.2f ms over %d calls '
                 || '(cudaStreamWaitEvent/cudaEventQuery are listed '
                 || 'separately: they do not block the host).',
                 total_ms, calls) AS evidence,
       'Look for cudaDeviceSynchronize / cudaStreamSynchronize / '
       || 'cudaEventSynchronize and blocking cudaMemcpy in the serving loop '
       || 'and remove unnecessary barriers.' || char(10)
       || 'Prefer async launches and overlap CPU work with GPU execution; '
       || 'avoid per-token synchronization (e.g. .item() / .cpu() on every '
       || 'step).' AS recommendation,
       'host_sync' AS rule
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
   NULL);

CREATE TEMP VIEW IF NOT EXISTS _nsys_api_calls_tables AS VALUES
  ('sync_by_pid', 1, 'sync_by_pid', 'llm_sync_calls_by_pid', NULL,
   'pid, api_name, kind, total_time_ms, call_count, avg_duration_us', NULL,
   NULL, NULL, NULL, 0),
  ('sync', 1, 'sync', 'llm_sync_calls', NULL,
   'api_name, kind, call_count, total_time_ms, avg_duration_us, max_us', NULL,
   NULL, NULL, NULL, 0),
  ('sync', 2, 'api_calls', 'llm_api_calls', NULL,
   'pid, api_name, kind, call_count, total_time_ms, avg_duration_us', 10,
   'All CUDA runtime/driver API calls by total time:', NULL, NULL, 0);
