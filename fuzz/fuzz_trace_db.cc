// libFuzzer harness: fuzzer bytes become a small nsys-shaped trace
// (StringIds / KERNEL / RUNTIME / NVTX_EVENTS, with schema variants), then
// every llm_* view and every nsys_* / _nsys_* dataset is queried.
//
// Input: byte 0 = schema variant bits
//   0x01 KERNEL  0x02 RUNTIME  0x04 NVTX_EVENTS  0x08 StringIds
//   0x10 typeless columns (as a CSV import would make them)
//   0x20 minimal column sets (only the columns nsys always has)
//   0x40 file mode: VACUUM INTO a temp file, reopen it read-only (exercises
//        the parallel loader's private connections)
//   0x80 CONCURRENT_KERNEL instead of KERNEL
// then ops: 1 byte (table = op % 4, copies = {1, 2, 4, 16}[(op >> 2) % 4],
// copies get their times shifted), then one value per column (ReadValue).
//
// Invariants: no crash/UB/leak (sanitizers); llm_report_sections always
// answers, with a reason for every unavailable section; the trace file is
// unchanged in file mode.
#include <unistd.h>

#include <string>
#include <vector>

#include "fuzz_common.h"

namespace {

struct TableDef {
  const char* name;
  std::vector<const char*> cols;     // full column list, in op value order
  size_t minimal;                    // first N columns form the minimal set
};

const TableDef kTables[4] = {
    {"StringIds", {"id", "value"}, 2},
    {"CUPTI_ACTIVITY_KIND_KERNEL",
     {"start", "end", "correlationId", "globalPid", "demangledName",
      "deviceId", "streamId", "shortName", "graphNodeId"},
     5},
    {"CUPTI_ACTIVITY_KIND_RUNTIME",
     {"start", "end", "correlationId", "globalTid", "nameId", "eventClass"},
     5},
    {"NVTX_EVENTS",
     {"start", "end", "eventType", "globalTid", "text", "textId",
      "endGlobalTid", "domainId"},
     5},
};

std::vector<std::string>& Objects() {
  static std::vector<std::string> names;
  return names;
}

void LoadObjectNames(sqlite3* db) {
  if (!Objects().empty()) return;
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(
      db,
      "SELECT 'temp.' || name FROM sqlite_temp_master WHERE type = 'view' "
      "UNION ALL SELECT name FROM pragma_module_list WHERE (name LIKE "
      "'nsys%' OR name LIKE '\\_nsys%' ESCAPE '\\') AND name <> "
      "'nsys_interval_gaps' ORDER BY 1",
      -1, &q, nullptr);
  while (sqlite3_step(q) == SQLITE_ROW)
    Objects().push_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
  sqlite3_finalize(q);
  if (Objects().size() < 30) fuzz::Fail("views/datasets not registered");
}

std::string QueryOneError(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    return sqlite3_errmsg(db);
  int rc = fuzz::Drain(st);
  std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(st);
  return err;
}

void CheckEverything(sqlite3* db) {
  LoadObjectNames(db);
  for (const std::string& name : Objects())
    QueryOneError(db, "SELECT * FROM " + name);
  // The report's section list must always render, with reasons.
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT section_id, available, reason FROM "
                     "llm_report_sections",
                     -1, &st, nullptr);
  int rc, n = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ++n;
    if (sqlite3_column_int(st, 1) == 0 &&
        sqlite3_column_type(st, 2) == SQLITE_NULL)
      fuzz::Fail(std::string("section without reason: ") +
                 reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(st);
  if (!err.empty() && err != "interrupted" && err != "integer overflow")
    fuzz::Fail("llm_report_sections: " + err);
  // One row per declared section, whatever the trace holds.
  if (err.empty()) {
    sqlite3_stmt* d = nullptr;
    int declared = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM _nsys_all_sections", -1, &d,
                           nullptr) == SQLITE_OK &&
        sqlite3_step(d) == SQLITE_ROW)
      declared = sqlite3_column_int(d, 0);
    sqlite3_finalize(d);
    if (declared <= 0 || n != declared) fuzz::Fail("llm_report_sections: row count");
  }
}

// One in-memory connection reused across inputs (opening one and loading
// the view pack costs more than a small input): every main table is dropped
// and nsys_reset() drops the extension's cache before each input, so each
// input still sees a fresh trace, and again once the input is checked, so
// that an input frees what it allocated: libFuzzer runs an input whose
// mallocs and frees differ a second time (and then asks LeakSanitizer),
// which the tables and cache left for the next input caused for most seeds.
void DropTrace(sqlite3* db) {
  std::vector<std::string> tables;
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT name FROM main.sqlite_master WHERE type = 'table'",
                     -1, &q, nullptr);
  while (sqlite3_step(q) == SQLITE_ROW)
    tables.push_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
  sqlite3_finalize(q);
  for (const std::string& t : tables)
    fuzz::Exec(db, "DROP TABLE main.\"" + t + "\"");
  fuzz::Exec(db, "SELECT nsys_reset()");
}

