#include "simulator.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <utility>

#include "simulator_state.h"

namespace nsysexplain::synth {
using namespace simdetail;
namespace {

constexpr double kBacktraceP = 0.0006;  // eventClass-67 twins

// Runtime fillers: (api, cumulative probability).
constexpr std::pair<int, double> kRuntimeFillers[] = {
    {kApiStreamIsCapturing, 0.40},    {kApiKernelGetAttribute, 0.60},
    {kApiEventRecord, 0.75},          {kApiGetDevice, 0.90},
    {kApiStreamGetCaptureInfo, 0.97}, {kApiEventQuery, 1.00}};

bool BacktraceEligible(int api) {
  switch (api) {
    case kApiStreamIsCapturing:
    case kApiKernelGetAttribute:
    case kApiGetDevice:
    case kApiStreamGetCaptureInfo:
    case kApiEventQuery:
    case kApiStreamQuery:
    case kApiEventRecord:
      return false;
    default:
      return true;
  }
}

int SyncType(int api) {
  switch (api) {
    case kApiEventSynchronize:
      return 1;
    case kApiStreamWaitEvent:
      return 2;
    case kApiStreamSynchronize:
    case kApiCuStreamSynchronize:
      return 3;
    case kApiDeviceSynchronize:
      return 4;
    default:
      return 0;
  }
}

}  // namespace

int AutoLayers(int64_t kernels, int processes) {
  const int64_t per_proc = kernels / std::max(1, processes);
  return static_cast<int>(std::clamp<int64_t>(per_proc / 2000, 4, 32));
}
Simulator::Simulator(const SimOptions& opt, const Catalog& catalog,
                     Writer& writer, Truth& truth)
    : opt_(opt),
      cat_(catalog),
      w_(writer),
      truth_(truth),
      sched_(Rng::Derive(opt.seed, 1u << 20)) {
  op_nvtx_p_ = opt.nvtx_per_kernel >= 3.0 ? 1.0 : opt.nvtx_per_kernel / 3.0;
  const int layers = cat_.layers();
  for (int b = 0; b < kDecodeBuckets; ++b) {
    Graph g;
    g.graph_id = 101 + b;
    g.node_base = static_cast<int64_t>(b + 1) * 100000;
    const int bs = 1 << b;
    g.scale = 1.0 + bs / 128.0;
    const bool split_k = b <= 3;
    for (int l = 0; l < layers; ++l) {
      for (int k :
           {static_cast<int>(kRmsNormIn),
            b >= 6 ? static_cast<int>(kGemmQkvDecWide)
                   : static_cast<int>(kGemmQkvDec),
            static_cast<int>(kRotary), static_cast<int>(kReshapeAndCache),
            static_cast<int>(kUnifiedAttn3d), static_cast<int>(kReduceSegments),
            static_cast<int>(kGemmOprojDec), static_cast<int>(kNcclAllReduce),
            static_cast<int>(kRmsNormPost), static_cast<int>(kGemmGateUpDec),
            static_cast<int>(kSiluMul), static_cast<int>(kGemmDownDec)}) {
        g.nodes.push_back(k);
      }
      if (split_k) g.nodes.push_back(kSplitKReduce);
      g.nodes.push_back(kNcclAllReduce);
    }
    g.nodes.push_back(kRmsNormIn);
    g.nodes.push_back(kGemmLmHeadDec);
    g.nodes.push_back(kNcclAllGather);
    graphs_.push_back(std::move(g));
  }
  const int64_t per_proc = opt.kernels / std::max(1, opt.processes);
  tail_threshold_ = std::max<int64_t>(
      static_cast<int64_t>(graphs_[0].nodes.size()) * 3, per_proc / 50);
}

Simulator::~Simulator() = default;

// ---------------------------------------------------------------- events --

void Simulator::Tick(Proc& p, int64_t ns) { p.now += std::max<int64_t>(1, ns); }

void Simulator::CpuGap(Proc& p) { Tick(p, p.rng.Duration(1500, 0.5, 0)); }

void Simulator::WriteApiRow(Proc& p, int t, int api, const Call& c) {
  const ApiSpec& s = cat_.api(api);
  const int64_t tid = p.th[t].gtid;
  w_.Runtime(c.start, c.end, s.event_class, tid, c.corr, s.name_id, 0);
  truth_.AddApi(api, c.end - c.start);
  ++truth_.rows().runtime;
  ++p.rt_rows;
  last_ns_ = std::max(last_ns_, c.end);
  if (BacktraceEligible(api) && p.rng.Bernoulli(kBacktraceP)) {
    // --cudabacktrace twin: same correlationId, unsuffixed name, wider.
    w_.Runtime(c.start - 140, c.end + 230, 67, tid, c.corr, s.backtrace_id,
               ++p.callchain_id);
    ++truth_.rows().runtime;
    ++truth_.rows().runtime_backtrace;
    ++p.rt_rows;
  }
}

Simulator::Call Simulator::Api(Proc& p, int t, int api, int64_t duration) {
  const ApiSpec& s = cat_.api(api);
  if (duration < 0) duration = p.rng.Duration(s.median_ns, s.sigma, 0.002);
  Call c{++p.corr, p.now, p.now + duration};
  p.now = c.end;
  WriteApiRow(p, t, api, c);
  Tick(p, p.rng.Duration(350, 0.5, 0));
  return c;
}

Simulator::Call Simulator::BeginCall(Proc& p, int api) {
  Call c{++p.corr, p.now, 0};
  Tick(p, p.rng.Duration(cat_.api(api).median_ns / 3, 0.3, 0));
  return c;
}

Simulator::Call Simulator::EndCall(Proc& p, int t, int api, Call c,
                                   int64_t end) {
  c.end = std::max(end, p.now);
  p.now = c.end;
  WriteApiRow(p, t, api, c);
  Tick(p, p.rng.Duration(400, 0.5, 0));
  return c;
}

void Simulator::WriteSyncRow(Proc& p, int api, const Call& c, int64_t stream,
                             int64_t event_id) {
  const int64_t len = c.end - c.start;
  SyncRow r{};
  r.start = c.start + std::min<int64_t>(700, len / 4);
  r.end = std::max(r.start, c.end - std::min<int64_t>(300, len / 4));
  r.device = p.info.device;
  r.context = p.info.context;
  r.stream = stream;
  r.correlation_id = c.corr;
  r.global_pid = p.info.global_pid;
  r.sync_type = SyncType(api);
  r.event_id = event_id < 0 ? kNoStream : event_id;
  r.event_sync_id = event_id < 0 ? 0 : ++p.event_sync_id;
  w_.Sync(r);
  ++truth_.rows().sync;
}

void Simulator::ComputeEnclosing(const Proc& p, int t) {
  enc_.names.clear();
  enc_.innermost = -1;
  int64_t best = INT64_MIN;
  auto consider = [&](const OpenRange& r) {
    enc_.names.push_back(r.name);
    if (r.start > best) {  // starts are distinct within a process
      best = r.start;
      enc_.innermost = r.name;
    }
  };
  for (const OpenRange& r : p.th[t].pp) consider(r);
  for (const OpenRange& r : p.th[t].se) consider(r);
  for (const OpenRange& r : p.proc_open) consider(r);
  std::sort(enc_.names.begin(), enc_.names.end());
  enc_.names.erase(std::unique(enc_.names.begin(), enc_.names.end()),
                   enc_.names.end());
}

int64_t Simulator::Schedule(Proc& p, Stream& s, int64_t ready, int64_t dur,
                            bool nccl) {
  int64_t start = std::max(ready, s.free_at + p.rng.Duration(900, 0.3, 0));
  if (nccl) {
    // The collective waits for the producing GEMM only partly (NCCL kernels
    // spin up early), so it overlaps the compute stream; the next compute
    // kernel consumes its result.
    const int64_t dep =
        p.compute.last_start +
        static_cast<int64_t>(p.rng.Uniform(0.3, 1.0) * p.compute.last_dur);
    start = std::max(start, dep);
  }
  const int64_t end = start + dur;
  s.free_at = end;
  s.last_start = start;
  s.last_dur = dur;
  if (nccl) p.compute.free_at = std::max(p.compute.free_at, end);
  last_ns_ = std::max(last_ns_, end);
  return start;
}

void Simulator::PlaceKernel(Proc& p, int kernel, Stream& s, int64_t ready,
                            int64_t dur, const Call& launch, int64_t node,
                            int64_t graph, bool nccl) {
  const int64_t corr = launch.corr;
  const int64_t start = Schedule(p, s, ready, dur, nccl);
  const int64_t end = start + dur;
  KernelRow row{start,
                end,
                p.info.device,
                p.info.context,
                s.id,
                corr,
                p.info.global_pid,
                kernel,
                ++p.grid_id,
                node,
                graph};
  w_.Kernel(row, cat_.kernel(kernel));
  truth_.AddKernel(kernel, p.info.device, p.index, start, end, enc_);
  truth_.AddQueue(kernel, graph != 0, start - launch.end);
  ++truth_.rows().kernel;
  ++p.kernels;
}

bool Simulator::Launch(Proc& p, int t, int kernel, Stream& s, double scale,
                       int64_t ready_at) {
  if (p.kernels >= p.budget) return false;
  const double span = std::max<int64_t>(1, p.pace_k1 - p.pace_k0);
  Filler(p, t, (p.kernels - p.pace_k0 + 1) / span);
  CpuGap(p);  // Python dispatch
  const KernelSpec& ks = cat_.kernel(kernel);
  int api = kApiLaunchKernel;
  if (ks.via == LaunchVia::kDriverEx) {
    api = kApiLaunchKernelEx;
    if (p.rng.Bernoulli(0.5)) Api(p, t, kApiKernelGetAttribute);
  } else if (ks.via == LaunchVia::kRuntimeExC) {
    api = kApiLaunchKernelExC;
  }
  const Call c = Api(p, t, api);
  ComputeEnclosing(p, t);
  const int64_t dur = p.rng.Duration(ks.median_us * kUs * scale, ks.sigma);
  const int64_t ready =
      std::max(c.end + p.rng.Duration(2500, 0.6, 0), ready_at);
  PlaceKernel(p, kernel, s, ready, dur, c, 0, 0,
              kernel == kNcclAllReduce || kernel == kNcclAllGather);
  if (t == kMain) {
    ++p.step_launches;
    p.step_attention |=
        kernel == kFlashFwd || kernel == kUnifiedAttn2d || kernel == kUnifiedAttn3d;
  }
  return true;
}

void Simulator::Push(Proc& p, int t, int name, int64_t color, bool has_payload,
                     int64_t payload) {
  p.th[t].pp.push_back(
      OpenRange{p.now, name, 59, 0, t, false, color, has_payload, payload});
  Tick(p, p.rng.Duration(300, 0.3, 0));
}

void Simulator::Pop(Proc& p, int t) {
  const OpenRange r = p.th[t].pp.back();
  p.th[t].pp.pop_back();
  WriteRange(p, r, true, p.now, 0);
  Tick(p, p.rng.Duration(250, 0.3, 0));
}

bool Simulator::OpPush(Proc& p, int name) {
  // No op ranges in quiet batches, nor once the kernel budget is spent (the
  // op would launch nothing).
  if (p.quiet_nvtx || p.kernels >= p.budget) return false;
  if (op_nvtx_p_ < 1.0 && !p.rng.Bernoulli(op_nvtx_p_)) return false;
  Push(p, kMain, name);
  return true;
}

int64_t Simulator::StartRange(Proc& p, int t, int name, bool process_scope,
                              int64_t color, bool has_payload,
                              int64_t payload) {
  OpenRange r{p.now, name,  60,          ++p.range_id, t,
              false, color, has_payload, payload};
  if (process_scope) {
    p.proc_open.push_back(r);
  } else {
    r.end_tid_equal = p.rng.Bernoulli(0.5);
    p.th[t].se.push_back(r);
  }
  Tick(p, p.rng.Duration(400, 0.3, 0));
  return r.range_id;
}

void Simulator::EndRange(Proc& p, int end_thread, int64_t range_id) {
  auto take = [&](std::vector<OpenRange>& v, OpenRange* out) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i].range_id == range_id) {
        *out = v[i];
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
        return true;
      }
    }
    return false;
  };
  OpenRange r{};
  int64_t end_tid = 0;
  if (take(p.proc_open, &r)) {
    // Process-scoped by construction: it must end on another thread.
    end_tid = p.th[end_thread].gtid;
  } else if (take(p.th[end_thread].se, &r)) {
    end_tid = r.end_tid_equal ? p.th[end_thread].gtid : 0;
  } else {
    return;
  }
  WriteRange(p, r, true, p.now, end_tid);
  Tick(p, p.rng.Duration(400, 0.3, 0));
}

