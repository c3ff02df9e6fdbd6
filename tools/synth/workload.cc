// nsys-explain-synth: the serving loop (batches, steps, layers) built on
// the event layer of simulator.cc.
#include <algorithm>
#include <cmath>
#include <utility>

#include "simulator.h"
#include "simulator_state.h"

namespace nsysexplain::synth {
using namespace simdetail;

void Simulator::InitProcess(Proc& p, int index) {
  p.index = index;
  Rng ids = Rng::Derive(opt_.seed, 5000);
  const int64_t base_pid = 1000 + ids.UniformInt(0, 60000);
  ProcessInfo& info = p.info;
  info.pid = base_pid + 1 + index * 7;
  info.global_pid = (int64_t{1} << 48) | (info.pid << 24);
  info.main_tid = info.global_pid | info.pid;
  info.aux_tid = info.global_pid | (info.pid + 23 + index);
  info.device = index;
  info.context = index + 1;
  p.th[kMain].gtid = info.main_tid;
  p.th[kAux].gtid = info.aux_tid;
  p.budget = opt_.kernels / opt_.processes +
             (index < opt_.kernels % opt_.processes ? 1 : 0);
  truth_.SetPid(index, info.pid);

  const int64_t base =
      (int64_t{3} + static_cast<int64_t>(opt_.seed % 7)) * 1000 * kMs +
      opt_.time_offset_ns;
  p.now = base + p.rng.UniformInt(0, 200 * kUs);
  if (index == 0 || p.now < first_ns_) first_ns_ = p.now;
  // NVTX domain declaration (NCCL registers its domain on first use) and the
  // name of the output thread.
  NvtxRow dom{};
  dom.start = p.now;
  dom.event_type = 75;
  dom.text = "NCCL";
  dom.global_tid = info.main_tid;
  dom.text_id = -1;
  dom.domain_id = 1;
  w_.Nvtx(dom);
  Tick(p, 3 * kUs);
  NvtxRow name{};
  name.start = p.now;
  name.event_type = 39;
  name.text = "async_output";
  name.global_tid = info.aux_tid;
  name.text_id = -1;
  w_.Nvtx(name);
  truth_.rows().nvtx += 2;
  p.nvtx_rows += 2;
  Tick(p, 10 * kUs);
  infos_.push_back(info);
}

Simulator::BatchPlan Simulator::PlanBatch(int batch) {
  Rng& r = sched_;
  BatchPlan b;
  b.dummy = batch == 0 || r.Bernoulli(0.03);
  b.capture = batch == 0;
  b.housekeeping = batch == 0 || r.Bernoulli(0.3);
  b.requests = static_cast<int>(r.UniformInt(1, 4));
  b.prompt_tokens =
      static_cast<int>(std::clamp<double>(r.LogNormal(1200, 0.9), 32, 16384));
  b.flash = r.Bernoulli(0.6);
  b.decode_steps = b.dummy ? static_cast<int>(r.UniformInt(1, 3))
                           : static_cast<int>(std::clamp<double>(
                                 std::llround(r.LogNormal(18, 0.7)), 2, 160));
  b.bucket = static_cast<int>(r.UniformInt(0, kDecodeBuckets - 1));
  b.eager.resize(b.decode_steps);
  for (char& e : b.eager) e = !b.dummy && r.Bernoulli(0.1);
  b.finish.resize(b.requests);
  for (int& f : b.finish) {
    f = static_cast<int>(r.UniformInt(b.decode_steps / 2, b.decode_steps - 1));
  }
  b.finish[0] = b.decode_steps - 1;
  b.kv_transfer = !b.dummy && r.Bernoulli(0.35);
  b.top_p = r.Bernoulli(0.1);
  b.blocking_copy = r.Bernoulli(0.2);
  if (batch == 0) {
    b.gap_ns = 50 * kMs;
  } else if (r.Bernoulli(0.15)) {
    b.gap_ns = static_cast<int64_t>(r.Uniform(0.2e9, 1.2e9));
  } else {
    b.gap_ns =
        static_cast<int64_t>(std::clamp(r.LogNormal(6e6, 0.9), 1e6, 3e8));
  }
  return b;
}

void Simulator::RunBatch(Proc& p, const BatchPlan& plan, int64_t batch_start) {
  if (p.kernels >= p.budget) return;
  p.now = std::max(p.now, batch_start + p.rng.UniformInt(0, 20 * kUs));
  p.quiet_nvtx = plan.dummy;
  // The engine's busy loop polls for finished work.
  const int64_t polls = p.rng.UniformInt(1, 3);
  for (int64_t i = 0; i < polls; ++i) {
    Api(p, kMain, kApiEventQuery);
    Tick(p, p.rng.Duration(20 * kUs, 0.5, 0));
  }
  if (!plan.dummy) Mark(p, kMain, "schedule_batch");
  if (plan.housekeeping) Housekeeping(p, plan);
  if (!plan.dummy) {
    for (int i = 0; i < plan.requests; ++i) {
      const int64_t id = StartRange(p, kMain, kNvtxRequest, true, kColorRequest,
                                    true, ++p.request_seq);
      p.requests.emplace_back(id, plan.finish[i]);
    }
    RunStep(p, plan, true, -1);
  }
  for (int s = 0; s < plan.decode_steps; ++s) RunStep(p, plan, false, s);
  // Budget exhausted before the batch finished: close what is still open.
  if (!p.requests.empty()) {
    Tick(p, p.rng.Duration(30 * kUs, 0.5, 0));
    for (const auto& rq : p.requests) EndRange(p, kAux, rq.first);
    p.requests.clear();
  }
  if (p.kv_range != 0) {
    EndRange(p, kMain, p.kv_range);
    p.kv_range = 0;
  }
  p.quiet_nvtx = false;
  if (plan.capture) CaptureGraphs(p);
}

void Simulator::CaptureGraphs(Proc& p) {
  // vLLM captures one graph per decode batch size after its profile run:
  // stream capture, then instantiation. Steps before the last instantiation
  // are start-up (warm-up).
  for (size_t b = 0; b < graphs_.size(); ++b) {
    Tick(p, p.rng.Duration(200 * kUs, 0.4, 0));
    Api(p, kMain, kApiStreamBeginCapture);
    Api(p, kMain, kApiStreamEndCapture);
    Api(p, kMain, kApiGraphInstantiate);
  }
  p.warmup = false;
}

void Simulator::Housekeeping(Proc& p, const BatchPlan& plan) {
  // KV-cache block zeroing and bookkeeping, launched outside any range.
  BeginPacing(p, 4);
  Launch(p, kMain, kFillInt8, p.compute, 1.0);
  Launch(p, kMain, kFillLong, p.compute, 1.0);
  if (plan.dummy) Launch(p, kMain, kGemmReluProfile, p.compute, 1.0);
  Call c = BeginCall(p, kApiDeviceSynchronize);
  const int64_t done = std::max(p.compute.free_at, p.nccl.free_at);
  c = EndCall(p, kMain, kApiDeviceSynchronize, c,
              done + p.rng.Duration(4 * kUs, 0.4, 0));
  WriteSyncRow(p, kApiDeviceSynchronize, c, kNoStream, -1);
  EndStep(p, "unknown");
}

void Simulator::EndStep(Proc& p, const char* phase) {
  // A step the extension can see: it launched something on the main thread.
  if (p.step_launches > 0)
    truth_.AddStep(p.index, phase, p.step_nvtx ? "nvtx" : "sync", p.warmup);
  p.step_launches = 0;
  p.step_attention = false;
  p.step_graph = false;
  p.step_nvtx = false;
}

void Simulator::MaybeOpenTail(Proc& p) {
  if (p.tail_opened || p.budget - p.kernels > tail_threshold_) return;
  // Ranges still open when the capture stops: they stay unterminated.
  p.tail_opened = true;
  Push(p, kMain, kNvtxBusyLoop);
  StartRange(p, kMain, kNvtxRequest, false, kColorRequest, true,
             ++p.request_seq);
}

void Simulator::RunStep(Proc& p, const BatchPlan& plan, bool prefill,
                        int step) {
  if (p.kernels >= p.budget) return;
  MaybeOpenTail(p);
  // Graphs replay only once captured (after the warm-up batch).
  const bool graph = !prefill && !plan.eager[step] && !p.warmup;
  const Graph& g = graphs_[plan.bucket];
  const int64_t per_layer = 14 + (plan.bucket <= 3 ? 1 : 0);
  BeginPacing(p, graph ? static_cast<int64_t>(g.nodes.size()) + 5
                       : per_layer * cat_.layers() + 10);
  const bool ranges = !plan.dummy;
  ++p.step_counter;
  p.step_nvtx = ranges;
  if (ranges) {
    Push(p, kMain, kNvtxExecuteModel, kColorStep, true, p.step_counter);
    Push(p, kMain, prefill ? kNvtxPrefill : kNvtxDecodeStep);
    Push(p, kMain, kNvtxPrepareInputs);
  }
  PrepareInputs(p, plan, prefill, graph);
  if (ranges) Pop(p, kMain);
  if (!prefill && step == 0 && p.kv_range != 0) {
    EndRange(p, kMain, p.kv_range);
    p.kv_range = 0;
  }
  if (graph) {
    if (ranges) Push(p, kMain, kNvtxGraphReplay);
    GraphLaunch(p, g);
    if (ranges) Pop(p, kMain);
    Filler(p, kMain, 0.9);
  } else {
    if (ranges) Push(p, kMain, kNvtxModelForward);
    ForwardEager(p, plan, prefill);
    if (ranges) Pop(p, kMain);
  }
  if (ranges) Pop(p, kMain);  // prefill / decode_step
  Sample(p, plan, prefill);
  Api(p, kMain, kApiEventRecord);
  const int64_t event = ++p.event_id;
  const double u = p.rng.Uniform();
  const int sync_api = u < 0.55  ? kApiStreamSynchronize
                       : u < 0.9 ? kApiEventSynchronize
                                 : kApiDeviceSynchronize;
  Call c = BeginCall(p, sync_api);
  AuxWork(p, plan, step);
  const int64_t gpu_done = std::max(
      {p.compute.free_at, p.nccl.free_at, p.sampler.free_at, p.copy.free_at});
  c = EndCall(p, kMain, sync_api, c,
              std::max(p.now + p.rng.Duration(1500, 0.4, 0),
                       gpu_done + p.rng.Duration(3 * kUs, 0.4, 0)));
  if (sync_api == kApiEventSynchronize) {
    WriteSyncRow(p, sync_api, c, kComputeStream, event);
  } else if (sync_api == kApiStreamSynchronize) {
    WriteSyncRow(p, sync_api, c, kComputeStream, -1);
  } else {
    WriteSyncRow(p, sync_api, c, kNoStream, -1);
  }
  if (ranges) Pop(p, kMain);  // execute_model
  // An execute_model step gets its phase from its "prefill" / "decode_step"
  // range (llm_phase_map). Without ranges, decode steps are known by their
  // decode attention or their graph replay; a step cut short by the kernel
  // budget may lack the attention kernel.
  if (ranges)
    EndStep(p, prefill ? "prefill" : "decode");
  else
    EndStep(p, prefill ? (p.step_attention ? "prefill" : "unknown")
                       : (p.step_attention || p.step_graph ? "decode" : "unknown"));
  Filler(p, kMain, 1.0);
}

void Simulator::PrepareInputs(Proc& p, const BatchPlan& plan, bool prefill,
                              bool graph) {
  if (graph) Filler(p, kMain, 0.1);
  const int64_t tokens = prefill ? plan.prompt_tokens : (1 << plan.bucket);
  const int copies = prefill ? 3 : 2;
  for (int i = 0; i < copies; ++i) {
    Memcpy(p, kMain, kApiMemcpyAsync, p.copy, 1, tokens * (i == 0 ? 8 : 4) + 64,
           0);
  }
  Api(p, kMain, kApiEventRecord);
  const int64_t event = ++p.event_id;
  const Call wait = Api(p, kMain, kApiStreamWaitEvent);
  WriteSyncRow(p, kApiStreamWaitEvent, wait, kComputeStream, event);
  p.compute.free_at = std::max(p.compute.free_at, p.copy.free_at);
  if (prefill && plan.blocking_copy) {
    Memcpy(p, kMain, kApiMemcpy, p.compute, 1, 4096 * 4, 0);
  }
  if (p.rng.Bernoulli(0.3)) Memset(p, kMain, p.compute, 4 * tokens);
  bool o = OpPush(p, kNvtxZero);
  Launch(p, kMain, kFillLong, p.compute, 1.0);
  if (o) Pop(p, kMain);
  if (prefill) {
    o = OpPush(p, kNvtxFill);
    Launch(p, kMain, kFillHalf, p.compute, 1.0);
    if (o) Pop(p, kMain);
  }
  if (graph) Filler(p, kMain, 0.3);
}

void Simulator::Linear(Proc& p, int kernel, double scale, bool split_k) {
  int pushed = 0;
  for (int name : {kNvtxLinear, kNvtxMatmul, kNvtxMm})
    pushed += OpPush(p, name);
  Launch(p, kMain, kernel, p.compute, scale);
  if (split_k) Launch(p, kMain, kSplitKReduce, p.compute, 1.0);
  for (int i = 0; i < pushed; ++i) Pop(p, kMain);
}

void Simulator::AllReduce(Proc& p, int kernel, int nvtx_name, double scale) {
  // NCCL's own NVTX ranges (registered strings in the "NCCL" domain).
  const bool ranges = !p.quiet_nvtx && p.kernels < p.budget;
  if (kernel == kNcclAllGather && ranges) {
    Push(p, kMain, kNvtxNcclGroupStart);
    Pop(p, kMain);
  }
  if (ranges) Push(p, kMain, nvtx_name);
  Launch(p, kMain, kernel, p.nccl, scale);
  if (ranges) Pop(p, kMain);
  if (kernel == kNcclAllGather && ranges) {
    Push(p, kMain, kNvtxNcclGroupEnd);
    Pop(p, kMain);
  }
}

void Simulator::EagerLayer(Proc& p, const BatchPlan& plan, bool prefill,
                           int layer) {
  const bool ranges = !p.quiet_nvtx;
  const double tok = prefill ? plan.prompt_tokens / 512.0 : 1.0;
  const double dec = prefill ? 1.0 : 1.0 + (1 << plan.bucket) / 128.0;
  const bool long_prompt = prefill && plan.prompt_tokens > 4096;
  if (ranges) Push(p, kMain, kNvtxLayer0 + layer);

  bool o = OpPush(p, kNvtxInputLayernorm);
  Launch(p, kMain, kRmsNormIn, p.compute, std::max(1.0, tok / 4));
  if (o) Pop(p, kMain);
  Linear(p,
         prefill ? (long_prompt ? kGemmQkvPreLong : kGemmQkvPre)
                 : (plan.bucket >= 6 ? kGemmQkvDecWide : kGemmQkvDec),
         prefill ? tok : dec, false);
  Launch(p, kMain, kRotary, p.compute, std::max(1.0, tok / 4));
  if (prefill && plan.kv_transfer && layer == cat_.layers() / 2 &&
      p.kv_range == 0) {
    // Starts inside this layer and ends in the next step: it overlaps the
    // push/pop nesting instead of nesting in it.
    p.kv_range = StartRange(p, kMain, kNvtxKvTransfer, false);
  }
  Launch(p, kMain, kReshapeAndCache, p.compute, prefill ? tok : 1.0);
  o = OpPush(p, kNvtxAttention);
  if (prefill) {
    Launch(p, kMain, plan.flash ? kFlashFwd : kUnifiedAttn2d, p.compute,
           std::pow(tok, 1.3));
  } else {
    Launch(p, kMain, kUnifiedAttn3d, p.compute, dec);
    Launch(p, kMain, kReduceSegments, p.compute, 1.0);
  }
  if (o) Pop(p, kMain);
  Linear(p,
         prefill ? (long_prompt ? kGemmOprojPreLong : kGemmOprojPre)
                 : kGemmOprojDec,
         prefill ? tok : dec, false);
  AllReduce(p, kNcclAllReduce, kNvtxNcclAllReduce, prefill ? 2 * tok : dec);
  o = OpPush(p, kNvtxPostLayernorm);
  Launch(p, kMain, kRmsNormPost, p.compute, std::max(1.0, tok / 4));
  if (o) Pop(p, kMain);
  Linear(p,
         prefill ? (long_prompt ? kGemmGateUpPreLong : kGemmGateUpPre)
                 : kGemmGateUpDec,
         prefill ? tok : dec, false);
  o = OpPush(p, kNvtxSiluAndMul);
  Launch(p, kMain, kSiluMul, p.compute, std::max(1.0, tok / 2));
  if (o) Pop(p, kMain);
  Linear(p, prefill ? kGemmDownPre : kGemmDownDec, prefill ? tok : dec,
         !prefill && plan.bucket <= 3);
  AllReduce(p, kNcclAllReduce, kNvtxNcclAllReduce, prefill ? 2 * tok : dec);
  if (ranges) Pop(p, kMain);
}

void Simulator::ForwardEager(Proc& p, const BatchPlan& plan, bool prefill) {
  for (int l = 0; l < cat_.layers() && p.kernels < p.budget; ++l) {
    EagerLayer(p, plan, prefill, l);
  }
  if (p.kernels >= p.budget) return;
  const bool o = OpPush(p, kNvtxInputLayernorm);
  Launch(p, kMain, kRmsNormIn, p.compute, 1.0);
  if (o) Pop(p, kMain);
  int pushed = 0;
  for (int name : {kNvtxLinear, kNvtxMatmul, kNvtxMm})
    pushed += OpPush(p, name);
  Launch(p, kMain, prefill ? kGemmLmHeadPre : kGemmLmHeadDec, p.compute, 1.0);
  for (int i = 0; i < pushed; ++i) Pop(p, kMain);
  AllReduce(p, kNcclAllGather, kNvtxNcclAllGather, 1.0);
}

void Simulator::GraphLaunch(Proc& p, const Graph& g) {
  const int64_t n = std::min<int64_t>(static_cast<int64_t>(g.nodes.size()),
                                      p.budget - p.kernels);
  if (n <= 0) return;
  CpuGap(p);
  const double nodes = static_cast<double>(g.nodes.size());
  const Call c = Api(p, kMain, kApiGraphLaunch,
                     p.rng.Duration(24000 * (0.5 + nodes / 800.0), 0.3));
  ++p.step_launches;
  p.step_graph = true;
  ComputeEnclosing(p, kMain);
  const int64_t ready = c.end + p.rng.Duration(4 * kUs, 0.4, 0);
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (int64_t i = 0; i < n; ++i) {
    const int k = g.nodes[i];
    const bool nccl = k == kNcclAllReduce || k == kNcclAllGather;
    const KernelSpec& ks = cat_.kernel(k);
    const double scale =
        (k == kRmsNormIn || k == kRotary || k == kReshapeAndCache ||
         k == kSiluMul || k == kRmsNormPost || k == kReduceSegments ||
         k == kSplitKReduce)
            ? 1.0
            : g.scale;
    const int64_t dur = p.rng.Duration(ks.median_us * kUs * scale, ks.sigma);
    if (!opt_.graph_mode) {
      PlaceKernel(p, k, nccl ? p.nccl : p.compute, ready, dur, c,
                  g.node_base + i, g.graph_id, nccl);
      continue;
    }
    // Graph mode: the kernel runs but is not traced; the graph's extent is.
    const int64_t start = Schedule(p, nccl ? p.nccl : p.compute, ready, dur, nccl);
    first = std::min(first, start);
    last = std::max(last, start + dur);
    ++p.kernels;
  }
  if (opt_.graph_mode) {
    w_.GraphExec({first, last, p.info.device, p.info.context, kComputeStream, c.corr,
                  p.info.global_pid, g.graph_id, g.graph_id + 1000 * (p.index + 1)});
    truth_.AddGraphExec(p.info.device, first, last);
  }
}

void Simulator::Sample(Proc& p, const BatchPlan& plan, bool prefill) {
  const bool ranges = !plan.dummy;
  if (ranges) Push(p, kMain, kNvtxSample);
  bool o = OpPush(p, kNvtxFill);
  Launch(p, kMain, kFillHalf, p.compute, 1.0);
  if (o) Pop(p, kMain);
  o = OpPush(p, kNvtxArgmax);
  Launch(p, kMain, kRedFused, p.compute, 1.0);
  if (o) Pop(p, kMain);
  if (plan.top_p && prefill) {
    o = OpPush(p, kNvtxSort);
    Launch(p, kMain, kRadixSortAsc, p.compute, 1.0);
    Launch(p, kMain, kRadixSortDesc, p.compute, 1.0);
    if (o) Pop(p, kMain);
  }
  if (ranges) Pop(p, kMain);
}

void Simulator::AuxWork(Proc& p, const BatchPlan& plan, int step) {
  // The output thread copies the sampled tokens back and finishes requests
  // while the main thread waits in its sync call.
  Tick(p, p.rng.Duration(2 * kUs, 0.5, 0));
  const bool ranges = !plan.dummy;
  if (ranges) Push(p, kAux, kNvtxProcessOutputs);
  Memcpy(p, kAux, kApiMemcpyAsync, p.sampler, 2, 8 * (1 << plan.bucket) + 8,
         p.compute.free_at);
  if (p.rng.Bernoulli(0.5)) {
    Launch(p, kAux, kFillLong, p.sampler, 1.0, p.compute.free_at);
  }
  const int api =
      p.rng.Bernoulli(0.03) ? kApiCuStreamSynchronize : kApiStreamSynchronize;
  Call c = BeginCall(p, api);
  c = EndCall(p, kAux, api, c,
              std::max(p.now + p.rng.Duration(800, 0.4, 0),
                       p.sampler.free_at + p.rng.Duration(2500, 0.4, 0)));
  WriteSyncRow(p, api, c, kSamplerStream, -1);
  if (ranges) Pop(p, kAux);
  // Outside the thread's own ranges: only process-scoped ranges enclose it.
  if (p.rng.Bernoulli(0.25)) Launch(p, kAux, kFillHalf, p.sampler, 1.0);
  if (p.rng.Bernoulli(0.05)) Api(p, kAux, kApiStreamQuery);
  for (size_t i = 0; i < p.requests.size();) {
    if (p.requests[i].second == step) {
      EndRange(p, kAux, p.requests[i].first);
      p.requests.erase(p.requests.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
}

void Simulator::FinishProcess(Proc& p) {
  // Top up to the requested ratios, then write the ranges that never ended.
  size_t pending = p.proc_open.size();
  for (const auto& th : p.th) pending += th.pp.size() + th.se.size();
  const int64_t rt =
      std::llround(opt_.runtime_per_kernel * p.budget) - p.rt_rows;
  const int64_t nv = std::llround(opt_.nvtx_per_kernel * p.budget) -
                     p.nvtx_rows - static_cast<int64_t>(pending);
  EmitFillers(p, kMain, std::max<int64_t>(0, rt), std::max<int64_t>(0, nv));
  for (auto& th : p.th) {
    for (const OpenRange& r : th.pp) WriteRange(p, r, false, 0, 0);
    for (const OpenRange& r : th.se) WriteRange(p, r, false, 0, 0);
    th.pp.clear();
    th.se.clear();
  }
  for (const OpenRange& r : p.proc_open) WriteRange(p, r, false, 0, 0);
  p.proc_open.clear();
  last_ns_ = std::max(last_ns_, p.now);
}

}  // namespace nsysexplain::synth
