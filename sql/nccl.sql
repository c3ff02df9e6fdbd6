-- NCCL collectives. Source: CUPTI_ACTIVITY_KIND_KERNEL rows whose kernel name
-- contains "nccl" (any case), the collective read from the name (AllReduce,
-- AllGather, ReduceScatter, Broadcast, Reduce, SendRecv, Send, Recv, AllToAll;
-- Other). A rank is a (process from globalPid, deviceId) pair.

-- NCCL kernels per rank and collective, and how much of their time other
-- kernels of the same rank hide.
-- Example: SELECT pid, device_id, collective, kernels, busy_ms, hidden_pct FROM llm_nccl;
CREATE TEMP VIEW IF NOT EXISTS llm_nccl(
  pid,            -- rank's OS process id
  device_id,      -- rank's device (per process)
  collective,     -- AllReduce, AllGather, ReduceScatter, Broadcast, Reduce, SendRecv, ...
  kernels,        -- NCCL kernels of this collective
  total_ms,       -- summed kernel duration
  avg_us,         -- mean kernel duration
  max_us,         -- longest kernel
  busy_ms,        -- union of the collective's kernel intervals
  hidden_ms,      -- part of busy_ms overlapped by non-NCCL kernels of the rank
  alone_ms,       -- busy_ms - hidden_ms: communication nothing else ran under
  hidden_pct,     -- hidden_ms / busy_ms * 100
  top_kernel      -- base name of its most frequent kernel
) AS
SELECT pid, device_id, collective, kernels, round(total_ns / 1e6, 6),
       round(total_ns / 1e3 / kernels, 3), round(max_ns / 1e3, 3), round(busy_ns / 1e6, 6),
       round(hidden_ns / 1e6, 6), round((busy_ns - hidden_ns) / 1e6, 6),
       round(100.0 * hidden_ns / nullif(busy_ns, 0), 3), nsys_kernel_base_name(top_kernel_name)
FROM _nsys_nccl
ORDER BY pid, device_id, total_ns DESC, collective;

-- Rank skew: for each collective run by at least two ranks, the n-th instance
-- on each rank (counted per rank, in start order) is compared across ranks.
-- Example: SELECT collective, ranks, instances, avg_skew_us, max_skew_us, late_pid FROM llm_nccl_skew;
CREATE TEMP VIEW IF NOT EXISTS llm_nccl_skew(
  collective,      -- collective
  ranks,           -- ranks that ran it
  instances,       -- instances compared (run by at least two ranks)
  avg_skew_us,     -- mean spread of the instance's start times (latest - earliest)
  max_skew_us,     -- largest spread
  late_pid,        -- the rank that started last most often: process ...
  late_device_id,  -- ... and device
  late_pct         -- share of the instances it started last, 0..100
) AS
SELECT collective, ranks, instances, round(total_ns / 1e3 / nullif(instances, 0), 3),
       round(max_ns / 1e3, 3), late_pid, late_device_id,
       round(100.0 * late_count / nullif(instances, 0), 3)
FROM _nsys_nccl_skew
ORDER BY total_ns DESC, collective;

-- Every NCCL kernel as the n-th instance of its collective on its rank (what
-- the multi-rank merge of nsys-explain-render compares across files).
-- Example: SELECT collective, instance, start_ns, end_ns FROM llm_nccl_instances WHERE pid = 1 LIMIT 5;
CREATE TEMP VIEW IF NOT EXISTS llm_nccl_instances(
  pid,         -- rank's OS process id
  device_id,   -- rank's device (per process)
  collective,  -- AllReduce, AllGather, ReduceScatter, Broadcast, Reduce, SendRecv, ...
  instance,    -- n-th kernel of this collective on this rank, from 0, in start order
  start_ns,    -- kernel start (trace clock)
  end_ns       -- kernel end
) AS
SELECT i.pid, i.device_id, c.collective, i.instance, i.start_ns, i.end_ns
FROM _nsys_nccl_instances AS i JOIN _nsys_nccl_collectives AS c ON c.id = i.collective;

