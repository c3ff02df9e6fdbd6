-- Kernel categories: every distinct kernel name (demangled, else short name)
-- is put in one category by an ordered table of patterns.

-- The kernel category rules, editable: a kernel name belongs to the category
-- of the first row (ORDER BY priority, rowid) whose pattern it matches, else
-- to `other`. A pattern is one
-- or more terms joined by `+`; the name matches when it contains every term,
-- case-insensitively (`triton_+rsqrt+mean`: Triton kernels whose name has both
-- rsqrt and mean). Edit it in SQL; a row with a lower priority than the
-- defaults (0-99) overrides them, e.g.
--   INSERT INTO llm_kernel_category_rules VALUES (50, 'attention', 'my_attn');
-- Categories are free text; the defaults are gemm, attention, norm,
-- activation, rotary, kv_cache, moe, sampling, quant, elementwise, memory,
-- reduce, communication (and other). Defaults are only inserted when the
-- table is created empty.
CREATE TEMP TABLE IF NOT EXISTS llm_kernel_category_rules(
  priority INTEGER NOT NULL,  -- lower first; ties: insertion order (rowid)
  category TEXT NOT NULL,     -- category name, e.g. gemm
  pattern TEXT NOT NULL       -- terms joined by '+', all must occur (any case)
);
INSERT INTO llm_kernel_category_rules(priority, category, pattern)
SELECT column1, column2, column3 FROM (VALUES
  -- Collectives first: NCCL kernel names contain "reduce", "copy", ...
  (100, 'communication', 'nccl'),
  (100, 'communication', 'cross_device_reduce'),     -- vLLM custom all-reduce
  (100, 'communication', 'allreduce'),
  (100, 'communication', 'all_reduce'),
  (100, 'communication', 'allgather'),
  (100, 'communication', 'all_gather'),
  (100, 'communication', 'reducescatter'),
  (100, 'communication', 'reduce_scatter'),
  (100, 'communication', 'alltoall'),
  (100, 'communication', 'all_to_all'),
  (100, 'communication', 'nvshmem'),
  -- MoE before gemm and sampling: fused_moe, moe_align_block_size,
  -- topkGatingSoftmax, grouped GEMMs, token permutation.
  (200, 'moe', 'moe'),
  (200, 'moe', 'topkgating'),
  (200, 'moe', 'topk_gating'),
  (200, 'moe', 'expert'),
  (200, 'moe', 'grouped_gemm'),
  (200, 'moe', 'groupedgemm'),
  (200, 'moe', 'group_gemm'),
  (200, 'moe', 'expandinputrows'),
  -- KV-cache writes before attention (FlashInfer attention names also
  -- contain PagedKVCache).
  (300, 'kv_cache', 'reshape_and_cache'),
  (300, 'kv_cache', 'appendpagedkvcache'),
  (300, 'kv_cache', 'append_paged_kv_cache'),
  (300, 'kv_cache', 'concat_and_cache'),
  (300, 'kv_cache', 'copy_blocks'),
  (300, 'kv_cache', 'swap_blocks'),
  (300, 'kv_cache', 'store_kvcache'),
  (300, 'kv_cache', 'kv_cache_store'),
  -- Attention before gemm (FlashAttention names contain cutlass:: types):
  -- FlashAttention 2/3, FlashInfer prefill/decode (paged, ragged), vLLM
  -- paged/unified attention (+ its reduce_segments step), MLA, FMHA.
  (400, 'attention', 'flash_fwd'),
  (400, 'attention', 'flash_bwd'),
  (400, 'attention', 'flash::'),
  (400, 'attention', 'flash_attn'),
  (400, 'attention', 'flashattn'),
  (400, 'attention', 'flashattention'),
  (400, 'attention', 'batchprefill'),
  (400, 'attention', 'batchdecode'),
  (400, 'attention', 'singleprefill'),
  (400, 'attention', 'singledecode'),
  (400, 'attention', 'withpagedkvcache'),
  (400, 'attention', 'withraggedkvcache'),
  (400, 'attention', 'attention'),
  (400, 'attention', 'attn'),
  (400, 'attention', 'fmha'),
  (400, 'attention', 'mha_'),
  (400, 'attention', '_mla'),
  (400, 'attention', 'mla_'),
  (400, 'attention', 'sdpa'),
  (400, 'attention', 'reduce_segments'),
  (400, 'attention', 'merge_state'),
  -- Rotary embeddings (before norm: prefill_qk_norm_rope_kernel).
  (500, 'rotary', 'rotary'),
  (500, 'rotary', 'rope_'),
  (500, 'rotary', '_rope'),
  (500, 'rotary', 'rope<'),
  (500, 'rotary', 'pos_encoding'),
  -- Matrix multiplies: cuBLAS/cuBLASLt (gemm, gemv, xmma_gemm, s16816gemm,
  -- splitKreduce), CUTLASS, nvjet, Marlin/Machete, fp8/int8 scaled_mm,
  -- cuDNN implicit-GEMM convolutions, Inductor mm templates.
  (600, 'gemm', 'gemm'),
  (600, 'gemm', 'gemv'),
  (600, 'gemm', 'splitkreduce'),
  (600, 'gemm', 'cutlass'),
  (600, 'gemm', 'cublas'),
  (600, 'gemm', 'nvjet'),
  (600, 'gemm', 'marlin'),
  (600, 'gemm', 'machete'),
  (600, 'gemm', 'scaled_mm'),
  (600, 'gemm', 'matmul'),
  (600, 'gemm', 'scudnn'),
  (600, 'gemm', 'triton_tem_'),
  -- Normalisation: RMSNorm, LayerNorm, fused add+norm, Triton rsqrt+mean.
  (700, 'norm', 'rmsnorm'),
  (700, 'norm', 'rms_norm'),
  (700, 'norm', 'layernorm'),
  (700, 'norm', 'layer_norm'),
  (700, 'norm', 'groupnorm'),
  (700, 'norm', 'group_norm'),
  (700, 'norm', 'batchnorm'),
  (700, 'norm', 'batch_norm'),
  (700, 'norm', 'qk_norm'),
  (700, 'norm', 'l2norm'),
  (700, 'norm', 'triton_+rsqrt+mean'),
  -- Activations: SiLU, GELU, *_and_mul (SwiGLU/GeGLU), ReLU.
  (800, 'activation', 'silu'),
  (800, 'activation', 'gelu'),
  (800, 'activation', 'swiglu'),
  (800, 'activation', 'geglu'),
  (800, 'activation', '_and_mul'),
  (800, 'activation', 'swish'),
  (800, 'activation', 'relu'),
  -- Sampling: top-k/top-p, softmax, argmax, radix sort, penalties.
  (900, 'sampling', 'sampling'),
  (900, 'sampling', 'sample'),
  (900, 'sampling', 'topk'),
  (900, 'sampling', 'top_k'),
  (900, 'sampling', 'topp'),
  (900, 'sampling', 'top_p'),
  (900, 'sampling', 'softmax'),
  (900, 'sampling', 'argmax'),
  (900, 'sampling', 'radixsort'),
  (900, 'sampling', 'radix_sort'),
  (900, 'sampling', 'multinomial'),
  (900, 'sampling', 'penalt'),
  -- Quantisation: quantize, dequantize, per-token/group fp8/int8 quant.
  (1000, 'quant', 'quant'),
  (1000, 'quant', 'scaled_fp8'),
  (1000, 'quant', 'fp8_cast'),
  -- Other Triton kernels by kind (pointwise / persistent and looped
  -- reductions), before the generic copy rules (triton_poi_fused__to_copy_*).
  (1100, 'elementwise', 'triton_poi_'),
  (1100, 'reduce', 'triton_red_'),
  (1100, 'reduce', 'triton_per_'),
  -- broadcast contains "cast_".
  (1200, 'elementwise', 'broadcast'),
  -- Memory: fill, copy, cast, transpose, concat, gather/index, embedding.
  (1300, 'memory', 'fillfunctor'),
  (1300, 'memory', '_fill'),
  (1300, 'memory', '::fill'),
  (1300, 'memory', 'memset'),
  (1300, 'memory', 'memcpy'),
  (1300, 'memory', 'copy'),
  (1300, 'memory', '_cast'),        -- not gpu_kernel_impl_nocast<...>
  (1300, 'memory', 'cast_'),
  (1300, 'memory', 'castkernel'),
  (1300, 'memory', 'transpose'),
  (1300, 'memory', 'permute'),
  (1300, 'memory', 'catarray'),
  (1300, 'memory', 'index_select'),
  (1300, 'memory', 'indexselect'),
  (1300, 'memory', 'gather'),
  (1300, 'memory', 'scatter'),
  (1300, 'memory', 'embedding'),
  -- FFT kernels stay other (their parameters name cudnn::reduced_divisor).
  (1350, 'other', 'fft2d_'),
  -- Reductions and scans.
  (1400, 'reduce', 'reduce'),
  (1400, 'reduce', 'reduction'),
  (1400, 'reduce', 'scan'),
  (1400, 'reduce', 'nvfuser_+persistent'),   -- persistent reductions
  -- Elementwise: PyTorch elementwise kernels, nvFuser pointwise, functors.
  (1500, 'elementwise', 'elementwise'),
  (1500, 'elementwise', 'pointwise'),
  (1500, 'elementwise', 'functor'))
