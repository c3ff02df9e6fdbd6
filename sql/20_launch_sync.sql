-- Launch storm: launch rate and kernel-duration shape. Source: kernel
-- start/end of CUPTI_ACTIVITY_KIND_KERNEL. The window is first kernel start to
-- last kernel end, so long idle stretches dilute the rate. Storm rule
-- (predecessor heuristics.py): (>= 50000 launches/s and p50 <= 10 us) or
-- (>= 100000 launches/s and p50 <= 20 us).

-- Global launch storm (one row).
CREATE TEMP VIEW IF NOT EXISTS llm_launch_storm(
  total_launches,   -- valid kernel rows
  window_s,         -- last kernel end - first kernel start
  launches_per_s,   -- total_launches / window_s
  p50_kernel_us,    -- median kernel duration
  p90_kernel_us,    -- 90th percentile kernel duration
  p99_kernel_us,    -- 99th percentile kernel duration
  pct_under_5us,    -- share of kernels shorter than 5 us, 0..100
  pct_under_10us,   -- share shorter than 10 us
  pct_under_20us,   -- share shorter than 20 us
  launch_storm      -- 1 if the storm rule holds, else 0
) AS
WITH s AS (
  SELECT *, launches / nullif(window_ns / 1e9, 0) AS rate
  FROM _nsys_launch_storm WHERE pid IS NULL AND launches > 0)
SELECT launches, round(window_ns / 1e9, 6), round(rate, 3),
       round(p50_ns / 1e3, 3), round(p90_ns / 1e3, 3), round(p99_ns / 1e3, 3),
       round(100.0 * under_5us / launches, 3),
       round(100.0 * under_10us / launches, 3),
       round(100.0 * under_20us / launches, 3),
       coalesce((rate >= 50000 AND p50_ns <= 10000)
                OR (rate >= 100000 AND p50_ns <= 20000), 0)
FROM s;

-- Launch storm per process.
CREATE TEMP VIEW IF NOT EXISTS llm_launch_storm_by_pid(
  pid,              -- OS process id (from kernel globalPid)
  total_launches,   -- kernels of this process
  window_s,         -- its first kernel start to last kernel end
  launches_per_s,   -- total_launches / window_s
  p50_kernel_us,    -- median kernel duration
  p90_kernel_us,    -- 90th percentile
  p99_kernel_us,    -- 99th percentile
  pct_under_5us,    -- share shorter than 5 us, 0..100
  pct_under_10us,   -- share shorter than 10 us
  pct_under_20us,   -- share shorter than 20 us
  launch_storm      -- 1 if the storm rule holds
) AS
WITH s AS (
  SELECT *, launches / nullif(window_ns / 1e9, 0) AS rate
  FROM _nsys_launch_storm WHERE pid IS NOT NULL)
SELECT pid, launches, round(window_ns / 1e9, 6), round(rate, 3),
       round(p50_ns / 1e3, 3), round(p90_ns / 1e3, 3), round(p99_ns / 1e3, 3),
       round(100.0 * under_5us / launches, 3),
       round(100.0 * under_10us / launches, 3),
       round(100.0 * under_20us / launches, 3),
       coalesce((rate >= 50000 AND p50_ns <= 10000)
                OR (rate >= 100000 AND p50_ns <= 20000), 0)
FROM s
ORDER BY launches DESC, pid;

-- Tiny kernels (< 5 us) by launch count, all processes.
CREATE TEMP VIEW IF NOT EXISTS llm_tiny_kernels(
  kernel_name,       -- demangled kernel name
  call_count,        -- launches shorter than 5 us
  avg_duration_us,   -- their mean duration
  total_time_ms      -- their total duration
) AS
SELECT kernel_name, calls, round(total_ns / 1e3 / calls, 3),
       round(total_ns / 1e6, 6)
FROM _nsys_tiny_kernels WHERE pid IS NULL
ORDER BY calls DESC, kernel_name;

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
