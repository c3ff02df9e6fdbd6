-- Every scalar and aggregate function: values, NULL handling, and the error
-- for each wrong argument count or type. Every message starts with the
-- function's name.
.echo on
.headers on
.mode list
.nullvalue NULL

-- ---------------------------------------------------------- id decoding
-- docs/SEMANTICS.md examples: VM 1 / PID 1230493 / TID 1230493 and
-- hardware 1 / PID 6342.
SELECT nsys_pid(302119224788637) AS pid, nsys_tid(302119224788637) AS tid,
       nsys_vm_id(302119224788637) AS vm, nsys_hw_id(302119224788637) AS hw,
       nsys_process_key(302119224788637) AS pkey;
SELECT nsys_pid(72057700439031808) AS pid, nsys_tid(72057700439031808) AS tid,
       nsys_vm_id(72057700439031808) AS vm, nsys_hw_id(72057700439031808) AS hw,
       nsys_process_key(72057700439031808) AS pkey;
SELECT nsys_pid(NULL), nsys_tid(NULL), nsys_vm_id(NULL), nsys_hw_id(NULL),
       nsys_process_key(NULL);
SELECT nsys_pid(16777216.0) AS integral_real, nsys_pid('33554432') AS numeric_text,
       nsys_pid(-1) AS all_bits;
SELECT nsys_pid();
SELECT nsys_tid(1, 2);
SELECT nsys_vm_id('abc');
SELECT nsys_hw_id(1.5);
SELECT nsys_process_key(x'01');

-- ---------------------------------------------------------- name helpers
SELECT nsys_api_base_name('cudaStreamSynchronize_v3020'),
       nsys_api_base_name('cudaMemcpyAsync_ptsz_v7000'),
       nsys_api_base_name('cuStreamSynchronize'),
       nsys_api_base_name(NULL);
WITH t(name) AS (VALUES
  ('cudaDeviceSynchronize_v3020'), ('cudaStreamSynchronize_ptsz'),
  ('cuStreamSynchronize'), ('cuCtxSynchronize'), ('cudaEventSynchronize_v3020'),
  ('cudaMemcpy_v3020'), ('cudaMemset_v3020'), ('cuMemcpyDtoH_v2'),
  ('cudaMemcpyAsync_v3020'), ('cudaMemsetAsync'), ('cudaStreamWaitEvent_v3020'),
  ('cudaEventQuery_v3020'), ('cudaStreamQuery'), ('cudaLaunchKernel_v7000'),
  ('cudaGraphLaunch_v10000'), ('cudaMalloc_v3020'))
SELECT name, nsys_api_kind(name) AS kind FROM t;
SELECT nsys_kernel_base_name('void at::native::vectorized_elementwise_kernel<(int)4, at::native::FillFunctor<c10::Half>, std::array<char *, (unsigned long)1>>(int, T2, T3)');
SELECT nsys_kernel_base_name('void cutlass::Kernel2<cutlass_80_tensorop_f16_s16816gemm_relu_f16_128x128_32x5_tn_align8>(T1::Params)');
SELECT nsys_kernel_base_name('void at::native::<unnamed>::distribution_elementwise_grid_stride_kernel<float, (int)4>(int, T3)');
SELECT nsys_kernel_base_name('ampere_fp16_s16816gemm_fp16_128x128_ldg8_f2f_stages_32x5_tn');
SELECT nsys_kernel_base_name(NULL);
SELECT nsys_api_base_name();
SELECT nsys_api_kind('a', 'b');
SELECT nsys_kernel_base_name(42);
SELECT nsys_api_base_name(x'41');

-- ------------------------------------------------------- version, reset
SELECT nsys_version() GLOB '[0-9]*.[0-9]*.[0-9]*' AS version_ok;
SELECT nsys_build_info() LIKE 'nsysexplain ' || nsys_version() || ' (%' AS build_info_ok;
SELECT nsys_reset();
SELECT nsys_version(1);
SELECT nsys_build_info(NULL);
SELECT nsys_reset(0);

-- ------------------------------------------------------------ aggregates
-- Percentile: linear interpolation at p/100*(n-1); NULLs ignored.
WITH t(x) AS (VALUES (4), (1), (NULL), (3), (2))
SELECT nsys_percentile(x, 0) AS p0, nsys_percentile(x, 25) AS p25,
       nsys_percentile(x, 50) AS p50, nsys_median(x) AS median,
       nsys_percentile(x, 90) AS p90, nsys_percentile(x, 100) AS p100,
       round(nsys_stdev(x), 6) AS stdev
