// How many traces the multi-rank renderer renders at once (report/ranks_render.cc);
// header-only so that tests use it without the renderer library.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace nsysexplain::render {

// How many traces to render at once: `requested` (--jobs), but no more than
// the available memory holds, at kPeakBytesPerTraceByte bytes of peak RSS per
// byte of the largest trace (measured peaks: 0.49x the file on the llm bench
// shape, 0.79x on the kernel-heavy one), and at least 1. `available_bytes`
// 0 = unknown (no cap).
inline constexpr double kPeakBytesPerTraceByte = 0.8;
inline size_t JobsWithinMemory(size_t requested, uint64_t available_bytes,
                               uint64_t largest_trace_bytes) {
  if (requested <= 1 || available_bytes == 0 || largest_trace_bytes == 0)
    return std::max<size_t>(requested, 1);
  const double fit =
      double(available_bytes) / (kPeakBytesPerTraceByte * double(largest_trace_bytes));
  return std::clamp<size_t>(fit >= double(requested) ? requested : size_t(fit), 1, requested);
}

// MemAvailable of /proc/meminfo in bytes, 0 when unknown.
inline uint64_t AvailableMemoryBytes() {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("MemAvailable:", 0) == 0) {
      std::istringstream v(line.substr(13));
      uint64_t kb = 0;
      return v >> kb ? kb * 1024 : 0;
    }
  return 0;
}

}  // namespace nsysexplain::render
