// SQL functions of the loaded extension: id decoding, name helpers,
// aggregates (also as window functions) and nsys_interval_gaps.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "harness.h"

namespace nsysexplain::testing {
namespace {

class FunctionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(c_.Load(), ""); }
  Conn c_{":memory:"};
};

// ------------------------------------------------------------ id decoding
TEST_F(FunctionTest, GlobalIdDecoding) {
  EXPECT_EQ(Render(c_.Query(
                "SELECT nsys_pid(302119224788637), nsys_tid(302119224788637), "
                "nsys_vm_id(302119224788637), nsys_hw_id(302119224788637), "
                "nsys_process_key(302119224788637)")),
            "1230493|1230493|1|0|302119223558144\n");
  EXPECT_EQ(Render(c_.Query(
                "SELECT nsys_pid(72057700439031808), nsys_tid(72057700439031808), "
                "nsys_vm_id(72057700439031808), nsys_hw_id(72057700439031808), "
                "nsys_process_key(72057700439031808)")),
            "6342|0|0|1|72057700439031808\n");
  // Integral REAL and numeric text are accepted; NULL gives NULL.
  EXPECT_EQ(Render(c_.Query("SELECT nsys_pid(16777216.0), nsys_pid('33554432'), "
                            "nsys_tid(NULL), nsys_pid(-1)")),
            "1|2|NULL|16777215\n");
}

TEST_F(FunctionTest, GlobalIdErrors) {
  for (const char* f : {"nsys_pid", "nsys_tid", "nsys_vm_id", "nsys_hw_id",
                        "nsys_process_key"}) {
    std::string fn = f;
    EXPECT_EQ(c_.Error("SELECT " + fn + "()"),
              fn + "(): expected 1 argument, got 0");
    EXPECT_EQ(c_.Error("SELECT " + fn + "(1, 2)"),
              fn + "(): expected 1 argument, got 2");
    EXPECT_EQ(c_.Error("SELECT " + fn + "('abc')"),
              fn + "(): the global id must be an integer");
    EXPECT_EQ(c_.Error("SELECT " + fn + "(1.5)"),
              fn + "(): the global id must be an integer");
    EXPECT_EQ(c_.Error("SELECT " + fn + "(x'01')"),
              fn + "(): the global id must be an integer");
  }
}

// ----------------------------------------------------------- name helpers
TEST_F(FunctionTest, NameHelpers) {
  EXPECT_EQ(Render(c_.Query(
                "SELECT nsys_api_base_name('cudaMemcpyAsync_ptsz_v7000'), "
                "nsys_api_base_name('cuStreamSynchronize'), "
                "nsys_api_kind('cudaStreamSynchronize_v3020'), "
                "nsys_api_kind('cuStreamSynchronize'), "
                "nsys_api_kind('cudaMemcpy_v3020'), "
                "nsys_api_kind('cudaMemcpyAsync'), "
                "nsys_api_kind('cudaStreamWaitEvent'), "
                "nsys_api_kind('cudaEventQuery_v3020'), "
                "nsys_api_kind('cudaLaunchKernel_v7000'), "
                "nsys_api_base_name(NULL), nsys_api_kind(NULL)")),
            "cudaMemcpyAsync|cuStreamSynchronize|host_sync|host_sync|"
            "sync_copy|other|device_wait|poll|launch|NULL|NULL\n");
  EXPECT_EQ(c_.Text("SELECT nsys_kernel_base_name('void "
                    "at::native::vectorized_elementwise_kernel<(int)4, "
                    "at::native::FillFunctor<c10::Half>, std::array<char *, "
                    "(unsigned long)1>>(int, T2, T3)')"),
            "at::native::vectorized_elementwise_kernel");
  for (const char* f :
       {"nsys_api_base_name", "nsys_api_kind", "nsys_kernel_base_name"}) {
    std::string fn = f;
    EXPECT_EQ(c_.Error("SELECT " + fn + "(5)"),
              fn + "(): argument must be text");
    EXPECT_EQ(c_.Error("SELECT " + fn + "('a', 'b')"),
              fn + "(): expected 1 argument, got 2");
  }
}