WHERE NOT EXISTS (SELECT 1 FROM temp.llm_kernel_category_rules);

-- Kernel time per category and device (all processes). Sums the rows of
-- llm_top_kernels by their category; pct_kernel_time adds up to 100 over all
-- rows.
CREATE TEMP VIEW IF NOT EXISTS llm_kernel_categories(
  category,                   -- from llm_kernel_category_rules, else other
  device_id,                  -- CUDA device ordinal
  total_ms,                   -- summed kernel durations
  pct_kernel_time,            -- share of all kernel time, 0..100
  pct_of_device_kernel_time,  -- share of this device's kernel time, 0..100
  calls,                      -- launches
  kernels,                    -- distinct kernel names
  top_kernel_name,            -- the category's largest kernel on this device
  top_kernel_ms,              -- its summed duration
  top_kernel_pct_of_category  -- its share of the category's time, 0..100
) AS
WITH c AS (
  SELECT *, total(total_ns) OVER (PARTITION BY device_id) AS dev_ns,
         total(total_ns) OVER () AS all_ns
  FROM _nsys_kernel_categories WHERE pid IS NULL)
SELECT category, device_id, round(total_ns / 1e6, 6),
       round(100.0 * total_ns / nullif(all_ns, 0), 3),
       round(100.0 * total_ns / nullif(dev_ns, 0), 3),
       calls, kernels, top_kernel_name, round(top_kernel_ns / 1e6, 6),
       round(100.0 * top_kernel_ns / nullif(total_ns, 0), 3)
