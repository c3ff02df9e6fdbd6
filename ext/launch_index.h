// The kernels of each launch row (CUPTI_ACTIVITY_KIND_RUNTIME calls that
// launched kernels), in start order: one counting sort over the kernel ->
// launch-row map, cached per connection and shared by the analyses that go
// from a launch call to its kernels (CUDA graphs, steps).
#pragma once
#include <cstdint>
#include <vector>

#include "session.h"

namespace nsysexplain {

struct LaunchIndex {
  static constexpr const char* kName = "launch_index";
  struct Result {
    std::vector<uint32_t> first;    // launch row l: kernels[first[l], first[l+1])
    std::vector<uint32_t> kernels;  // kernel indexes, by launch row, start order
    size_t count(size_t l) const { return first[l + 1] - first[l]; }
  };
  static Result Compute(Session& s, const Scope& scope);
};

}  // namespace nsysexplain
