#include "schema.h"

namespace nsysexplain {

std::string QuoteIdent(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool Schema::HasColumn(const std::string& table, const std::string& col) const {
  auto it = tables.find(table);
  if (it == tables.end()) return false;
  for (const auto& c : it->second)
    if (sqlite3_stricmp(c.c_str(), col.c_str()) == 0) return true;
  return false;
}

std::string Schema::Meta(const std::string& key) const {
  for (const auto& [k, v] : meta)
    if (k == key) return v;
  return "";
}

std::string Schema::Qualified(const std::string& table) const {
  return QuoteIdent(db) + "." + QuoteIdent(table);
}

Schema Schema::Probe(sqlite3* db, const std::string& schema) {
  Schema s;
  s.db = schema;
  {
    Stmt st(db, "SELECT name FROM " + QuoteIdent(schema) +
                    ".sqlite_master WHERE type = 'table' ORDER BY name");
    while (st.Step()) s.tables[st.Text(0)];
  }
  {
    // PRAGMA <schema>.table_list lists only that schema: the table-valued
    // pragma_table_list lists every schema, and counting the columns of each
    // TEMP view resolves all of the view pack's views (~150 ms per
    // connection). Columns: schema, name, type, ncol, wr, strict.
    Stmt st(db, "PRAGMA " + QuoteIdent(schema) + ".table_list");
    while (st.Step())
      if (st.Int(4) != 0) s.without_rowid.insert(st.Text(1));
  }
  for (auto& [name, cols] : s.tables) {
    Stmt st(db, "SELECT name FROM pragma_table_info(?1, ?2)");
    sqlite3_bind_text(st.get(), 1, name.c_str(), -1, kTransient);
    sqlite3_bind_text(st.get(), 2, schema.c_str(), -1, kTransient);
    while (st.Step()) cols.push_back(st.Text(0));
  }
  auto has_cols = [&](const std::string& t, std::initializer_list<const char*> cs) {
    for (const char* c : cs)
      if (!s.HasColumn(t, c)) return false;
    return true;
  };
  // `base` when it exists; else its highest-numbered variant base_V<N>
  // (newer exports renamed tables this way), recorded in s.variants, and
  // returned when it has `cols`.
  auto resolve = [&](const std::string& base,
                     std::initializer_list<const char*> cols) -> std::string {
    if (s.Has(base)) return has_cols(base, cols) ? base : "";
    std::string best;
    long best_n = -1;
    for (const auto& [name, c] : s.tables) {
      if (name.size() <= base.size() + 2 || name.compare(0, base.size(), base) != 0 ||
          (name[base.size()] != '_') || (name[base.size() + 1] != 'V' && name[base.size() + 1] != 'v'))
        continue;
      std::string digits = name.substr(base.size() + 2);
      if (digits.empty() || digits.size() > 6 ||
          digits.find_first_not_of("0123456789") != std::string::npos)
        continue;
      long n = std::stol(digits);
      if (n > best_n) {
        best_n = n;
        best = name;
      }
    }
    if (best.empty()) return "";
    bool usable = has_cols(best, cols);
    s.variants.push_back({base, best, usable});
    return usable ? best : "";
  };
  for (const char* k : {"CUPTI_ACTIVITY_KIND_KERNEL",
                        "CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL"}) {
    s.kernel_table = resolve(k, {"start", "end"});
    if (!s.kernel_table.empty()) break;
  }
  s.runtime_table = resolve("CUPTI_ACTIVITY_KIND_RUNTIME", {"start", "end"});
  s.nvtx_table = resolve("NVTX_EVENTS", {"start", "eventType"});
  s.memcpy_table = resolve("CUPTI_ACTIVITY_KIND_MEMCPY", {"start", "end"});
  s.memset_table = resolve("CUPTI_ACTIVITY_KIND_MEMSET", {"start", "end"});
  if (s.Has("StringIds") && has_cols("StringIds", {"id", "value"})) {
    s.string_table = "StringIds";
  } else {
    for (const auto& [name, cols] : s.tables) {
      if (has_cols(name, {"id", "value"})) {
        s.string_table = name;
        break;
      }
    }
  }
  for (const char* m : {"META_DATA_EXPORT", "EXPORT_META_DATA"}) {
    if (s.Has(m) && has_cols(m, {"name", "value"})) {
      s.meta_table = m;
      Stmt st(db, "SELECT name, CAST(value AS TEXT) FROM " + s.Qualified(m) +
                      " LIMIT 10000");
      while (st.Step()) s.meta.emplace_back(st.Text(0), st.Text(1));
      break;
    }
  }
  if (s.Has("META_DATA_CAPTURE") && has_cols("META_DATA_CAPTURE", {"name", "value"})) {
    Stmt st(db, "SELECT name, CAST(value AS TEXT) FROM " +
                    s.Qualified("META_DATA_CAPTURE") + " LIMIT 10000");
    while (st.Step()) s.capture.emplace_back(st.Text(0), st.Text(1));
  }
  return s;
}

}  // namespace nsysexplain
