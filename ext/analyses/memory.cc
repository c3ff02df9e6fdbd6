#include "analyses/memory.h"

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>

#include "analyses/analysis.h"
#include "analyses/steps.h"
#include "core/api_names.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"
#include "loaders.h"

namespace nsysexplain {
namespace {

using core::MarkerKind;

// Symbols of the raw values 0..254 of one ENUM_* table ("" when unknown).
std::array<std::string, 256> Symbols(const MemoryTable& m,
                                     const std::map<int64_t, std::string>& table) {
  std::array<std::string, 256> out;
  for (int64_t v = 0; v < 255; ++v) out[size_t(v)] = m.Symbol(table, v);
  return out;
}

// Groups rows by a key, keeping each group's durations for its statistics.
template <class Key, class Group>
struct Grouper {
  std::map<Key, size_t> index;
  std::vector<Group> groups;
  std::vector<std::vector<int64_t>> durations;
  Group& At(const Key& k, int64_t duration) {
    auto [it, added] = index.try_emplace(k, groups.size());
    if (added) {
      groups.emplace_back();
      durations.emplace_back();
    }
    durations[it->second].push_back(duration);
    return groups[it->second];
  }
  // The groups in key order, with their statistics.
  template <class StatsOf>
  std::vector<Group> Finish(StatsOf stats_of) {
    std::vector<Group> out;
    out.reserve(groups.size());
    for (const auto& [k, i] : index) {
      stats_of(groups[i]) = core::ComputeStatsInPlace(durations[i].data(), durations[i].size());
      out.push_back(groups[i]);
    }
    return out;
  }
};

}  // namespace

Memory::Result Memory::Compute(Session& s, const Scope& scope) {
  auto mp = s.memory(scope);
  auto rp = s.runtime(scope);
  auto warm = s.Get<WarmupEnds>(scope);
  std::shared_ptr<Trace> t = s.trace(scope);
  core::ScopedTimer tm("memory");
  const MemoryTable& m = *mp;
  const auto& mk = rp->calls.markers;
  Result out;
  out.memcpy_invalid = m.copies.invalid_rows;
  out.memset_invalid = m.sets.invalid_rows;
  out.copy_kind_enum = !m.copy_kind_symbols.empty();
  out.mem_kind_enum = !m.mem_kind_symbols.empty();

  // The copy/memset call of each (process, correlationId): sync_copy and
  // async_copy markers (core::ClassifyMarker).
  std::unordered_map<std::pair<int64_t, int64_t>, MemApi, PairHash> api;
  for (size_t i = 0; i < mk.size(); ++i) {
    auto kind = static_cast<MarkerKind>(mk.kind[i]);
    if ((kind != MarkerKind::kSyncCopy && kind != MarkerKind::kAsyncCopy) ||
        mk.correlation_id[i] < 0)
      continue;
    api.try_emplace({core::ProcessKey(mk.global_tid[i]), mk.correlation_id[i]},
                    kind == MarkerKind::kSyncCopy ? MemApi::kSync : MemApi::kAsync);
  }
  auto api_of = [&](int64_t gpid, int64_t corr) {
    if (corr < 0) return MemApi::kNone;
    auto it = api.find({core::ProcessKey(gpid), corr});
    return it == api.end() ? MemApi::kNone : it->second;
  };

  std::map<int64_t, MemoryFlags> flags;
  auto flags_of = [&](int64_t pid) -> MemoryFlags& {
    auto [it, added] = flags.try_emplace(pid);
    if (added) {
      it->second.pid = pid;
      auto w = warm->find(pid);
      it->second.warmup_known = w != warm->end();
      it->second.steady_from = it->second.warmup_known ? w->second : 0;
    }
    return it->second;
  };

  const std::array<std::string, 256> copy_sym = Symbols(m, m.copy_kind_symbols);
  const std::array<std::string, 256> kind_sym = Symbols(m, m.mem_kind_symbols);
  auto pageable = [&](uint8_t k) {
    return k != 255 && core::ClassifyMemKind(k, kind_sym[k]) == core::MemKind::kPageable;
  };

  const core::MemOps& c = m.copies;
  Grouper<std::tuple<int64_t, int32_t, uint8_t>, MemcpyGroup> cg;
  for (size_t i = 0; i < c.size(); ++i) {
    core::CopyDirection dir = core::ClassifyCopy(
        c.copy_kind[i] == 255 ? -1 : c.copy_kind[i], copy_sym[c.copy_kind[i]],
        c.src_device[i], c.dst_device[i]);
    int64_t pid = core::PidOf(c.global_pid[i]);
    int64_t d = core::SatSub(c.end[i], c.start[i]);
    MemcpyGroup& g = cg.At({pid, c.device_id[i], uint8_t(dir)}, d);
    g.pid = pid;
    g.device = c.device_id[i];
    g.direction = dir;
    g.bytes = core::SatAdd(g.bytes, c.bytes[i]);
    g.max_bytes = std::max(g.max_bytes, c.bytes[i]);
    g.min_bytes = std::min(g.min_bytes, c.bytes[i]);
    MemApi a = api_of(c.global_pid[i], c.correlation_id[i]);
    g.sync_calls += a == MemApi::kSync;
    g.async_calls += a == MemApi::kAsync;
    bool pg = pageable(c.src_kind[i]) || pageable(c.dst_kind[i]);
    g.pageable += pg;
    if (pg && a == MemApi::kAsync) {
      ++g.async_pageable;
      g.async_pageable_bytes = core::SatAdd(g.async_pageable_bytes, c.bytes[i]);
      g.async_pageable_ns = core::SatAdd(g.async_pageable_ns, d);
      MemoryFlags& f = flags_of(pid);
      ++f.async_pageable;
      f.async_pageable_bytes = core::SatAdd(f.async_pageable_bytes, c.bytes[i]);
      f.async_pageable_ns = core::SatAdd(f.async_pageable_ns, d);
    }
  }
  out.copies = cg.Finish([](MemcpyGroup& g) -> core::DurationStats& { return g.time; });

  const core::MemOps& ms = m.sets;
  Grouper<std::tuple<int64_t, int32_t, uint8_t>, MemsetGroup> sg;
  for (size_t i = 0; i < ms.size(); ++i) {
    int64_t pid = core::PidOf(ms.global_pid[i]);
    uint8_t raw = ms.src_kind[i];
    core::MemKind kind = raw == 255 ? core::MemKind::kUnknown
                                    : core::ClassifyMemKind(raw, kind_sym[raw]);
    MemsetGroup& g = sg.At({pid, ms.device_id[i], uint8_t(kind)},
                           core::SatSub(ms.end[i], ms.start[i]));
    g.pid = pid;
    g.device = ms.device_id[i];
    g.kind = kind;
    g.kind_known = raw != 255;
    g.bytes = core::SatAdd(g.bytes, ms.bytes[i]);
    g.max_bytes = std::max(g.max_bytes, ms.bytes[i]);
    g.min_bytes = std::min(g.min_bytes, ms.bytes[i]);
    MemApi a = api_of(ms.global_pid[i], ms.correlation_id[i]);
    g.sync_calls += a == MemApi::kSync;
    g.async_calls += a == MemApi::kAsync;
  }
  out.sets = sg.Finish([](MemsetGroup& g) -> core::DurationStats& { return g.time; });

  // Synchronous copies and memsets in the steady state, from the calls (a
  // blocking copy of pageable memory may have no GPU record of its own).
  std::unordered_map<uint32_t, bool> is_memset;
  for (size_t i = 0; i < mk.size(); ++i) {
    if (static_cast<MarkerKind>(mk.kind[i]) != MarkerKind::kSyncCopy) continue;
    MemoryFlags& f = flags_of(core::PidOf(mk.global_tid[i]));
    if (f.warmup_known && mk.start[i] < f.steady_from) continue;
    auto [it, added] = is_memset.try_emplace(mk.name[i], false);
    if (added) it->second = t->Name(mk.name[i]).find("Memset") != std::string::npos;
    int64_t d = core::SatSub(mk.end[i], mk.start[i]);
    if (it->second) {
      ++f.sync_memset_calls;
      f.sync_memset_ns = core::SatAdd(f.sync_memset_ns, d);
    } else {
      ++f.sync_copy_calls;
      f.sync_copy_ns = core::SatAdd(f.sync_copy_ns, d);
    }
  }
  for (auto& [pid, f] : flags) out.flags.push_back(f);
  return out;
}

namespace {

using CG = MemcpyGroup;
using SG = MemsetGroup;
using MF = MemoryFlags;

// Throughput in GB/s (bytes per ns); NULL without time.
void Throughput(Cell& c, int64_t bytes, int64_t ns) {
  ns > 0 ? c.Real(double(bytes) / double(ns)) : c.Null();
}

}  // namespace

NSYSEXPLAIN_ANALYSIS(memory) {
  return {
      "memory",
      {
          MakeDataset<CG>(
              "_nsys_memcpy",
              "Memory copies (CUPTI_ACTIVITY_KIND_MEMCPY) by (PID, device, direction).",
              Concat<CG>(
                  {
                      {"pid", kInt, [](const CG& g, Cell& c) { c.Int(g.pid); },
                       "process (from globalPid)"},
                      {"device_id", kInt, [](const CG& g, Cell& c) { c.Int(g.device); },
                       "deviceId of the copy row"},
                      {"direction", kText,
                       [](const CG& g, Cell& c) { c.Text(core::CopyDirectionName(g.direction)); },
                       "h2d, d2h, d2d, p2p, h2h, um_h2d, um_d2h, um_d2d, unknown"},
                      {"unified", kInt,
                       [](const CG& g, Cell& c) { c.Int(core::IsUnifiedMigration(g.direction)); },
                       "1 for unified-memory migrations (copyKind 11..13)"},
                      {"bytes", kInt, [](const CG& g, Cell& c) { c.Int(g.bytes); },
                       "bytes copied"},
                      {"max_bytes", kInt, [](const CG& g, Cell& c) { c.Int(g.max_bytes); },
                       "largest copy"},
                      {"min_bytes", kInt, [](const CG& g, Cell& c) { c.Int(g.min_bytes); },
                       "smallest copy"},
                      {"gb_per_s", kReal,
                       [](const CG& g, Cell& c) { Throughput(c, g.bytes, g.time.total); },
                       "bytes / summed copy time (GB/s)"},
                      {"sync_calls", kInt, [](const CG& g, Cell& c) { c.Int(g.sync_calls); },
                       "copies issued by a synchronous copy call (cudaMemcpy, ...)"},
                      {"async_calls", kInt, [](const CG& g, Cell& c) { c.Int(g.async_calls); },
                       "copies issued by an asynchronous copy call (cudaMemcpyAsync, ...)"},
                      {"pageable", kInt, [](const CG& g, Cell& c) { c.Int(g.pageable); },
                       "copies with a pageable source or destination"},
                      {"async_pageable", kInt,
                       [](const CG& g, Cell& c) { c.Int(g.async_pageable); },
                       "asynchronous copies of pageable memory"},
                      {"async_pageable_bytes", kInt,
                       [](const CG& g, Cell& c) { c.Int(g.async_pageable_bytes); },
                       "their bytes"},
                  },
                  StatsColumns<CG, &CG::time>()),
              [](Session& s) {
                auto r = s.Get<Memory>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<CG>>(r, &r->copies));
              }),
          MakeDataset<SG>(
              "_nsys_memset",
              "Memsets (CUPTI_ACTIVITY_KIND_MEMSET) by (PID, device, memory kind).",
              Concat<SG>(
                  {
                      {"pid", kInt, [](const SG& g, Cell& c) { c.Int(g.pid); },
                       "process (from globalPid)"},
                      {"device_id", kInt, [](const SG& g, Cell& c) { c.Int(g.device); },
                       "deviceId of the memset row"},
                      {"mem_kind", kText,
                       [](const SG& g, Cell& c) {
                         g.kind_known ? c.Text(core::MemKindName(g.kind)) : c.Null();
                       },
                       "memKind (pageable, pinned, device, managed, ...); NULL when absent"},
                      {"bytes", kInt, [](const SG& g, Cell& c) { c.Int(g.bytes); },
                       "bytes set"},
                      {"max_bytes", kInt, [](const SG& g, Cell& c) { c.Int(g.max_bytes); },
                       "largest memset"},
                      {"min_bytes", kInt, [](const SG& g, Cell& c) { c.Int(g.min_bytes); },
                       "smallest memset"},
                      {"gb_per_s", kReal,
                       [](const SG& g, Cell& c) { Throughput(c, g.bytes, g.time.total); },
                       "bytes / summed memset time (GB/s)"},
                      {"sync_calls", kInt, [](const SG& g, Cell& c) { c.Int(g.sync_calls); },
                       "memsets issued by a synchronous call (cudaMemset, ...)"},
                      {"async_calls", kInt, [](const SG& g, Cell& c) { c.Int(g.async_calls); },
                       "memsets issued by an asynchronous call (cudaMemsetAsync, ...)"},
                  },
                  StatsColumns<SG, &SG::time>()),
              [](Session& s) {
                auto r = s.Get<Memory>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<SG>>(r, &r->sets));
              }),
          MakeDataset<MF>(
              "_nsys_memory_flags",
              "Per process: pageable asynchronous copies and steady-state synchronous "
              "copies/memsets.",
              {
                  {"pid", kInt, [](const MF& f, Cell& c) { c.Int(f.pid); }, "process"},
                  {"warmup_known", kInt, [](const MF& f, Cell& c) { c.Int(f.warmup_known); },
                   "1 when the process has a graph build call (warm-up end known)"},
                  {"steady_from_ns", kInt,
                   [](const MF& f, Cell& c) { f.warmup_known ? c.Int(f.steady_from) : c.Null(); },
                   "end of warm-up (the last graph build call); NULL when not known"},
                  {"async_pageable", kInt, [](const MF& f, Cell& c) { c.Int(f.async_pageable); },
                   "asynchronous copies of pageable memory (whole trace)"},
                  {"async_pageable_bytes", kInt,
                   [](const MF& f, Cell& c) { c.Int(f.async_pageable_bytes); }, "their bytes"},
                  {"async_pageable_ns", kInt,
                   [](const MF& f, Cell& c) { c.Int(f.async_pageable_ns); }, "their GPU time"},
                  {"sync_copy_calls", kInt, [](const MF& f, Cell& c) { c.Int(f.sync_copy_calls); },
                   "synchronous copy calls after warm-up (whole trace when not known)"},
                  {"sync_copy_ns", kInt, [](const MF& f, Cell& c) { c.Int(f.sync_copy_ns); },
                   "their host time"},
                  {"sync_memset_calls", kInt,
                   [](const MF& f, Cell& c) { c.Int(f.sync_memset_calls); },
                   "synchronous memset calls after warm-up"},
                  {"sync_memset_ns", kInt, [](const MF& f, Cell& c) { c.Int(f.sync_memset_ns); },
                   "their host time"},
              },
              [](Session& s) {
                auto r = s.Get<Memory>();
                return RowsOfResult(s, std::shared_ptr<const std::vector<MF>>(r, &r->flags));
              }),
      },
      [](Session& s, const PrepareOptions&) { s.Get<Memory>(); }};
}

}  // namespace nsysexplain
