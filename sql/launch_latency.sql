-- Launch latency (like nsys stats -r cuda_kern_exec_sum, PID-safe): for each
-- kernel with a launch call (matched by correlationId and process), the host
-- time of the launch call (api), the time from the call's end to the
-- kernel's start (queue: negative when the GPU started the kernel before the
-- call returned) and the kernel's own time. Kernels replayed by a CUDA graph
-- are grouped under their graph launch (launch_api cudaGraphLaunch,
-- via_graph = 1): the graph launch's host time counts once per call.

-- Launch call, queue and kernel time per (kernel name, launch API).
-- Example: SELECT kernel, launch_api, api_p50_us, queue_p50_us, kernel_p50_us FROM llm_launch_latency LIMIT 10
CREATE TEMP VIEW IF NOT EXISTS llm_launch_latency(
  kernel_name,        -- demangled kernel name
  kernel,             -- base name (nsys_kernel_base_name(kernel_name))
  category,           -- kernel category (llm_kernel_category_rules)
  launch_api,         -- the call that launched it (cudaLaunchKernel, cudaGraphLaunch, ...)
  via_graph,          -- 1: replayed by a CUDA graph launch
  kernels,            -- launched kernels
  api_calls,          -- distinct launch calls
  api_avg_us,         -- launch call host time: mean
  api_p50_us,         -- median
  api_p99_us,         -- 99th percentile
  api_max_us,         -- longest
  queue_avg_us,       -- kernel start - launch call end: mean
  queue_p50_us,       -- median
  queue_p90_us,       -- 90th percentile
  queue_p99_us,       -- 99th percentile
  queue_max_us,       -- largest
  queue_min_us,       -- smallest (negative: started before the call returned)
  kernel_avg_us,      -- kernel duration: mean
  kernel_p50_us,      -- median
  kernel_p99_us,      -- 99th percentile
  kernel_total_ms     -- summed kernel time
) AS
WITH cat AS MATERIALIZED (
  SELECT kernel_name, category FROM _nsys_kernel_category_names)
SELECT l.kernel_name, kernel, c.category, launch_api, via_graph, kernels, api_calls,
       round(api_avg_ns / 1e3, 3), round(api_p50_ns / 1e3, 3),
       round(api_p99_ns / 1e3, 3), round(api_max_ns / 1e3, 3),
       round(queue_avg_ns / 1e3, 3), round(queue_p50_ns / 1e3, 3),
       round(queue_p90_ns / 1e3, 3), round(queue_p99_ns / 1e3, 3),
       round(queue_max_ns / 1e3, 3), round(queue_min_ns / 1e3, 3),
       round(kernel_avg_ns / 1e3, 3), round(kernel_p50_ns / 1e3, 3),
       round(kernel_p99_ns / 1e3, 3), round(kernel_total_ns / 1e6, 6)
FROM _nsys_launch_latency AS l
LEFT JOIN cat AS c ON c.kernel_name = l.kernel_name
WHERE pid IS NULL
ORDER BY kernel_total_ns DESC, l.kernel_name, launch_api;