TEST_F(FunctionTest, VersionAndBuildInfo) {
  EXPECT_TRUE(std::regex_match(c_.Text("SELECT nsys_version()"),
                               std::regex(R"(\d+\.\d+\.\d+)")));
  std::string info = c_.Text("SELECT nsys_build_info()");
  EXPECT_EQ(info.rfind("nsysexplain " + c_.Text("SELECT nsys_version()"), 0),
            0u)
      << info;
  EXPECT_NE(info.find("running on SQLite " + c_.Text("SELECT sqlite_version()")),
            std::string::npos)
      << info;
  EXPECT_EQ(c_.Error("SELECT nsys_version(1)"),
            "nsys_version(): expected 0 arguments, got 1");
  EXPECT_EQ(c_.Error("SELECT nsys_build_info(1)"),
            "nsys_build_info(): expected 0 arguments, got 1");
  EXPECT_EQ(c_.Error("SELECT nsys_reset(1)"),
            "nsys_reset(): expected 0 arguments, got 1");
}

// ------------------------------------------------------------ aggregates
TEST_F(FunctionTest, PercentileAggregate) {
  const std::string v = " FROM (VALUES (4), (1), (NULL), (3), (2))";
  EXPECT_EQ(Render(c_.Query(
                "SELECT nsys_percentile(column1, 0), nsys_percentile(column1, "
                "25), nsys_percentile(column1, 50), nsys_median(column1), "
                "nsys_percentile(column1, 90), nsys_percentile(column1, 100)" +
                v)),
            "1.0|1.75|2.5|2.5|3.7|4.0\n");
  EXPECT_EQ(c_.Num("SELECT nsys_median(column1) FROM (VALUES (7))"), 7.0);
  EXPECT_EQ(c_.Num("SELECT nsys_median(column1) FROM (VALUES (5), (1), (3))"),
            3.0);
  // Requirement 4: no non-NULL value -> NULL.
  EXPECT_EQ(Render(c_.Query("SELECT nsys_percentile(column1, 50), "
                            "nsys_median(column1), nsys_stdev(column1) FROM "
                            "(VALUES (NULL))")),
            "NULL|NULL|NULL\n");
  EXPECT_EQ(Render(c_.Query("SELECT nsys_median(column1) FROM (VALUES (1)) "
                            "WHERE 0")),
            "NULL\n");
  // p may be REAL.
  EXPECT_DOUBLE_EQ(c_.Num("SELECT nsys_percentile(column1, 12.5)" + v), 1.375);
  // Per-group.
  EXPECT_EQ(Render(c_.Query(
                "WITH t(g, x) AS (VALUES ('a', 1), ('a', 2), ('b', 10), "
                "('b', 30), ('b', 20)) SELECT g, nsys_median(x) FROM t "
                "GROUP BY g ORDER BY g")),
            "a|1.5\nb|20.0\n");
}