void Simulator::WriteRange(Proc& p, const OpenRange& r, bool has_end,
                           int64_t end, int64_t end_tid) {
  const NvtxNameSpec& n = cat_.nvtx(r.name);
  NvtxRow row{};
  row.start = r.start;
  row.end = end;
  row.has_end = has_end;
  row.event_type = r.event_type;
  row.range_id = r.range_id;
  row.color = r.color;
  row.text = n.registered ? nullptr : n.text.c_str();
  row.global_tid = p.th[r.thread].gtid;
  row.end_global_tid = end_tid;
  row.text_id = n.registered ? n.string_id : -1;
  row.domain_id = n.domain;
  row.has_int64_value = r.has_payload;
  row.int64_value = r.payload;
  w_.Nvtx(row);
  if (has_end) {
    truth_.AddRangeClosed(r.name, end - r.start);
  } else {
    truth_.AddRangeOpen(r.name);
  }
  ++truth_.rows().nvtx;
  ++p.nvtx_rows;
}

void Simulator::Mark(Proc& p, int t, const char* text) {
  NvtxRow row{};
  row.start = p.now;
  row.event_type = 34;
  row.text = text;
  row.global_tid = p.th[t].gtid;
  row.text_id = -1;
  w_.Nvtx(row);
  ++truth_.rows().nvtx;
  ++p.nvtx_rows;
  Tick(p, p.rng.Duration(300, 0.3, 0));
}

