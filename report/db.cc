#include "db.h"

#include "core/timing.h"

#include <sqlite3.h>

#include <cstdlib>
#include <fmt/format.h>

extern "C" int sqlite3_nsysexplain_init(sqlite3* db, char** pzErrMsg,
                                        const sqlite3_api_routines* pApi);

namespace nsysexplain::render {
namespace {

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

StmtPtr Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()),
                              &st, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    throw DbError(rc, sqlite3_errmsg(db));
  }
  return StmtPtr(st);
}

void Bind(sqlite3* db, sqlite3_stmt* st, const std::vector<Param>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i + 1), rc = SQLITE_OK;
    const Param& p = params[i];
    if (std::holds_alternative<int64_t>(p)) {
      rc = sqlite3_bind_int64(st, idx, std::get<int64_t>(p));
    } else if (std::holds_alternative<double>(p)) {
      rc = sqlite3_bind_double(st, idx, std::get<double>(p));
    } else if (std::holds_alternative<std::string>(p)) {
      const std::string& s = std::get<std::string>(p);
      rc = sqlite3_bind_text(st, idx, s.data(), static_cast<int>(s.size()),
                             SQLITE_TRANSIENT);
    } else {
      rc = sqlite3_bind_null(st, idx);
    }
    if (rc != SQLITE_OK) throw DbError(rc, sqlite3_errmsg(db));
  }
}

std::vector<std::string> ColumnNames(sqlite3_stmt* st) {
  std::vector<std::string> out;
  int n = sqlite3_column_count(st);
  for (int c = 0; c < n; ++c) {
    const char* name = sqlite3_column_name(st, c);
    out.emplace_back(name ? name : "");
  }
  return out;
}

Cell ReadCell(sqlite3_stmt* st, int c) {
  switch (sqlite3_column_type(st, c)) {
    case SQLITE_INTEGER:
      return Cell::Int(sqlite3_column_int64(st, c));
    case SQLITE_FLOAT:
      return Cell::Real(sqlite3_column_double(st, c));
    case SQLITE_NULL:
      return Cell::Null();
    default: {  // TEXT or BLOB: raw bytes
      const void* p = sqlite3_column_blob(st, c);
      int n = sqlite3_column_bytes(st, c);
      return Cell::Text(p ? std::string(static_cast<const char*>(p), n)
                          : std::string());
    }
  }
}

}  // namespace

double Cell::AsDouble() const {
  switch (type) {
    case Type::kInt: return static_cast<double>(i);
    case Type::kReal: return d;
    case Type::kText: return std::strtod(s.c_str(), nullptr);
    default: return 0;
  }
}

int64_t Cell::AsInt() const {
  switch (type) {
    case Type::kInt: return i;
    case Type::kReal: return static_cast<int64_t>(d);
    case Type::kText: return std::strtoll(s.c_str(), nullptr, 10);
    default: return 0;
  }
}

std::string Cell::AsText() const {
  switch (type) {
    case Type::kInt: return std::to_string(i);
    case Type::kReal: return fmt::format("{}", d);
    case Type::kText: return s;
    default: return "";
  }
}

int Table::Col(const std::string& name) const {
  for (size_t c = 0; c < columns.size(); ++c)
    if (columns[c] == name) return static_cast<int>(c);
  return -1;
}

const Cell& Table::At(size_t row, const std::string& column) const {
  static const Cell kNull;
  int c = Col(column);
  if (c < 0) throw std::out_of_range("no column '" + column + "' in the table");
  if (row >= rows.size() || static_cast<size_t>(c) >= rows[row].size())
    return kNull;
  return rows[row][c];
}

Db Db::OpenReadOnlyUri(const std::string& uri) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(uri.c_str(), &db,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw DbError(rc, msg);
  }
  sqlite3_extended_result_codes(db, 1);
  return Db(db);
}

Db Db::OpenMemory() {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(":memory:", &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw DbError(rc, msg);
  }
  return Db(db);
}

void RegisterNsysExplain() {
  // sqlite3_auto_extension ignores duplicates of the same entry point.
  sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(sqlite3_nsysexplain_init));
}

Db::Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    sqlite3_close(db_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

Db::~Db() { sqlite3_close(db_); }

Table Db::Query(const std::string& sql, const std::vector<Param>& params) {
  core::ScopedTimer tm("query " + sql.substr(0, 40));
  StmtPtr st = Prepare(db_, sql);
  Bind(db_, st.get(), params);
  Table t;
  t.columns = ColumnNames(st.get());
  const int n = static_cast<int>(t.columns.size());
  for (;;) {
    int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) throw DbError(rc, sqlite3_errmsg(db_));
    Row row;
    row.reserve(n);
    for (int c = 0; c < n; ++c) row.push_back(ReadCell(st.get(), c));
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<std::string> Db::Columns(const std::string& sql) {
  StmtPtr st = Prepare(db_, sql);
  return ColumnNames(st.get());
}

void Db::Exec(const std::string& sql, const std::vector<Param>& params) {
  StmtPtr st = Prepare(db_, sql);
  Bind(db_, st.get(), params);
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) throw DbError(rc, sqlite3_errmsg(db_));
}

}  // namespace nsysexplain::render
