#include "api_names.h"

#include <array>
#include <cctype>

namespace nsysexplain::core {

std::string_view ApiBaseName(std::string_view name) {
  for (;;) {
    size_t us = name.rfind('_');
    if (us == std::string_view::npos || us == 0) return name;
    std::string_view tail = name.substr(us + 1);
    bool strip = false;
    if (tail == "ptsz" || tail == "ptds") {
      strip = true;
    } else if (tail.size() >= 2 && tail[0] == 'v') {
      strip = true;
      for (size_t i = 1; i < tail.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(tail[i]))) strip = false;
    }
    if (!strip) return name;
    name = name.substr(0, us);
  }
}

namespace {
template <size_t N>
bool In(std::string_view s, const std::array<std::string_view, N>& set) {
  for (std::string_view x : set)
    if (s == x) return true;
  return false;
}
}  // namespace

ApiKind ClassifyApi(std::string_view name) {
  std::string_view b = ApiBaseName(name);
  static const std::array<std::string_view, 6> kHostSync = {
      "cudaDeviceSynchronize", "cudaStreamSynchronize", "cudaEventSynchronize",
      "cuCtxSynchronize",      "cuStreamSynchronize",   "cuEventSynchronize"};
  static const std::array<std::string_view, 17> kSyncCopy = {
      "cudaMemcpy",         "cudaMemcpy2D",         "cudaMemcpy3D",
      "cudaMemcpyToSymbol", "cudaMemcpyFromSymbol", "cudaMemcpyPeer",
      "cudaMemset",         "cudaMemset2D",         "cudaMemset3D",
      "cuMemcpyHtoD",       "cuMemcpyDtoH",         "cuMemcpyDtoD",
      "cuMemcpy",           "cuMemcpyPeer",         "cuMemsetD8",
      "cuMemsetD16",        "cuMemsetD32"};
  static const std::array<std::string_view, 2> kWait = {"cudaStreamWaitEvent",
                                                        "cuStreamWaitEvent"};
  static const std::array<std::string_view, 4> kPoll = {
      "cudaEventQuery", "cudaStreamQuery", "cuEventQuery", "cuStreamQuery"};
  static const std::array<std::string_view, 9> kLaunch = {
      "cudaLaunchKernel",      "cudaLaunchKernelExC",
      "cudaLaunchCooperativeKernel", "cuLaunchKernel",
      "cuLaunchKernelEx",      "cuLaunchCooperativeKernel",
      "cudaGraphLaunch",       "cuGraphLaunch",
      "cudaLaunchHostFunc"};
  if (In(b, kHostSync)) return ApiKind::kHostSync;
  if (In(b, kSyncCopy)) return ApiKind::kSyncCopy;
  if (In(b, kWait)) return ApiKind::kDeviceWait;
  if (In(b, kPoll)) return ApiKind::kPoll;
  if (In(b, kLaunch)) return ApiKind::kLaunch;
  return ApiKind::kOther;
}

MarkerKind ClassifyMarker(std::string_view name) {
  if (name.size() < 2 || name[0] != 'c' || name[1] != 'u') return MarkerKind::kNone;
  switch (ClassifyApi(name)) {
    case ApiKind::kHostSync: return MarkerKind::kHostSync;
    case ApiKind::kSyncCopy: return MarkerKind::kSyncCopy;
    default: break;
  }
  std::string_view b = ApiBaseName(name);
  if (b == "cudaGraphLaunch" || b == "cuGraphLaunch") return MarkerKind::kGraphLaunch;
  static const std::array<std::string_view, 12> kBuild = {
      "cudaStreamBeginCapture", "cudaStreamEndCapture", "cuStreamBeginCapture",
      "cuStreamEndCapture",     "cudaGraphInstantiate", "cudaGraphInstantiateWithFlags",
      "cuGraphInstantiate",     "cuGraphInstantiateWithFlags", "cudaGraphUpload",
      "cuGraphUpload",          "cudaGraphExecUpdate",  "cuGraphExecUpdate"};
  if (In(b, kBuild)) return MarkerKind::kGraphBuild;
  static const std::array<std::string_view, 6> kAllocPrefix = {
      "cudaMalloc", "cudaFree", "cudaHostAlloc", "cuMemAlloc", "cuMemFree",
      "cuMemHostAlloc"};
  for (std::string_view pre : kAllocPrefix)
    if (b.substr(0, pre.size()) == pre) return MarkerKind::kAlloc;
  static const std::array<std::string_view, 4> kCopyPrefix = {"cudaMemcpy", "cudaMemset",
                                                              "cuMemcpy", "cuMemset"};
  constexpr std::string_view kAsync = "Async";
  if (b.size() > kAsync.size() && b.substr(b.size() - kAsync.size()) == kAsync)
    for (std::string_view pre : kCopyPrefix)
      if (b.substr(0, pre.size()) == pre) return MarkerKind::kAsyncCopy;
  return MarkerKind::kNone;
}

const char* MarkerKindName(MarkerKind kind) {
  switch (kind) {
    case MarkerKind::kHostSync: return "host_sync";
    case MarkerKind::kSyncCopy: return "sync_copy";
    case MarkerKind::kGraphLaunch: return "graph_launch";
    case MarkerKind::kGraphBuild: return "graph_build";
    case MarkerKind::kAlloc: return "alloc";
    case MarkerKind::kAsyncCopy: return "async_copy";
    case MarkerKind::kNone: break;
  }
  return "none";
}

const char* ApiKindName(ApiKind kind) {
  switch (kind) {
    case ApiKind::kHostSync: return "host_sync";
    case ApiKind::kSyncCopy: return "sync_copy";
    case ApiKind::kDeviceWait: return "device_wait";
    case ApiKind::kPoll: return "poll";
    case ApiKind::kLaunch: return "launch";
    case ApiKind::kOther: return "other";
  }
  return "other";
}
}  // namespace nsysexplain::core
