#include "launch_index.h"

#include <algorithm>

#include "core/timing.h"

namespace nsysexplain {

LaunchIndex::Result LaunchIndex::Compute(Session& s, const Scope& scope) {
  auto kp = s.kernels(scope);
  auto rp = s.runtime(scope);
  core::ScopedTimer tm("launch_index");
  const core::Kernels& k = *kp;
  const std::vector<int32_t>& launch = rp->kernel_launch;
  Result out;
  out.first.assign(rp->calls.size() + 1, 0);
  for (size_t i = 0; i < k.size(); ++i)
    if (launch[i] >= 0) ++out.first[size_t(launch[i]) + 1];
  for (size_t l = 0; l + 1 < out.first.size(); ++l) out.first[l + 1] += out.first[l];
  out.kernels.resize(out.first.back());
  std::vector<uint32_t> fill(out.first.begin(), out.first.end() - 1);
  for (size_t i = 0; i < k.size(); ++i)
    if (launch[i] >= 0) out.kernels[fill[size_t(launch[i])]++] = static_cast<uint32_t>(i);
  // Kernels are in rowid order; a launch's kernels in start order (graph
  // replays span several streams).
  for (size_t l = 0; l + 1 < out.first.size(); ++l) {
    if (out.first[l + 1] - out.first[l] < 2) continue;
    auto b = out.kernels.begin() + out.first[l], e = out.kernels.begin() + out.first[l + 1];
    std::sort(b, e, [&](uint32_t x, uint32_t y) {
      return k.start[x] != k.start[y] ? k.start[x] < k.start[y] : x < y;
    });
  }
  return out;
}

}  // namespace nsysexplain
