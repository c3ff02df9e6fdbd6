// Why a GPU sat idle between two kernels (docs/SEMANTICS.md, "Idle causes"):
// each gap is classified, in this order of precedence, as
//   host_wait     a host-blocking call (sync marker) of the process of the
//                 kernel after the gap was in progress during the gap:
//                 [call.start, call.end) overlaps (gap.start, gap.end);
//   launch_bound  the launch call of the kernel after the gap started after
//                 the gap began: the GPU waited for the CPU to issue work;
//   other         neither: a dependency (event wait, stream order, another
//                 process) or work the trace does not show.
// Pure: O((g + w) log w) with a prefix maximum of call ends per process.
#pragma once
#include <cstdint>
#include <vector>

namespace nsysexplain::core {

enum class IdleCause : uint8_t { kHostWait, kLaunchBound, kOther };
constexpr int kIdleCauses = 3;
const char* IdleCauseName(IdleCause c);  // "host_wait", "launch_bound", "other"

constexpr int64_t kNoLaunch = INT64_MIN;  // the next kernel's launch is unknown

struct IdleGap {
  int64_t start, end;
  int64_t process;       // process key of the kernel after the gap
  int64_t next_launch;   // start of that kernel's launch call, or kNoLaunch
};

struct HostWait {
  int64_t process;  // process key of the calling thread
  int64_t start, end;
};

std::vector<IdleCause> ClassifyIdleGaps(const std::vector<IdleGap>& gaps,
                                        std::vector<HostWait> waits);

}  // namespace nsysexplain::core