void Simulator::Memcpy(Proc& p, int t, int api, Stream& s, int copy_kind,
                       int64_t bytes, int64_t ready_at) {
  const double bytes_per_ns = copy_kind == 8 ? 600.0 : 22.0;
  const int64_t dur = 1200 + static_cast<int64_t>(bytes / bytes_per_ns) +
                      p.rng.Duration(300, 0.5, 0);
  Call c{};
  int64_t start = 0;
  if (api == kApiMemcpy) {
    // Blocking copy on the legacy stream: waits for the device to drain.
    c = BeginCall(p, api);
    start = std::max({c.start + 2 * kUs, s.free_at + 500, p.compute.free_at,
                      p.nccl.free_at, ready_at});
    c = EndCall(p, t, api, c, start + dur + p.rng.Duration(2 * kUs, 0.4, 0));
  } else {
    c = Api(p, t, api);
    start = std::max(
        {c.end + p.rng.Duration(2000, 0.5, 0), s.free_at + 500, ready_at});
  }
  s.free_at = start + dur;
  CopyRow r{};
  r.start = start;
  r.end = start + dur;
  r.device = p.info.device;
  r.context = p.info.context;
  r.stream = s.id;
  r.correlation_id = c.corr;
  r.global_pid = p.info.global_pid;
  r.bytes = bytes;
  r.copy_kind = copy_kind;
  r.src_kind = copy_kind == 1 ? (api == kApiMemcpy ? 0 : 1) : 2;
  r.dst_kind = copy_kind == 2 ? 1 : 2;
  w_.Memcpy(r);
  ++truth_.rows().memcpy;
  last_ns_ = std::max(last_ns_, r.end);
}

