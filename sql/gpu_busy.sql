-- GPU busy/idle per device and per stream, two ways side by side: kernels only
-- (the kernel_* columns; per device equal to llm_gpu_idle) and with memory
-- copies and memsets counted as busy (the *_with_memory columns). Source:
-- CUPTI_ACTIVITY_KIND_KERNEL (+ graph-mode CUPTI_ACTIVITY_KIND_GRAPH_TRACE),
-- CUPTI_ACTIVITY_KIND_MEMCPY and CUPTI_ACTIVITY_KIND_MEMSET start/end; busy is
-- the length of the union of intervals, so overlapping work counts once.

-- The columns of both views, computed once: the device rows (pid and
-- stream_id NULL) and the stream rows.
CREATE TEMP VIEW IF NOT EXISTS _nsys_gpu_busy_rows AS
SELECT pid, device_id, stream_id, kernels, memcpys, memsets,
       round((kernel_window_end_ns - kernel_window_start_ns) / 1e6, 6) AS kernel_window_ms,
       round(kernel_busy_ns / 1e6, 6) AS kernel_busy_ms,
       round((kernel_window_end_ns - kernel_window_start_ns - kernel_busy_ns) / 1e6, 6)
         AS kernel_idle_ms,
       round(100.0 * kernel_busy_ns / nullif(kernel_window_end_ns - kernel_window_start_ns, 0), 3)
         AS kernel_busy_pct,
       round((window_end_ns - window_start_ns) / 1e6, 6) AS window_with_memory_ms,
       round(busy_ns / 1e6, 6) AS busy_with_memory_ms,
       round((window_end_ns - window_start_ns - busy_ns) / 1e6, 6) AS idle_with_memory_ms,
       round(100.0 * busy_ns / nullif(window_end_ns - window_start_ns, 0), 3)
         AS busy_with_memory_pct,
       round(memory_busy_ns / 1e6, 6) AS memory_busy_ms,
       round((busy_ns - kernel_busy_ns) / 1e6, 6) AS memory_outside_kernels_ms
FROM (SELECT NULL AS pid, NULL AS stream_id, * FROM _nsys_gpu_busy
      UNION ALL
      SELECT * FROM _nsys_gpu_busy_by_stream);

-- Busy and idle per device, kernels only and with memory operations.
-- Example: SELECT device_id, kernel_busy_pct, busy_with_memory_pct, memory_outside_kernels_ms FROM llm_gpu_busy;
CREATE TEMP VIEW IF NOT EXISTS llm_gpu_busy(
  device_id,                  -- CUDA device ordinal (per process)
  kernels,                    -- kernels on the device
  memcpys,                    -- memory copies on the device
  memsets,                    -- memsets on the device
  kernel_window_ms,           -- first kernel start to last kernel end (NULL without kernels)
  kernel_busy_ms,             -- union of kernel (and graph-execution) intervals
  kernel_idle_ms,             -- kernel_window_ms - kernel_busy_ms
  kernel_busy_pct,            -- kernel_busy_ms / kernel_window_ms * 100
  window_with_memory_ms,      -- first to last kernel or memory operation
  busy_with_memory_ms,        -- union of kernel and memory-operation intervals
  idle_with_memory_ms,        -- window_with_memory_ms - busy_with_memory_ms
  busy_with_memory_pct,       -- busy_with_memory_ms / window_with_memory_ms * 100
  memory_busy_ms,             -- union of memory-operation intervals alone
  memory_outside_kernels_ms   -- memory-operation time when no kernel ran
) AS
SELECT device_id, kernels, memcpys, memsets, kernel_window_ms, kernel_busy_ms,
       kernel_idle_ms, kernel_busy_pct, window_with_memory_ms, busy_with_memory_ms,
       idle_with_memory_ms, busy_with_memory_pct, memory_busy_ms, memory_outside_kernels_ms
FROM _nsys_gpu_busy_rows WHERE stream_id IS NULL
ORDER BY device_id;

-- The same per process, device and stream (the columns of llm_gpu_busy after
-- pid, device_id, stream_id).
-- Example: SELECT pid, device_id, stream_id, kernel_busy_ms, busy_with_memory_ms FROM llm_gpu_busy_by_stream;
CREATE TEMP VIEW IF NOT EXISTS llm_gpu_busy_by_stream AS
SELECT * FROM _nsys_gpu_busy_rows WHERE stream_id IS NOT NULL
ORDER BY pid, device_id, stream_id;

CREATE TEMP VIEW IF NOT EXISTS _nsys_gpu_busy_sections AS VALUES
  (34, 'gpu_busy', 'GPU busy per device and stream (kernels only / with memory operations)',
   'llm_gpu_busy, llm_gpu_busy_by_stream',
   'Union of intervals per `deviceId` (and per PID from `globalPid`, `deviceId`, '
   || '`streamId`) of `CUPTI_ACTIVITY_KIND_KERNEL` rows (plus graph-mode '
   || '`CUPTI_ACTIVITY_KIND_GRAPH_TRACE` executions), alone and together with '
   || '`CUPTI_ACTIVITY_KIND_MEMCPY` and `CUPTI_ACTIVITY_KIND_MEMSET` rows.',
   'A copy engine and the SMs can work at once: busy with memory says the GPU had '
   || 'some work, not that it was saturated. Device ids are per-process CUDA '
   || 'ordinals; per-device rows merge processes that share an ordinal.',
   'kernels', '`globalPid` (kernel/memcpy/memset rows)');

CREATE TEMP VIEW IF NOT EXISTS _nsys_gpu_busy_tables AS VALUES
  ('gpu_busy', 1, 'gpu_busy', 'llm_gpu_busy', NULL,
   'device_id, kernels, memcpys?, memsets?, kernel_window_ms, kernel_busy_ms, kernel_busy_pct, '
   || 'window_with_memory_ms, busy_with_memory_ms, busy_with_memory_pct, '
   || 'memory_outside_kernels_ms?', NULL, NULL, NULL, NULL, 0),
  ('gpu_busy', 2, 'gpu_busy_by_stream', 'llm_gpu_busy_by_stream', NULL,
   'pid, device_id, stream_id, kernels, memcpys?, memsets?, kernel_busy_ms, kernel_busy_pct, '
   || 'busy_with_memory_ms, busy_with_memory_pct', 20, 'Per stream:', NULL, NULL, 0);
