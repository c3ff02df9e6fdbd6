#include "util.h"

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace rob {
namespace fs = std::filesystem;

const char* ModulePath() { return NSYSEXPLAIN_MODULE_PATH; }
const char* TracesDir() { return NSYSEXPLAIN_TRACES_DIR; }

std::string Value::ToString() const {
  switch (type) {
    case SQLITE_NULL: return "NULL";
    case SQLITE_INTEGER: return std::to_string(i);
    case SQLITE_FLOAT: return fmt::format("{}", r);
    default: return s.size() > 200 ? s.substr(0, 200) + "..." : s;
  }
}

const Value& Result::At(size_t r, const std::string& col) const {
  for (size_t c = 0; c < cols.size(); ++c)
    if (cols[c] == col) return rows.at(r).at(c);
  throw std::runtime_error("no column " + col);
}

Db::Db(const std::string& path, int flags) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_URI,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("open " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Db::~Db() { Close(); }

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    Close();
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

void Db::Close() {
  if (db_) {
    int rc = sqlite3_close(db_);
    if (rc != SQLITE_OK) {
      // A leaked statement would be a bug of the extension: report loudly.
      std::fprintf(stderr, "sqlite3_close: %s\n", sqlite3_errmsg(db_));
      sqlite3_close_v2(db_);
    }
    db_ = nullptr;
  }
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw std::runtime_error(msg + "\n  in: " + sql.substr(0, 300));
  }
}

Result Query(sqlite3* db, const std::string& sql, long max_rows) {
  Result out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    out.error = sqlite3_errmsg(db);
    return out;
  }
  if (!st) {  // empty statement
    out.ok = true;
    return out;
  }
  int n = sqlite3_column_count(st);
  for (int c = 0; c < n; ++c) out.cols.push_back(sqlite3_column_name(st, c));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (max_rows >= 0 && long(out.rows.size()) >= max_rows) continue;
    std::vector<Value> row(n);
    for (int c = 0; c < n; ++c) {
      Value& v = row[c];
      v.type = sqlite3_column_type(st, c);
      switch (v.type) {
        case SQLITE_INTEGER: v.i = sqlite3_column_int64(st, c); break;
        case SQLITE_FLOAT: v.r = sqlite3_column_double(st, c); break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
          const void* p = v.type == SQLITE_TEXT
                              ? static_cast<const void*>(sqlite3_column_text(st, c))
                              : sqlite3_column_blob(st, c);
          int len = sqlite3_column_bytes(st, c);
          if (p) v.s.assign(static_cast<const char*>(p), size_t(len));
          break;
        }
        default: break;
      }
    }
    out.rows.push_back(std::move(row));
  }
  if (rc == SQLITE_DONE) {
    out.ok = true;
  } else {
    out.error = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  return out;
}

Result Must(sqlite3* db, const std::string& sql) {
  Result r = Query(db, sql);
  if (!r.ok) throw std::runtime_error(r.error + "\n  in: " + sql.substr(0, 300));
  return r;
}

Value Scalar(sqlite3* db, const std::string& sql) {
  Result r = Must(db, sql);
  if (r.rows.empty() || r.rows[0].empty())
    throw std::runtime_error("no row: " + sql);
  return r.rows[0][0];
}

std::string LoadExtension(sqlite3* db) {
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, nullptr);
  char* err = nullptr;
  int rc = sqlite3_load_extension(db, ModulePath(), nullptr, &err);
  std::string msg;
  if (rc != SQLITE_OK) msg = err ? err : "load failed";
  sqlite3_free(err);
  return msg;
}

Db OpenWithExtension(const std::string& path, int flags) {
  Db db(path, flags);
  std::string err = LoadExtension(db);
  if (!err.empty()) throw std::runtime_error("load extension: " + err);
  return db;
}