sqlite3* MemoryDb(long* steps) {
  static sqlite3* db = fuzz::OpenDb(
      ":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, steps);
  DropTrace(db);
  return db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Reader r(data, size);
  uint8_t variant = r.Byte();
  static long steps = 0;
  steps = 0;
  sqlite3* db = MemoryDb(&steps);
  bool typeless = variant & 0x10, minimal = variant & 0x20;
  bool present[4] = {bool(variant & 0x08), bool(variant & 0x01),
                     bool(variant & 0x02), bool(variant & 0x04)};
  std::string kernel_name =
      variant & 0x80 ? "CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL"
                     : "CUPTI_ACTIVITY_KIND_KERNEL";
  auto table_name = [&](int t) {
    return t == 1 ? kernel_name : std::string(kTables[t].name);
  };
  std::string ddl = "BEGIN;";
  for (int t = 0; t < 4; ++t) {
    if (!present[t]) continue;
    const TableDef& d = kTables[t];
    size_t n = minimal ? d.minimal : d.cols.size();
    ddl += "CREATE TABLE \"" + table_name(t) + "\"(";
    for (size_t c = 0; c < n; ++c) {
      ddl += (c ? ", \"" : "\"") + std::string(d.cols[c]) + "\"";
      if (!typeless)
        ddl += std::string(d.cols[c]) == "value" ||
                       std::string(d.cols[c]) == "text"
                   ? " TEXT"
                   : " INTEGER";
      if (t == 0 && c == 0 && !typeless) ddl += " PRIMARY KEY";
    }
    ddl += ");";
  }
  fuzz::Exec(db, ddl);

  sqlite3_stmt* ins[4] = {};
  for (int t = 0; t < 4; ++t) {
    if (!present[t]) continue;
    const TableDef& d = kTables[t];
    size_t n = minimal ? d.minimal : d.cols.size();
    std::string sql = "INSERT OR IGNORE INTO \"" + table_name(t) + "\" VALUES(";
    for (size_t c = 0; c < n; ++c) sql += c ? ", ?" : "?";
    sql += ")";
    sqlite3_prepare_v2(db, sql.c_str(), -1, &ins[t], nullptr);
  }
  int64_t clock = 1000;
  for (int op = 0; op < 256 && !r.empty(); ++op) {
    uint8_t code = r.Byte();
    int t = code % 4;
    // Few enough rows that a worst case (every launch inside every leaked
    // NVTX range: output = launches x ranges) stays far below the RSS limit.
    static const int kCopies[4] = {1, 2, 4, 16};
    int copies = kCopies[(code >> 2) % 4];
    const TableDef& d = kTables[t];
    std::vector<fuzz::Value> vals;
    for (size_t c = 0; c < d.cols.size(); ++c)
      vals.push_back(fuzz::ReadValue(r, &clock));
    if (!present[t]) continue;
    size_t n = minimal ? d.minimal : d.cols.size();
    for (int k = 0; k < copies; ++k) {
      sqlite3_reset(ins[t]);
      sqlite3_clear_bindings(ins[t]);
      for (size_t c = 0; c < n; ++c) {
        fuzz::Value v = vals[c];
        // Copies move in time (and get fresh ids) so they are not all equal.
        if (k > 0 && v.kind == fuzz::Value::kInt && (c <= 1 || t == 0)) {
          uint64_t shifted = uint64_t(v.i) + uint64_t(k) * 1000u;
          v.i = int64_t(shifted);
        }
        fuzz::Bind(ins[t], int(c) + 1, v);
      }
      sqlite3_step(ins[t]);
    }
  }
  for (sqlite3_stmt* s : ins) sqlite3_finalize(s);
  fuzz::Exec(db, "COMMIT");

  if (variant & 0x40) {
    static const std::string path =
        "/tmp/nsysexplain_fuzz_trace_" + std::to_string(::getpid()) + ".sqlite";
    ::unlink(path.c_str());
    fuzz::Exec(db, "VACUUM INTO '" + path + "'");
    std::string before;
    {
      FILE* f = std::fopen(path.c_str(), "rb");
      char buf[4096];
      size_t got;
      while (f && (got = std::fread(buf, 1, sizeof buf, f)) > 0)
        before.append(buf, got);
      if (f) std::fclose(f);
    }
    DropTrace(db);
    steps = 0;
    db = fuzz::OpenDb(path.c_str(), SQLITE_OPEN_READONLY, &steps);
    CheckEverything(db);
    sqlite3_close(db);
    std::string after;
    {
      FILE* f = std::fopen(path.c_str(), "rb");
      char buf[4096];
      size_t got;
      while (f && (got = std::fread(buf, 1, sizeof buf, f)) > 0)
        after.append(buf, got);
      if (f) std::fclose(f);
    }
    if (before != after) fuzz::Fail("the trace file was modified");
    ::unlink(path.c_str());
    return 0;
  }
  CheckEverything(db);
  DropTrace(db);
  return 0;
}