-- The same per process, device and stream.
CREATE TEMP VIEW IF NOT EXISTS llm_launch_latency_by_stream(
  pid,                -- OS process id (from the kernel's globalPid)
  device_id,          -- CUDA device ordinal
  stream_id,          -- CUDA stream
  kernel_name,        -- demangled kernel name
  kernel,             -- base name (nsys_kernel_base_name(kernel_name))
  launch_api,         -- the call that launched it
  via_graph,          -- 1: replayed by a CUDA graph launch
  kernels,            -- launched kernels
  api_calls,          -- distinct launch calls
  api_avg_us,         -- launch call host time: mean
  queue_avg_us,       -- kernel start - launch call end: mean
  queue_p50_us,       -- median
  queue_p99_us,       -- 99th percentile
  queue_max_us,       -- largest
  kernel_avg_us,      -- kernel duration: mean
  kernel_total_ms     -- summed kernel time
) AS
SELECT pid, device_id, stream_id, kernel_name, kernel, launch_api, via_graph, kernels,
       api_calls, round(api_avg_ns / 1e3, 3), round(queue_avg_ns / 1e3, 3),
       round(queue_p50_ns / 1e3, 3), round(queue_p99_ns / 1e3, 3),
       round(queue_max_ns / 1e3, 3), round(kernel_avg_ns / 1e3, 3),
       round(kernel_total_ns / 1e6, 6)
FROM _nsys_launch_latency
WHERE pid IS NOT NULL
ORDER BY pid, device_id, stream_id, kernel_total_ns DESC, kernel_name, launch_api;

-- Launch-bound kernels (see sql/_report.sql for the conventions): the host
-- needs longer to launch a kernel than the GPU needs to run it, and the GPU
-- picks it up at once (it was waiting for the launch).
CREATE TEMP VIEW IF NOT EXISTS _nsys_launch_latency_findings AS
SELECT 25 AS seq,
       CASE WHEN sum(kernel_total_ms) >= 0.1 * (SELECT total(kernel_total_ms)
                                                FROM llm_launch_latency)
            THEN 'medium' ELSE 'low' END AS severity,
       'Kernels that take longer to launch than to run' AS title,
       group_concat(printf('`%s` via %s: launch call p50 %.2f us vs kernel p50 '
                           || '%.2f us, queue p50 %.2f us, %d launches',
                           kernel_name, launch_api, api_p50_us, kernel_p50_us,
                           queue_p50_us, kernels), char(10)) AS evidence,
       'The GPU waits for the CPU here: fuse these kernels, batch more work per '
       || 'launch, or capture the sequence in a CUDA graph (one launch call for '
       || 'many kernels).' AS recommendation,
       'launch_bound_kernels' AS rule
FROM (SELECT * FROM llm_launch_latency
      WHERE NOT via_graph AND api_calls >= 100 AND api_p50_us > kernel_p50_us
        AND queue_p50_us < api_p50_us
      ORDER BY api_calls * api_p50_us DESC LIMIT 3)
HAVING count(*) > 0;

CREATE TEMP VIEW IF NOT EXISTS _nsys_launch_latency_sections AS VALUES
  (16, 'launch_latency', 'Launch latency: launch call, queue and kernel time',
   'llm_launch_latency, llm_launch_latency_by_stream',
   'Kernel → its launch call in `CUPTI_ACTIVITY_KIND_RUNTIME` (same '
   || '`correlationId` and process); api = call end - start, queue = kernel '
   || 'start - call end, kernel = end - start; graph-replayed kernels under '
   || 'their graph launch.',
   'Kernels without a launch row are left out (see the data-quality '
   || 'counters); negative queue times mean the kernel started before the '
   || 'launch call returned; nsys adds its own overhead to API times.',
   'kernels_runtime', NULL);

-- The section needs both the kernels and their launch calls.
CREATE TEMP VIEW IF NOT EXISTS _nsys_launch_latency_needs AS
SELECT 'kernels_runtime',
       has_kernel_table > 0 AND coalesce(n_kernels, 0) > 0 AND coalesce(has_runtime, 0),
       CASE WHEN has_kernel_table = 0
            THEN 'no CUPTI_ACTIVITY_KIND_KERNEL table in this export'
            WHEN coalesce(n_kernels, 0) = 0
            THEN 'the kernel table has no valid rows'
            WHEN NOT coalesce(has_runtime, 0)
            THEN 'no CUPTI_ACTIVITY_KIND_RUNTIME table (the launch calls)' END
FROM _nsys_facts;

CREATE TEMP VIEW IF NOT EXISTS _nsys_launch_latency_tables AS VALUES
  ('launch_latency', 1, 'launch_latency', 'llm_launch_latency', NULL,
   'kernel|kernel_name, category, launch_api, kernels, api_calls, api_p50_us, '
   || 'queue_p50_us, queue_p99_us, kernel_p50_us, kernel_total_ms', 15, NULL, NULL, NULL, 0),
  ('launch_latency', 2, 'launch_latency_by_stream',
   'llm_launch_latency_by_stream', NULL, NULL, NULL, NULL,
   'Per process, device and stream: `tables/launch_latency_by_stream.csv`.',
   NULL, 0);