namespace {
// Removes this process's temp files (TempPath) when the test binary ends,
// unless KEEP_ROBUSTNESS_TMP is set (to inspect fixtures).
class TempCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    if (std::getenv("KEEP_ROBUSTNESS_TMP")) return;
    std::error_code ec;
    std::string prefix = std::to_string(::getpid()) + "_";
    for (auto& e : fs::directory_iterator(NSYSEXPLAIN_TEST_TMPDIR, ec))
      if (e.path().filename().string().rfind(prefix, 0) == 0)
        fs::remove_all(e.path(), ec);
  }
};
[[maybe_unused]] ::testing::Environment* const kCleanup =
    ::testing::AddGlobalTestEnvironment(new TempCleanup);
}  // namespace

std::string TempPath(const std::string& name) {
  fs::path dir = NSYSEXPLAIN_TEST_TMPDIR;
  fs::create_directories(dir);
  // Distinct per process so that ctest -j can run tests side by side.
  fs::path p = dir / (std::to_string(::getpid()) + "_" + name);
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"})
    fs::remove_all(p.string() + suffix, ec);
  return p.string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

uint64_t FileChecksum(const std::string& path) {
  std::string b = ReadFile(path);
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : b) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h ^ (uint64_t(b.size()) * 0x9E3779B97F4A7C15ull);
}

bool FileExists(const std::string& path) { return fs::exists(path); }

void CopyFile(const std::string& from, const std::string& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write);
}

// ------------------------------------------------------------------ schema
std::string CreateTableSql(Table t) {
  switch (t) {
    case kStringIds:
      return "CREATE TABLE StringIds(id INTEGER PRIMARY KEY, value TEXT)";
    case kKernel:
      return "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(start INTEGER, "
             "\"end\" INTEGER, deviceId INTEGER, contextId INTEGER, "
             "streamId INTEGER, correlationId INTEGER, globalPid INTEGER, "
             "demangledName INTEGER, shortName INTEGER, mangledName INTEGER, "
             "launchType INTEGER, gridX INTEGER, blockX INTEGER, "
             "graphNodeId INTEGER)";
    case kRuntime:
      return "CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME(start INTEGER, "
             "\"end\" INTEGER, eventClass INTEGER, globalTid INTEGER, "
             "correlationId INTEGER, nameId INTEGER, returnValue INTEGER, "
             "callchainId INTEGER)";
    case kNvtx:
      return "CREATE TABLE NVTX_EVENTS(start INTEGER, \"end\" INTEGER, "
             "eventType INTEGER, rangeId INTEGER, category INTEGER, "
             "color INTEGER, text TEXT, globalTid INTEGER, "
             "endGlobalTid INTEGER, textId INTEGER, domainId INTEGER, "
             "uint64Value INTEGER, jsonTextId INTEGER, jsonText TEXT)";
    case kMeta:
      return "CREATE TABLE META_DATA_EXPORT(name TEXT, value TEXT)";
    default:
      throw std::runtime_error("bad table");
  }
}

