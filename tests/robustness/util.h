// Helpers of the robustness suite: fixture databases built with the sqlite3 C
// API, the extension loaded from build/ext/libnsysexplain.so, and checks that
// run every llm_* view and every dataset virtual table.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rob {

inline constexpr int64_t kMin = INT64_MIN;
inline constexpr int64_t kMax = INT64_MAX;

// One result cell.
struct Value {
  int type = SQLITE_NULL;
  int64_t i = 0;
  double r = 0;
  std::string s;  // text or blob bytes
  bool IsNull() const { return type == SQLITE_NULL; }
  double Num() const { return type == SQLITE_INTEGER ? double(i) : r; }
  std::string ToString() const;
};

struct Result {
  bool ok = false;
  std::string error;  // sqlite3_errmsg when !ok
  std::vector<std::string> cols;
  std::vector<std::vector<Value>> rows;
  // Column by name of row r (throws if absent).
  const Value& At(size_t r, const std::string& col) const;
};

// RAII connection.
class Db {
 public:
  Db() = default;
  // Opens `path` with `flags` (SQLITE_OPEN_* ; URI filenames allowed).
  explicit Db(const std::string& path,
              int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ~Db();
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  sqlite3* get() const { return db_; }
  operator sqlite3*() const { return db_; }
  void Close();

 private:
  sqlite3* db_ = nullptr;
};

// Runs SQL that must succeed (throws std::runtime_error with the message).
void Exec(sqlite3* db, const std::string& sql);
// Runs one statement and collects up to max_rows rows (-1: all).
Result Query(sqlite3* db, const std::string& sql, long max_rows = -1);
// Query that must succeed; throws otherwise.
Result Must(sqlite3* db, const std::string& sql);
// Single value of a query that must return at least one row.
Value Scalar(sqlite3* db, const std::string& sql);

// Loads build/ext/libnsysexplain.so; returns "" or the error message.
std::string LoadExtension(sqlite3* db);
// Opens `path` and loads the extension; throws on failure.
Db OpenWithExtension(const std::string& path,
                     int flags = SQLITE_OPEN_READONLY);

// A fresh file path under the build tree's tmp dir (removed if it exists).
std::string TempPath(const std::string& name);
// FNV-1a 64 over the file's bytes, combined with its size. Throws if the
// file cannot be read.
uint64_t FileChecksum(const std::string& path);
bool FileExists(const std::string& path);
void CopyFile(const std::string& from, const std::string& to);
void WriteFile(const std::string& path, const std::string& bytes);
std::string ReadFile(const std::string& path);

// --- nsys-shaped schema -------------------------------------------------
// Column sets of the tables the extension reads, close to nsys 2023+
// exports, but without NOT NULL so that fixtures can hold bad rows.
enum Table : unsigned {
  kStringIds = 1,
  kKernel = 2,
  kRuntime = 4,
  kNvtx = 8,
  kMeta = 16,
  kAllTables = 31,
};
void CreateNsysSchema(sqlite3* db, unsigned tables = kAllTables);
// "ident" with embedded quotes doubled.
std::string Quote(const std::string& ident);
std::string CreateTableSql(Table t);

// Row builders (NULL-able through std::optional-like sentinel kNull).
struct Cell {
  enum Kind { kNullKind, kInt, kReal, kText, kBlob } kind = kNullKind;
  int64_t i = 0;
  double r = 0;
  std::string s;
  Cell() = default;
  Cell(int64_t v) : kind(kInt), i(v) {}           // NOLINT
  Cell(int v) : kind(kInt), i(v) {}               // NOLINT
  Cell(double v) : kind(kReal), r(v) {}           // NOLINT
  Cell(const char* v) : kind(kText), s(v) {}      // NOLINT
  Cell(std::string v) : kind(kText), s(std::move(v)) {}  // NOLINT
  static Cell Blob(std::string b) {
    Cell c;
    c.kind = kBlob;
    c.s = std::move(b);
    return c;
  }
};
inline const Cell kNull{};
// INSERT INTO table(cols...) VALUES(cells...) with bound parameters.
void Insert(sqlite3* db, const std::string& table,
            const std::vector<std::string>& cols,
            const std::vector<Cell>& cells);

// Convenience inserts with the columns most tests need.
void AddString(sqlite3* db, Cell id, Cell value);
void AddKernel(sqlite3* db, Cell start, Cell end, Cell name_id,
               Cell correlation = 1, Cell global_pid = int64_t(100) << 24,
               Cell device = 0, Cell short_name = kNull);
void AddRuntime(sqlite3* db, Cell start, Cell end, Cell name_id,
                Cell correlation, Cell global_tid = (int64_t(100) << 24) + 1,
                Cell event_class = 0);
void AddNvtx(sqlite3* db, Cell start, Cell end, Cell event_type, Cell text,
             Cell text_id = kNull, Cell global_tid = (int64_t(100) << 24) + 1,
             Cell end_global_tid = kNull, Cell domain_id = 0);

// globalTid/globalPid of pid, tid.
inline int64_t Gtid(int64_t pid, int64_t tid) { return (pid << 24) | tid; }

// --- checks over the whole view pack ------------------------------------
std::vector<std::string> LlmViews(sqlite3* db);       // temp llm_* views
std::vector<std::string> DatasetModules(sqlite3* db); // nsys_* / _nsys_* vtabs
std::vector<std::string> NsysFunctions(sqlite3* db);  // pragma_function_list

// Runs SELECT * on every llm_* view and every dataset module (except
// nsys_interval_gaps, which needs arguments), streaming the rows.
// gtest-friendly: "" when every view/dataset ran without error and its values
// are sane (finite reals; durations, counts and shares >= 0; shares <= 100),
// else a description of every problem.
std::string CheckEverything(sqlite3* db, bool allow_errors = false);

// section_id -> (available, reason)
std::map<std::string, std::pair<int64_t, std::string>> Sections(sqlite3* db);
// _nsys_data_quality as a map.
std::map<std::string, int64_t> DataQuality(sqlite3* db);
// llm_warnings codes.
std::vector<std::string> WarningCodes(sqlite3* db);

const char* ModulePath();
const char* TracesDir();

}  // namespace rob