void Simulator::Memset(Proc& p, int t, Stream& s, int64_t bytes) {
  const Call c = Api(p, t, kApiMemsetAsync);
  SetRow r{};
  r.start = std::max(c.end + p.rng.Duration(2000, 0.5, 0), s.free_at + 500);
  r.end = r.start + 700 + p.rng.Duration(150, 0.5, 0);
  s.free_at = r.end;
  r.device = p.info.device;
  r.context = p.info.context;
  r.stream = s.id;
  r.correlation_id = c.corr;
  r.global_pid = p.info.global_pid;
  r.value = 0;
  r.bytes = bytes;
  w_.Memset(r);
  ++truth_.rows().memset;
  last_ns_ = std::max(last_ns_, r.end);
}

// --------------------------------------------------------------- fillers --

void Simulator::BeginPacing(Proc& p, int64_t planned_kernels) {
  p.pace_k0 = p.kernels;
  p.pace_k1 = p.kernels + std::min(planned_kernels, p.budget - p.kernels);
}

void Simulator::Filler(Proc& p, int t, double progress) {
  progress = std::clamp(progress, 0.0, 1.0);
  // Stop a few kernels short of the budget: the rows written after the last
  // kernel are counted first and FinishProcess() tops up to the exact target.
  const double kref = std::min<double>(
      p.pace_k0 + (p.pace_k1 - p.pace_k0) * progress, p.budget - 4);
  const int64_t rt = std::llround(opt_.runtime_per_kernel * kref) - p.rt_rows;
  const int64_t nv = std::llround(opt_.nvtx_per_kernel * kref) - p.nvtx_rows;
  EmitFillers(p, t, std::max<int64_t>(0, rt), std::max<int64_t>(0, nv));
}

