-- Memory copies and memsets. Source: CUPTI_ACTIVITY_KIND_MEMCPY and
-- CUPTI_ACTIVITY_KIND_MEMSET (rows with valid start/end), read once into
-- compact columns; copy direction from copyKind (ENUM_CUDA_MEMCPY_OPER symbols
-- when the export has the table, else the documented constants), memory kind
-- from srcKind/dstKind/memKind (ENUM_CUDA_MEM_KIND likewise). The issuing call
-- is the sync_copy/async_copy runtime marker with the row's (process,
-- correlationId).

-- Memory copies per process, device and direction (h2d, d2h, d2d, p2p, h2h;
-- unified-memory migrations apart as um_h2d, um_d2h, um_d2d).
-- Example: SELECT direction, sum(copies), sum(total_mb), sum(total_time_ms) FROM llm_memcpy GROUP BY direction;
CREATE TEMP VIEW IF NOT EXISTS llm_memcpy(
  pid,                     -- OS process id (from globalPid)
  device_id,               -- deviceId of the copy rows
  direction,               -- h2d, d2h, d2d, p2p, h2h, um_h2d, um_d2h, um_d2d, unknown
  unified,                 -- 1 for unified-memory migrations (copyKind 11..13)
  copies,                  -- copy rows
  total_mb,                -- bytes copied / 1e6
  total_time_ms,           -- summed copy duration (GPU time)
  avg_us,                  -- mean copy duration
  p50_us,                  -- median copy duration
  max_us,                  -- longest copy
  gb_per_s,                -- bytes / summed copy time (1e9 bytes per second)
  largest_bytes,           -- largest single copy
  sync_copies,             -- rows issued by a synchronous copy call (cudaMemcpy, ...)
  async_copies,            -- rows issued by an asynchronous copy call (cudaMemcpyAsync, ...)
  pageable_copies,         -- rows with pageable host memory as source or destination
  async_pageable_copies    -- asynchronous copies of pageable memory (made synchronous)
) AS
SELECT pid, device_id, direction, unified, calls, round(bytes / 1e6, 6),
       round(total_ns / 1e6, 6), round(avg_ns / 1e3, 3), round(p50_ns / 1e3, 3),
       round(max_ns / 1e3, 3), round(gb_per_s, 3), max_bytes, sync_calls,
       async_calls, pageable, async_pageable
FROM _nsys_memcpy
ORDER BY total_ns DESC, pid, device_id, direction;

-- Memsets per process, device and memory kind.
-- Example: SELECT pid, device_id, memsets, total_time_ms, sync_memsets FROM llm_memset;
CREATE TEMP VIEW IF NOT EXISTS llm_memset(
  pid,                -- OS process id (from globalPid)
  device_id,          -- deviceId of the memset rows
  mem_kind,           -- memKind: device, managed, pinned, ... (NULL when not exported)
  memsets,            -- memset rows
  total_mb,           -- bytes set / 1e6
  total_time_ms,      -- summed memset duration (GPU time)
  avg_us,             -- mean duration
  max_us,             -- longest memset
  gb_per_s,           -- bytes / summed time (1e9 bytes per second)
  largest_bytes,      -- largest single memset
  sync_memsets,       -- issued by a synchronous call (cudaMemset, cuMemsetD32, ...)
  async_memsets       -- issued by an asynchronous call (cudaMemsetAsync, ...)
) AS
SELECT pid, device_id, mem_kind, calls, round(bytes / 1e6, 6), round(total_ns / 1e6, 6),
       round(avg_ns / 1e3, 3), round(max_ns / 1e3, 3), round(gb_per_s, 3), max_bytes,
       sync_calls, async_calls
FROM _nsys_memset
ORDER BY total_ns DESC, pid, device_id, mem_kind;

