// Compact in-memory columns of the big nsys tables, read once per connection.
// Struct-of-arrays; strings are interned in one StringTable.
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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
  std::vector<int64_t> rowid, start, end, global_pid, correlation_id;
  std::vector<int32_t> device_id, stream_id;
  std::vector<uint32_t> name, short_name;  // StringTable ids
  std::vector<uint8_t> graph_node;         // 1 if graphNodeId is set
  // Data-quality counters.
  int64_t invalid_rows = 0;      // NULL start/end or end < start (skipped)
  int64_t unresolved_names = 0;  // name id missing from StringIds
  int64_t null_correlation = 0;
  std::string table;             // source table name
  size_t size() const { return start.size(); }
};

struct RuntimeCalls {
  std::vector<int64_t> rowid, start, end, global_tid, correlation_id;
  std::vector<uint32_t> name;
  int64_t skipped_backtrace_rows = 0;  // eventClass 67 and others
  int64_t invalid_rows = 0;
  int64_t unresolved_names = 0;
  size_t size() const { return start.size(); }
};

// NVTX range rows (eventType 59, 60, 70, 71) only.
struct NvtxRanges {
  std::vector<int64_t> rowid, start, end, global_tid;  // end: kOpenEnd if NULL
  std::vector<uint32_t> name, domain;
  std::vector<uint8_t> event_type;
  std::vector<uint8_t> cross_thread;  // start/end range ended on another thread
  std::vector<uint8_t> open;          // end was NULL
  int64_t invalid_rows = 0;           // end < start or NULL start
  int64_t non_range_rows = 0;         // marks, domain/thread naming, ...
  size_t size() const { return start.size(); }
};

}  // namespace nsysexplain::core