-- NCCL NVTX ranges (host side): NCCL's own ranges (the API calls
-- ncclAllReduce, ncclSend, ncclGroupEnd, ...: a name "nccl" + upper-case
-- letter, or any range of a domain named NCCL) and a framework's ranges
-- around a collective (PyTorch ProcessGroupNCCL's "nccl:all_reduce"; the
-- emit_nvtx suffixes ", op_id = N", ", seq = N", ", sizes = [...]" folded).
-- Their time is the host call (enqueue; ncclGroupEnd launches the group),
-- not the GPU communication, which is llm_nccl.
-- Example: SELECT pid, source, range_name, collective, count, total_ms FROM llm_nccl_nvtx;
CREATE TEMP VIEW IF NOT EXISTS llm_nccl_nvtx(
  pid,          -- OS process id (from globalTid)
  domain,       -- NVTX domain ('' = default, '<domain N>' = undeclared, as llm_nvtx_ranges)
  source,       -- nccl_api (NCCL's ranges) or framework ("nccl:..." ranges)
  range_name,   -- range name, emit_nvtx suffixes cut off
  collective,   -- nsys_nccl_collective(range_name): AllReduce, ..., Other
  count,        -- closed ranges
  total_ms,     -- summed host wall time
  avg_us,       -- mean
  max_us,       -- longest
  open_count    -- ranges without an end
) AS
SELECT pid, domain, source, name, nsys_nccl_collective(name), sum(count),
       round(total(total_ns) / 1e6, 6), round(total(total_ns) / 1e3 / nullif(sum(count), 0), 3),
       round(max(CASE WHEN count > 0 THEN max_ns END) / 1e3, 3), sum(open_count)
FROM (SELECT pid, domain, count, total_ns, max_ns, open_count, source,
             CASE WHEN source = 'framework' AND instr(range_name, ', ') > 0
                  THEN substr(range_name, 1, instr(range_name, ', ') - 1)
                  ELSE range_name END AS name
      FROM (SELECT *, CASE WHEN range_name GLOB 'nccl[A-Z]*' OR upper(domain) = 'NCCL'
                           THEN 'nccl_api'
                           WHEN range_name LIKE 'nccl:%' THEN 'framework' END AS source
            FROM _nsys_nvtx_ranges)
      WHERE source IS NOT NULL)
GROUP BY pid, domain, source, name
ORDER BY pid, total(total_ns) DESC, name;

INSERT OR IGNORE INTO llm_settings(key, value) VALUES
  ('nccl_skew_warn_us', 100);  -- nccl_rank_skew finding when a collective's mean start skew reaches this

CREATE TEMP VIEW IF NOT EXISTS _nsys_nccl_findings AS
SELECT 230 AS seq,
       CASE WHEN alone >= 0.5 * busy THEN 'medium' ELSE 'low' END AS severity,
       'NCCL communication not hidden by compute' AS title,
       printf('NCCL kernels of rank PID %d / GPU %d were busy %.3f ms, %.3f ms of it '
              || 'with no other kernel of that rank running (%.1f%% hidden).',
              pid, device_id, busy, alone, 100.0 * (busy - alone) / busy) AS evidence,
       'Overlap communication with compute: bucketed/asynchronous all-reduce, '
       || 'communication on its own stream while the next layer computes, fewer and '
       || 'larger collectives.' AS recommendation,
       'nccl_exposed' AS rule
FROM (SELECT pid, device_id, sum(busy_ms) AS busy, sum(alone_ms) AS alone
      FROM llm_nccl GROUP BY pid, device_id ORDER BY alone DESC LIMIT 1)
WHERE alone >= 1
UNION ALL
SELECT 231, 'medium', 'NCCL ranks start collectives out of step',
       printf('%s: %d instances over %d ranks, mean start skew %.1f us (max %.1f us); PID %d '
              || '/ GPU %d started last in %.0f%% of them.', collective, instances, ranks,
              avg_skew_us, max_skew_us, late_pid, late_device_id, late_pct),
       'The other ranks wait inside the collective for the late one: balance the work '
       || 'before it (data loading, uneven batches, host stalls on that rank).',
       'nccl_rank_skew'
FROM llm_nccl_skew
WHERE avg_skew_us >= (SELECT CAST(value AS REAL) FROM temp.llm_settings
                      WHERE key = 'nccl_skew_warn_us');

CREATE TEMP VIEW IF NOT EXISTS _nsys_nccl_needs AS
SELECT 'nccl', seen, CASE WHEN NOT seen
            THEN 'no NCCL kernels (kernel names containing "nccl") in the kernel table '
                 || 'and no NCCL NVTX ranges' END
FROM (SELECT EXISTS (SELECT 1 FROM _nsys_nccl) OR EXISTS (SELECT 1 FROM llm_nccl_nvtx) AS seen);

CREATE TEMP VIEW IF NOT EXISTS _nsys_nccl_sections AS VALUES
  (38, 'nccl', 'NCCL collectives (per rank, overlap with compute, rank skew)',
   'llm_nccl, llm_nccl_skew, llm_nccl_nvtx',
   'NCCL kernels of `CUPTI_ACTIVITY_KIND_KERNEL` (name contains "nccl"; collective from '
   || 'the name) per rank = (PID from `globalPid`, `deviceId`); hidden time = overlap '
   || 'with the union of the rank''s other kernels; skew = spread of the start times of '
   || 'the n-th instance of a collective on each rank. NCCL NVTX ranges of `NVTX_EVENTS` '
   || '(NCCL''s API ranges: "nccl" + upper-case letter or domain NCCL; framework ranges: "nccl:..."; '
   || 'PID from `globalTid`).',
   'Ranks are only comparable within one file (one clock): a per-rank capture shows no '
   || 'skew. Skew pairs instances by their order on each rank, so a rank that missed or '
   || 'added an instance shifts the pairing. NCCL time includes waiting for peers. '
   || 'NCCL NVTX times are host calls (enqueue), not GPU communication.',
   'nccl', '`globalPid` (kernel rows)');

CREATE TEMP VIEW IF NOT EXISTS _nsys_nccl_tables AS VALUES
  ('nccl', 1, 'nccl', 'llm_nccl', NULL,
   'pid, device_id, collective, kernels, total_ms, busy_ms, hidden_ms, alone_ms, hidden_pct',
   20, NULL, NULL, NULL, 0),
  ('nccl', 2, 'nccl_skew', 'llm_nccl_skew', NULL,
   'collective, ranks, instances, avg_skew_us, max_skew_us, late_pid, late_device_id, late_pct',
   20, 'Start skew across ranks:', NULL, NULL, 0),
  ('nccl', 3, 'nccl_nvtx', 'llm_nccl_nvtx', NULL,
   'pid, domain, source, range_name, collective, count, total_ms, avg_us, max_us',
   20, 'NCCL NVTX ranges (host calls):', NULL, NULL, 0);