FROM c
ORDER BY total_ns DESC, category, device_id;

-- The same per process (PID decoded from the kernel's globalPid).
CREATE TEMP VIEW IF NOT EXISTS llm_kernel_categories_by_pid(
  pid,                        -- OS process id
  category,                   -- from llm_kernel_category_rules, else other
  device_id,                  -- CUDA device ordinal
  total_ms,                   -- summed kernel durations in this process
  pct_of_pid_kernel_time,     -- share of this PID's kernel time, 0..100
  pct_of_total_kernel_time,   -- share of all kernel time, 0..100
  calls,                      -- launches
  kernels,                    -- distinct kernel names
  top_kernel_name,            -- the category's largest kernel (PID, device)
  top_kernel_ms               -- its summed duration
) AS
WITH c AS (
  SELECT *, total(total_ns) OVER (PARTITION BY pid) AS pid_ns,
         total(total_ns) OVER () AS all_ns
  FROM _nsys_kernel_categories WHERE pid IS NOT NULL)
SELECT pid, category, device_id, round(total_ns / 1e6, 6),
       round(100.0 * total_ns / nullif(pid_ns, 0), 3),
       round(100.0 * total_ns / nullif(all_ns, 0), 3),
       calls, kernels, top_kernel_name, round(top_kernel_ns / 1e6, 6)
FROM c
ORDER BY pid_ns DESC, pid, total_ns DESC, category, device_id;

-- Each category's share of all kernel time (devices summed), for the rules.
CREATE TEMP VIEW IF NOT EXISTS _nsys_kernel_category_shares AS
SELECT s.category, total(s.total_ms) AS ms, total(s.pct_kernel_time) AS pct,
       sum(s.calls) AS calls,
       (SELECT count(*) FROM _nsys_kernel_category_names AS n
        WHERE n.category = s.category) AS kernels
FROM llm_kernel_categories AS s GROUP BY s.category;

CREATE TEMP VIEW IF NOT EXISTS _nsys_kernel_categories_findings AS
-- One category holds most of the GPU time.
SELECT 15 AS seq,
       CASE WHEN category IN ('gemm', 'attention') THEN 'low' ELSE 'medium' END
         AS severity,
       printf('Kernel category `%s` takes most of the GPU time', category)
         AS title,
       printf('`%s` kernels are %.1f%% of kernel time (%.3f ms over %d calls, '
              || '%d distinct kernels).', category, pct, ms, calls, kernels)
         AS evidence,
       CASE category
         WHEN 'gemm' THEN 'Matrix multiplies dominate, as expected for a '
           || 'well-batched model: speed-ups come from larger batches, lower '
           || 'precision (fp8/int8) or better-tuned GEMM tiles.'
         WHEN 'attention' THEN 'Attention dominates: check the attention '
           || 'backend (FlashAttention/FlashInfer), the context lengths and '
           || 'the KV-cache layout.'
         WHEN 'memory' THEN 'Copies, casts and fills dominate: look for '
           || 'redundant dtype casts, .contiguous() copies and re-allocated '
           || 'buffers; fuse them (torch.compile, CUDA graphs).'
         ELSE 'This category is the first place to look: the top kernels '
           || 'table shows which kernels make it up.' END
         || char(10) || 'llm_kernel_categories lists the category per device '
         || 'with its largest kernel.' AS recommendation,
       'kernel_category_dominant' AS rule
FROM (SELECT * FROM _nsys_kernel_category_shares
      WHERE category <> 'other' ORDER BY pct DESC, category LIMIT 1)
WHERE pct >= 50
UNION ALL
-- The rules do not know much of the kernel time.
SELECT 16, 'low', 'Many kernels have no category',
       printf('%.1f%% of kernel time (%.3f ms, %d distinct kernels) is in '
              || 'category `other`: no rule of llm_kernel_category_rules '
              || 'matches those names.', pct, ms, kernels),
       'Add rules for your kernels: INSERT INTO llm_kernel_category_rules '
       || 'VALUES (50, ''gemm'', ''my_kernel'') in SQL, or nsys-explain-render '
       || '--categories FILE.',
       'kernel_category_other'
FROM _nsys_kernel_category_shares
WHERE category = 'other' AND pct > 20;

CREATE TEMP VIEW IF NOT EXISTS _nsys_kernel_categories_sections AS VALUES
  (4, 'kernel_categories', 'Time by kernel category',
   'llm_kernel_categories, llm_kernel_categories_by_pid',
   '`CUPTI_ACTIVITY_KIND_KERNEL` grouped by (category, device); each distinct '
   || 'kernel name gets the category of the first `llm_kernel_category_rules` '
   || 'pattern it matches (by priority), else `other`.',
   'Categories come from kernel names only: a fused kernel counts in one '
   || 'category (first rule wins) and unknown kernels are `other`; totals are '
   || 'summed over launches like the top-kernels table.', 'kernels', NULL);

CREATE TEMP VIEW IF NOT EXISTS _nsys_kernel_categories_tables AS VALUES
  ('kernel_categories', 1, 'kernel_categories', 'llm_kernel_categories', NULL,
   'category, device_id, total_ms, pct_kernel_time, calls, kernels, '
   || 'top_kernel_name', NULL, NULL, NULL, NULL, 0),
  ('kernel_categories', 2, 'kernel_categories_by_pid',
   'llm_kernel_categories_by_pid', NULL, NULL, NULL, NULL, NULL, NULL, 0);
