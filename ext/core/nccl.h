// NCCL kernels: the collective of a kernel name and the start skew of the
// n-th instance of a collective across ranks (docs/SEMANTICS.md, "NCCL").
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace nsysexplain::core {

// "AllReduce", "AllGather", "ReduceScatter", "Broadcast", "Reduce",
// "SendRecv", "Send", "Recv", "AllToAll" for a kernel whose name contains
// "nccl" (any case) and that collective (the longest match wins:
// ReduceScatter before Reduce, SendRecv before Send; '_' inside the name is
// skipped, so the NVTX range names "ncclAllReduce" and "nccl:all_reduce"
// match too); "Other" for another NCCL name; "" when the name is not NCCL's.
std::string_view NcclCollective(std::string_view kernel_name);

// Start skew across ranks. `starts[r]` holds rank r's start times of one
// collective in ascending order; instance n of every rank that has one is
// compared (n counted per rank, never across ranks), when at least two
// ranks have it: spread = latest start - earliest start.
struct RankSkew {
  int64_t instances = 0;           // instances compared
  int64_t total = 0, max = 0;      // summed and largest spread
  std::vector<int64_t> last;       // per rank: instances where it started last
};
RankSkew ComputeRankSkew(const std::vector<std::vector<int64_t>>& starts);

}  // namespace nsysexplain::core
