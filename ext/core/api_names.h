// CUDA runtime/driver API name helpers (docs/SEMANTICS.md, "Sync calls").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace nsysexplain::core {

// Strips a version/per-thread suffix: `_v3020`, `_v2`, `_ptsz`, `_ptds`
// (repeatedly, so `cudaMemcpyAsync_ptsz_v7000` -> `cudaMemcpyAsync`).
std::string_view ApiBaseName(std::string_view name);

enum class ApiKind {
  kOther,
  kHostSync,    // cudaDeviceSynchronize, cuStreamSynchronize, ...
  kSyncCopy,    // cudaMemcpy (not Async), cuMemsetD32, ...
  kDeviceWait,  // cudaStreamWaitEvent: a device-side dependency
  kPoll,        // cudaEventQuery, cudaStreamQuery: non-blocking
  kLaunch,      // cudaLaunchKernel, cuLaunchKernel, cudaGraphLaunch, ...
};

ApiKind ClassifyApi(std::string_view name);

// Calls whose every row the runtime loader keeps with its times and thread
// (core::RuntimeCalls::markers): few per step, and what step detection, idle
// causes and allocation churn need.
enum class MarkerKind : uint8_t {
  kNone,
  kHostSync,    // ApiKind::kHostSync
  kSyncCopy,    // ApiKind::kSyncCopy
  kGraphLaunch, // cudaGraphLaunch, cuGraphLaunch
  kGraphBuild,  // stream capture begin/end, graph instantiate/upload/update
  kAlloc,       // cudaMalloc*/cudaFree*/cuMemAlloc*/cuMemFree*/pool calls
  kAsyncCopy,   // cudaMemcpy*Async, cudaMemset*Async, cuMemcpy*Async, cuMemset*Async
};
MarkerKind ClassifyMarker(std::string_view name);
const char* MarkerKindName(MarkerKind kind);  // "host_sync", "graph_launch", ...
const char* ApiKindName(ApiKind kind);  // "host_sync", "sync_copy", ...

}  // namespace nsysexplain::core
