// Every nsys* SQL function (pragma_function_list) called with 0..4 arguments
// of every type, including huge, negative, infinite and malformed values:
// each call returns a value or an error whose message starts with
// "<name>(". Aggregates are also run over several rows and as window
// functions. Nothing may abort the process (the sanitizer build checks UB).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "util.h"

namespace rob {
namespace {

const std::vector<Cell>& Palette() {
  static const std::vector<Cell> p = [] {
    std::vector<Cell> v;
    v.push_back(kNull);
    for (int64_t i : {int64_t(0), int64_t(1), int64_t(-1), int64_t(50),
                      int64_t(100), int64_t(101), kMin, kMax, kMin + 1,
                      kMax - 1, int64_t(1) << 24, (int64_t(123) << 24) | 45})
      v.push_back(i);
    for (double d : {0.5, -0.0, 99.999, 100.0000001, 1e308, -1e308, 9.3e18,
                     -9.3e18, 4.9e-324, std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN()})
      v.push_back(d);
    for (const char* s : {"", "text", "50", " 42 ", "1e3", "NaN", "inf",
                          "-9223372036854775809", "cudaMemcpy_v3020",
                          "cudaStreamSynchronize_ptsz_v7000", "_v", "_",
                          "void f<(int)4>(T1, T2)", "<<<>>>((()))", "a|b`c\n"})
      v.push_back(s);
    v.push_back(std::string(100 * 1024, '<'));
    v.push_back(std::string("\xff\xfe\xed\xa0\x80", 5));
    v.push_back(Cell::Blob(""));
    v.push_back(Cell::Blob(std::string("\x00\x01\xff", 3)));
    v.push_back(Cell::Blob(std::string(8, '\x7f')));
    return v;
  }();
  return p;
}

void Bind(sqlite3_stmt* st, int idx, const Cell& c) {
  switch (c.kind) {
    case Cell::kNullKind: sqlite3_bind_null(st, idx); break;
    case Cell::kInt: sqlite3_bind_int64(st, idx, c.i); break;
    case Cell::kReal: sqlite3_bind_double(st, idx, c.r); break;
    case Cell::kText:
      sqlite3_bind_text(st, idx, c.s.data(), int(c.s.size()), SQLITE_TRANSIENT);
      break;
    case Cell::kBlob:
      sqlite3_bind_blob(st, idx, c.s.data(), int(c.s.size()), SQLITE_TRANSIENT);
      break;
  }
}

struct Outcome {
  int values = 0, errors = 0;
  std::vector<std::string> bad;  // unexpected messages
};

// Runs `sql` (with ?1..?n) once per argument tuple.
void RunCalls(sqlite3* db, const std::string& fname, const std::string& sql,
              const std::vector<std::vector<Cell>>& tuples, Outcome* out) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    // e.g. "nsys_union_ns() may not be used as a window function"
    std::string msg = sqlite3_errmsg(db);
    ++out->errors;
    if (msg.rfind(fname + "(", 0) != 0) out->bad.push_back(sql + " -> " + msg);
    return;
  }
  for (const auto& t : tuples) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (size_t i = 0; i < t.size(); ++i) Bind(st, int(i) + 1, t[i]);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      // Touch the value like a client would.
      sqlite3_column_text(st, 0);
    }
    if (rc == SQLITE_DONE) {
      ++out->values;
    } else {
      ++out->errors;
      std::string msg = sqlite3_errmsg(db);
      if (msg.rfind(fname + "(", 0) != 0 && out->bad.size() < 10)
        out->bad.push_back(sql + " -> " + msg);
    }
  }
  sqlite3_reset(st);
  sqlite3_finalize(st);
}

