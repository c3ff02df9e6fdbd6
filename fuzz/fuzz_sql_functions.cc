// libFuzzer harness: fuzzer bytes as arguments to every nsys_* SQL function,
// aggregate and window function, and to the nsys_interval_gaps TVF, on an
// in-memory database with the extension linked in (sqlite3_auto_extension).
//
// Input: byte 0 picks the function, byte 1 the argument count (bits 0-2,
// mod 5) and the mode (bits 3-4: scalar call, aggregate over rows, window,
// or scalar with text-literal SQL for the TVF); the rest is a stream of
// values (fuzz_common.h ReadValue), one tuple per row.
//
// Invariant checked: an error raised by one of our functions starts with
// "<name>(" (SQLite's own errors for misuse are allowed by pattern).
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_common.h"

namespace {

struct State {
  sqlite3* db = nullptr;
  long steps = 0;
  std::vector<std::string> functions;  // every nsys* function
};

State& S() {
  static State s = [] {
    State st;
    st.db = fuzz::OpenDb(":memory:", SQLITE_OPEN_READWRITE |
                                         SQLITE_OPEN_CREATE, &st.steps);
    fuzz::Exec(st.db,
               "CREATE TEMP TABLE fz(a, b, c, d);"
               "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(start INTEGER, "
               "\"end\" INTEGER, deviceId INTEGER, correlationId INTEGER, "
               "globalPid INTEGER, demangledName INTEGER);"
               "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES "
               "(0, 10, 0, 1, 100 << 24, 1), (20, 35, 0, 2, 100 << 24, 1), "
               "(30, 40, 1, 3, 100 << 24, 1);");
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(st.db,
                       "SELECT DISTINCT name FROM pragma_function_list WHERE "
                       "name LIKE 'nsys%' ORDER BY name",
                       -1, &q, nullptr);
    while (sqlite3_step(q) == SQLITE_ROW)
      st.functions.push_back(
          reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
    sqlite3_finalize(q);
    if (st.functions.size() < 10) fuzz::Fail("nsys functions not registered");
    st.functions.push_back("nsys_interval_gaps");  // the TVF, last
    return st;
  }();
  return s;
}

bool AllowedSqliteError(const std::string& msg) {
  return msg == "interrupted" || msg == "string or blob too big" ||
         msg == "out of memory" ||
         msg.find("may not be used as a window function") != std::string::npos ||
         fuzz::StartsWith(msg, "too many arguments on ") ||
         fuzz::StartsWith(msg, "misuse of aggregate");
}

void Run(sqlite3* db, const std::string& fname, const std::string& sql,
         const std::vector<std::vector<fuzz::Value>>& tuples) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db);
    if (!fuzz::StartsWith(msg, fname + "(") && !AllowedSqliteError(msg))
      fuzz::Fail(sql + " -> " + msg);
    return;
  }
  for (const auto& t : tuples) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (size_t i = 0; i < t.size(); ++i) fuzz::Bind(st, int(i) + 1, t[i]);
    int rc = fuzz::Drain(st);
    if (rc != SQLITE_DONE) {
      std::string msg = sqlite3_errmsg(db);
      if (!fuzz::StartsWith(msg, fname + "(") && !AllowedSqliteError(msg))
        fuzz::Fail(sql + " -> " + msg);
    }
  }
  sqlite3_finalize(st);
}

