#include "catalog.h"

#include <fmt/format.h>

#include <cctype>

namespace nsysexplain::synth {
namespace {

struct Dims {
  int x, y, z;
};

KernelSpec MakeKernel(const char* demangled, const char* short_name,
                      const char* mangled, double median_us, double sigma,
                      LaunchVia via, int regs, Dims grid, Dims block,
                      int static_smem, int dynamic_smem) {
  KernelSpec k{};
  k.demangled = demangled;
  k.short_name = short_name;
  k.mangled = mangled;
  k.median_us = median_us;
  k.sigma = sigma;
  k.via = via;
  k.regs = regs;
  k.grid[0] = grid.x;
  k.grid[1] = grid.y;
  k.grid[2] = grid.z;
  k.block[0] = block.x;
  k.block[1] = block.y;
  k.block[2] = block.z;
  k.static_smem = static_smem;
  k.dynamic_smem = dynamic_smem;
  k.local_total = 250871808;
  const int smem = static_smem + dynamic_smem;
  k.smem_executed = smem <= 32768 ? 32768 : smem <= 102400 ? 102400 : 167936;
  k.smem_limit_config = dynamic_smem > 49152 ? 1 : 0;
  k.cluster[0] = k.cluster[1] = k.cluster[2] = 0;
  k.cluster_policy = 1;
  return k;
}

constexpr LaunchVia kRt = LaunchVia::kRuntime;
constexpr LaunchVia kDrv = LaunchVia::kDriverEx;
constexpr LaunchVia kExC = LaunchVia::kRuntimeExC;

std::vector<KernelSpec> BuildKernels() {
  std::vector<KernelSpec> v(kNumKernels);
  // Decode GEMMs (tiny M): durations roughly independent of batch.
  v[kGemmQkvDec] = MakeKernel(
      "ampere_fp16_s16816gemm_fp16_64x64_sliced1x2_ldg8_f2f_stages_64x5_tn",
      "ampere_fp16_s16816gemm_fp16_64x64_sliced1x2_ldg8_f2f_stages_64x5_tn",
      nullptr, 12.3, 0.15, kRt, 168, {96, 1, 1}, {128, 1, 1}, 0, 81920);
  v[kGemmQkvDecWide] =
      MakeKernel("ampere_s16816gemm_fp16_128x64_ldg8_stages_32x6_tn",
                 "ampere_s16816gemm_fp16_128x64_ldg8_stages_32x6_tn", nullptr,
                 8.0, 0.08, kRt, 222, {48, 1, 1}, {128, 1, 1}, 0, 73728);
  v[kGemmOprojDec] = MakeKernel(
      "sm80_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize32x32x64_stage6_"
      "warpsize2x2x1_tensor16x8x16_execute_kernel__5x_cublas",
      "sm80_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize32x32x64_stage6_"
      "warpsize2x2x1_tensor16x8x16_execute_kernel__5x_cublas",
      nullptr, 8.7, 0.10, kRt, 128, {128, 1, 3}, {128, 1, 1}, 0, 73728);
  v[kGemmGateUpDec] = MakeKernel(
      "ampere_fp16_s16816gemm_fp16_64x64_sliced1x2_ldg8_f2f_stages_64x6_tn",
      "ampere_fp16_s16816gemm_fp16_64x64_sliced1x2_ldg8_f2f_stages_64x6_tn",
      nullptr, 10.1, 0.12, kRt, 168, {344, 1, 1}, {128, 1, 1}, 0, 98304);
  v[kGemmDownDec] = MakeKernel(
      "void cutlass::Kernel2<cutlass_80_wmma_tensorop_s161616gemm_f16_32x32_"
      "128x2_tn_align8>(T1::Params)",
      "Kernel2",
      "_ZN7cutlass7Kernel2I62cutlass_80_wmma_tensorop_s161616gemm_f16_32x32_"
      "128x2_tn_align8EEvNT_6ParamsE",
      10.3, 0.05, kRt, 96, {128, 1, 2}, {128, 1, 1}, 0, 36864);
  v[kSplitKReduce] = MakeKernel(
      "void cublasLt::splitKreduce_kernel<(int)32, (int)16, int, float, "
      "__half, float, __half, (bool)0, __half, __half, __half, (bool)1, "
      "(bool)0, (bool)0>(cublasLt::cublasSplitKParams<T6>, const T4 *, const "
      "T10 *, T9 *, T5 *, const T6 *, const T6 *, const T11 *, const T4 *, "
      "T11 *, void *, long, T6 *, int *, T6 *, T6 *, const T6 *, const T6 *, "
      "const T6 *, const T6 *, const T6 *)",
      "splitKreduce_kernel",
      "_ZN8cublasLt19splitKreduce_kernelILi32ELi16Eif6__halffS1_Lb0ES1_S1_S1_"
      "Lb1ELb0ELb0EEEvNS_18cublasSplitKParamsIT4_EEPKT2_PKT8_PT7_PT3_PKS5_"
      "SI_PKT9_SB_PSJ_PvlPS5_PiSM_SM_SI_SI_SI_SI_SI_",
      2.7, 0.10, kRt, 30, {64, 1, 1}, {32, 16, 1}, 0, 0);
  v[kGemmLmHeadDec] = MakeKernel(
      "ampere_fp16_s16816gemm_fp16_64x64_ldg8_f2f_stages_64x5_tn",
      "ampere_fp16_s16816gemm_fp16_64x64_ldg8_f2f_stages_64x5_tn", nullptr,
      12.3, 0.20, kRt, 168, {1002, 1, 1}, {128, 1, 1}, 0, 81920);
  // Prefill GEMMs: scaled by prompt length.
  v[kGemmQkvPre] = MakeKernel(
      "ampere_fp16_s16816gemm_fp16_128x128_ldg8_f2f_stages_64x3_tn",
      "ampere_fp16_s16816gemm_fp16_128x128_ldg8_f2f_stages_64x3_tn", nullptr,
      18.9, 0.08, kRt, 238, {24, 16, 1}, {256, 1, 1}, 0, 98304);
  v[kGemmQkvPreLong] = MakeKernel(
      "sm80_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize96x128x32_stage4_"
      "warpsize2x2x1_tensor16x8x16_execute_kernel__5x_cublas",
      "sm80_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize96x128x32_stage4_"
      "warpsize2x2x1_tensor16x8x16_execute_kernel__5x_cublas",
      nullptr, 26.0, 0.05, kRt, 232, {24, 22, 1}, {128, 1, 1}, 0, 57344);
  v[kGemmOprojPre] = MakeKernel(
      "ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn",
      "ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn", nullptr,
      12.2, 0.25, kRt, 230, {32, 16, 1}, {128, 1, 1}, 0, 98304);
  v[kGemmOprojPreLong] = MakeKernel(
      "sm80_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize96x64x64_stage4_"
      "warpsize2x2x1_tensor16x8x16_execute_kernel__5x_cublas",
      "sm80_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize96x64x64_stage4_"
      "warpsize2x2x1_tensor16x8x16_execute_kernel__5x_cublas",
      nullptr, 17.5, 0.05, kRt, 168, {64, 22, 1}, {128, 1, 1}, 0, 81920);
  v[kGemmGateUpPre] = MakeKernel(
      "ampere_fp16_s16816gemm_fp16_128x128_ldg8_f2f_stages_32x5_tn",
      "ampere_fp16_s16816gemm_fp16_128x128_ldg8_f2f_stages_32x5_tn", nullptr,
      33.2, 0.30, kRt, 238, {86, 16, 1}, {256, 1, 1}, 0, 81920);
  v[kGemmGateUpPreLong] = MakeKernel(
      "ampere_fp16_s16816gemm_fp16_256x128_ldg8_f2f_stages_32x3_tn",
      "ampere_fp16_s16816gemm_fp16_256x128_ldg8_f2f_stages_32x3_tn", nullptr,
      31.3, 0.02, kRt, 232, {43, 16, 1}, {256, 1, 1}, 0, 73728);
  v[kGemmDownPre] = MakeKernel(
      "ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_32x6_tn",
      "ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_32x6_tn", nullptr,
      14.6, 0.20, kRt, 230, {32, 16, 1}, {128, 1, 1}, 0, 73728);
  v[kGemmLmHeadPre] = MakeKernel(
      "ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x3_tn",
      "ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x3_tn", nullptr,
      182.7, 0.05, kRt, 230, {501, 1, 1}, {128, 1, 1}, 0, 73728);
  v[kGemmReluProfile] = MakeKernel(
      "void cutlass::Kernel2<cutlass_80_tensorop_f16_s16816gemm_relu_f16_"
      "128x128_32x5_tn_align8>(T1::Params)",
      "Kernel2",
      "_ZN7cutlass7Kernel2I66cutlass_80_tensorop_f16_s16816gemm_relu_f16_"
      "128x128_32x5_tn_align8EEvNT_6ParamsE",
      278.2, 0.01, kRt, 230, {86, 32, 1}, {128, 1, 1}, 0, 81920);
  // Attention.
  v[kFlashFwd] = MakeKernel(
      "void flash::flash_fwd_kernel<Flash_fwd_kernel_traits<(int)128, "
      "(int)128, (int)64, (int)4, (bool)0, (bool)0, cutlass::half_t, "
      "Flash_kernel_traits<(int)128, (int)128, (int)64, (int)4, "
      "cutlass::half_t>>, (bool)0, (bool)1, (bool)0, (bool)0, (bool)0, "
      "(bool)1, (bool)0, (bool)0>(flash::Flash_fwd_params)",
      "flash_fwd_kernel",
      "_ZN5flash16flash_fwd_kernelI23Flash_fwd_kernel_traitsILi128ELi128ELi64"
      "ELi4ELb0ELb0EN7cutlass6half_tE19Flash_kernel_traitsILi128ELi128ELi64E"
      "Li4ES3_EELb0ELb1ELb0ELb0ELb0ELb1ELb0ELb0EEEvNS_16Flash_fwd_paramsE",
      41.0, 0.15, kRt, 255, {4, 16, 1}, {128, 1, 1}, 0, 49152);
  v[kUnifiedAttn2d] = MakeKernel(
      "kernel_unified_attention_2d", "kernel_unified_attention_2d", nullptr,
      19.2, 0.35, kDrv, 128, {64, 16, 1}, {128, 1, 1}, 0, 32768);
  v[kUnifiedAttn3d] = MakeKernel(
      "kernel_unified_attention_3d", "kernel_unified_attention_3d", nullptr,
      6.0, 0.03, kDrv, 96, {16, 16, 16}, {128, 1, 1}, 0, 16384);
  v[kReduceSegments] =
      MakeKernel("reduce_segments", "reduce_segments", nullptr, 3.6, 0.03, kDrv,
                 40, {16, 16, 1}, {128, 1, 1}, 0, 0);
  // Fused Triton elementwise (torch.compile) and vLLM custom ops.
  v[kRmsNormIn] =
      MakeKernel("triton_per_fused__to_copy_add_mean_mul_pow_rsqrt_0",
                 "triton_per_fused__to_copy_add_mean_mul_pow_rsqrt_0", nullptr,
                 2.43, 0.18, kDrv, 32, {16, 1, 1}, {512, 1, 1}, 0, 0);
  v[kRmsNormPost] =
      MakeKernel("triton_per_fused__to_copy_add_mean_mul_pow_rsqrt_2",
                 "triton_per_fused__to_copy_add_mean_mul_pow_rsqrt_2", nullptr,
                 2.62, 0.18, kDrv, 32, {16, 1, 1}, {512, 1, 1}, 0, 0);
  v[kSiluMul] = MakeKernel("triton_poi_fused_mul_silu_slice_1",
                           "triton_poi_fused_mul_silu_slice_1", nullptr, 2.4,
                           0.30, kDrv, 24, {344, 1, 1}, {128, 1, 1}, 0, 0);
  v[kRotary] = MakeKernel("triton_poi_fused_4", "triton_poi_fused_4", nullptr,
                          2.69, 0.15, kDrv, 28, {64, 1, 1}, {256, 1, 1}, 0, 0);
  v[kRedFused] =
      MakeKernel("triton_red_fused_3", "triton_red_fused_3", nullptr, 2.53,
                 0.12, kDrv, 40, {16, 1, 1}, {1024, 1, 1}, 0, 0);
  v[kReshapeAndCache] = MakeKernel(
      "reshape_and_cache_kernel_flash", "reshape_and_cache_kernel_flash",
      nullptr, 3.68, 0.45, kRt, 38, {16, 1, 1}, {512, 1, 1}, 0, 0);
  v[kFillInt8] = MakeKernel(
      "void at::native::vectorized_elementwise_kernel<(int)4, "
      "at::native::FillFunctor<signed char>, std::array<char *, (unsigned "
      "long)1>>(int, T2, T3)",
      "vectorized_elementwise_kernel",
      "_ZN2at6native29vectorized_elementwise_kernelILi4ENS0_10FillFunctorIaEE"
      "St5arrayIPcLm1EEEEviT0_T1_",
      724.1, 0.01, kRt, 18, {65535, 1, 1}, {128, 1, 1}, 0, 0);
  v[kFillHalf] = MakeKernel(
      "void at::native::vectorized_elementwise_kernel<(int)4, "
      "at::native::FillFunctor<c10::Half>, std::array<char *, (unsigned "
      "long)1>>(int, T2, T3)",
      "vectorized_elementwise_kernel",
      "_ZN2at6native29vectorized_elementwise_kernelILi4ENS0_10FillFunctorIN3c"
      "104HalfEEESt5arrayIPcLm1EEEEviT0_T1_",
      2.08, 0.10, kRt, 18, {8, 1, 1}, {128, 1, 1}, 0, 0);
  v[kFillLong] = MakeKernel(
      "void at::native::vectorized_elementwise_kernel<(int)2, "
      "at::native::FillFunctor<long>, std::array<char *, (unsigned long)1>>"
      "(int, T2, T3)",
      "vectorized_elementwise_kernel",
      "_ZN2at6native29vectorized_elementwise_kernelILi2ENS0_10FillFunctorIlEE"
      "St5arrayIPcLm1EEEEviT0_T1_",
      1.70, 0.01, kRt, 16, {1, 1, 1}, {64, 1, 1}, 0, 0);
  v[kRadixSortAsc] = MakeKernel(
      "void at_cuda_detail::cub::DeviceSegmentedRadixSortKernel<at_cuda_"
      "detail::cub::DeviceRadixSortPolicy<float, long, int>::Policy900, "
      "(bool)1, (bool)0, float, long, at::native::<unnamed>::offset_t, "
      "at::native::<unnamed>::offset_t, int, at_cuda_detail::cub::detail::"
      "identity_decomposer_t>(const T4 *, T4 *, const T5 *, T5 *, T6, T7, "
      "int, int, int, T9)",
      "DeviceSegmentedRadixSortKernel",
      "_ZN14at_cuda_detail3cub30DeviceSegmentedRadixSortKernelINS0_21DeviceRa"
      "dixSortPolicyIfliE9Policy900ELb1ELb0EflN2at6native12_GLOBAL__N_18offs"
      "et_tES8_iNS0_6detail21identity_decomposer_tEEEvPKT2_PSC_PKT3_PSG_T4_T"
      "5_iiiT7_",
      820.2, 0.05, kRt, 80, {32, 1, 1}, {256, 1, 1}, 12336, 0);
  v[kRadixSortDesc] = MakeKernel(
      "void at_cuda_detail::cub::DeviceSegmentedRadixSortKernel<at_cuda_"
      "detail::cub::DeviceRadixSortPolicy<float, long, int>::Policy900, "
      "(bool)0, (bool)0, float, long, at::native::<unnamed>::offset_t, "
      "at::native::<unnamed>::offset_t, int, at_cuda_detail::cub::detail::"
      "identity_decomposer_t>(const T4 *, T4 *, const T5 *, T5 *, T6, T7, "
      "int, int, int, T9)",
      "DeviceSegmentedRadixSortKernel",
      "_ZN14at_cuda_detail3cub30DeviceSegmentedRadixSortKernelINS0_21DeviceRa"
      "dixSortPolicyIfliE9Policy900ELb0ELb0EflN2at6native12_GLOBAL__N_18offs"
      "et_tES8_iNS0_6detail21identity_decomposer_tEEEvPKT2_PSC_PKT3_PSG_T4_T"
      "5_iiiT7_",
      1030.0, 0.07, kRt, 80, {32, 1, 1}, {256, 1, 1}, 12336, 0);
  v[kNcclAllReduce] = MakeKernel(
      "ncclDevKernel_AllReduce_Sum_bf16_RING_LL(ncclDevKernelArgsStorage<"
      "(unsigned long)4096>)",
      "ncclDevKernel_AllReduce_Sum_bf16_RING_LL",
      "_Z40ncclDevKernel_AllReduce_Sum_bf16_RING_LL24ncclDevKernelArgsStorage"
      "ILm4096EE",
      8.5, 0.45, kExC, 96, {2, 1, 1}, {640, 1, 1}, 21568, 82240);
  v[kNcclAllGather] = MakeKernel(
      "ncclDevKernel_AllGather_RING_LL(ncclDevKernelArgsStorage<(unsigned "
      "long)4096>)",
      "ncclDevKernel_AllGather_RING_LL",
      "_Z31ncclDevKernel_AllGather_RING_LL24ncclDevKernelArgsStorageILm4096EE",
      9.5, 0.50, kExC, 96, {2, 1, 1}, {640, 1, 1}, 21568, 82240);
  for (int k : {kNcclAllReduce, kNcclAllGather}) {
    v[k].cluster[0] = 4;
    v[k].cluster[1] = v[k].cluster[2] = 1;
    v[k].max_potential_cluster = 8;
    v[k].max_active_clusters = 30;
  }
  return v;
}

std::vector<ApiSpec> BuildApis() {
  std::vector<ApiSpec> v(kNumApis);
  v[kApiLaunchKernel] = {"cudaLaunchKernel_v7000", "cudaLaunchKernel", 0, 4300,
                         0.30};
  v[kApiLaunchKernelEx] = {"cuLaunchKernelEx", "cuLaunchKernelEx", 1, 3600,
                           0.30};
  v[kApiLaunchKernelExC] = {"cudaLaunchKernelExC_v11060", "cudaLaunchKernelExC",
                            0, 5200, 0.30};
  v[kApiGraphLaunch] = {"cudaGraphLaunch_v10000", "cudaGraphLaunch", 0, 24000,
                        0.30};
  v[kApiStreamBeginCapture] = {"cudaStreamBeginCapture_v10000", "cudaStreamBeginCapture",
                               0, 9000, 0.30};
  v[kApiStreamEndCapture] = {"cudaStreamEndCapture_v10000", "cudaStreamEndCapture", 0,
                             180000, 0.30};
  v[kApiGraphInstantiate] = {"cudaGraphInstantiateWithFlags_v11040",
                             "cudaGraphInstantiateWithFlags", 0, 2400000, 0.30};
  v[kApiMemcpyAsync] = {"cudaMemcpyAsync_v3020", "cudaMemcpyAsync", 0, 6100,
                        0.35};
  v[kApiMemcpy] = {"cudaMemcpy_v3020", "cudaMemcpy", 0, 9000, 0.30};
  v[kApiMemsetAsync] = {"cudaMemsetAsync_v3020", "cudaMemsetAsync", 0, 4200,
                        0.30};
  v[kApiStreamSynchronize] = {"cudaStreamSynchronize_v3020",
                              "cudaStreamSynchronize", 0, 3000, 0.30};
  v[kApiEventSynchronize] = {"cudaEventSynchronize_v3020",
                             "cudaEventSynchronize", 0, 2500, 0.30};
  v[kApiDeviceSynchronize] = {"cudaDeviceSynchronize_v3020",
                              "cudaDeviceSynchronize", 0, 4000, 0.30};
  v[kApiCuStreamSynchronize] = {"cuStreamSynchronize", "cuStreamSynchronize", 1,
                                2500, 0.30};
  v[kApiStreamWaitEvent] = {"cudaStreamWaitEvent_v3020", "cudaStreamWaitEvent",
                            0, 1900, 0.30};
  v[kApiEventQuery] = {"cudaEventQuery_v3020", "cudaEventQuery", 0, 2300, 0.40};
  v[kApiStreamQuery] = {"cudaStreamQuery_v5000", "cudaStreamQuery", 0, 1800,
                        0.40};
  v[kApiEventRecord] = {"cudaEventRecord_v3020", "cudaEventRecord", 0, 2100,
                        0.30};
  v[kApiStreamIsCapturing] = {"cudaStreamIsCapturing_v10000",
                              "cudaStreamIsCapturing", 0, 600, 0.35};
  v[kApiKernelGetAttribute] = {"cuKernelGetAttribute", "cuKernelGetAttribute",
                               1, 450, 0.30};
  v[kApiGetDevice] = {"cudaGetDevice_v3020", "cudaGetDevice", 0, 350, 0.30};
  v[kApiStreamGetCaptureInfo] = {"cudaStreamGetCaptureInfo_v2_v11030",
                                 "cudaStreamGetCaptureInfo_v2", 0, 700, 0.30};
  return v;
}

}  // namespace

const char* KernelCategory(int kernel) {
  switch (kernel) {
    case kFlashFwd:
    case kUnifiedAttn2d:
    case kUnifiedAttn3d:
    case kReduceSegments:  // the split-KV reduction of unified attention
      return "attention";
    case kRmsNormIn:
    case kRmsNormPost:  // triton ..._mean_..._rsqrt: RMSNorm
      return "norm";
    case kSiluMul:
      return "activation";
    case kRotary:  // triton_poi_fused_4: the name names no op
      return "elementwise";
    case kRedFused:  // triton_red_fused_3: a reduction, no op named
      return "reduce";
    case kReshapeAndCache:
      return "kv_cache";
    case kFillInt8:
    case kFillHalf:
    case kFillLong:
      return "memory";
    case kRadixSortAsc:
    case kRadixSortDesc:
      return "sampling";
    case kNcclAllReduce:
    case kNcclAllGather:
      return "communication";
    default:  // cuBLAS/CUTLASS GEMMs and the split-K reduction
      return "gemm";
  }
}

const char* SyncKindName(SyncKind k) {
  switch (k) {
    case SyncKind::kHostSync:
      return "host_sync";
    case SyncKind::kSyncCopy:
      return "sync_copy";
    case SyncKind::kDeviceWait:
      return "device_wait";
    case SyncKind::kPoll:
      return "poll";
    case SyncKind::kNone:
      break;
  }
  return "";
}

std::string ApiBaseName(std::string_view raw) {
  std::string s(raw);
  auto ends_with = [&](std::string_view suf) {
    return s.size() >= suf.size() &&
           s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
  };
  if (ends_with("_ptsz") || ends_with("_ptds")) {
    s.resize(s.size() - 5);
    return s;
  }
  // Trailing _v<digits>.
  size_t i = s.size();
  while (i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]))) --i;
  if (i < s.size() && i >= 2 && s[i - 1] == 'v' && s[i - 2] == '_') {
    s.resize(i - 2);
  }
  return s;
}

