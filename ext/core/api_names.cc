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
  return MarkerKind::kNone;
}

const char* MarkerKindName(MarkerKind kind) {
  switch (kind) {
    case MarkerKind::kHostSync: return "host_sync";
    case MarkerKind::kSyncCopy: return "sync_copy";
    case MarkerKind::kGraphLaunch: return "graph_launch";
    case MarkerKind::kGraphBuild: return "graph_build";
    case MarkerKind::kAlloc: return "alloc";
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

std::string KernelBaseName(std::string_view s) {
  // Anonymous namespaces are name components, not template arguments or a
  // parameter list: nsys prints `ns::<unnamed>::f`, other demanglers
  // `ns::(anonymous namespace)::f`.
  static constexpr std::string_view kAnon = "(anonymous namespace)";
  // True if position i of text starts a name component (start of text, after
  // a space or after "::"); a template argument list never does.
  auto starts_component = [](std::string_view text, size_t i) {
    return i == 0 || text[i - 1] == ' ' ||
           (i >= 2 && text.substr(i - 2, 2) == "::");
  };
  // Cut the parameter list: the first top-level '(' (templates may contain
  // parentheses like "(int)4", so track <> depth).
  int depth = 0;
  size_t paren = std::string_view::npos;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '<') ++depth;
    else if (c == '>') { if (depth > 0) --depth; }
    else if (c == '(' && depth == 0) {
      if (s.substr(i, kAnon.size()) == kAnon && starts_component(s, i)) {
        i += kAnon.size() - 1;
        continue;
      }
      paren = i;
      break;
    }
  }
  std::string_view head = s.substr(0, paren);
  // Drop template arguments (all top-level <...> groups), but keep a `<...>`
  // name component (`ns::<unnamed>::f`, `ns::<lambda()>::f`).
  std::string out;
  depth = 0;
  for (size_t i = 0; i < head.size(); ++i) {
    char c = head[i];
    if (c == '<' && depth == 0 && starts_component(out, out.size())) {
      int d = 0;
      size_t j = i;
      for (; j < head.size(); ++j) {
        if (head[j] == '<') ++d;
        else if (head[j] == '>' && --d == 0) break;
      }
      if (j < head.size()) {
        out.append(head.substr(i, j - i + 1));
        i = j;
        continue;
      }
    }
    if (c == '<') { ++depth; continue; }
    if (c == '>') { if (depth > 0) --depth; continue; }
    if (depth == 0) out.push_back(c);
  }
  // Drop a return type: keep the text after the last space that is not
  // inside "(anonymous namespace)".
  size_t sp = std::string::npos;
  for (size_t i = 0, pd = 0; i < out.size(); ++i) {
    if (out[i] == '(') ++pd;
    else if (out[i] == ')') { if (pd > 0) --pd; }
    else if (out[i] == ' ' && pd == 0) sp = i;
  }
  if (sp != std::string::npos) out = out.substr(sp + 1);
  if (out.empty()) return std::string(s);
  return out;
}

}  // namespace nsysexplain::core