-- Per process: what nsys analyze flags about memory operations. Asynchronous
-- copies of pageable memory over the whole trace; synchronous copy and memset
-- calls (runtime marker kind sync_copy) after the process's warm-up (its last
-- CUDA graph build call), or over the whole trace when it has none.
-- Example: SELECT pid, async_pageable_copies, sync_copy_calls, sync_memset_calls FROM llm_memory_flags;
CREATE TEMP VIEW IF NOT EXISTS llm_memory_flags(
  pid,                     -- OS process id
  warmup_known,            -- 1 when the process has a graph build call (warm-up end known)
  steady_from_ns,          -- end of warm-up; NULL when not known
  async_pageable_copies,   -- asynchronous copies with pageable host memory
  async_pageable_mb,       -- their bytes / 1e6
  async_pageable_ms,       -- their GPU time
  sync_copy_calls,         -- synchronous copy calls in the steady state
  sync_copy_ms,            -- their host time
  sync_memset_calls,       -- synchronous memset calls in the steady state
  sync_memset_ms           -- their host time
) AS
SELECT pid, warmup_known, steady_from_ns, async_pageable,
       round(async_pageable_bytes / 1e6, 6), round(async_pageable_ns / 1e6, 6),
       sync_copy_calls, round(sync_copy_ns / 1e6, 6), sync_memset_calls,
       round(sync_memset_ns / 1e6, 6)
FROM _nsys_memory_flags
ORDER BY pid;

CREATE TEMP VIEW IF NOT EXISTS _nsys_memory_warnings AS
SELECT 160 AS seq, 'warning' AS severity, 'memory_invalid_rows' AS code,
       printf('%d memory-operation rows (%s) had NULL or inverted start/end and '
              || 'were skipped.', value, key) AS message
FROM _nsys_data_quality
WHERE key IN ('memcpy_invalid_rows', 'memset_invalid_rows') AND value > 0
UNION ALL
SELECT 161, 'info', 'unified_memory_counters_unread',
       'CUPTI_ACTIVITY_KIND_UNIFIED_MEMORY_COUNTER is present but not analysed: '
       || 'unified-memory migrations are taken from the MEMCPY rows with copyKind '
       || '11..13 only.'
FROM nsys_schema
WHERE table_name = 'CUPTI_ACTIVITY_KIND_UNIFIED_MEMORY_COUNTER' AND present;

-- nsys analyze rules cuda_memcpy_async, cuda_memcpy_sync and cuda_memset_sync.
CREATE TEMP VIEW IF NOT EXISTS _nsys_memory_findings AS
SELECT 200 AS seq,
       CASE WHEN ms >= 1 THEN 'medium' ELSE 'low' END AS severity,
       'Asynchronous copies of pageable host memory' AS title,
       printf('%d asynchronous copies (%.3f MB, %.3f ms of GPU time) used pageable '
              || 'host memory; most in PID %d (%d copies).', n, mb, ms, top_pid, top_n)
         AS evidence,
       'Pageable memory makes cudaMemcpyAsync stage through a driver buffer and '
       || 'block the host: allocate the host buffers pinned (cudaHostAlloc / '
       || 'cudaHostRegister, torch pin_memory=True).' AS recommendation,
       'memcpy_async_pageable' AS rule
FROM (SELECT sum(async_pageable_copies) AS n, sum(async_pageable_mb) AS mb,
             sum(async_pageable_ms) AS ms,
             (SELECT pid FROM llm_memory_flags ORDER BY async_pageable_copies DESC, pid
              LIMIT 1) AS top_pid,
             (SELECT max(async_pageable_copies) FROM llm_memory_flags) AS top_n
      FROM llm_memory_flags)
WHERE n > 0
UNION ALL
SELECT 201, CASE WHEN ms >= 1 THEN 'medium' ELSE 'low' END,
       'Synchronous memory copies or memsets in the steady state',
       printf('%d synchronous copy calls (%.3f ms host time) and %d synchronous memset '
              || 'calls (%.3f ms) %s.', copies, copy_ms, sets, set_ms,
              CASE WHEN unknown > 0
                   THEN 'over the whole capture of ' || unknown
                        || ' process(es) without a graph build (warm-up not recognised)'
                        || CASE WHEN known > 0 THEN ' and after warm-up in '
                                || known || ' process(es)' ELSE '' END
                   ELSE 'after warm-up (the last CUDA graph build)' END),
       'cudaMemcpy/cudaMemset block the host until the GPU has finished: use the '
       || 'Async forms on a stream with pinned memory and synchronise once per '
       || 'step, not per copy.',
       'memory_sync_ops'