SyncKind ClassifySync(std::string_view raw) {
  const std::string b = ApiBaseName(raw);
  for (const char* n : {"cudaDeviceSynchronize", "cudaStreamSynchronize",
                        "cudaEventSynchronize", "cuCtxSynchronize",
                        "cuStreamSynchronize", "cuEventSynchronize"}) {
    if (b == n) return SyncKind::kHostSync;
  }
  for (const char* n :
       {"cudaMemcpy", "cudaMemcpy2D", "cudaMemcpy3D", "cudaMemcpyToSymbol",
        "cudaMemcpyFromSymbol", "cudaMemset", "cuMemcpyHtoD", "cuMemcpyDtoH",
        "cuMemcpyDtoD", "cuMemcpy", "cuMemsetD8", "cuMemsetD16",
        "cuMemsetD32"}) {
    if (b == n) return SyncKind::kSyncCopy;
  }
  if (b == "cudaStreamWaitEvent" || b == "cuStreamWaitEvent") {
    return SyncKind::kDeviceWait;
  }
  for (const char* n :
       {"cudaEventQuery", "cudaStreamQuery", "cuEventQuery", "cuStreamQuery"}) {
    if (b == n) return SyncKind::kPoll;
  }
  return SyncKind::kNone;
}

int64_t Catalog::Intern(std::string_view s) {
  auto it = string_index_.find(std::string(s));
  if (it != string_index_.end()) return it->second;
  const int64_t id = static_cast<int64_t>(strings_.size());
  strings_.emplace_back(s);
  string_index_.emplace(std::string(s), id);
  return id;
}

