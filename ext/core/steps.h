// Serving-loop steps from host events alone (docs/SEMANTICS.md, "Steps"):
// the launch calls of a process's launch thread, split at its host-blocking
// sync calls (a serving loop waits for each step's sampled tokens) or, where
// the thread never syncs, at its CUDA graph launches.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "interval_union.h"

namespace nsysexplain::core {

struct HostCall {
  int64_t start, end;
};

// The launches [first, last) of one step (indexes into the launch list).
// `end` is the end of the sync call that closed the step, or, for a trailing
// step no sync closed (`closed` false), the end of its last launch call.
struct StepSpan {
  size_t first, last;
  int64_t start, end;
  bool closed;
};

// Launches and syncs of one thread, each sorted by start. Launches i < j are
// in one step iff no sync starts in (start_i, start_j]; a step ends with the
// first sync that starts after its last launch. Syncs with no launch since
// the previous one open no step.
std::vector<StepSpan> SplitAtSyncs(const std::vector<HostCall>& launches,
                                   const std::vector<HostCall>& syncs);

// Launches sorted by start, `graph[i]` true for graph launches: every graph
// launch starts a step that runs until the next graph launch; launches
// before the first graph launch form a step of their own. No step is closed
// by a sync (`closed` false, `end` = end of the step's last launch call).
std::vector<StepSpan> SplitAtGraphLaunches(const std::vector<HostCall>& launches,
                                           const std::vector<uint8_t>& graph);

// Idle time of a device inside [a, b): the overlap of [a, b) with the
// device's gap_count idle gaps at `gaps` (sorted, disjoint) and with the time outside its busy
// window [window_start, window_end).
int64_t IdleInside(const Interval* gaps, size_t gap_count,
                   int64_t window_start, int64_t window_end, int64_t a, int64_t b);

}  // namespace nsysexplain::core

namespace nsysexplain::core {

// What an attention kernel's name says about the phase it serves:
// decode-only variants (paged/split-KV/decode kernels), prefill-only ones
// (varlen/prefill/2-D unified kernels, FlashAttention forward), or nothing.
enum class AttentionPhase : uint8_t { kNone, kPrefill, kDecode };
AttentionPhase AttentionPhaseOf(std::string_view kernel_name);

}  // namespace nsysexplain::core

namespace nsysexplain::core {

// Steps of two bases: NVTX step ranges `a` and steps cut from host events
// `b` (any order). For each a[i]: the index of the one b[j] whose midpoint
// lies in [a[i].start, a[i].end), or -1 when none or several do (a range that
// holds two host steps matches neither). A host step starts at its first
// launch, after the range's input preparation, so intervals do not line up
// exactly; the midpoint is what both agree on. Where the a are disjoint, a
// b matches at most one a.
int64_t Midpoint(const Interval& x);
std::vector<int64_t> MatchSteps(const std::vector<Interval>& a, const std::vector<Interval>& b);

}  // namespace nsysexplain::core
