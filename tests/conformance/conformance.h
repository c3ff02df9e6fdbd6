// Shared helpers of the conformance suite (tests/conformance): the list of
// real nsys exports in ../shared/traces, read-only connections with and
// without libnsysexplain.so, a small query API, SHA-256 and CSV reading.
//
// The traces are never written: every connection to the shared folder uses
// file:PATH?mode=ro&immutable=1. Tests that need another open mode work on a
// copy in a temporary directory (TempDir).
#pragma once
#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace conformance {

// ---------------------------------------------------------------- traces

// Folder of the real exports: $NSYSEXPLAIN_TRACE_DIR if set (used to prove
// the suite skips cleanly), else the compile-time default
// (${PROJECT_SOURCE_DIR}/../shared/traces).
std::string TraceDir();
bool TraceDirPresent();
// The 11 exports of MANIFEST.md, without ".sqlite". Fixed at compile time so
// that CTest names are stable; TraceList.MatchesFolder fails when the folder
// gains or loses a trace, so a new export cannot be silently ignored.
const std::vector<std::string>& TraceNames();
std::string TracePath(const std::string& name);  // <dir>/<name>.sqlite
std::string OraclePath(const std::string& file);  // <dir>/<file>
std::string ExtensionPath();                      // libnsysexplain.so
std::string GoldenDir();                          // tests/conformance/golden

// Skips the current test (GTEST_SKIP) when the trace folder or the trace is
// missing. Must be used directly in the test body.
#define CONFORMANCE_REQUIRE_TRACE(name)                                     \
  do {                                                                      \
    if (!::conformance::TraceDirPresent())                                  \
      GTEST_SKIP() << "trace folder " << ::conformance::TraceDir()          \
                   << " not found: conformance tests need the real nsys "   \
                      "exports (../shared/traces next to the project)";     \
    if (!std::filesystem::exists(::conformance::TracePath(name)))           \
      GTEST_SKIP() << "trace " << ::conformance::TracePath(name)            \
                   << " not found";                                         \
  } while (0)

// ---------------------------------------------------------------- queries

struct Cell {
  int type = SQLITE_NULL;  // SQLITE_NULL, SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB
  int64_t i = 0;
  double d = 0;
  std::string s;
  bool null() const { return type == SQLITE_NULL; }
  double num() const { return type == SQLITE_INTEGER ? double(i) : d; }
  int64_t integer() const { return type == SQLITE_FLOAT ? int64_t(d) : i; }
};
using Row = std::vector<Cell>;

struct Result {
  std::vector<std::string> cols;
  std::vector<Row> rows;
  int Col(const std::string& name) const;  // throws if absent
  const Cell& At(size_t row, const std::string& col) const {
    return rows.at(row).at(static_cast<size_t>(Col(col)));
  }
  size_t size() const { return rows.size(); }
};

class Db {
 public:
  // Opens `target` (URI or path) with `flags`; throws std::runtime_error.
  Db(const std::string& target, int flags);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Loads libnsysexplain.so (sqlite3_db_config(ENABLE_LOAD_EXTENSION) +
  // sqlite3_load_extension); throws with the loader's message.
  void LoadExtension();
  Result Query(const std::string& sql) const;            // throws on error
  void Exec(const std::string& sql) const;               // throws on error
  std::optional<std::string> TryQuery(const std::string& sql, Result* out) const;
  bool HasTable(const std::string& table) const;          // in main
  bool HasColumn(const std::string& table, const std::string& col) const;
  int64_t Int(const std::string& sql) const;              // first cell
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// file:PATH?<params> with the path percent-encoded as SQLite URIs need.
std::string FileUri(const std::string& path, const std::string& params);
// Read-only immutable connection on a shared trace (the only way the suite
// opens ../shared/traces); with_ext loads the extension.
std::unique_ptr<Db> OpenTrace(const std::string& name, bool with_ext);

// Every query the report can run: each temp view (llm_*, _nsys_facts) and
// each dataset module (nsys_*, _nsys_*; nsys_interval_gaps with a kernel
// query). Returns the statement -> row count; failures are added to
// `errors`. `min_views` guards against an enumeration that finds nothing.
std::map<std::string, int64_t> QueryEverything(const Db& db,
                                               std::vector<std::string>* errors);

// ---------------------------------------------------------------- misc

std::string Sha256File(const std::string& path);  // lowercase hex
std::string Sha256(const std::string& bytes);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& bytes);

// RFC-4180-ish CSV (quoted fields, doubled quotes, newlines inside quotes).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text);

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// View values are rounded (ms to 6 decimals, us to 3): back to integer ns.
inline int64_t MsToNs(double ms) { return std::llround(ms * 1e6); }
inline int64_t UsToNs(double us) { return std::llround(us * 1e3); }

// |a - b| within the rounding of a value printed with `decimals` decimals
// (half a unit in the last place, plus float noise).
inline bool NearRounded(double a, double b, int decimals) {
  double half = 0.5 * std::pow(10.0, -decimals);
  return std::fabs(a - b) <= half + 1e-9 * std::max(1.0, std::fabs(b));
}

// CUDA API base name per docs/SEMANTICS.md, written independently of
// ext/core/api_names.cc: strip trailing _vNNNN/_ptsz/_ptds (repeatedly).
std::string ApiBaseName(const std::string& name);
// host_sync, sync_copy, device_wait, poll or "" (not a sync call).
std::string SyncKind(const std::string& raw_name);

}  // namespace conformance