std::vector<std::vector<Cell>> Tuples(int argc, std::mt19937_64& rng) {
  const auto& p = Palette();
  std::vector<std::vector<Cell>> out;
  if (argc == 0) return {{}};
  // Every value in every position, others a plausible default.
  for (int pos = 0; pos < argc; ++pos)
    for (const Cell& c : p) {
      std::vector<Cell> t(argc, Cell(int64_t(50)));
      t[pos] = c;
      out.push_back(t);
    }
  // The same value everywhere.
  for (const Cell& c : p) out.push_back(std::vector<Cell>(argc, c));
  // Random mixes.
  std::uniform_int_distribution<size_t> pick(0, p.size() - 1);
  for (int i = 0; i < 200; ++i) {
    std::vector<Cell> t;
    for (int a = 0; a < argc; ++a) t.push_back(p[pick(rng)]);
    out.push_back(t);
  }
  return out;
}

std::string Placeholders(int argc) {
  std::string s;
  for (int i = 1; i <= argc; ++i) s += (i > 1 ? ", ?" : "?") + std::to_string(i);
  return s;
}

TEST(SqlFunctions, EveryFunctionEveryArgumentShape) {
  Db db(":memory:");
  ASSERT_EQ(LoadExtension(db), "");
  std::vector<std::string> fns = NsysFunctions(db);
  ASSERT_GE(fns.size(), 15u) << "expected every nsys_* function";
  std::map<std::string, std::string> types;
  for (auto& row : Must(db, "SELECT name, type FROM pragma_function_list "
                            "WHERE name LIKE 'nsys%'").rows)
    types[row[0].s] += row[1].s;
  std::mt19937_64 rng(12345);
  for (const std::string& f : fns) {
    SCOPED_TRACE(f);
    bool aggregate = types[f].find('a') != std::string::npos ||
                     types[f].find('w') != std::string::npos;
    Outcome out;
    for (int argc = 0; argc <= 4; ++argc) {
      auto tuples = Tuples(argc, rng);
      std::string args = Placeholders(argc);
      RunCalls(db, f, "SELECT " + f + "(" + args + ")", tuples, &out);
      if (aggregate) {
        // Over several rows: the bound tuple, then shifted copies.
        std::string multi = "SELECT " + f + "(" + args + ") FROM (SELECT 1 "
                            "UNION ALL SELECT 2 UNION ALL SELECT 3)";
        RunCalls(db, f, multi, tuples, &out);
        std::string win =
            "SELECT " + f + "(" + args + ") OVER (ORDER BY x ROWS BETWEEN 1 "
            "PRECEDING AND CURRENT ROW) FROM (SELECT 1 AS x UNION ALL SELECT "
            "2 UNION ALL SELECT 3 UNION ALL SELECT 4)";
        RunCalls(db, f, win, tuples, &out);
      }
    }
    EXPECT_TRUE(out.bad.empty()) << [&] {
      std::string s;
      for (auto& b : out.bad) s += b.substr(0, 300) + "\n";
      return s;
    }();
    EXPECT_GT(out.values, 0) << "never returned a value";
    EXPECT_GT(out.errors, 0) << "never rejected bad input";
  }
}

