// Per-connection cache: the big nsys tables read once into compact columns
// (core/trace_model.h) and every shared intermediate result computed at most
// once, on first use. All report views are served from here through the
// dataset virtual tables (datasets.cc). Nothing is ever written to the trace.
//
// The cache is dropped when another connection changes the database
// (PRAGMA data_version moves) or when the user calls nsys_reset(). Writes made
// through this same connection are not detected (data_version ignores them,
// and total_changes would also move on every TEMP write such as an
// llm_phase_map edit): after editing the trace in place, call nsys_reset().
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/duration_stats.h"
#include "core/interval_union.h"
#include "core/nvtx_attribution.h"
#include "core/trace_model.h"
#include "schema.h"
#include "sqlite_api.h"

namespace nsysexplain {

struct KernelGroup {
  int64_t pid;          // -1 for the global table
  uint32_t name;
  uint32_t short_name;
  int32_t device;
  core::DurationStats stats;
};

struct StormRow {
  int64_t pid;  // -1 = all processes
  int64_t first_start, last_end;
  core::DurationStats stats;
};

struct TinyKernel {
  int64_t pid;  // -1 = all processes
  uint32_t name;
  int64_t count, total;
};

struct DeviceBusy {
  int32_t device;
  int64_t window_start, window_end, busy, kernels;
  int64_t largest_gap = 0;  // 0 when there is no gap
  std::vector<core::Interval> gaps;  // in time order
};

// A gap of devices()[device].gaps, with its length.
struct GapRef {
  int64_t length;
  uint32_t device;  // index into devices()
  uint32_t gap;     // index into its gaps
};

struct ApiGroup {
  int64_t pid;
  uint32_t name;
  uint32_t base_name;
  std::string kind;
  core::DurationStats stats;
};

struct NvtxGroup {
  int64_t pid;
  uint32_t domain, name;
  const char* style;  // "push_pop" or "start_end"
  int64_t count = 0, open_count = 0, total = 0, min = 0, max = 0;
};

struct AttributionRow {
  int64_t pid;  // -1 = all processes
  uint32_t domain, name;
  int64_t inclusive_count = 0, inclusive_ns = 0;
  int64_t innermost_count = 0, innermost_ns = 0;
};

struct CoverageRow {
  int64_t pid;  // -1 = all processes
  int64_t kernels = 0, kernel_ns = 0;
  int64_t launched = 0, launched_ns = 0;      // kernels with a launch row
  int64_t attributed = 0, attributed_ns = 0;  // kernels inside >= 1 range
  int64_t truncated_launches = 0;  // launches cut to core::kMaxEnclosing
};

struct PidRow {
  int64_t pid;
  int64_t kernels = 0, kernel_ns = 0;
  int64_t first_start = 0, last_end = 0;
};

// temp.llm_phase_map as (phase, lower-cased pattern), in rowid order.
using PhaseMap = std::vector<std::pair<std::string, std::string>>;

struct PhaseRow {
  int64_t pid;  // -1 = all processes
  std::string phase;
  int64_t kernels = 0, ns = 0;
};

class Session {
 public:
  explicit Session(sqlite3* db) : db_(db) {}

  // Drops everything cached if the database changed since it was read.
  void CheckFresh();
  // Drops the cache; deferred while dataset cursors read from it (their rows
  // point into it) and done when the last one closes.
  void Reset();
  void AcquireReader() { ++readers_; }
  void ReleaseReader() {
    if (--readers_ == 0 && reset_pending_) Reset();
  }

  const Schema& schema();
  core::StringTable& strings() { return strings_; }
  // Loads the requested tables that are not loaded yet, in parallel when
  // possible (see session.cc).
  void EnsureLoaded(bool kernels, bool runtime, bool nvtx);
  const core::Kernels& kernels();
  const core::RuntimeCalls& runtime();
  const core::NvtxRanges& nvtx();

  const std::vector<KernelGroup>& kernel_groups();
  const std::vector<KernelGroup>& kernel_groups_by_pid();
  const std::vector<StormRow>& storm();
  const std::vector<TinyKernel>& tiny_kernels();
  const std::vector<DeviceBusy>& devices();
  // Number of idle gaps over all devices, and the i-th longest (ties by
  // device, then start). Sorted lazily: reading the first rows costs O(n),
  // all of them O(n log n).
  size_t gap_count();
  const GapRef& gap_by_length(size_t i);
  const std::vector<ApiGroup>& api_groups();
  const std::vector<NvtxGroup>& nvtx_groups();
  const std::vector<PidRow>& pids();

  // Kernel -> index of its launch row in runtime(), or -1.
  const std::vector<int32_t>& kernel_launch();
  // Enclosing ranges of every launch row, and kernel -> launch row.
  struct Attribution {
    // Slots are runtime() rows (every stored runtime row launched a kernel);
    // kernel_launch() maps each kernel to its slot, or -1.
    core::Enclosure enclosure;                 // over slots
    std::vector<AttributionRow> rows;          // global (pid -1) and per pid
    std::vector<CoverageRow> coverage;         // global first, then per pid
  };
  const Attribution& attribution();
  // GPU time per phase: a kernel counts once per phase among the ranges
  // enclosing its launch; a range's phase is the first map row whose pattern
  // its lower-cased name contains. Cached while `map` stays the same; shared
  // so that an open cursor keeps its rows when another map replaces them.
  std::shared_ptr<const std::vector<PhaseRow>> phase_attribution(
      const PhaseMap& map);

  sqlite3* db() const { return db_; }
  // NVTX_EVENTS is read as this many rowid ranges, by at most
  // kMaxLoadThreads threads (see EnsureLoaded).
  static constexpr int kNvtxParts = 16;
  static constexpr size_t kMaxLoadThreads = 8;
  // nsys version found in install paths inside StringIds
  // ("/opt/nvidia/nsight-systems/2020.3.2/..."), for exports that have no
  // metadata table. Empty if none.
  std::string CaptureVersionHint();

 private:
  int64_t DataVersion();
  void LoadStrings();
  sqlite3* OpenPrivate();

  sqlite3* db_;
  int64_t data_version_ = -1;
  int readers_ = 0;             // open dataset cursors
  bool reset_pending_ = false;  // Reset() asked while readers_ > 0

  std::optional<Schema> schema_;
  core::StringTable strings_;
  bool strings_loaded_ = false;
  std::unordered_map<int64_t, uint32_t> string_ids_;

  std::unique_ptr<core::Kernels> kernels_;
  std::unique_ptr<core::RuntimeCalls> runtime_;
  std::unique_ptr<core::NvtxRanges> nvtx_;
  std::unique_ptr<std::vector<KernelGroup>> kernel_groups_, kernel_groups_pid_;
  std::unique_ptr<std::vector<StormRow>> storm_;
  std::unique_ptr<std::vector<TinyKernel>> tiny_;
  std::unique_ptr<std::vector<DeviceBusy>> devices_;
  std::unique_ptr<std::vector<GapRef>> gaps_by_length_;
  size_t gaps_sorted_ = 0;  // gaps_by_length_[0, gaps_sorted_) is in order
  std::unique_ptr<std::vector<ApiGroup>> api_groups_;
  std::unique_ptr<std::vector<NvtxGroup>> nvtx_groups_;
  std::unique_ptr<std::vector<PidRow>> pids_;
  std::unique_ptr<std::vector<int32_t>> kernel_launch_;
  std::unique_ptr<Attribution> attribution_;
  PhaseMap phase_map_;
  std::shared_ptr<const std::vector<PhaseRow>> phases_;
};

}  // namespace nsysexplain
