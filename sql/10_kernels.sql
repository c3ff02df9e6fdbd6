-- Kernel statistics. Source: CUPTI_ACTIVITY_KIND_KERNEL (else
-- CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL), names via StringIds (demangledName,
-- falling back to shortName). Duration = end - start; rows with end < start
-- or NULL times are skipped (counted in llm_warnings). Percentiles use linear
-- interpolation (p50 = nsys median). Totals are sums over launches: kernels
-- that overlap on different streams are each counted in full.

-- Top kernels by total GPU time, per (kernel name, device).
CREATE TEMP VIEW IF NOT EXISTS llm_top_kernels(
  kernel_name,        -- demangled kernel name
  device_id,          -- CUDA device ordinal (deviceId)
  total_ms,           -- sum of durations
  calls,              -- number of launches
  avg_us,             -- mean duration
  p50_us,             -- median duration
  p90_us,             -- 90th percentile duration
  pct_kernel_time,    -- share of all kernel time, 0..100
  min_us,             -- shortest launch
  max_us,             -- longest launch
  p99_us,             -- 99th percentile duration
  stdev_us,           -- sample standard deviation
  kernel_short_name   -- base name (shortName)
) AS
SELECT kernel_name, device_id,
       round(total_ns / 1e6, 6), calls,
       round(avg_ns / 1e3, 3), round(p50_ns / 1e3, 3), round(p90_ns / 1e3, 3),
       round(100.0 * total_ns
             / nullif((SELECT total(total_ns) FROM _nsys_kernel_stats
                       WHERE pid IS NULL), 0), 3),
       round(min_ns / 1e3, 3), round(max_ns / 1e3, 3), round(p99_ns / 1e3, 3),
       round(stdev_ns / 1e3, 3), kernel_short_name
FROM _nsys_kernel_stats
WHERE pid IS NULL
ORDER BY total_ns DESC, kernel_name, device_id;

-- Kernels per process (PID decoded from the kernel's globalPid).
CREATE TEMP VIEW IF NOT EXISTS llm_kernels_by_pid(
  pid,                        -- OS process id
  kernel_name,                -- demangled kernel name
  device_id,                  -- CUDA device ordinal
  total_time_ms,              -- sum of durations in this process
  call_count,                 -- launches in this process
  avg_duration_us,            -- mean duration
  p50_us,                     -- median duration
  p90_us,                     -- 90th percentile duration
  pct_of_pid_kernel_time,     -- share of this PID's kernel time, 0..100
  pct_of_total_kernel_time,   -- share of all kernel time, 0..100
  pid_total_kernel_time_ms,   -- this PID's kernel time
  rank_in_pid                 -- 1 = largest total in this PID
) AS
WITH s AS (
  SELECT k.*, total(total_ns) OVER (PARTITION BY pid) AS pid_ns,
         row_number() OVER (PARTITION BY pid
                            ORDER BY total_ns DESC, kernel_name, device_id)
           AS rnk
  FROM _nsys_kernel_stats AS k
  WHERE pid IS NOT NULL)
SELECT pid, kernel_name, device_id, round(total_ns / 1e6, 6), calls,
       round(avg_ns / 1e3, 3), round(p50_ns / 1e3, 3), round(p90_ns / 1e3, 3),
       round(100.0 * total_ns / nullif(pid_ns, 0), 3),
       round(100.0 * total_ns
             / nullif((SELECT total(total_ns) FROM _nsys_kernel_stats
                       WHERE pid IS NULL), 0), 3),
       round(pid_ns / 1e6, 6), rnk
FROM s
ORDER BY pid_ns DESC, pid, rnk;