TEST_F(FunctionTest, PercentileErrors) {
  EXPECT_EQ(c_.Error("SELECT nsys_percentile(column1, 101) FROM (VALUES (1))"),
            "nsys_percentile(): p must be in [0, 100], got 101");
  EXPECT_EQ(c_.Error("SELECT nsys_percentile(column1, -1) FROM (VALUES (1))"),
            "nsys_percentile(): p must be in [0, 100], got -1");
  EXPECT_EQ(c_.Error("SELECT nsys_percentile(column1, 'x') FROM (VALUES (1))"),
            "nsys_percentile(): p must be a number in [0, 100]");
  EXPECT_EQ(c_.Error("SELECT nsys_percentile(column1, NULL) FROM (VALUES (1))"),
            "nsys_percentile(): p must be a number in [0, 100]");
  EXPECT_EQ(c_.Error("SELECT nsys_percentile(column1, column2) FROM "
                     "(VALUES (1, 10), (2, 20))"),
            "nsys_percentile(): p must be the same on every row");
  EXPECT_EQ(c_.Error("SELECT nsys_percentile(column1, 50) FROM "
                     "(VALUES (1), ('abc'))"),
            "nsys_percentile(): x must be numeric");
  EXPECT_EQ(c_.Error("SELECT nsys_median(column1) FROM (VALUES (x'00'))"),
            "nsys_median(): x must be numeric");
  EXPECT_EQ(c_.Error("SELECT nsys_stdev(column1) FROM (VALUES ('abc'))"),
            "nsys_stdev(): x must be numeric");
  EXPECT_EQ(c_.Error("SELECT nsys_percentile(1)"),
            "nsys_percentile(): expected 2 arguments, got 1");
  EXPECT_EQ(c_.Error("SELECT nsys_median(1, 2)"),
            "nsys_median(): expected 1 argument, got 2");
  EXPECT_EQ(c_.Error("SELECT nsys_stdev()"),
            "nsys_stdev(): expected 1 argument, got 0");
}

TEST_F(FunctionTest, StdevAggregate) {
  EXPECT_DOUBLE_EQ(c_.Num("SELECT nsys_stdev(column1) FROM (VALUES (2), (4), "
                          "(4), (4), (5), (5), (7), (9))"),
                   std::sqrt(32.0 / 7));
  EXPECT_EQ(c_.Num("SELECT nsys_stdev(column1) FROM (VALUES (42))"), 0.0);
  EXPECT_DOUBLE_EQ(c_.Num("SELECT nsys_stdev(column1) FROM (VALUES (1), "
                          "(NULL), (2), (3), (4))"),
                   std::sqrt(5.0 / 3));
}

TEST_F(FunctionTest, UnionAggregate) {
  // [0,10) U [5,15) = 15; [20,30) touches [30,35) = 15; empty, inverted and
  // NULL rows add nothing.
  EXPECT_EQ(c_.Int("SELECT nsys_union_ns(column1, column2) FROM (VALUES "
                   "(0, 10), (20, 30), (5, 15), (30, 35), (40, 40), (50, 45), "
                   "(NULL, 5), (7, NULL))"),
            30);
  EXPECT_EQ(c_.Int("SELECT nsys_union_ns(column1, column2) FROM (VALUES "
                   "(1, 2)) WHERE 0"),
            0);
  EXPECT_EQ(c_.Int("SELECT nsys_union_ns(1, 2.0)"), 1);
  EXPECT_EQ(c_.Error("SELECT nsys_union_ns(1)"),
            "nsys_union_ns(): expected 2 arguments, got 1");
  EXPECT_EQ(c_.Error("SELECT nsys_union_ns('a', 2)"),
            "nsys_union_ns(): start must be an integer");
  EXPECT_EQ(c_.Error("SELECT nsys_union_ns(1, 2.5)"),
            "nsys_union_ns(): end must be an integer");
  // Not a window function (no inverse); SQLite says so.
  EXPECT_EQ(c_.Error("SELECT nsys_union_ns(1, 2) OVER ()"),
            "nsys_union_ns() may not be used as a window function");
}

