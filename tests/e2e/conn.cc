#include "conn.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace e2e {

Conn::Conn(const std::string& path) {
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_enable_load_extension(db_, 1);
  char* err = nullptr;
  int rc = sqlite3_load_extension(db_, NSYSEXPLAIN_EXTENSION, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
}

Conn::~Conn() { sqlite3_close(db_); }

Rows Conn::Query(const std::string& sql) {
  Rows out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    return out;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const unsigned char* t = sqlite3_column_text(st, c);
      row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    out.push_back(std::move(row));
  }
  EXPECT_EQ(rc, SQLITE_DONE) << sql << ": " << sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  return out;
}

std::set<std::string> Conn::Columns(const std::string& sql) {
  std::set<std::string> out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK)
    for (int c = 0; c < sqlite3_column_count(st); ++c) out.insert(sqlite3_column_name(st, c));
  sqlite3_finalize(st);
  return out;
}

}  // namespace e2e
