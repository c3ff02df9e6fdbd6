-- GPU busy/idle from the union of kernel intervals per device. Source:
-- CUPTI_ACTIVITY_KIND_KERNEL start/end grouped by deviceId. The window is the
-- device's first kernel start to last kernel end; memcpy/memset are not
-- counted as busy; overlapping kernels on several streams count once.

CREATE TEMP VIEW IF NOT EXISTS llm_gpu_idle(
  device_id,            -- CUDA device ordinal
  window_ms,            -- first kernel start to last kernel end
  busy_ms,              -- union of kernel intervals
  idle_ms,              -- window - busy
  idle_pct_of_window,   -- idle share, 0..100
  kernel_count,         -- kernels on the device
  gap_count,            -- number of idle gaps
  largest_gap_ms        -- longest idle gap
) AS
SELECT g.device_id, round((window_end_ns - window_start_ns) / 1e6, 6),
       round(busy_ns / 1e6, 6),
       round((window_end_ns - window_start_ns - busy_ns) / 1e6, 6),
       round(100.0 * (window_end_ns - window_start_ns - busy_ns)
             / nullif(window_end_ns - window_start_ns, 0), 3),
       kernels, gaps, round(largest_gap_ns / 1e6, 6)
FROM _nsys_gpu_idle AS g
ORDER BY g.device_id;

-- Idle gaps between kernels, largest first.
CREATE TEMP VIEW IF NOT EXISTS llm_gpu_idle_gaps(
  device_id,      -- CUDA device ordinal
  gap_start_ns,   -- end of the busy interval before the gap
  gap_end_ns,     -- start of the next kernel
  gap_ms          -- gap length
) AS
SELECT device_id, gap_start_ns, gap_end_ns, round(gap_ns / 1e6, 6)
FROM nsys_gpu_gaps
ORDER BY gap_ns DESC, device_id, gap_start_ns;
