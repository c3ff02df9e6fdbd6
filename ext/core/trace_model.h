// Compact in-memory columns of the big nsys tables, read once per connection.
// Struct-of-arrays; strings are interned in one StringTable.
#pragma once
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "duration_stats.h"
#include "page_allocator.h"
#include "rowid_column.h"

namespace nsysexplain::core {

class StringTable {
 public:
  StringTable() { Intern(""); }
  StringTable(const StringTable&) = delete;
  StringTable& operator=(const StringTable&) = delete;
  StringTable(StringTable&&) = default;
  StringTable& operator=(StringTable&&) = default;
  uint32_t Intern(std::string_view s) {
    auto it = index_.find(s);
    if (it != index_.end()) return it->second;
    strings_.emplace_back(s);
    uint32_t id = static_cast<uint32_t>(strings_.size() - 1);
    index_.emplace(std::string_view(strings_.back()), id);
    return id;
  }
  const std::string& Get(uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

 private:
  // deque: elements never move, so the string_view keys stay valid.
  std::deque<std::string> strings_;
  std::unordered_map<std::string_view, uint32_t> index_;
};

struct Kernels {
  RowidColumn rowid;
  Column<int64_t> start, end, global_pid, correlation_id;
  Column<int32_t> device_id, stream_id;
  Column<uint32_t> name, short_name;  // StringTable ids
  Column<uint8_t> graph_node;         // 1 if graphNodeId is set
  // Data-quality counters.
  int64_t invalid_rows = 0;      // NULL start/end or end < start (skipped)
  int64_t unresolved_names = 0;  // name id missing from StringIds
  int64_t null_correlation = 0;
  std::string table;             // source table name
  size_t size() const { return start.size(); }
  void Reserve(size_t rows) {
    for (auto* v : {&start, &end, &global_pid, &correlation_id}) v->reserve(rows);
    device_id.reserve(rows);
    stream_id.reserve(rows);
    name.reserve(rows);
    short_name.reserve(rows);
    graph_node.reserve(rows);
  }
};

// CUDA runtime/driver API calls (eventClass 0/1). To stay compact only the
// *launch rows* (calls that launched at least one kernel, found through the
// PID-safe (process, correlationId) key) are kept as rows; every call's
// duration goes into the statistics of its (pid, name) group, computed by the
// loader (the durations themselves are not kept).
struct RuntimeCalls {
  // Launch rows.
  RowidColumn rowid;
  Column<int64_t> start, end, global_tid, correlation_id;
  Column<uint32_t> name;
  // Every valid call, grouped.
  struct Group {
    int64_t pid;
    uint32_t name;
    DurationStats stats;
    uint8_t event_class = 0;  // of its first call: 0 runtime, 1 driver
  };
  std::vector<Group> groups;
  // Every valid call grouped by (API base name, eventClass) over all
  // processes (version suffixes folded), like nsys stats cuda_api_sum.
  struct BaseGroup {
    uint32_t base;  // StringTable id of the base name
    uint8_t event_class;
    DurationStats stats;
    int64_t pids = 0;  // processes that made the call
  };
  std::vector<BaseGroup> base_groups;
  // Every marker call (MarkerKind in api_names.h: host syncs, synchronous
  // copies, graph launches and builds, allocations) with its times and
  // thread, in rowid order; a graph launch can also be a launch row.
  struct Markers {
    Column<int64_t> start, end, global_tid, correlation_id;  // corr -1: NULL
    Column<uint32_t> name;
    Column<uint8_t> kind;  // MarkerKind
    size_t size() const { return start.size(); }
  } markers;
  int64_t total_rows = 0;              // valid eventClass 0/1 calls
  int64_t skipped_backtrace_rows = 0;  // eventClass 67 and others
  int64_t invalid_rows = 0;
  int64_t unresolved_names = 0;
  size_t size() const { return start.size(); }  // launch rows
};

// CUPTI_ACTIVITY_KIND_MEMCPY or _MEMSET rows (valid times only), with the
// raw enum values: the analyses classify them (core/memory.h) with the
// export's ENUM_* symbols, kept here per value.
struct MemOps {
  Column<int64_t> start, end, global_pid, correlation_id, bytes;
  Column<int32_t> device_id, stream_id;
  Column<int32_t> src_device, dst_device;  // memcpy only; -1 when NULL/absent
  Column<uint8_t> copy_kind;  // memcpy: copyKind; memset: 0 (255: NULL/out of range)
  Column<uint8_t> src_kind, dst_kind;  // memcpy srcKind/dstKind; memset: memKind in src_kind
  int64_t invalid_rows = 0;  // NULL start/end or end < start (skipped)
  std::string table;         // source table name ("" when absent)
  size_t size() const { return start.size(); }
};

// NVTX range rows (eventType 59, 60, 70, 71) only, 24 bytes a row: what is
// per-row (times, scope) is in columns, rowids in runs; what repeats
// (process, domain, name, type) is in a small label table.
struct NvtxRanges {
  struct Label {
    int64_t process_key;
    int64_t raw_domain;  // domainId as exported
    uint32_t name;       // StringTable id
    uint32_t domain;     // StringTable id of the domain name ("" = default)
    uint8_t event_type;  // 59, 60, 70, 71
  };
  RowidColumn rowid;  // -1 when unknown (WITHOUT ROWID table)
  Column<int64_t> start, end;  // end: kOpenEnd if NULL
  // Where a range applies (docs/SEMANTICS.md): its thread, or its process
  // for start/end ranges that ended on another thread. scope[i] indexes
  // `scopes`; scope ids double as the buckets of the attribution sweep.
  struct Scope {
    int64_t key;   // globalTid, or process key when `process`
    bool process;
  };
  Column<uint32_t> scope;
  Column<uint32_t> label;  // index into labels
  std::vector<Scope> scopes;
  std::vector<Label> labels;
  int64_t invalid_rows = 0;    // end < start, NULL or non-numeric start
  int64_t non_range_rows = 0;  // marks, domain/thread naming, ...
  int64_t open_rows = 0;       // ranges without an end (counted at load)
  int64_t cross_thread_rows = 0;  // start/end ranges ended on another thread
  size_t size() const { return start.size(); }
  void Reserve(size_t rows) {
    start.reserve(rows);
    end.reserve(rows);
    scope.reserve(rows);
    label.reserve(rows);
  }
  bool Open(size_t i) const;
  bool CrossThread(size_t i) const { return scopes[scope[i]].process; }
  int64_t ProcessKeyOf(size_t i) const {
    return labels[label[i]].process_key;
  }
  uint32_t Name(size_t i) const { return labels[label[i]].name; }
  uint32_t Domain(size_t i) const { return labels[label[i]].domain; }
  uint8_t Type(size_t i) const { return labels[label[i]].event_type; }
};

}  // namespace nsysexplain::core

namespace nsysexplain::core {
inline bool NvtxRanges::Open(size_t i) const {
  return end[i] == std::numeric_limits<int64_t>::max();
}
}  // namespace nsysexplain::core
