// Schema probe: which nsys tables and columns exist in the "main" database,
// which name sources are used, and the export metadata (versions).
#pragma once
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sqlite_api.h"

namespace nsysexplain {

struct Schema {
  // table name -> column names (as declared), for every table in main.
  std::map<std::string, std::vector<std::string>> tables;
  std::set<std::string> without_rowid;  // WITHOUT ROWID tables (no rowid)
  std::string kernel_table;   // CUPTI_ACTIVITY_KIND_KERNEL or CONCURRENT_KERNEL
  std::string string_table;   // StringIds or a fallback (id, value) table
  std::string meta_table;     // META_DATA_EXPORT / EXPORT_META_DATA / ""
  std::vector<std::pair<std::string, std::string>> meta;  // name/value rows
  std::vector<std::pair<std::string, std::string>> capture;  // META_DATA_CAPTURE

  bool Has(const std::string& table) const { return tables.count(table) > 0; }
  bool HasColumn(const std::string& table, const std::string& col) const;
  std::string Meta(const std::string& key) const;  // "" if absent

  static Schema Probe(sqlite3* db);
};

// Quotes an identifier for SQL ("..." with doubled quotes).
std::string QuoteIdent(const std::string& s);

}  // namespace nsysexplain