std::string Args(int argc, const char* prefix) {
  std::string s;
  for (int i = 0; i < argc; ++i)
    s += (i ? ", " : "") + std::string(prefix) + std::to_string(i + 1);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  State& s = S();
  s.steps = 0;
  fuzz::Reader r(data, size);
  const std::string& fname = s.functions[r.Byte() % s.functions.size()];
  uint8_t shape = r.Byte();
  int argc = (shape & 7) % 5;
  int mode = (shape >> 3) & 3;
  int64_t clock = 0;
  std::vector<std::vector<fuzz::Value>> rows;
  while (!r.empty() && rows.size() < 64) {
    std::vector<fuzz::Value> t;
    for (int i = 0; i < std::max(argc, 1); ++i)
      t.push_back(fuzz::ReadValue(r, &clock));
    rows.push_back(std::move(t));
  }
  if (rows.empty()) rows.emplace_back(std::max(argc, 1));
  for (auto& t : rows) t.resize(argc);

  if (fname == "nsys_interval_gaps") {
    // Rows go into temp.fz; the TVF reads them through one of a few queries
    // or through fuzzer-made SQL (first text value).
    sqlite3_exec(s.db, "DELETE FROM temp.fz", nullptr, nullptr, nullptr);
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(s.db, "INSERT INTO temp.fz VALUES (?1, ?2, ?3, ?4)",
                       -1, &ins, nullptr);
    for (const auto& t : rows) {
      sqlite3_reset(ins);
      sqlite3_clear_bindings(ins);
      for (size_t i = 0; i < t.size() && i < 4; ++i)
        fuzz::Bind(ins, int(i) + 1, t[i]);
      sqlite3_step(ins);
    }
    sqlite3_finalize(ins);
    static const char* kQueries[] = {
        "SELECT a, b FROM temp.fz", "SELECT a, b, c FROM temp.fz",
        "SELECT a, b, c, d FROM temp.fz", "SELECT a FROM temp.fz",
        "SELECT start, \"end\", deviceId FROM CUPTI_ACTIVITY_KIND_KERNEL",
        ("SELECT gap_start_ns, gap_end_ns FROM nsys_interval_gaps('SELECT a, "
         "b FROM temp.fz')")};
    std::vector<fuzz::Value> args;
    fuzz::Value q;
    q.kind = fuzz::Value::kText;
    q.s = kQueries[shape % 6];
    if (mode == 3 && !rows[0].empty() && rows[0][0].kind == fuzz::Value::kText)
      q.s = rows[0][0].s;  // raw fuzzer SQL
    else if (mode == 2 && !rows[0].empty())
      q = rows[0][0];  // any type as 'sql'
    args.push_back(q);
    for (size_t i = 1; i < rows[0].size() && i < 4; ++i)
      args.push_back(rows[0][i]);
    std::string sql = "SELECT * FROM nsys_interval_gaps(" +
                      Args(int(args.size()), "?") + ")";
    Run(s.db, fname, sql, {args});
    // The WHERE form with the hidden columns.
    if (args.size() >= 3)
      Run(s.db, fname,
          "SELECT * FROM nsys_interval_gaps WHERE sql = ?1 AND "
          "window_start_ns = ?2 AND window_end_ns = ?3",
          {{args[0], args[1], args[2]}});
    return 0;
  }

  std::string call = fname + "(" + Args(argc, "?") + ")";
  switch (mode) {
    case 0:  // scalar call per tuple
    case 3:
      Run(s.db, fname, "SELECT " + call, rows);
      break;
    case 1: {  // aggregate over all rows: VALUES table of the tuples
      sqlite3_exec(s.db, "DELETE FROM temp.fz", nullptr, nullptr, nullptr);
      sqlite3_stmt* ins = nullptr;
      sqlite3_prepare_v2(s.db, "INSERT INTO temp.fz VALUES (?1, ?2, ?3, ?4)",
                         -1, &ins, nullptr);
      for (const auto& t : rows) {
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        for (size_t i = 0; i < t.size(); ++i) fuzz::Bind(ins, int(i) + 1, t[i]);
        sqlite3_step(ins);
      }
      sqlite3_finalize(ins);
      std::string cols;
      for (int i = 0; i < argc; ++i) cols += (i ? ", " : "") + std::string(1, char('a' + i));
      Run(s.db, fname, "SELECT " + fname + "(" + cols + ") FROM temp.fz",
          {{}});
      Run(s.db, fname,
          "SELECT " + fname + "(" + cols + ") OVER (ORDER BY rowid ROWS "
          "BETWEEN 2 PRECEDING AND 1 FOLLOWING) FROM temp.fz",
          {{}});
      break;
    }
    case 2:  // window over a bound tuple repeated
      Run(s.db, fname,
          "SELECT " + call + " OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND "
          "CURRENT ROW) FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL "
          "SELECT 3)",
          rows);
      break;
  }
  return 0;
}
