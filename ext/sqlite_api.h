// The only way ext/*.cc reaches SQLite: through the sqlite3_api thunk of a
// loadable extension (sqlite3ext.h). Never include <sqlite3.h> here: with
// -Wl,--no-undefined a direct call would fail to link, which is the point.
#pragma once
#include <sqlite3ext.h>

#include <cstdint>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

SQLITE_EXTENSION_INIT3

namespace nsysexplain {

inline const auto kTransient = reinterpret_cast<sqlite3_destructor_type>(-1);

// An error whose message is shown to the SQL user as is.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sets an error on a function context: message first, then the code.
inline void ResultError(sqlite3_context* ctx, const std::string& msg,
                        int code = SQLITE_ERROR) {
  sqlite3_result_error(ctx, msg.c_str(), static_cast<int>(msg.size()));
  if (code != SQLITE_ERROR) sqlite3_result_error_code(ctx, code);
}

// Runs `fn` and converts exceptions into SQLite function errors.
template <typename Fn>
void Guard(sqlite3_context* ctx, const char* fname, Fn&& fn) noexcept {
  try {
    fn();
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(ctx);
  } catch (const std::exception& e) {
    ResultError(ctx, std::string(fname) + "(): " + e.what());
  } catch (...) {
    ResultError(ctx, std::string(fname) + "(): unknown error");
  }
}

inline int SetVtabError(sqlite3_vtab* vtab, const std::string& msg) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", msg.c_str());
  return SQLITE_ERROR;
}

// Runs `fn` (returning an int rc) and converts exceptions into vtab errors.
template <typename Fn>
int GuardVtab(sqlite3_vtab* vtab, const char* name, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (const std::exception& e) {
    return SetVtabError(vtab, std::string(name) + ": " + e.what());
  } catch (...) {
    return SetVtabError(vtab, std::string(name) + ": unknown error");
  }
}

// Reads an integer timestamp column. False (the row is invalid) for NULL,
// text, blobs and reals outside the int64 range: a non-numeric time is never
// read as 0. Integral reals are accepted (truncated).
inline bool ReadTimestamp(sqlite3_stmt* st, int col, int64_t* out) {
  switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER:
      *out = sqlite3_column_int64(st, col);
      return true;
    case SQLITE_FLOAT: {
      double d = sqlite3_column_double(st, col);
      if (!(d > -9.2e18 && d < 9.2e18)) return false;  // also rejects NaN
      *out = static_cast<int64_t>(d);
      return true;
    }
    default:
      return false;
  }
}

// Same, for a protected or unprotected sqlite3_value.
inline bool ReadTimestamp(sqlite3_value* v, int64_t* out) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      *out = sqlite3_value_int64(v);
      return true;
    case SQLITE_FLOAT: {
      double d = sqlite3_value_double(v);
      if (!(d > -9.2e18 && d < 9.2e18)) return false;  // also rejects NaN
      *out = static_cast<int64_t>(d);
      return true;
    }
    default:
      return false;
  }
}

// RAII prepared statement.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = sqlite3_errmsg(db);
      sqlite3_finalize(stmt_);
      stmt_ = nullptr;
      throw Error(msg);
    }
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  // Returns true on SQLITE_ROW, false on SQLITE_DONE, throws otherwise.
  bool Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(sqlite3_errmsg(db_));
  }
  sqlite3_stmt* get() const { return stmt_; }
  bool IsNull(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }
  long long Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), n)
             : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace nsysexplain
