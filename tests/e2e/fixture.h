// Tiny Nsight-Systems-shaped databases built with the SQLite C API: the
// tables and columns the exporter writes (StringIds, CUPTI_ACTIVITY_KIND_*,
// NVTX_EVENTS), filled row by row with hand-chosen timestamps.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

struct sqlite3;

namespace e2e {

class NsysFixture {
 public:
  enum Tables : unsigned {
    kStrings = 1, kKernels = 2, kRuntime = 4, kNvtx = 8,
    kAll = kStrings | kKernels | kRuntime | kNvtx,
  };
  explicit NsysFixture(const std::string& path, unsigned tables = kAll);
  ~NsysFixture();
  NsysFixture(const NsysFixture&) = delete;
  NsysFixture& operator=(const NsysFixture&) = delete;

  static int64_t GlobalPid(int pid) { return static_cast<int64_t>(pid) << 24; }
  static int64_t GlobalTid(int pid, int tid) { return GlobalPid(pid) | tid; }

  // StringIds id of `s` (added on first use).
  int64_t Str(const std::string& s);
  void Kernel(int64_t start, int64_t end, int device, int64_t correlation, int pid,
              const std::string& name, int stream = 7);
  void Runtime(int64_t start, int64_t end, int pid, int tid, int64_t correlation,
               const std::string& name, int event_class = 1);
  // eventType 59 = push/pop range; name via textId, or inline `text` when
  // `inline_text` is set.
  void Nvtx(int64_t start, std::optional<int64_t> end, int pid, int tid,
            const std::string& name, int event_type = 59, bool inline_text = false);
  // Commits and closes (also done by the destructor).
  void Close();
  // Any other table or row.
  void Exec(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
  std::map<std::string, int64_t> ids_;
};

}  // namespace e2e

namespace e2e {

// The hand-computed trace of numbers_test.cc (see the comment there):
// pid 100 (device 0, thread 101) and pid 200 (device 1, thread 201).
void BuildBasicTrace(const std::string& path);

}  // namespace e2e
