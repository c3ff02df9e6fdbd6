// A read-only connection to a trace with libnsysexplain loaded, for the
// e2e tests that query the views directly (report_tables_test.cc,
// diff_test.cc).
#pragma once
#include <set>
#include <string>
#include <vector>

struct sqlite3;

namespace e2e {

// One read-only connection to a trace with libnsysexplain loaded.
using Rows = std::vector<std::vector<std::string>>;
class Conn {
 public:
  explicit Conn(const std::string& path);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // All rows as text ("" for NULL); fails the test on an SQL error.
  Rows Query(const std::string& sql);
  // Column names of a query, or an empty set when it does not prepare.
  std::set<std::string> Columns(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace e2e
