// Naive reference implementations of docs/SEMANTICS.md, used to recompute
// the extension's numbers independently. Inputs come from plain SQL on a
// connection WITHOUT the extension; algorithms are the obvious quadratic ones
// (no sweep, no sort-and-merge), written from the contract text rather than
// from ext/core, so that a bug in the optimised code cannot hide here.
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "conformance.h"

namespace conformance {

inline constexpr int64_t kInfinity = std::numeric_limits<int64_t>::max();

inline int64_t PidOfGlobal(int64_t g) {
  return static_cast<int64_t>((static_cast<uint64_t>(g) >> 24) & 0xFFFFFFu);
}
inline int64_t ProcessKeyOf(int64_t g) {
  return static_cast<int64_t>(static_cast<uint64_t>(g) & ~uint64_t{0xFFFFFF});
}

struct RefKernel {
  int64_t rowid = 0, start = 0, end = 0, global_pid = 0, corr = -1;
  bool has_corr = false;
  int64_t device = 0;
  std::string name, short_name;
  int64_t dur() const { return end - start; }
  int64_t pid() const { return PidOfGlobal(global_pid); }
};

struct RefRuntime {
  int64_t rowid = 0, start = 0, end = 0, gtid = 0, corr = -1;
  bool has_corr = false;
  std::string name;
};

struct RefNvtx {
  int64_t rowid = 0, start = 0, end = 0;  // end = kInfinity when open
  bool open = false;
  int type = 0;
  int64_t gtid = 0;
  bool process_scoped = false;  // start/end range that ended on another thread
  std::string name, domain;
};

struct RefTrace {
  bool has_kernel_table = false, has_runtime = false, has_nvtx = false;
  std::vector<RefKernel> kernels;   // valid rows, rowid order
  std::vector<RefRuntime> runtime;  // eventClass 0/1 (or NULL), valid rows
  std::vector<RefNvtx> nvtx;        // ranges 59/60/70/71, valid rows
  int64_t runtime_skipped = 0;      // eventClass not in (0, 1)
};

// Reads the trace with plain SQL. `plain` must NOT have the extension loaded.
RefTrace LoadReference(const Db& plain);

// Kernel -> index in runtime of its launch row, or -1. pid_safe = false gives
// the (wrong) correlationId-only join, for the multi-process tests.
std::vector<int> KernelLaunch(const RefTrace& t, bool pid_safe);

struct RefAgg {
  int64_t incl_n = 0, incl_ns = 0, inner_n = 0, inner_ns = 0;
};
struct RefCoverage {
  int64_t kernels = 0, kernel_ns = 0, launched = 0, launched_ns = 0,
          attributed = 0, attributed_ns = 0;
};
struct RefAttribution {
  std::vector<std::vector<int>> enclosing;  // per kernel: nvtx indices
  std::vector<int> innermost;               // per kernel: nvtx index or -1
  // (pid or -1 for all, domain, name) -> totals
  std::map<std::tuple<int64_t, std::string, std::string>, RefAgg> rows;
  std::map<int64_t, RefCoverage> coverage;  // pid or -1 for all
};
RefAttribution Attribute(const RefTrace& t, const std::vector<int>& launch);

struct RefBusy {
  int64_t device = 0, kernels = 0, window_start = 0, window_end = 0, busy = 0;
  std::vector<std::pair<int64_t, int64_t>> gaps;
};
// Union of kernel intervals per device by brute force over elementary
// segments (every boundary point; a segment is busy if some kernel covers it).
std::vector<RefBusy> NaiveBusy(const RefTrace& t);

// Linear-interpolation percentile and sample stdev of `v` (unsorted).
double NaivePercentile(std::vector<int64_t> v, double p);
double NaiveStdev(const std::vector<int64_t>& v);

}  // namespace conformance