void Simulator::EmitFillers(Proc& p, int t, int64_t runtime_rows,
                            int64_t nvtx_rows) {
  while (runtime_rows > 0 || nvtx_rows > 0) {
    const bool runtime =
        runtime_rows > 0 &&
        (nvtx_rows == 0 ||
         p.rng.Uniform() * static_cast<double>(runtime_rows + nvtx_rows) <
             static_cast<double>(runtime_rows));
    if (runtime) {
      const double u = p.rng.Uniform();
      int api = kApiStreamIsCapturing;
      for (const auto& [a, cum] : kRuntimeFillers) {
        if (u < cum) {
          api = a;
          break;
        }
      }
      Api(p, t, api);
      --runtime_rows;
    } else {
      const int name =
          kNvtxFillerFirst + static_cast<int>(p.rng.UniformInt(
                                 0, kNvtxFillerLast - kNvtxFillerFirst));
      Push(p, t, name);
      Tick(p, p.rng.Duration(500, 0.5, 0));
      Pop(p, t);
      --nvtx_rows;
    }
  }
}

void Simulator::Run() {
  for (int i = 0; i < opt_.processes; ++i) {
    procs_.push_back(std::make_unique<Proc>(opt_.seed, i));
    InitProcess(*procs_.back(), i);
  }
  for (int batch = 0;; ++batch) {
    bool work_left = false;
    int64_t latest = 0;
    for (const auto& p : procs_) {
      work_left |= p->kernels < p->budget;
      latest = std::max(latest, p->now);
    }
    if (!work_left) break;
    const BatchPlan plan = PlanBatch(batch);
    for (auto& p : procs_) RunBatch(*p, plan, latest + plan.gap_ns);
  }
  for (auto& p : procs_) FinishProcess(*p);
}

}  // namespace nsysexplain::synth
