// nsys-explain-synth: the fixed vocabulary of a generated trace.
//
// Kernel names come from a real vLLM/A100 report (shared/seeds/000_*.txt)
// and the 2026.2 reference export; API names are the raw CUPTI names with
// their version suffixes; NVTX names mimic vLLM + PyTorch emit_nvtx.
// Catalog assigns every string its StringIds id up front, so a trace's
// StringIds table depends on the layer count only.
#ifndef NSYSEXPLAIN_TOOLS_SYNTH_CATALOG_H_
#define NSYSEXPLAIN_TOOLS_SYNTH_CATALOG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nsysexplain::synth {

// How a kernel is launched when it is not part of a CUDA graph.
enum class LaunchVia : uint8_t {
  kRuntime,     // cudaLaunchKernel_v7000 (eventClass 0)
  kDriverEx,    // cuLaunchKernelEx (eventClass 1), e.g. Triton
  kRuntimeExC,  // cudaLaunchKernelExC_v11060 (eventClass 0), e.g. NCCL
};

struct KernelSpec {
  const char* demangled;
  const char* short_name;
  const char* mangled;  // nullptr: same text as `demangled`
  double median_us;     // at scale 1.0
  double sigma;         // lognormal sigma
  LaunchVia via;
  int regs;
  int grid[3];
  int block[3];
  int static_smem;
  int dynamic_smem;
  int64_t local_total;
  int smem_executed;
  int smem_limit_config;
  int cluster[3];
  int cluster_policy;
  int max_potential_cluster;
  int max_active_clusters;
  // Filled by Catalog.
  int64_t demangled_id = 0;
  int64_t short_id = 0;
  int64_t mangled_id = 0;
};

// Kernel catalog indices (see catalog.cc for the names).
enum Kernel : int {
  kGemmQkvDec,
  kGemmQkvDecWide,
  kGemmOprojDec,
  kGemmGateUpDec,
  kGemmDownDec,
  kSplitKReduce,
  kGemmLmHeadDec,
  kGemmQkvPre,
  kGemmQkvPreLong,
  kGemmOprojPre,
  kGemmOprojPreLong,
  kGemmGateUpPre,
  kGemmGateUpPreLong,
  kGemmDownPre,
  kGemmLmHeadPre,
  kGemmReluProfile,
  kFlashFwd,
  kUnifiedAttn2d,
  kUnifiedAttn3d,
  kReduceSegments,
  kRmsNormIn,
  kRmsNormPost,
  kSiluMul,
  kRotary,
  kRedFused,
  kReshapeAndCache,
  kFillInt8,
  kFillHalf,
  kFillLong,
  kRadixSortAsc,
  kRadixSortDesc,
  kNcclAllReduce,
  kNcclAllGather,
  kNumKernels
};

// The category a kernel's name reveals (docs/SEMANTICS.md, "Kernel
// categories"), labelled by hand: what llm_kernel_category_rules should give.
const char* KernelCategory(int kernel);

// Sync classes of SEMANTICS.md ("Sync calls"). kNone: not a sync call.
enum class SyncKind : uint8_t {
  kNone,
  kHostSync,
  kSyncCopy,
  kDeviceWait,
  kPoll
};
const char* SyncKindName(SyncKind k);

struct ApiSpec {
  const char* name;            // raw name, e.g. "cudaStreamSynchronize_v3020"
  const char* backtrace_name;  // name of the eventClass-67 twin (no suffix)
  int event_class;             // 0 runtime, 1 driver
  double median_ns;            // typical CPU-side duration
  double sigma;
  int64_t name_id = 0;
  int64_t backtrace_id = 0;
};

