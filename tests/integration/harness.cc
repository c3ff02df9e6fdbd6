#include "harness.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#ifndef NSYSEXPLAIN_PATH
#error "NSYSEXPLAIN_PATH must point to libnsysexplain.so"
#endif

namespace nsysexplain::testing {

double Cell::num() const {
  if (type == SQLITE_INTEGER) return static_cast<double>(i);
  if (type == SQLITE_FLOAT) return d;
  return std::nan("");
}

std::string Cell::str() const {
  switch (type) {
    case SQLITE_NULL: return "NULL";
    case SQLITE_INTEGER: return std::to_string(i);
    case SQLITE_FLOAT: {
      // Like the sqlite3 shell: 15 significant digits, "3.0" not "3".
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.15g", d);
      std::string out = buf;
      if (out.find_first_of(".eni") == std::string::npos) out += ".0";
      return out;
    }
    default: return s;
  }
}

std::string Render(const Rows& rows) {
  std::string out;
  for (const Row& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) {
      if (c) out += '|';
      out += r[c].str();
    }
    out += '\n';
  }
  return out;
}

// ------------------------------------------------------------------ Conn
Conn::Conn(const std::string& path, int flags) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  EXPECT_EQ(rc, SQLITE_OK) << "open " << path << ": "
                           << (db_ ? sqlite3_errmsg(db_) : "");
}

Conn::~Conn() {
  int rc = sqlite3_close(db_);
  EXPECT_EQ(rc, SQLITE_OK) << "close: unfinalized statements?";
}

std::string Conn::Load(bool enable) {
  EXPECT_EQ(sqlite3_enable_load_extension(db_, enable ? 1 : 0), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_load_extension(db_, NSYSEXPLAIN_PATH, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  if (rc != SQLITE_OK && msg.empty()) msg = "error code " + std::to_string(rc);
  return rc == SQLITE_OK ? "" : msg;
}

void Conn::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << sql << "\n  -> " << (err ? err : "");
  sqlite3_free(err);
}

namespace {
// Steps a prepared statement to completion; returns rc and fills rows.
int RunStmt(sqlite3* db, const std::string& sql, Rows* rows) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (rc != SQLITE_OK) return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    Row r;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      Cell cell;
      cell.type = sqlite3_column_type(st, c);
      switch (cell.type) {
        case SQLITE_INTEGER: cell.i = sqlite3_column_int64(st, c); break;
        case SQLITE_FLOAT: cell.d = sqlite3_column_double(st, c); break;
        case SQLITE_NULL: break;
        default: {
          const unsigned char* t = sqlite3_column_text(st, c);
          cell.s.assign(reinterpret_cast<const char*>(t),
                        static_cast<size_t>(sqlite3_column_bytes(st, c)));
        }
      }
      r.push_back(std::move(cell));
    }
    rows->push_back(std::move(r));
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}
}  // namespace

Rows Conn::Query(const std::string& sql) {
  Rows rows;
  int rc = RunStmt(db_, sql, &rows);
  EXPECT_EQ(rc, SQLITE_OK) << sql << "\n  -> " << sqlite3_errmsg(db_);
  return rows;
}

std::string Conn::Error(const std::string& sql) {
  Rows rows;
  int rc = RunStmt(db_, sql, &rows);
  EXPECT_NE(rc, SQLITE_OK) << "expected an error from: " << sql;
  return rc == SQLITE_OK ? "" : sqlite3_errmsg(db_);
}

Cell Conn::One(const std::string& sql) {
  Rows rows = Query(sql);
  EXPECT_FALSE(rows.empty() || rows[0].empty()) << "no value from: " << sql;
  if (rows.empty() || rows[0].empty()) return Cell{};
  return rows[0][0];
}

// -------------------------------------------------------------- TempPath
TempPath::TempPath(const std::string& stem) {
  static std::atomic<int> counter{0};
  const char* dir = std::getenv("TMPDIR");
  std::ostringstream os;
  os << (dir && *dir ? dir : "/tmp") << "/" << stem << "_" << getpid() << "_"
     << counter++ << ".sqlite";
  path_ = os.str();
  std::remove(path_.c_str());
}

