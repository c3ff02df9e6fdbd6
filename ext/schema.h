// Schema probe: which nsys tables and columns exist in one database of the
// connection ("main" or an attached schema), which name sources are used,
// and the export metadata (versions).
#pragma once
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sqlite_api.h"

namespace nsysexplain {

struct Schema {
  std::string db = "main";  // the database (schema name) probed
  // table name -> column names (as declared), for every table in main.
  std::map<std::string, std::vector<std::string>> tables;
  std::set<std::string> without_rowid;  // WITHOUT ROWID tables (no rowid)
  std::string kernel_table;   // CUPTI_ACTIVITY_KIND_KERNEL or CONCURRENT_KERNEL
  std::string runtime_table;  // CUPTI_ACTIVITY_KIND_RUNTIME (or a _V<N> variant)
  std::string nvtx_table;     // NVTX_EVENTS (or a _V<N> variant)
  std::string memcpy_table;   // CUPTI_ACTIVITY_KIND_MEMCPY (or a variant) / ""
  std::string memset_table;   // CUPTI_ACTIVITY_KIND_MEMSET (or a variant) / ""
  // A table the report reads that is missing while a variant of its name
  // (BASE_V2, BASE_V3, ...) exists: {base, variant, usable}. A usable
  // variant has the columns the loader needs and is read instead.
  struct Variant {
    std::string base, variant;
    bool usable;
  };
  std::vector<Variant> variants;
  std::string string_table;   // StringIds or a fallback (id, value) table
  std::string meta_table;     // META_DATA_EXPORT / EXPORT_META_DATA / ""
  std::vector<std::pair<std::string, std::string>> meta;  // name/value rows
  std::vector<std::pair<std::string, std::string>> capture;  // META_DATA_CAPTURE

  bool Has(const std::string& table) const { return tables.count(table) > 0; }
  bool HasColumn(const std::string& table, const std::string& col) const;
  std::string Meta(const std::string& key) const;  // "" if absent

  // "<db>"."<table>", for FROM clauses.
  std::string Qualified(const std::string& table) const;

  static Schema Probe(sqlite3* db, const std::string& schema = "main");
};

// Quotes an identifier for SQL ("..." with doubled quotes).
std::string QuoteIdent(const std::string& s);

}  // namespace nsysexplain