int64_t Catalog::Lookup(std::string_view s) const {
  auto it = string_index_.find(std::string(s));
  return it == string_index_.end() ? -1 : it->second;
}

Catalog::Catalog(int layers) : layers_(layers) {
  // Thread and process names first (ids 0..), as nsys does.
  Intern("python3");
  Intern("async_output");

  kernels_ = BuildKernels();
  for (KernelSpec& k : kernels_) {
    k.demangled_id = Intern(k.demangled);
    k.short_id = Intern(k.short_name);
    k.mangled_id = Intern(k.mangled ? k.mangled : k.demangled);
  }
  apis_ = BuildApis();
  sync_kind_.resize(apis_.size());
  for (size_t i = 0; i < apis_.size(); ++i) {
    apis_[i].name_id = Intern(apis_[i].name);
    apis_[i].backtrace_id = Intern(apis_[i].backtrace_name);
    sync_kind_[i] = ClassifySync(apis_[i].name);
  }

  nvtx_.resize(kNvtxLayer0 + layers);
  auto set = [&](int i, std::string text, bool registered, int domain = 0) {
    nvtx_[i] = NvtxNameSpec{std::move(text), registered, domain, 0};
  };
  set(kNvtxExecuteModel, "execute_model", true);
  set(kNvtxPrefill, "prefill", false);
  set(kNvtxDecodeStep, "decode_step", false);
  set(kNvtxPrepareInputs, "prepare_inputs", true);
  set(kNvtxModelForward, "model_forward", false);
  set(kNvtxGraphReplay, "CUDAGraphRunner.replay", false);
  set(kNvtxSample, "sample", false);
  set(kNvtxProcessOutputs, "process_outputs", false);
  set(kNvtxRequest, "request", false);
  set(kNvtxKvTransfer, "kv_transfer", true);
  set(kNvtxBusyLoop, "EngineCoreProc.run_busy_loop", false);
  set(kNvtxInputLayernorm, "input_layernorm", false);
  set(kNvtxPostLayernorm, "post_attention_layernorm", false);
  set(kNvtxAttention, "unified_attention", false);
  set(kNvtxSiluAndMul, "silu_and_mul", false);
  set(kNvtxLinear, "aten::linear", false);
  set(kNvtxMatmul, "aten::matmul", false);
  set(kNvtxMm, "aten::mm", false);
  set(kNvtxAddmm, "aten::addmm", false);
  set(kNvtxZero, "aten::zero_", false);
  set(kNvtxFill, "aten::fill_", false);
  set(kNvtxCopy, "aten::copy_", false);
  set(kNvtxArgmax, "aten::argmax", false);
  set(kNvtxSort, "aten::sort", false);
  set(kNvtxNcclAllReduce, "ncclAllReduce", true, 1);
  set(kNvtxNcclAllGather, "ncclAllGather", true, 1);
  set(kNvtxNcclGroupStart, "ncclGroupStart", true, 1);
  set(kNvtxNcclGroupEnd, "ncclGroupEnd", true, 1);
  static const char* const kFillers[] = {
      "aten::empty",      "aten::view",          "aten::slice",
      "aten::as_strided", "aten::reshape",       "aten::t",
      "aten::transpose",  "aten::select",        "aten::unsqueeze",
      "aten::detach",     "aten::empty_strided", "aten::_to_copy"};
  static_assert(sizeof(kFillers) / sizeof(kFillers[0]) ==
                kNvtxFillerLast - kNvtxFillerFirst + 1);
  for (int i = kNvtxFillerFirst; i <= kNvtxFillerLast; ++i) {
    set(i, kFillers[i - kNvtxFillerFirst], false);
  }
  for (int i = 0; i < layers; ++i) {
    set(kNvtxLayer0 + i, fmt::format("layer_{}", i), false);
  }
  for (NvtxNameSpec& n : nvtx_) {
    if (n.registered) n.string_id = Intern(n.text);
  }
  Intern("NCCL");
}

}  // namespace nsysexplain::synth