TempPath::~TempPath() {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::remove((path_ + suffix).c_str());
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// ---------------------------------------------------------- TraceBuilder
TraceBuilder::TraceBuilder(const std::string& path) {
  EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
  Exec(R"sql(
    CREATE TABLE StringIds(id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(
      start INTEGER, "end" INTEGER, deviceId INTEGER, contextId INTEGER,
      streamId INTEGER, correlationId INTEGER, globalPid INTEGER,
      demangledName INTEGER, shortName INTEGER, mangledName INTEGER,
      gridX INTEGER, blockX INTEGER, graphNodeId INTEGER);
    CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME(
      start INTEGER, "end" INTEGER, eventClass INTEGER, globalTid INTEGER,
      correlationId INTEGER, nameId INTEGER, returnValue INTEGER,
      callchainId INTEGER);
    CREATE TABLE NVTX_EVENTS(
      start INTEGER, "end" INTEGER, eventType INTEGER, rangeId INTEGER,
      category INTEGER, color INTEGER, text TEXT, globalTid INTEGER,
      endGlobalTid INTEGER, textId INTEGER, domainId INTEGER,
      uint64Value INTEGER, int64Value INTEGER, doubleValue REAL);
  )sql");
}

TraceBuilder::~TraceBuilder() { Close(); }

void TraceBuilder::Close() {
  if (db_) {
    EXPECT_EQ(sqlite3_close(db_), SQLITE_OK);
  }
  db_ = nullptr;
}

void TraceBuilder::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << sql << "\n  -> " << (err ? err : "");
  sqlite3_free(err);
}

namespace {
struct Insert {
  sqlite3* db;
  sqlite3_stmt* st = nullptr;
  Insert(sqlite3* d, const char* sql) : db(d) {
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
  }
  void Int(int i, std::optional<int64_t> v) {
    if (v) sqlite3_bind_int64(st, i, *v);
    else sqlite3_bind_null(st, i);
  }
  void Text(int i, const std::optional<std::string>& v) {
    if (v) sqlite3_bind_text(st, i, v->c_str(), -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
  }
  int64_t Run() {
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_finalize(st);
    return sqlite3_last_insert_rowid(db);
  }
};
}  // namespace

int64_t TraceBuilder::Str(const std::string& s) {
  auto it = strings_.find(s);
  if (it != strings_.end()) return it->second;
  // Ids are not dense in real exports: leave holes.
  int64_t id = static_cast<int64_t>(strings_.size()) * 3 + 1;
  Insert ins(db_, "INSERT INTO StringIds(id, value) VALUES (?1, ?2)");
  ins.Int(1, id);
  ins.Text(2, s);
  ins.Run();
  strings_.emplace(s, id);
  return id;
}

int64_t TraceBuilder::AddKernel(const Kernel& k) {
  std::optional<int64_t> name = k.raw_name_id;
  if (!name && k.name) name = Str(*k.name);
  std::optional<int64_t> short_name;
  if (k.short_name) short_name = Str(*k.short_name);
  Insert ins(db_,
             "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", deviceId, "
             "contextId, streamId, correlationId, globalPid, demangledName, "
             "shortName, gridX, blockX) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, "
             "?8, 1, 128)");
  ins.Int(1, k.start);
  ins.Int(2, k.end);
  ins.Int(3, k.device);
  ins.Int(4, k.stream);
  ins.Int(5, k.correlation);
  ins.Int(6, k.global_pid);
  ins.Int(7, name);
  ins.Int(8, short_name);
  return ins.Run();
}

int64_t TraceBuilder::K(int64_t start, int64_t end, const std::string& name,
                        int64_t device, int64_t global_pid,
                        std::optional<int64_t> correlation) {
  Kernel k;
  k.start = start;
  k.end = end;
  k.name = name;
  k.short_name = name;
  k.device = device;
  k.global_pid = global_pid;
  k.correlation = correlation;
  return AddKernel(k);
}

int64_t TraceBuilder::R(int64_t start, int64_t end, const std::string& name,
                        int64_t global_tid, std::optional<int64_t> correlation,
                        std::optional<int64_t> event_class) {
  int64_t id = Str(name);
  Insert ins(db_,
             "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME(start, \"end\", "
             "eventClass, globalTid, correlationId, nameId, returnValue) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)");
  ins.Int(1, start);
  ins.Int(2, end);
  ins.Int(3, event_class);
  ins.Int(4, global_tid);
  ins.Int(5, correlation);
  ins.Int(6, id);
  return ins.Run();
}

int64_t TraceBuilder::AddNvtx(const Nvtx& n) {
  std::optional<int64_t> text_id = n.raw_text_id;
  if (!text_id && n.text_id) text_id = Str(*n.text_id);
  Insert ins(db_,
             "INSERT INTO NVTX_EVENTS(start, \"end\", eventType, text, "
             "globalTid, endGlobalTid, textId, domainId) VALUES (?1, ?2, ?3, "
             "?4, ?5, ?6, ?7, ?8)");
  ins.Int(1, n.start);
  ins.Int(2, n.end);
  ins.Int(3, n.type);
  ins.Text(4, n.text);
  ins.Int(5, n.global_tid);
  ins.Int(6, n.end_global_tid);
  ins.Int(7, text_id);
  ins.Int(8, n.domain);
  return ins.Run();
}

int64_t TraceBuilder::N(int64_t type, int64_t start, std::optional<int64_t> end,
                        const std::string& name, int64_t global_tid,
                        std::optional<int64_t> end_global_tid) {
  Nvtx n;
  n.type = type;
  n.start = start;
  n.end = end;
  n.text_id = name;
  n.global_tid = global_tid;
  n.end_global_tid = end_global_tid;
  return AddNvtx(n);
}

}  // namespace nsysexplain::testing