// Aggregates/window functions over columns mixing every type, with frames
// that add and remove values (xInverse).
TEST(SqlFunctions, AggregatesOverMixedColumns) {
  Db db(":memory:");
  ASSERT_EQ(LoadExtension(db), "");
  Exec(db, "CREATE TABLE t(i INTEGER PRIMARY KEY, x, y)");
  int i = 0;
  for (const Cell& a : Palette())
    Insert(db, "t", {"i", "x", "y"}, {++i, a, int64_t(i % 3 ? 50 : 90)});
  Exec(db, "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
           "WHERE n < 2000) INSERT INTO t(x, y) SELECT n * 37 % 1001, 50 "
           "FROM c");
  for (const char* sql : {
           "SELECT nsys_percentile(x, 50) FROM t WHERE typeof(x) IN "
           "('integer', 'real')",
           "SELECT nsys_percentile(x, y) FROM t",
           "SELECT nsys_median(x) FROM t",
           "SELECT nsys_stdev(x) FROM t",
           "SELECT nsys_union_ns(x, y) FROM t",
           "SELECT nsys_union_ns(i, x) FROM t",
           "SELECT nsys_union_ns(x, i) FROM t",
           "SELECT nsys_median(x) OVER (ORDER BY i ROWS BETWEEN 3 PRECEDING "
           "AND 2 FOLLOWING) FROM t",
           "SELECT nsys_percentile(x, 90) OVER (ORDER BY i ROWS BETWEEN 5 "
           "PRECEDING AND CURRENT ROW) FROM t WHERE typeof(x) IN "
           "('integer', 'real')",
           "SELECT nsys_stdev(x) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED "
           "PRECEDING AND 1 FOLLOWING) FROM t WHERE typeof(x) IN "
           "('integer', 'real')",
           "SELECT nsys_stdev(x) OVER (PARTITION BY i % 7 ORDER BY x "
           "RANGE BETWEEN 10 PRECEDING AND 10 FOLLOWING) FROM t WHERE "
           "typeof(x) = 'integer'",
           "SELECT nsys_percentile(x, y) OVER (ORDER BY i) FROM t",
           "SELECT nsys_median(x) FILTER (WHERE i % 2) FROM t",
           "SELECT nsys_median(DISTINCT x) FROM t",
           "SELECT nsys_union_ns(x, x + 5) FROM t WHERE typeof(x) = 'integer'",
           "SELECT nsys_union_ns(-9223372036854775808, 9223372036854775807)",
           "SELECT nsys_union_ns(a, b) FROM (SELECT -9223372036854775808 AS a, "
           "0 AS b UNION ALL SELECT 1, 9223372036854775807)",
       }) {
    SCOPED_TRACE(sql);
    Result r = Query(db, sql);
    if (!r.ok) {
      EXPECT_EQ(r.error.rfind("nsys_", 0), 0u) << r.error;
      EXPECT_NE(r.error.find("("), std::string::npos) << r.error;
    }
    for (auto& row : r.rows)
      for (auto& v : row)
        if (v.type == SQLITE_FLOAT) {
          EXPECT_FALSE(std::isnan(v.r));
        }
  }
  // Saturated, never negative.
  EXPECT_EQ(Scalar(db, "SELECT nsys_union_ns(-9223372036854775808, "
                       "9223372036854775807)").i,
            kMax);
  EXPECT_EQ(Scalar(db, "SELECT nsys_union_ns(a, b) FROM (SELECT "
                       "-9223372036854775808 AS a, 0 AS b UNION ALL SELECT "
                       "1, 9223372036854775807)").i,
            kMax);
}