// Window functions: compared with the plain aggregate over the same frame.
TEST_F(FunctionTest, AggregatesAsWindowFunctions) {
  c_.Exec("CREATE TEMP TABLE w(i INTEGER PRIMARY KEY, x);"
          "INSERT INTO w(x) VALUES (5), (1), (NULL), (9), (3), (3), (8), (2), "
          "(7), (6);");
  for (const char* frame :
       {"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW",
        "ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING",
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
        "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING"}) {
    SCOPED_TRACE(frame);
    std::string f = frame;
    Rows win = c_.Query(
        "SELECT i, nsys_median(x) OVER win, nsys_percentile(x, 90) OVER win, "
        "nsys_stdev(x) OVER win FROM w WINDOW win AS (ORDER BY i " + f +
        ") ORDER BY i");
    ASSERT_EQ(win.size(), 10u);
    // The same frame computed row by row with the plain aggregates.
    std::string lo, hi;
    if (f.find("2 PRECEDING") != std::string::npos) lo = "i - 2";
    else if (f.find("1 PRECEDING") != std::string::npos) lo = "i - 1";
    else if (f.find("UNBOUNDED PRECEDING") != std::string::npos) lo = "0";
    else lo = "i";
    if (f.find("2 FOLLOWING") != std::string::npos) hi = "i + 2";
    else if (f.find("UNBOUNDED FOLLOWING") != std::string::npos) hi = "99";
    else hi = "i";
    for (const Row& r : win) {
      std::string i = std::to_string(r[0].i);
      // Substitute the row's i into "i - 2" etc.
      auto expr = [&](std::string e) {
        for (size_t at; (at = e.find('i')) != std::string::npos;)
          e.replace(at, 1, i);
        return e;
      };
      std::string q_lo = expr(lo), q_hi = expr(hi);
      auto agg = [&](const std::string& a) {
        return c_.One("SELECT " + a + " FROM w WHERE i BETWEEN " + q_lo +
                      " AND " + q_hi);
      };
      Cell med = agg("nsys_median(x)"), p90 = agg("nsys_percentile(x, 90)"),
           sd = agg("nsys_stdev(x)");
      EXPECT_EQ(r[1].str(), med.str()) << "row " << i;
      EXPECT_EQ(r[2].str(), p90.str()) << "row " << i;
      if (sd.null()) {
        EXPECT_TRUE(r[3].null()) << "row " << i;
      } else {
        EXPECT_NEAR(r[3].num(), sd.num(), 1e-9) << "row " << i;
      }
    }
  }
  // Partitioned running median.
  EXPECT_EQ(Render(c_.Query(
                "WITH t(g, x) AS (VALUES ('a', 1), ('a', 3), ('b', 10), "
                "('a', 2), ('b', 20)) SELECT g, x, nsys_median(x) OVER "
                "(PARTITION BY g ORDER BY x) FROM t ORDER BY g, x")),
            "a|1|1.0\na|2|1.5\na|3|2.0\nb|10|10.0\nb|20|15.0\n");
}