enum Api : int {
  kApiLaunchKernel,
  kApiLaunchKernelEx,
  kApiLaunchKernelExC,
  kApiGraphLaunch,
  kApiMemcpyAsync,
  kApiMemcpy,
  kApiMemsetAsync,
  kApiStreamSynchronize,
  kApiEventSynchronize,
  kApiDeviceSynchronize,
  kApiCuStreamSynchronize,
  kApiStreamWaitEvent,
  kApiEventQuery,
  kApiStreamQuery,
  kApiEventRecord,
  kApiStreamIsCapturing,
  kApiKernelGetAttribute,
  kApiGetDevice,
  kApiStreamGetCaptureInfo,
  kApiStreamBeginCapture,
  kApiStreamEndCapture,
  kApiGraphInstantiate,
  kNumApis
};

// Fixed NVTX range names; layer names follow at kNvtxLayer0 + i.
enum NvtxName : int {
  kNvtxExecuteModel,
  kNvtxPrefill,
  kNvtxDecodeStep,
  kNvtxPrepareInputs,
  kNvtxModelForward,
  kNvtxGraphReplay,
  kNvtxSample,
  kNvtxProcessOutputs,
  kNvtxRequest,
  kNvtxKvTransfer,
  kNvtxBusyLoop,
  kNvtxInputLayernorm,
  kNvtxPostLayernorm,
  kNvtxAttention,
  kNvtxSiluAndMul,
  kNvtxLinear,
  kNvtxMatmul,
  kNvtxMm,
  kNvtxAddmm,
  kNvtxZero,
  kNvtxFill,
  kNvtxCopy,
  kNvtxArgmax,
  kNvtxSort,
  kNvtxNcclAllReduce,
  kNvtxNcclAllGather,
  kNvtxNcclGroupStart,
  kNvtxNcclGroupEnd,
  // Kernel-less PyTorch ops used as NVTX density filler.
  kNvtxFillerFirst,
  kNvtxFillerLast = kNvtxFillerFirst + 11,
  kNvtxLayer0
};

struct NvtxNameSpec {
  std::string text;
  bool registered;  // written as textId -> StringIds instead of inline text
  int domain;       // 0 default, 1 "NCCL"
  int64_t string_id = 0;
};

class Catalog {
 public:
  explicit Catalog(int layers);

  const KernelSpec& kernel(int k) const { return kernels_[k]; }
  const ApiSpec& api(int a) const { return apis_[a]; }
  const NvtxNameSpec& nvtx(int n) const { return nvtx_[n]; }
  int nvtx_count() const { return static_cast<int>(nvtx_.size()); }
  int layers() const { return layers_; }
  SyncKind sync_kind(int a) const { return sync_kind_[a]; }

  // All StringIds rows, id = index.
  const std::vector<std::string>& strings() const { return strings_; }
  int64_t Intern(std::string_view s);
  // Id of an interned string, -1 if absent.
  int64_t Lookup(std::string_view s) const;

  // Kernel display name per SEMANTICS.md (demangled name).
  const char* KernelName(int k) const { return kernels_[k].demangled; }

  // Kernels whose demangled name contains `pattern` get `factor` times their
  // median duration; returns how many matched.
  int ScaleKernels(std::string_view pattern, double factor) {
    int n = 0;
    for (KernelSpec& k : kernels_)
      if (std::string_view(k.demangled).find(pattern) != std::string_view::npos) {
        k.median_us *= factor;
        ++n;
      }
    return n;
  }

 private:
  int layers_;
  std::vector<KernelSpec> kernels_;
  std::vector<ApiSpec> apis_;
  std::vector<SyncKind> sync_kind_;
  std::vector<NvtxNameSpec> nvtx_;
  std::vector<std::string> strings_;
  std::unordered_map<std::string, int64_t> string_index_;
};

// API base name per SEMANTICS.md: strip a trailing _vNNNN, _ptsz or _ptds.
std::string ApiBaseName(std::string_view raw);
// Classification of SEMANTICS.md by base name.
SyncKind ClassifySync(std::string_view raw);

}  // namespace nsysexplain::synth

#endif  // NSYSEXPLAIN_TOOLS_SYNTH_CATALOG_H_
