-- GPU utilisation over time: the capture's kernel window (first kernel start
-- to last kernel end over every device) cut into 100 equal buckets; per
-- process and device the busy time of each bucket (union of that process's
-- kernel intervals on the device, plus graph-mode CUDA graph executions, as
-- in llm_gpu_idle). Source: CUPTI_ACTIVITY_KIND_KERNEL start/end by
-- globalPid and deviceId. memcpy/memset are not counted as busy.

-- GPU busy fraction per process, device and time bucket (1/100 of the capture's kernel window).
-- Example: SELECT device_id, bucket, busy_fraction FROM llm_gpu_timeline WHERE busy_fraction < 0.5;
CREATE TEMP VIEW IF NOT EXISTS llm_gpu_timeline(
  pid,              -- OS process id
  device_id,        -- CUDA device ordinal (per process)
  bucket,           -- bucket number, 0..99, in time order
  bucket_start_ns,  -- bucket start (trace timestamp, same for every device)
  bucket_end_ns,    -- bucket end (exclusive)
  busy_ns,          -- kernel busy time inside the bucket (union of intervals)
  busy_fraction     -- busy_ns / bucket length, 0..1
) AS
SELECT pid, device_id, bucket, bucket_start_ns, bucket_end_ns, busy_ns,
       round(1.0 * busy_ns / nullif(bucket_end_ns - bucket_start_ns, 0), 6)
FROM _nsys_gpu_timeline
ORDER BY pid, device_id, bucket;

CREATE TEMP VIEW IF NOT EXISTS _nsys_gpu_timeline_sections AS VALUES
  (18, 'gpu_timeline', 'GPU utilisation over time',
   'llm_gpu_timeline',
   'Union of kernel intervals from `CUPTI_ACTIVITY_KIND_KERNEL` (and, in '
   || 'graph-mode captures, graph executions) per `globalPid` and '
   || '`deviceId`, intersected with 100 equal buckets of the capture''s '
   || 'first-kernel..last-kernel window.',
   'Excludes memcpy/memset; a bucket averages what happens inside it, so '
   || 'gaps shorter than a bucket lower its busy fraction without showing; '
   || 'device ids are per-process CUDA ordinals.', 'kernels', NULL);

CREATE TEMP VIEW IF NOT EXISTS _nsys_gpu_timeline_tables AS VALUES
  ('gpu_timeline', 1, 'gpu_timeline', 'llm_gpu_timeline', NULL, NULL, NULL,
   NULL, 'Every bucket is in tables/gpu_timeline.csv and report.json (chart '
   || 'in report.html).', NULL, 0);