FROM (SELECT sum(sync_copy_calls) AS copies, sum(sync_copy_ms) AS copy_ms,
             sum(sync_memset_calls) AS sets, sum(sync_memset_ms) AS set_ms,
             sum(sync_copy_calls + sync_memset_calls > 0 AND warmup_known) AS known,
             sum(sync_copy_calls + sync_memset_calls > 0 AND NOT warmup_known) AS unknown,
             sum(sync_copy_ms) + sum(sync_memset_ms) AS ms
      FROM llm_memory_flags)
WHERE copies + sets > 0;

CREATE TEMP VIEW IF NOT EXISTS _nsys_memory_needs AS
SELECT 'memory',
       (SELECT value FROM _nsys_data_quality WHERE key = 'memcpy_rows')
       + (SELECT value FROM _nsys_data_quality WHERE key = 'memset_rows') > 0,
       CASE WHEN NOT EXISTS (SELECT 1 FROM nsys_schema
                             WHERE table_name IN ('CUPTI_ACTIVITY_KIND_MEMCPY',
                                                  'CUPTI_ACTIVITY_KIND_MEMSET') AND present)
            THEN 'no CUPTI_ACTIVITY_KIND_MEMCPY or CUPTI_ACTIVITY_KIND_MEMSET table in this '
                 || 'export (memory operations were not traced)'
            WHEN (SELECT value FROM _nsys_data_quality WHERE key = 'memcpy_rows')
                 + (SELECT value FROM _nsys_data_quality WHERE key = 'memset_rows') = 0
            THEN 'the memcpy/memset tables have no valid rows' END;

CREATE TEMP VIEW IF NOT EXISTS _nsys_memory_sections AS VALUES
  (30, 'memory', 'Memory copies and memsets', 'llm_memcpy, llm_memset, llm_memory_flags',
   '`CUPTI_ACTIVITY_KIND_MEMCPY` (bytes, copyKind, srcKind/dstKind, src/dst device) and '
   || '`CUPTI_ACTIVITY_KIND_MEMSET` (bytes, memKind) grouped by PID from `globalPid`, '
   || '`deviceId` and direction; copy kinds and memory kinds from '
   || '`ENUM_CUDA_MEMCPY_OPER` / `ENUM_CUDA_MEM_KIND` when present, else the documented '
   || 'constants. Sync/async from the copy call with the same process and '
   || '`correlationId` in `CUPTI_ACTIVITY_KIND_RUNTIME`.',
   'Throughput is bytes over summed copy time (concurrent copies are not merged). '
   || 'Unified-memory migrations are the copyKind 11..13 rows (page faults and '
   || '`CUPTI_ACTIVITY_KIND_UNIFIED_MEMORY_COUNTER` are not read). Copies issued by a '
   || 'graph launch or by the driver have no copy call (neither sync nor async). A '
   || 'blocking copy of pageable memory may be staged: its call time is in '
   || 'llm_memory_flags, not in GPU time. Warm-up is recognised only through CUDA '
   || 'graph builds.',
   'memory', '`globalPid` (memcpy/memset rows); `globalTid` (calls)');

CREATE TEMP VIEW IF NOT EXISTS _nsys_memory_tables AS VALUES
  ('memory', 1, 'memcpy', 'llm_memcpy', NULL,
   'pid, device_id, direction, copies, total_mb, total_time_ms, gb_per_s, largest_bytes, '
   || 'sync_copies?, async_pageable_copies?', 20, 'Copies by direction:', NULL, NULL, 0),
  ('memory', 2, 'memset', 'llm_memset', NULL,
   'pid, device_id, mem_kind?, memsets, total_mb, total_time_ms, largest_bytes, sync_memsets?',
   20, 'Memsets:', NULL, NULL, 0),
  ('memory', 3, 'memory_flags', 'llm_memory_flags', NULL,
   'pid, warmup_known, async_pageable_copies, async_pageable_ms, sync_copy_calls, '
   || 'sync_copy_ms, sync_memset_calls, sync_memset_ms', 20,
   'Flagged operations per process:', NULL, NULL, 0);
