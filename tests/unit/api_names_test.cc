// CUDA API and kernel name helpers (ext/core/api_names.h), checked against
// docs/SEMANTICS.md ("API base name", "Sync calls") and real kernel names from
// Nsight Systems exports.
#include "core/api_names.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace nsysexplain::core {
namespace {

TEST(ApiBaseName, StripsVersionSuffix) {
  EXPECT_EQ(ApiBaseName("cudaStreamSynchronize_v3020"), "cudaStreamSynchronize");
  EXPECT_EQ(ApiBaseName("cudaLaunchKernel_v7000"), "cudaLaunchKernel");
  EXPECT_EQ(ApiBaseName("cuMemcpyHtoD_v2"), "cuMemcpyHtoD");
}

TEST(ApiBaseName, StripsPerThreadSuffixes) {
  EXPECT_EQ(ApiBaseName("cudaMemcpyAsync_ptsz"), "cudaMemcpyAsync");
  EXPECT_EQ(ApiBaseName("cudaStreamSynchronize_ptds"), "cudaStreamSynchronize");
  EXPECT_EQ(ApiBaseName("cudaMemcpyAsync_ptsz_v7000"), "cudaMemcpyAsync");
  EXPECT_EQ(ApiBaseName("cudaLaunchKernel_ptsz_v7000"), "cudaLaunchKernel");
  EXPECT_EQ(ApiBaseName("cuLaunchKernel_ptsz"), "cuLaunchKernel");
  EXPECT_EQ(ApiBaseName("cuMemcpyDtoHAsync_v2_ptsz"), "cuMemcpyDtoHAsync");
}

TEST(ApiBaseName, KeepsOtherNames) {
  EXPECT_EQ(ApiBaseName("cudaGetDeviceCount"), "cudaGetDeviceCount");
  EXPECT_EQ(ApiBaseName("cuStreamSynchronize"), "cuStreamSynchronize");
  EXPECT_EQ(ApiBaseName(""), "");
  EXPECT_EQ(ApiBaseName("foo_v"), "foo_v");        // no digits
  EXPECT_EQ(ApiBaseName("foo_v2x"), "foo_v2x");    // not all digits
  EXPECT_EQ(ApiBaseName("foo_V2"), "foo_V2");      // case-sensitive
  EXPECT_EQ(ApiBaseName("foo_bar"), "foo_bar");
  EXPECT_EQ(ApiBaseName("_v3020"), "_v3020");      // nothing left to keep
  EXPECT_EQ(ApiBaseName("my_ptsz_thing"), "my_ptsz_thing");
  EXPECT_EQ(ApiBaseName("ncclGroupEnd"), "ncclGroupEnd");
}

TEST(ClassifyApi, HostSync) {
  for (const char* n :
       {"cudaDeviceSynchronize", "cudaStreamSynchronize", "cudaEventSynchronize",
        "cuCtxSynchronize", "cuStreamSynchronize", "cuEventSynchronize",
        "cudaDeviceSynchronize_v3020", "cudaStreamSynchronize_v3020",
        "cudaEventSynchronize_v3020", "cudaStreamSynchronize_ptsz_v7000",
        "cuCtxSynchronize_v2"}) {
    EXPECT_EQ(ClassifyApi(n), ApiKind::kHostSync) << n;
  }
}

TEST(ClassifyApi, SyncCopy) {
  for (const char* n :
       {"cudaMemcpy", "cudaMemcpy_v3020", "cudaMemcpy2D", "cudaMemcpy2D_v3020",
        "cudaMemcpy3D", "cudaMemcpyToSymbol", "cudaMemcpyFromSymbol_v3020",
        "cudaMemset", "cudaMemset_v3020", "cuMemcpyHtoD", "cuMemcpyHtoD_v2",
        "cuMemcpyDtoH_v2", "cuMemcpyDtoD_v2", "cuMemcpy", "cuMemsetD8_v2",
        "cuMemsetD16", "cuMemsetD32_v2",
        // Not in the SEMANTICS table but blocking as well (see report).
        "cudaMemcpyPeer", "cudaMemset2D", "cudaMemset3D", "cuMemcpyPeer"}) {
    EXPECT_EQ(ClassifyApi(n), ApiKind::kSyncCopy) << n;
  }
}

TEST(ClassifyApi, AsyncFormsAreOther) {
  for (const char* n :
       {"cudaMemcpyAsync", "cudaMemcpyAsync_v3020", "cudaMemcpyAsync_ptsz_v7000",
        "cudaMemsetAsync", "cudaMemcpy2DAsync_v3020", "cuMemcpyHtoDAsync_v2",
        "cuMemcpyDtoHAsync_v2", "cuMemsetD32Async", "cudaMemcpyToSymbolAsync",
        "cudaMalloc", "cudaFree", "cudaGetDevice", "cudaEventRecord",
        "cudaStreamCreate", "ncclGroupStart", ""}) {
    EXPECT_EQ(ClassifyApi(n), ApiKind::kOther) << n;
  }
}

TEST(ClassifyApi, DeviceWait) {
  for (const char* n : {"cudaStreamWaitEvent", "cudaStreamWaitEvent_v3020",
                        "cudaStreamWaitEvent_ptsz", "cuStreamWaitEvent"}) {
    EXPECT_EQ(ClassifyApi(n), ApiKind::kDeviceWait) << n;
  }
}

TEST(ClassifyApi, Poll) {
  for (const char* n : {"cudaEventQuery", "cudaEventQuery_v3020",
                        "cudaStreamQuery", "cudaStreamQuery_v3020",
                        "cuEventQuery", "cuStreamQuery"}) {
    EXPECT_EQ(ClassifyApi(n), ApiKind::kPoll) << n;
  }
}

TEST(ClassifyApi, Launch) {
  for (const char* n :
       {"cudaLaunchKernel", "cudaLaunchKernel_v7000",
        "cudaLaunchKernel_ptsz_v7000", "cudaLaunchKernelExC_v11060",
        "cudaLaunchCooperativeKernel", "cuLaunchKernel", "cuLaunchKernelEx",
        "cuLaunchCooperativeKernel", "cudaGraphLaunch_v10000", "cuGraphLaunch",
        "cudaLaunchHostFunc"}) {
    EXPECT_EQ(ClassifyApi(n), ApiKind::kLaunch) << n;
  }
}

TEST(ClassifyApi, CaseSensitiveExactBaseName) {
  EXPECT_EQ(ClassifyApi("CUDADEVICESYNCHRONIZE"), ApiKind::kOther);
  EXPECT_EQ(ClassifyApi("cudaDeviceSynchronizeX"), ApiKind::kOther);
  EXPECT_EQ(ClassifyApi("xcudaMemcpy"), ApiKind::kOther);
}

TEST(ApiKindName, EveryKind) {
  EXPECT_STREQ(ApiKindName(ApiKind::kOther), "other");
  EXPECT_STREQ(ApiKindName(ApiKind::kHostSync), "host_sync");
  EXPECT_STREQ(ApiKindName(ApiKind::kSyncCopy), "sync_copy");
  EXPECT_STREQ(ApiKindName(ApiKind::kDeviceWait), "device_wait");
  EXPECT_STREQ(ApiKindName(ApiKind::kPoll), "poll");
  EXPECT_STREQ(ApiKindName(ApiKind::kLaunch), "launch");
}

// Names as they appear in CUPTI_ACTIVITY_KIND_KERNEL.demangledName
// (/work/shared/seeds/*.txt).
TEST(KernelBaseName, RealTemplatedNames) {
  EXPECT_EQ(KernelBaseName(
                "void at::native::vectorized_elementwise_kernel<(int)4, "
                "at::native::FillFunctor<c10::Half>, std::array<char *, "
                "(unsigned long)1>>(int, T2, T3)"),
            "at::native::vectorized_elementwise_kernel");
  EXPECT_EQ(KernelBaseName(
                "void at::native::vectorized_elementwise_kernel<(int)2, "
                "at::native::FillFunctor<long>, std::array<char *, "
                "(unsigned long)1>>(int, T2, T3)"),
            "at::native::vectorized_elementwise_kernel");
  EXPECT_EQ(KernelBaseName(
                "void at_cuda_detail::cub::DeviceSegmentedRadixSortKernel<"
                "at_cuda_detail::cub::DeviceRadixSortPolicy<float, long, "
                "int>::Policy900, (bool)0, (bool)0, float, long, "
                "at::native::<unnamed>::offset_t, "
                "at::native::<unnamed>::offset_t, int, "
                "at_cuda_detail::cub::detail::identity_decomposer_t>(const T4 "
                "*, T4 *, const T5 *, T5 *, T6, T7, int, int, int, T9)"),
            "at_cuda_detail::cub::DeviceSegmentedRadixSortKernel");
  EXPECT_EQ(KernelBaseName(
                "void cublasLt::splitKreduce_kernel<(int)32, (int)16, int, "
                "float, __half, float, __half, (bool)0, __half, __half, "
                "__half, (bool)1, (bool)0, (bool)0>(cublasLt::"
                "cublasSplitKParams<T6>, const T4 *, const T10 *, T9 *, T5 "
                "*, const T6 *, const T6 *, const T11 *, const T4 *, T11 *, "
                "void *, long, T6 *, int *, T6 *, T6 *, const T6 *, const T6 "
                "*, const T6 *, const T6 *, const T6 *)"),
            "cublasLt::splitKreduce_kernel");
  EXPECT_EQ(KernelBaseName("void cutlass::Kernel2<cutlass_80_tensorop_f16_"
                           "s16816gemm_relu_f16_128x128_32x5_tn_align8>(T1::"
                           "Params)"),
            "cutlass::Kernel2");
  EXPECT_EQ(KernelBaseName(
                "void at::native::elementwise_kernel<128, 4, "
                "at::native::gpu_kernel_impl<at::native::<lambda(at::"
                "TensorIteratorBase&)>::operator()(at::TensorIteratorBase&)"
                "::<lambda()>::operator()() const::<lambda(float)> >(at::"
                "TensorIteratorBase&, const func_t&)::<lambda(int)> >(int, "
                "func_t)"),
            "at::native::elementwise_kernel");
}

TEST(KernelBaseName, PlainNamesUnchanged) {
  for (const char* n :
       {"ampere_fp16_s16816gemm_fp16_128x128_ldg8_f2f_stages_32x5_tn",
        "kernel_unified_attention_2d", "triton_poi_fused_mul_silu_slice_1",
        "sm80_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize96x64x64_stage4_"
        "warpsize2x2x1_tensor16x8x16_execute_kernel__5x_cublas",
        "reshape_and_cache_kernel_flash"}) {
    EXPECT_EQ(KernelBaseName(n), n);
  }
}

TEST(KernelBaseName, SimpleForms) {
  EXPECT_EQ(KernelBaseName("void foo<(bool)1>(T1)"), "foo");
  EXPECT_EQ(KernelBaseName("foo(int, float)"), "foo");
  EXPECT_EQ(KernelBaseName("ns::foo<int>"), "ns::foo");
  EXPECT_EQ(KernelBaseName(""), "");
}

TEST(KernelBaseName, AnonymousNamespaceKept) {
  // nsys demangles anonymous namespaces as `<unnamed>` (or, with other
  // demanglers, `(anonymous namespace)`): a name component, not template
  // arguments or a parameter list.
  EXPECT_EQ(KernelBaseName("void at::native::<unnamed>::distribution_elementwise"
                           "_grid_stride_kernel<float, (int)4>(int, T3)"),
            "at::native::<unnamed>::distribution_elementwise_grid_stride_kernel");
  EXPECT_EQ(KernelBaseName("void at::native::(anonymous namespace)::"
                           "cunn_SoftMaxForward<(int)4, float>(T3 *, int)"),
            "at::native::(anonymous namespace)::cunn_SoftMaxForward");
  EXPECT_EQ(KernelBaseName("<unnamed>::foo(int)"), "<unnamed>::foo");
}


TEST(ClassifyMarker, Kinds) {
  using M = MarkerKind;
  const std::pair<const char*, M> cases[] = {
      {"cudaStreamSynchronize_v3020", M::kHostSync},
      {"cuCtxSynchronize", M::kHostSync},
      {"cudaMemcpy_v3020", M::kSyncCopy},
      {"cudaGraphLaunch_v10000", M::kGraphLaunch},
      {"cuGraphLaunch_ptsz", M::kGraphLaunch},
      {"cudaStreamBeginCapture_v10000", M::kGraphBuild},
      {"cudaGraphInstantiateWithFlags_v11040", M::kGraphBuild},
      {"cuGraphUpload", M::kGraphBuild},
      {"cudaMalloc_v3020", M::kAlloc},
      {"cudaMallocAsync_ptsz_v11020", M::kAlloc},
      {"cudaFreeHost", M::kAlloc},
      {"cuMemAlloc_v2", M::kAlloc},
      {"cuMemFreeAsync", M::kAlloc},
      {"cudaLaunchKernel_v7000", M::kNone},
      {"cudaMemcpyAsync_v3020", M::kNone},
      {"cudaEventQuery", M::kNone},
      {"void flash::flash_fwd_kernel<int>(Params)", M::kNone},
      {"", M::kNone},
  };
  for (const auto& [name, kind] : cases) {
    EXPECT_EQ(ClassifyMarker(name), kind) << name;
  }
  EXPECT_STREQ(MarkerKindName(M::kGraphLaunch), "graph_launch");
  EXPECT_STREQ(MarkerKindName(M::kNone), "none");
}

}  // namespace
}  // namespace nsysexplain::core
