// Integration-test harness: nsys-shaped fixture databases and connections
// that load the real libnsysexplain.so (NSYSEXPLAIN_PATH) through
// sqlite3_load_extension, exactly as a user's sqlite3 shell would.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nsysexplain::testing {

// globalTid / globalPid of (pid, tid) with optional hardware/VM bits.
inline int64_t Gtid(int64_t pid, int64_t tid, int64_t vm = 0, int64_t hw = 0) {
  return static_cast<int64_t>((static_cast<uint64_t>(hw) << 56) |
                              (static_cast<uint64_t>(vm) << 48) |
                              (static_cast<uint64_t>(pid) << 24) |
                              static_cast<uint64_t>(tid));
}
inline int64_t Gpid(int64_t pid, int64_t vm = 0, int64_t hw = 0) {
  return Gtid(pid, 0, vm, hw);
}

// One result cell.
struct Cell {
  int type = SQLITE_NULL;
  int64_t i = 0;
  double d = 0;
  std::string s;
  bool null() const { return type == SQLITE_NULL; }
  // Numeric value of an INTEGER or REAL cell (NaN otherwise).
  double num() const;
  std::string str() const;  // "NULL", the integer, %.15g ("3.0"), the text
};
using Row = std::vector<Cell>;
using Rows = std::vector<Row>;
std::string Render(const Rows& rows);  // one line per row, '|' separated

// A connection. Open() never loads the extension; Load() does.
class Conn {
 public:
  explicit Conn(const std::string& path,
                int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // sqlite3_enable_load_extension(enable) + sqlite3_load_extension. Returns
  // "" on success, else the error message.
  std::string Load(bool enable = true);

  sqlite3* db() const { return db_; }
  // Runs one or more statements; fails the test on error.
  void Exec(const std::string& sql);
  // Runs one query; fails the test on error.
  Rows Query(const std::string& sql);
  // Runs one query expecting an error; returns sqlite3_errmsg.
  std::string Error(const std::string& sql);
  // Single-value helpers (first column of the first row; test fails if none).
  Cell One(const std::string& sql);
  int64_t Int(const std::string& sql) { return One(sql).i; }
  double Num(const std::string& sql) { return One(sql).num(); }
  std::string Text(const std::string& sql) { return One(sql).str(); }

 private:
  sqlite3* db_ = nullptr;
};

// A fresh temporary file path (deleted, with -wal/-shm/-journal, on
// destruction).
class TempPath {
 public:
  explicit TempPath(const std::string& stem = "nsx");
  ~TempPath();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFileBytes(const std::string& path);

// Builds a tiny nsys-shaped export: StringIds, CUPTI_ACTIVITY_KIND_KERNEL,
// CUPTI_ACTIVITY_KIND_RUNTIME and NVTX_EVENTS with the columns the loader
// reads (ext/loaders.cc, ext/nvtx_loader.cc) plus a few it does not.
class TraceBuilder {
 public:
  explicit TraceBuilder(const std::string& path);  // creates the tables
  ~TraceBuilder();

  // StringIds id of `s` (inserted on first use).
  int64_t Str(const std::string& s);

  struct Kernel {
    std::optional<int64_t> start, end;
    int64_t global_pid = Gpid(1);
    int64_t device = 0;
    int64_t stream = 7;
    std::optional<int64_t> correlation;
    std::optional<std::string> name;        // demangledName (via StringIds)
    std::optional<std::string> short_name;  // shortName (via StringIds)
    std::optional<int64_t> raw_name_id;     // demangledName id, used as is
  };
  int64_t AddKernel(const Kernel& k);  // returns rowid
  // Common case: named kernel with a correlation id.
  int64_t K(int64_t start, int64_t end, const std::string& name,
            int64_t device = 0, int64_t global_pid = Gpid(1),
            std::optional<int64_t> correlation = std::nullopt);

  // Runtime/driver API row; event_class 0 = runtime, 1 = driver, 67 =
  // backtrace duplicate; nullopt stores NULL.
  int64_t R(int64_t start, int64_t end, const std::string& name,
            int64_t global_tid, std::optional<int64_t> correlation = std::nullopt,
            std::optional<int64_t> event_class = 0);

  struct Nvtx {
    int64_t type = 59;  // 59 push/pop, 60 start/end, 70/71 NVTXT, 34 mark, 75 domain
    std::optional<int64_t> start, end;
    int64_t global_tid = Gtid(1, 1);
    std::optional<int64_t> end_global_tid;
    std::optional<std::string> text;     // inline text
    std::optional<std::string> text_id;  // text via StringIds
    std::optional<int64_t> raw_text_id;  // textId used as is
    std::optional<int64_t> domain;
  };
  int64_t AddNvtx(const Nvtx& n);
  // Common case: a named range with a textId.
  int64_t N(int64_t type, int64_t start, std::optional<int64_t> end,
            const std::string& name, int64_t global_tid,
            std::optional<int64_t> end_global_tid = std::nullopt);

  void Exec(const std::string& sql);
  void Begin() { Exec("BEGIN"); }
  void Commit() { Exec("COMMIT"); }
  void Close();

 private:
  sqlite3* db_ = nullptr;
  std::map<std::string, int64_t> strings_;
};

}  // namespace nsysexplain::testing
