// Kernel base names (ext/core/kernel_name.h) on hand-written forms and real
// demangled names from Nsight Systems exports; every distinct kernel name of
// ../shared is pinned in tests/conformance/kernel_base_names.golden.
#include "core/kernel_name.h"

#include <gtest/gtest.h>

#include <string>

namespace nsysexplain::core {
namespace {

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

TEST(KernelBaseName, FlashAttentionExampleOfTheIssue) {
  EXPECT_EQ(KernelBaseName("void flash::flash_fwd_kernel<Flash_fwd_kernel_traits<(int)128, "
                           "(int)128, (int)64, (int)4, (bool)0, (bool)0, cutlass::bfloat16_t, "
                           "Flash_kernel_traits<(int)128, (int)128, (int)64, (int)4, "
                           "cutlass::bfloat16_t>>, (bool)0, (bool)1>(flash::Flash_fwd_params)"),
            "flash::flash_fwd_kernel");
  EXPECT_EQ(KernelBaseName("void flash::flash_fwd_kernel<Flash_fwd_kernel_traits<...>, "
                           "true>(Flash_fwd_params)"),
            "flash::flash_fwd_kernel");
}

TEST(KernelBaseName, ReturnTypes) {
  EXPECT_EQ(KernelBaseName("std::enable_if<(bool)1, void>::type ns::k<float>(float *)"),
            "ns::k");
  EXPECT_EQ(KernelBaseName("const T1 *ns::k<int>(int)"), "ns::k");
  EXPECT_EQ(KernelBaseName("unsigned int k(int)"), "k");
  EXPECT_EQ(KernelBaseName("void k (int)"), "k");
}

TEST(KernelBaseName, OperatorNames) {
  EXPECT_EQ(KernelBaseName("void ns::F<int>::operator()<float>(float) const"),
            "ns::F::operator()");
  EXPECT_EQ(KernelBaseName("void ns::operator<<<int>(int)"), "ns::operator<<");
  EXPECT_EQ(KernelBaseName("bool ns::operator< (ns::A, ns::A)"), "ns::operator<");
  EXPECT_EQ(KernelBaseName("ns::A::operator bool() const"), "ns::A::operator bool");
  EXPECT_EQ(KernelBaseName("void *operator new[](unsigned long)"), "operator new[]");
  // An identifier that starts with "operator" is no operator.
  EXPECT_EQ(KernelBaseName("void operator_kernel<int>(int)"), "operator_kernel");
}

TEST(KernelBaseName, LambdaComponentsKept) {
  EXPECT_EQ(KernelBaseName("void ns::<lambda(int)>::operator()(int) const"),
            "ns::<lambda(int)>::operator()");
  EXPECT_EQ(KernelBaseName("void ns::f(int)::[lambda(float) (instance 1)]::operator()"),
            "ns::f");
  EXPECT_EQ(KernelBaseName("void ns::[lambda(float) (instance 1)]::k<int>(int)"),
            "ns::[lambda(float) (instance 1)]::k");
  EXPECT_EQ(KernelBaseName("void ns::{lambda(int)#1}::k<int>(int)"),
            "ns::{lambda(int)#1}::k");
  EXPECT_EQ(KernelBaseName("void {anonymous}::k<int>(int)"), "{anonymous}::k");
}

TEST(KernelBaseName, MangledAndUnbalancedUnchanged) {
  for (const char* n : {"_Z17vectorized_kernelILi4EEvPf", "_ZN5flash15flash_fwd_kernelEv",
                        "<<<", "void k<int(int)", "foo<", "(", "<lambda"})
    EXPECT_EQ(KernelBaseName(n), n) << n;
}

}  // namespace
}  // namespace nsysexplain::core