// Known answers at the edges, so that "returns a value" is also right.
TEST(SqlFunctions, EdgeValues) {
  Db db(":memory:");
  ASSERT_EQ(LoadExtension(db), "");
  EXPECT_EQ(Scalar(db, "SELECT nsys_pid(-1)").i, 0xFFFFFF);
  EXPECT_EQ(Scalar(db, "SELECT nsys_tid(-9223372036854775808)").i, 0);
  EXPECT_EQ(Scalar(db, "SELECT nsys_hw_id(-1)").i, 255);
  EXPECT_EQ(Scalar(db, "SELECT nsys_process_key(-1)").i, -16777216);
  EXPECT_TRUE(Scalar(db, "SELECT nsys_pid(NULL)").IsNull());
  EXPECT_EQ(Scalar(db, "SELECT nsys_pid('4294967296')").i, 256);
  EXPECT_EQ(Scalar(db, "SELECT nsys_api_base_name('_v1')").s, "_v1");
  EXPECT_EQ(Scalar(db, "SELECT nsys_api_base_name('x_v1_v2_ptsz')").s, "x");
  EXPECT_EQ(Scalar(db, "SELECT nsys_kernel_base_name('')").s, "");
  EXPECT_EQ(Scalar(db, "SELECT nsys_kernel_base_name('<<<')").s, "<<<");
  EXPECT_DOUBLE_EQ(Scalar(db, "SELECT nsys_percentile(x, 100) FROM (SELECT "
                              "1e308 AS x UNION ALL SELECT -1e308)").r,
                   1e308);
  EXPECT_DOUBLE_EQ(Scalar(db, "SELECT nsys_median(x) FROM (SELECT "
                              "9223372036854775807 AS x)").r,
                   9223372036854775807.0);
  for (const char* sql : {"SELECT nsys_percentile(1, 100.0000001)",
                          "SELECT nsys_percentile(1, -0.0000001)",
                          "SELECT nsys_percentile(1, 'fifty')",
                          "SELECT nsys_percentile(x, x) FROM (SELECT 1 AS x "
                          "UNION ALL SELECT 2)",
                          "SELECT nsys_pid(1.5)", "SELECT nsys_pid(1e300)",
                          "SELECT nsys_pid(X'00')", "SELECT nsys_version(1)",
                          "SELECT nsys_reset(1)", "SELECT nsys_prepare(1)",
                          "SELECT nsys_stdev('x')",
                          "SELECT nsys_union_ns(1)",
                          "SELECT nsys_union_ns('a', 'b')"}) {
    SCOPED_TRACE(sql);
    Result r = Query(db, sql);
    ASSERT_FALSE(r.ok);
    std::string q = sql;
    std::string fname = q.substr(7, q.find('(') - 7) + "(";
    EXPECT_EQ(r.error.rfind(fname, 0), 0u) << r.error;
  }
}

// nsys_reset() while dataset cursors are open must not free data they read.
TEST(SqlFunctions, ResetWhileCursorsAreOpen) {
  Db db(":memory:");
  CreateNsysSchema(db);
  AddString(db, 1, "k");
  AddString(db, 2, "cudaLaunchKernel");
  for (int i = 0; i < 200; ++i) {
    AddRuntime(db, i * 100, i * 100 + 10, 2, i);
    AddKernel(db, i * 100 + 20, i * 100 + 50, i % 2 ? 1 : 99, i);
  }
  AddNvtx(db, 0, kNull, 59, "r");
  ASSERT_EQ(LoadExtension(db), "");
  for (const char* sql : {
           "SELECT kernel_name, nsys_reset(), launch_api FROM nsys_kernels",
           "SELECT a.kernel_name, nsys_reset(), b.range_name FROM "
           "nsys_kernels AS a, nsys_nvtx_kernel_ranges AS b "
           "WHERE a.kernel_rowid = b.kernel_rowid",
           "SELECT (SELECT count(*) FROM nsys_gpu_gaps WHERE nsys_reset()), "
           "kernel_name FROM _nsys_kernel_stats",
           "SELECT t.*, nsys_reset() FROM _nsys_trace_info AS t, "
           "_nsys_data_quality",
           "SELECT *, nsys_reset() FROM llm_top_kernels, llm_nvtx_ranges",
           "SELECT kernel_name, nsys_prepare(), nsys_reset(), launch_api "
           "FROM nsys_kernels",
       }) {
    SCOPED_TRACE(sql);
    Result r = Query(db, sql);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_FALSE(r.rows.empty());
  }
  // The deferred reset happened once the cursors closed: a change made
  // through this connection is seen after nsys_reset().
  EXPECT_EQ(Scalar(db, "SELECT sum(calls) FROM llm_top_kernels").i, 200);
  Exec(db, "DELETE FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE rowid % 2 = 0");
  Must(db, "SELECT nsys_reset()");
  EXPECT_EQ(Scalar(db, "SELECT sum(calls) FROM llm_top_kernels").i, 100);
  EXPECT_EQ(CheckEverything(db), "");
}

}  // namespace
}  // namespace rob
