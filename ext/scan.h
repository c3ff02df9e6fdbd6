// Table scans: the SELECT list of a loader declared column by column
// (Select), and the fastest way SQLite can hand every row of it over (Scan).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "schema.h"
#include "sqlite_api.h"

namespace nsysexplain {

// The SELECT list of one table scan, built column by column: each call
// returns the index the row callback reads that column at, so a column's
// name and its index are declared together, once:
//
//   Select q(schema, "CUPTI_ACTIVITY_KIND_KERNEL");
//   const int c_start = q.Col("start"), c_dev = q.ColOrNull("deviceId");
//   Scan(..., q, [&](const Row& row) { row.Int(c_dev); ... });
class Select {
 public:
  Select(const Schema& s, std::string table) : s_(s), table_(std::move(table)) {}
  int Rowid();  // rowid, or NULL for a WITHOUT ROWID table (which has none)
  int Col(const std::string& name);        // a column the caller checked exists
  int ColOrNull(const std::string& name);  // the column, or NULL if absent
  void Where(std::string condition) { where_ = std::move(condition); }
  std::string Columns() const;
  // `"<db>"."<table>" [WHERE ...]`; a private connection has the trace's
  // file as its main database.
  std::string From(bool is_private) const;
  const Schema& schema() const { return s_; }

 private:
  int Add(std::string expr);
  const Schema& s_;
  std::string table_, where_;
  std::vector<std::string> exprs_;
};

// One row of a table scan, as values.
struct Row {
  sqlite3_value** v;
  bool utf8;  // the database's text encoding is UTF-8
  int Type(int i) const { return sqlite3_value_type(v[i]); }
  int64_t Int(int i) const { return sqlite3_value_int64(v[i]); }
  int64_t IntOr(int i, int64_t null_value) const {
    return Type(i) == SQLITE_NULL ? null_value : Int(i);
  }
  // The value's text, without a copy: sqlite3_value_text() would copy every
  // string that is not NUL-terminated in the page (most of them) into a
  // buffer; sqlite3_value_blob() hands out the stored UTF-8 bytes as they
  // are. Only valid for UTF-8 databases (nsys exports are).
  std::string_view Text(int i) const {
    const void* t = utf8 ? sqlite3_value_blob(v[i]) : sqlite3_value_text(v[i]);
    int n = sqlite3_value_bytes(v[i]);
    return t ? std::string_view(static_cast<const char*>(t), n)
             : std::string_view();
  }
};

using RowFn = std::function<void(const Row&)>;


// Streams every row of `q` through `fn`. `is_private`: `db` is a private
// connection of the loader (the trace's file is its main database).
void Scan(sqlite3* db, bool is_private, const Select& q, RowFn fn);

// Upper bound of a table's row count from max(rowid) (O(log n)); a hint for
// reserve() only, capped so a bogus rowid cannot allocate gigabytes.
size_t RowHint(sqlite3* db, bool is_private, const Schema& s, const std::string& table);

// Inclusive rowid ranges that split `table` into about `parts` scans of
// similar size; one unbounded range (nullopt) when the table has no rowid,
// spans fewer than `min_span` rowids, or `parts` <= 1.
using RowidRange = std::optional<std::pair<int64_t, int64_t>>;
std::vector<RowidRange> SplitRowids(sqlite3* db, bool is_private, const Schema& s,
                                    const std::string& table, int parts,
                                    uint64_t min_span);

// Restricts `q` to `rowids` (nothing for the unbounded range); returns a
// reserve() hint for the rows it will read.
size_t RestrictToRange(Select& q, const RowidRange& rowids, sqlite3* db,
                       bool is_private, const Schema& s, const std::string& table);

// Reads start/end; false (the row is invalid) for NULL or non-numeric times,
// end < start, or a duration that does not fit in int64.
bool ValidTimes(sqlite3_value* b, sqlite3_value* e, int64_t* start, int64_t* end);

}  // namespace nsysexplain
