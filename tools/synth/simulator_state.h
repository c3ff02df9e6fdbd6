// nsys-explain-synth: Simulator's private state (shared by simulator.cc,
// the event layer, and workload.cc, the serving loop). Not a public header.
#ifndef NSYSEXPLAIN_TOOLS_SYNTH_SIMULATOR_STATE_H_
#define NSYSEXPLAIN_TOOLS_SYNTH_SIMULATOR_STATE_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "rng.h"
#include "simulator.h"

namespace nsysexplain::synth {
namespace simdetail {

inline constexpr int64_t kUs = 1000;
inline constexpr int64_t kMs = 1000 * kUs;
inline constexpr int64_t kColorStep = 0xFF76B900LL;     // NVIDIA green
inline constexpr int64_t kColorRequest = 0xFF1F77B4LL;  // blue
inline constexpr int64_t kNoStream = 4294967295LL;      // UINT32_MAX sentinel
inline constexpr int kDecodeBuckets = 9;                // batch sizes 1..256

}  // namespace simdetail

struct Simulator::OpenRange {
  int64_t start;
  int name;
  int event_type;  // 59 push/pop, 60 start/end
  int64_t range_id;
  int thread;
  bool end_tid_equal;  // same-thread start/end: write endGlobalTid = globalTid
  int64_t color;
  bool has_payload;
  int64_t payload;
};

struct Simulator::Stream {
  int id;
  int64_t free_at = 0;
  int64_t last_start = 0;
  int64_t last_dur = 0;
};

struct Simulator::Call {
  int64_t corr;
  int64_t start;
  int64_t end;
};

struct Simulator::Graph {
  int64_t graph_id;
  int64_t node_base;
  double scale;
  std::vector<int> nodes;  // Kernel per node, in replay order
};

struct Simulator::BatchPlan {
  bool dummy;  // profile/warm-up run: no NVTX ranges, no requests
  bool capture;  // capture the CUDA graphs after the batch (start-up)
  bool housekeeping;
  bool kv_transfer;
  bool top_p;
  bool blocking_copy;
  bool flash;
  int requests;
  int prompt_tokens;
  int decode_steps;
  int bucket;
  std::vector<char> eager;  // per decode step
  std::vector<int> finish;  // decode step at which each request ends
  int64_t gap_ns;
};

struct Simulator::Proc {
  struct Thread {
    int64_t gtid = 0;
    std::vector<OpenRange> pp;  // push/pop stack
    std::vector<OpenRange> se;  // open same-thread start/end ranges
  };

  Proc(uint64_t seed, int proc_index) : rng(Rng::Derive(seed, proc_index)) {}

  int index = 0;
  ProcessInfo info{};
  Rng rng;
  Thread th[2];
  std::vector<OpenRange>
      proc_open;  // start/end ranges ending on another thread
  Stream compute{kComputeStream};
  Stream copy{kCopyStream};
  Stream nccl{kNcclStream};
  Stream sampler{kSamplerStream};
  int64_t now = 0;
  int64_t corr = 0;
  int64_t grid_id = 0;
  int64_t range_id = 0;
  int64_t event_id = 0;
  int64_t event_sync_id = 0;
  int64_t callchain_id = 0;
  int64_t step_counter = 0;
  // The serving-loop step being issued on the main thread (docs/SEMANTICS.md,
  // "Steps"): its kernel launches and what they reveal.
  int64_t step_launches = 0;
  bool step_attention = false;  // an attention kernel of the step's phase
  bool step_graph = false;
  bool step_nvtx = false;  // issued inside an execute_model range
  bool warmup = true;      // before the CUDA graphs are captured
  int64_t request_seq = 0;
  int64_t budget = 0;
  int64_t kernels = 0;
  int64_t rt_rows = 0;
  int64_t nvtx_rows = 0;
  int64_t pace_k0 = 0;
  int64_t pace_k1 = 0;
  bool tail_opened = false;
  bool quiet_nvtx = false;                        // inside a dummy batch
  std::vector<std::pair<int64_t, int>> requests;  // range id, finish step
  int64_t kv_range = 0;
};

}  // namespace nsysexplain::synth

#endif  // NSYSEXPLAIN_TOOLS_SYNTH_SIMULATOR_STATE_H_