// ------------------------------------------------------ interval gaps TVF
TEST_F(FunctionTest, IntervalGaps) {
  c_.Exec("CREATE TEMP TABLE iv(s, e, g);"
          "INSERT INTO iv VALUES (0, 10, 'a'), (5, 15, 'a'), (20, 30, 'a'), "
          "(30, 32, 'a'), (0, 5, 'b'), (7, 9, 'b'), (3, 3, 'b'), "
          "(NULL, 4, 'b'), (9, 8, 'b'), (100, 110, 1), (120, 130, 1);");
  // Default window: [min(start), max(end)] of each group.
  EXPECT_EQ(Render(c_.Query("SELECT grp, gap_start_ns, gap_end_ns, gap_ns "
                            "FROM nsys_interval_gaps('SELECT s, e, g FROM iv') "
                            "ORDER BY typeof(grp), grp, gap_start_ns")),
            "1|110|120|10\n"
            "a|15|20|5\n"
            "b|5|7|2\n");
  // Explicit window for every group: leading and trailing gaps, clipping.
  EXPECT_EQ(Render(c_.Query("SELECT grp, gap_start_ns, gap_end_ns FROM "
                            "nsys_interval_gaps('SELECT s, e, g FROM iv WHERE "
                            "typeof(g) = ''text''', -5, 40) ORDER BY grp, "
                            "gap_start_ns")),
            "a|-5|0\na|15|20\na|32|40\n"
            "b|-5|0\nb|5|7\nb|9|40\n");
  EXPECT_EQ(Render(c_.Query("SELECT gap_start_ns, gap_end_ns FROM "
                            "nsys_interval_gaps('SELECT s, e, g FROM iv WHERE "
                            "g = ''a''', 12, 25)")),
            "15|20\n");  // [12,15) and [20,25) are busy
  // Two-column form: one group, grp NULL.
  EXPECT_EQ(Render(c_.Query("SELECT * FROM nsys_interval_gaps('SELECT s, e "
                            "FROM iv WHERE g = ''a''')")),
            "NULL|15|20|5\n");
  // WHERE form of the hidden columns.
  EXPECT_EQ(Render(c_.Query("SELECT gap_ns FROM nsys_interval_gaps WHERE sql "
                            "= 'SELECT s, e FROM iv WHERE g = ''b''' AND "
                            "window_start_ns = 0 AND window_end_ns = 10")),
            "2\n1\n");
  // Only one bound given: the other is the group's default.
  EXPECT_EQ(Render(c_.Query("SELECT gap_start_ns, gap_end_ns FROM "
                            "nsys_interval_gaps WHERE sql = 'SELECT s, e FROM "
                            "iv WHERE g = ''a''' AND window_end_ns = 50")),
            "15|20\n32|50\n");
  // NULL sql: no rows. No rows from the query: no gaps.
  EXPECT_EQ(c_.Int("SELECT count(*) FROM nsys_interval_gaps(NULL)"), 0);
  EXPECT_EQ(c_.Int("SELECT count(*) FROM nsys_interval_gaps('SELECT s, e FROM "
                   "iv WHERE 0')"),
            0);
  // Correlated use with a join.
  EXPECT_EQ(Render(c_.Query(
                "SELECT d.g, (SELECT sum(gap_ns) FROM nsys_interval_gaps("
                "'SELECT s, e FROM iv WHERE g = ''' || d.g || '''')) FROM "
                "(SELECT DISTINCT g FROM iv WHERE typeof(g) = 'text') AS d "
                "ORDER BY d.g")),
            "a|5\nb|2\n");
}

TEST_F(FunctionTest, IntervalGapsErrors) {
  EXPECT_EQ(c_.Error("SELECT * FROM nsys_interval_gaps"),
            "nsys_interval_gaps(): argument 'sql' is required");
  EXPECT_EQ(c_.Error("SELECT * FROM nsys_interval_gaps('SELECT 1')"),
            "nsys_interval_gaps(): the query must return (start, end) or "
            "(start, end, grp)");
  EXPECT_EQ(c_.Error("SELECT * FROM nsys_interval_gaps('SELECT 1, 2, 3, 4')"),
            "nsys_interval_gaps(): the query must return (start, end) or "
            "(start, end, grp)");
  EXPECT_EQ(c_.Error("SELECT * FROM nsys_interval_gaps('SELECT nope')"),
            "nsys_interval_gaps(): no such column: nope");
  EXPECT_EQ(c_.Error("SELECT * FROM nsys_interval_gaps(5)"),
            "nsys_interval_gaps(): argument 'sql' must be text");
  EXPECT_EQ(c_.Error("SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 'a', 5)"),
            "nsys_interval_gaps(): argument 'window_start_ns' must be an "
            "integer");
  EXPECT_EQ(c_.Error("SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 0, 2.5)"),
            "nsys_interval_gaps(): argument 'window_end_ns' must be an integer");
  // DIRECTONLY: not usable from a view of the database schema.
  c_.Exec("CREATE VIEW main.v AS SELECT * FROM nsys_interval_gaps('SELECT 1, "
          "2')");
  EXPECT_NE(c_.Error("SELECT * FROM main.v").find("unsafe use of"),
            std::string::npos);
}

}  // namespace
}  // namespace nsysexplain::testing