std::string Quote(const std::string& ident) {
  std::string out = "\"";
  for (char c : ident) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void CreateNsysSchema(sqlite3* db, unsigned tables) {
  Exec(db, "PRAGMA synchronous = OFF");  // fixtures: no fsync
  for (Table t : {kStringIds, kKernel, kRuntime, kNvtx, kMeta})
    if (tables & t) Exec(db, CreateTableSql(t));
  if (tables & kMeta)
    Exec(db,
         "INSERT INTO META_DATA_EXPORT VALUES "
         "('EXPORT_SCHEMA_VERSION', '3.11.1'), "
         "('EXPORT_PRODUCT_VERSION', '2099.1.1')");
}

void Insert(sqlite3* db, const std::string& table,
            const std::vector<std::string>& cols,
            const std::vector<Cell>& cells) {
  std::string sql = "INSERT INTO " + Quote(table) + "(";
  for (size_t i = 0; i < cols.size(); ++i) sql += (i ? ", " : "") + Quote(cols[i]);
  sql += ") VALUES(";
  for (size_t i = 0; i < cells.size(); ++i) sql += i ? ", ?" : "?";
  sql += ")";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string(sqlite3_errmsg(db)) + " in " + sql);
  for (size_t i = 0; i < cells.size(); ++i) {
    const Cell& c = cells[i];
    int idx = int(i) + 1;
    switch (c.kind) {
      case Cell::kNullKind: sqlite3_bind_null(st, idx); break;
      case Cell::kInt: sqlite3_bind_int64(st, idx, c.i); break;
      case Cell::kReal: sqlite3_bind_double(st, idx, c.r); break;
      case Cell::kText:
        sqlite3_bind_text(st, idx, c.s.data(), int(c.s.size()),
                          SQLITE_TRANSIENT);
        break;
      case Cell::kBlob:
        sqlite3_bind_blob(st, idx, c.s.data(), int(c.s.size()),
                          SQLITE_TRANSIENT);
        break;
    }
  }
  int rc = sqlite3_step(st);
  std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(st);
  if (!err.empty()) throw std::runtime_error(err + " in " + sql);
}

void AddString(sqlite3* db, Cell id, Cell value) {
  Insert(db, "StringIds", {"id", "value"}, {id, value});
}

void AddKernel(sqlite3* db, Cell start, Cell end, Cell name_id,
               Cell correlation, Cell global_pid, Cell device,
               Cell short_name) {
  Insert(db, "CUPTI_ACTIVITY_KIND_KERNEL",
         {"start", "end", "demangledName", "correlationId", "globalPid",
          "deviceId", "shortName", "streamId", "contextId"},
         {start, end, name_id, correlation, global_pid, device, short_name, 7,
          1});
}

void AddRuntime(sqlite3* db, Cell start, Cell end, Cell name_id,
                Cell correlation, Cell global_tid, Cell event_class) {
  Insert(db, "CUPTI_ACTIVITY_KIND_RUNTIME",
         {"start", "end", "nameId", "correlationId", "globalTid",
          "eventClass"},
         {start, end, name_id, correlation, global_tid, event_class});
}

void AddNvtx(sqlite3* db, Cell start, Cell end, Cell event_type, Cell text,
             Cell text_id, Cell global_tid, Cell end_global_tid,
             Cell domain_id) {
  Insert(db, "NVTX_EVENTS",
         {"start", "end", "eventType", "text", "textId", "globalTid",
          "endGlobalTid", "domainId"},
         {start, end, event_type, text, text_id, global_tid, end_global_tid,
          domain_id});
}

// ------------------------------------------------------------ enumerations
std::vector<std::string> LlmViews(sqlite3* db) {
  std::vector<std::string> out;
  for (auto& row : Must(db,
                        "SELECT name FROM sqlite_temp_master WHERE type = "
                        "'view' ORDER BY name")
                       .rows)
    out.push_back(row[0].s);
  return out;
}

std::vector<std::string> DatasetModules(sqlite3* db) {
  std::vector<std::string> out;
  for (auto& row :
       Must(db,
            "SELECT name FROM pragma_module_list WHERE (name LIKE 'nsys%' OR "
            "name LIKE '\\_nsys%' ESCAPE '\\') AND name <> "
            "'nsys_interval_gaps' ORDER BY name")
           .rows)
    out.push_back(row[0].s);
  return out;
}

std::vector<std::string> NsysFunctions(sqlite3* db) {
  std::vector<std::string> out;
  for (auto& row : Must(db,
                        "SELECT DISTINCT name FROM pragma_function_list "
                        "WHERE name LIKE 'nsys%' ORDER BY name")
                       .rows)
    out.push_back(row[0].s);
  return out;
}

