// CUDA API name helpers (ext/core/api_names.h), checked against
// docs/SEMANTICS.md ("API base name", "Sync calls").
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
      {"cudaMemcpyAsync_v3020", M::kAsyncCopy},
      {"cudaMemcpyAsync_ptsz_v7000", M::kAsyncCopy},
      {"cudaMemsetAsync_v3020", M::kAsyncCopy},
      {"cudaMemcpy2DAsync_v3020", M::kAsyncCopy},
      {"cuMemcpyHtoDAsync_v2", M::kAsyncCopy},
      {"cuMemsetD32Async", M::kAsyncCopy},
      {"cudaMemPrefetchAsync_v8000", M::kNone},
      {"cudaMemcpyAsyncX", M::kNone},
      {"cudaEventQuery", M::kNone},
      {"void flash::flash_fwd_kernel<int>(Params)", M::kNone},
      {"", M::kNone},
  };
  for (const auto& [name, kind] : cases) {
    EXPECT_EQ(ClassifyMarker(name), kind) << name;
  }
  EXPECT_STREQ(MarkerKindName(M::kGraphLaunch), "graph_launch");
  EXPECT_STREQ(MarkerKindName(M::kNone), "none");
  EXPECT_STREQ(MarkerKindName(M::kAsyncCopy), "async_copy");
}

}  // namespace
}  // namespace nsysexplain::core