FROM t;
WITH t(x) AS (VALUES (5), (1), (3))
SELECT nsys_median(x) AS odd_median FROM t;
WITH t(x) AS (VALUES (4), (1), (3), (2))
SELECT nsys_percentile(x, 12.5) AS real_p FROM t;
WITH t(x) AS (VALUES (7))
SELECT nsys_median(x) AS one, nsys_stdev(x) AS stdev_one FROM t;
WITH t(x) AS (VALUES (1))
SELECT nsys_percentile(x, 50) AS no_rows, nsys_median(x), nsys_stdev(x)
FROM t WHERE 0;
WITH t(x) AS (VALUES (NULL), (NULL))
SELECT nsys_percentile(x, 50) AS all_null, nsys_median(x), nsys_stdev(x)
FROM t;
WITH t(x) AS (VALUES ('3'), ('1'))
SELECT nsys_median(x) AS numeric_text FROM t;
WITH t(x) AS (VALUES (1))
SELECT nsys_percentile(x, 101) FROM t;
WITH t(x) AS (VALUES (1))
SELECT nsys_percentile(x, -0.5) FROM t;
WITH t(x) AS (VALUES (1))
SELECT nsys_percentile(x, 'fifty') FROM t;
WITH t(x) AS (VALUES (1))
SELECT nsys_percentile(x, NULL) FROM t;
WITH t(x) AS (VALUES (10), (20))
SELECT nsys_percentile(x, x) FROM t;
WITH t(x) AS (VALUES (1), ('abc'))
SELECT nsys_percentile(x, 50) FROM t;
WITH t(x) AS (VALUES (x'00'))
SELECT nsys_median(x) FROM t;
WITH t(x) AS (VALUES ('abc'))
SELECT nsys_stdev(x) FROM t;
SELECT nsys_percentile(1);
SELECT nsys_percentile(1, 2, 3);
SELECT nsys_median();
SELECT nsys_stdev(1, 2);

-- Window functions (sliding frames use the inverse step).
WITH t(i, x) AS (VALUES (1, 5), (2, 1), (3, NULL), (4, 9), (5, 3), (6, 3))
SELECT i, x,
       nsys_median(x) OVER w AS median3,
       nsys_percentile(x, 90) OVER w AS p90_3,
       round(nsys_stdev(x) OVER w, 6) AS stdev3,
       nsys_median(x) OVER (ORDER BY i) AS running_median
FROM t
WINDOW w AS (ORDER BY i ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)
ORDER BY i;

-- Union length of [start, end) intervals.
WITH t(s, e) AS (VALUES
  (0, 10), (5, 15), (20, 30), (30, 35), (40, 40), (50, 45), (NULL, 5),
  (7, NULL))
SELECT nsys_union_ns(s, e) AS union_ns FROM t;
WITH t(s, e) AS (VALUES (1, 2))
SELECT nsys_union_ns(s, e) AS no_rows FROM t WHERE 0;
SELECT nsys_union_ns(1, 2.0) AS integral_real;
SELECT nsys_union_ns(1);
SELECT nsys_union_ns('a', 2);
SELECT nsys_union_ns(1, 2.5);
SELECT nsys_union_ns(1, 2) OVER ();

-- ------------------------------------------------- interval gaps (TVF)
CREATE TEMP TABLE iv(s, e, g);
INSERT INTO iv VALUES (0, 10, 'a'), (5, 15, 'a'), (20, 30, 'a'), (30, 32, 'a'),
  (0, 5, 'b'), (7, 9, 'b'), (3, 3, 'b'), (NULL, 4, 'b'), (9, 8, 'b');
SELECT * FROM nsys_interval_gaps('SELECT s, e, g FROM iv') ORDER BY grp, gap_start_ns;
SELECT * FROM nsys_interval_gaps('SELECT s, e, g FROM iv', -5, 40) ORDER BY grp, gap_start_ns;
SELECT * FROM nsys_interval_gaps('SELECT s, e FROM iv WHERE g = ''a''');
SELECT gap_ns FROM nsys_interval_gaps
WHERE sql = 'SELECT s, e FROM iv WHERE g = ''a''' AND window_end_ns = 50;
SELECT count(*) AS null_sql FROM nsys_interval_gaps(NULL);
SELECT * FROM nsys_interval_gaps;
SELECT * FROM nsys_interval_gaps('SELECT 1');
SELECT * FROM nsys_interval_gaps('SELECT nope');
SELECT * FROM nsys_interval_gaps(5);
SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 'a', 5);
SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 0, 2.5);