namespace {
bool Contains(const std::string& s, const char* sub) {
  return s.find(sub) != std::string::npos;
}
bool EndsWith(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() &&
         s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}
// Columns whose values can never be negative, by naming convention.
bool NonNegative(const std::string& col) {
  if (Contains(col, "start") || Contains(col, "end") || Contains(col, "id") ||
      Contains(col, "queue") || col == "value" || col == "device")
    return false;
  return EndsWith(col, "_ms") || EndsWith(col, "_us") || EndsWith(col, "_s") ||
         EndsWith(col, "_ns") || Contains(col, "pct") ||
         Contains(col, "count") || col == "calls" || col == "launches" ||
         col == "kernels" || col == "pid" || col == "pids" ||
         col == "gaps" || col == "depth" || Contains(col, "kernels") ||
         col == "names" || col == "range_names" || col == "count";
}
}  // namespace

std::string CheckEverything(sqlite3* db, bool allow_errors) {
  std::ostringstream problems;
  std::vector<std::string> names;
  for (const std::string& v : LlmViews(db)) names.push_back(v);
  size_t nviews = names.size();
  for (const std::string& m : DatasetModules(db)) names.push_back(m);
  if (nviews < 15 || names.size() - nviews < 10)
    problems << "only " << nviews << " views and " << names.size() - nviews
             << " datasets\n";
  for (size_t k = 0; k < names.size(); ++k) {
    const std::string& name = names[k];
    bool llm = k < nviews && name.rfind("llm_", 0) == 0;
    std::string sql = k < nviews ? "SELECT * FROM temp.\"" + name + "\""
                                 : "SELECT * FROM \"" + name + "\"";
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      if (!allow_errors)
        problems << name << ": prepare: " << sqlite3_errmsg(db) << "\n";
      continue;
    }
    int n = sqlite3_column_count(st);
    std::vector<std::string> cols;
    for (int c = 0; c < n; ++c) cols.push_back(sqlite3_column_name(st, c));
    int reported = 0, rc;
    int64_t row = 0;
    // Streamed: the 1M-row datasets are never held in memory.
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (int c = 0; c < n; ++c) {
        int type = sqlite3_column_type(st, c);
        if (type == SQLITE_TEXT) {
          sqlite3_column_text(st, c);  // as a client would
          continue;
        }
        if (type != SQLITE_FLOAT && type != SQLITE_INTEGER) continue;
        double v = sqlite3_column_double(st, c);
        const std::string& col = cols[c];
        const char* bad = nullptr;
        if (type == SQLITE_FLOAT && !std::isfinite(v)) bad = "not finite";
        if (!bad && llm && NonNegative(col) && v < 0) bad = "negative";
        if (!bad && llm && Contains(col, "pct") && v > 100.0 + 1e-9)
          bad = "> 100";
        if (bad && reported++ < 5)
          problems << name << " row " << row << " " << col << " = "
                   << fmt::format("{}", v) << ": " << bad << "\n";
      }
      ++row;
    }
    if (rc != SQLITE_DONE && !allow_errors)
      problems << name << ": error: " << sqlite3_errmsg(db) << "\n";
    sqlite3_finalize(st);
  }
  return problems.str();
}

std::map<std::string, std::pair<int64_t, std::string>> Sections(sqlite3* db) {
  std::map<std::string, std::pair<int64_t, std::string>> out;
  Result r = Must(db,
                  "SELECT section_id, available, reason FROM "
                  "llm_report_sections");
  for (auto& row : r.rows)
    out[row[0].s] = {row[1].IsNull() ? -1 : row[1].i, row[2].s};
  return out;
}

std::map<std::string, int64_t> DataQuality(sqlite3* db) {
  std::map<std::string, int64_t> out;
  for (auto& row : Must(db, "SELECT key, value FROM _nsys_data_quality").rows)
    out[row[0].s] = row[1].i;
  return out;
}

std::vector<std::string> WarningCodes(sqlite3* db) {
  std::vector<std::string> out;
  for (auto& row : Must(db, "SELECT code FROM llm_warnings").rows)
    out.push_back(row[0].s);
  return out;
}

}  // namespace rob
