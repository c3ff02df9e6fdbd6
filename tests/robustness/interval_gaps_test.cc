// nsys_interval_gaps(sql [, window_start_ns, window_end_ns]) with bad SQL,
// wrong column counts, non-integer windows, extreme windows, statements that
// write, and self-recursion. Errors start with "nsys_interval_gaps(" (or are
// SQLite's own "too many arguments on nsys_interval_gaps()").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util.h"

namespace rob {
namespace {

bool GoodError(const std::string& msg) {
  return msg.rfind("nsys_interval_gaps(", 0) == 0 ||
         msg.rfind("too many arguments on nsys_interval_gaps()", 0) == 0;
}

class IntervalGaps : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = Db(":memory:");
    CreateNsysSchema(db_);
    AddKernel(db_, 0, 10, 1);
    AddKernel(db_, 20, 30, 1);
    AddKernel(db_, 25, 40, 1, 2, 0, 1);
    ASSERT_EQ(LoadExtension(db_), "");
  }
  Db db_;
};

TEST_F(IntervalGaps, BadArguments) {
  const std::vector<std::string> bad = {
      "SELECT * FROM nsys_interval_gaps",
      "SELECT * FROM nsys_interval_gaps()",
      "SELECT * FROM nsys_interval_gaps(1)",
      "SELECT * FROM nsys_interval_gaps(1.5)",
      "SELECT * FROM nsys_interval_gaps(X'53454c454354')",
      "SELECT * FROM nsys_interval_gaps('')",
      "SELECT * FROM nsys_interval_gaps('   ')",
      "SELECT * FROM nsys_interval_gaps('-- only a comment')",
      "SELECT * FROM nsys_interval_gaps('SELEKT 1, 2')",
      "SELECT * FROM nsys_interval_gaps('SELECT 1')",
      "SELECT * FROM nsys_interval_gaps('SELECT 1, 2, 3, 4')",
      "SELECT * FROM nsys_interval_gaps('SELECT * FROM no_such_table')",
      "SELECT * FROM nsys_interval_gaps('PRAGMA user_version')",
      "SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 'a', 5)",
      "SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 0, 'b')",
      "SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 1.5, 5)",
      "SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 0, 1e300)",
      "SELECT * FROM nsys_interval_gaps('SELECT 1, 2', X'00', 5)",
      "SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 0, 5, 6)",
      "SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 0, 5, 6, 7)",
      // Errors raised while stepping the inner query.
      "SELECT * FROM nsys_interval_gaps('SELECT 1, 2 UNION ALL SELECT "
      "abs(-9223372036854775808), 3')",
      "SELECT * FROM nsys_interval_gaps('SELECT nsys_pid(''x''), 2')",
      // Writes are refused: the trace is never modified through this TVF.
      "SELECT * FROM nsys_interval_gaps('DELETE FROM "
      "CUPTI_ACTIVITY_KIND_KERNEL RETURNING start, \"end\"')",
      "SELECT * FROM nsys_interval_gaps('INSERT INTO "
      "CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\") VALUES (1, 2) RETURNING "
      "start, \"end\"')",
      "SELECT * FROM nsys_interval_gaps('CREATE TABLE x(a, b)')",
  };
  for (const std::string& sql : bad) {
    SCOPED_TRACE(sql);
    Result r = Query(db_, sql);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(GoodError(r.error)) << r.error;
  }
  EXPECT_EQ(Scalar(db_, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL").i,
            3);
  EXPECT_EQ(Scalar(db_, "SELECT count(*) FROM sqlite_master").i, 5);
}

TEST_F(IntervalGaps, OddButValid) {
  struct Case {
    std::string sql;
    long rows;  // -1: any
  };
  const std::vector<Case> cases = {
      {"SELECT * FROM nsys_interval_gaps(NULL)", 0},
      {"SELECT * FROM nsys_interval_gaps('SELECT start, \"end\" FROM "
       "CUPTI_ACTIVITY_KIND_KERNEL')", 1},
      {"SELECT * FROM nsys_interval_gaps('SELECT start, \"end\", deviceId "
       "FROM CUPTI_ACTIVITY_KIND_KERNEL')", 1},
      {"SELECT * FROM nsys_interval_gaps('SELECT start, \"end\" FROM "
       "CUPTI_ACTIVITY_KIND_KERNEL', NULL, NULL)", 1},
      {"SELECT * FROM nsys_interval_gaps('SELECT 1, 2 WHERE 0')", 0},
      {"SELECT * FROM nsys_interval_gaps('SELECT NULL, NULL')", 0},
      {"SELECT * FROM nsys_interval_gaps('SELECT ''a'', ''b''')", 0},
      {"SELECT * FROM nsys_interval_gaps('SELECT X''00'', 5')", 0},
      {"SELECT * FROM nsys_interval_gaps('SELECT 5, 1')", 0},
      {"SELECT * FROM nsys_interval_gaps('SELECT 1.5, 2.5')", 0},
      {"SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 10, 0)", 0},
      {"SELECT * FROM nsys_interval_gaps('SELECT 1, 2', '0', '10')", 2},
      {"SELECT * FROM nsys_interval_gaps('SELECT 1, 2', 0, 10)", 2},
      {"SELECT * FROM nsys_interval_gaps('SELECT 1, 2; DROP TABLE "
       "StringIds')", 0},
      // Group keys of every type, including NULL and blobs.
      {"SELECT * FROM nsys_interval_gaps('SELECT 0, 1, NULL UNION ALL "
       "SELECT 5, 6, NULL UNION ALL SELECT 0, 1, X''00'' UNION ALL SELECT 3, "
       "4, X''00'' UNION ALL SELECT 0, 1, 1 UNION ALL SELECT 2, 3, ''1'' "
       "UNION ALL SELECT 0, 1, 1.0 UNION ALL SELECT 9, 10, 1.0')", 3},
      // Extreme windows: gaps saturate instead of overflowing.
      {"SELECT * FROM nsys_interval_gaps('SELECT 0, 0', "
       "-9223372036854775808, 9223372036854775807)", 1},
      {"SELECT * FROM nsys_interval_gaps('SELECT -9223372036854775808, "
       "-9223372036854775807 UNION ALL SELECT 9223372036854775806, "
       "9223372036854775807')", 1},
      {"SELECT * FROM nsys_interval_gaps('SELECT -9223372036854775808, "
       "9223372036854775807')", 0},
      // Nested: the inner query reads a dataset and another TVF.
      {"SELECT * FROM nsys_interval_gaps('SELECT start_ns, end_ns, device_id "
       "FROM nsys_kernels')", 1},
      {"SELECT * FROM nsys_interval_gaps('SELECT gap_start_ns, gap_end_ns "
       "FROM nsys_interval_gaps(''SELECT start, \"end\" FROM "
       "CUPTI_ACTIVITY_KIND_KERNEL'')')", 0},
      // WHERE form, and joins that re-run the filter.
      {"SELECT * FROM nsys_interval_gaps WHERE sql = 'SELECT 1, 2' AND "
       "window_start_ns = 0 AND window_end_ns = 5", 2},
      {"SELECT g.* FROM (SELECT 'SELECT 1, 2' AS q UNION ALL SELECT NULL "
       "UNION ALL SELECT 'SELECT 3, 4') AS s, nsys_interval_gaps(s.q, 0, 9) "
       "AS g", 4},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    Result r = Query(db_, c.sql);
    ASSERT_TRUE(r.ok) << r.error;
    if (c.rows >= 0) {
      EXPECT_EQ(long(r.rows.size()), c.rows);
    }
    for (size_t i = 0; i < r.rows.size(); ++i) {
      EXPECT_GT(r.At(i, "gap_ns").i, 0);
      EXPECT_GT(r.At(i, "gap_end_ns").i, r.At(i, "gap_start_ns").i);
    }
  }
  EXPECT_EQ(Scalar(db_, "SELECT gap_ns FROM nsys_interval_gaps('SELECT 0, "
                        "0', -9223372036854775808, 9223372036854775807)").i,
            kMax);
}

// A query that feeds its own text back into nsys_interval_gaps recurses
// without bound; it must fail cleanly, not overflow the stack.
TEST_F(IntervalGaps, SelfRecursion) {
  Exec(db_, "CREATE TEMP TABLE q(s TEXT)");
  Exec(db_, "INSERT INTO q VALUES ('SELECT gap_start_ns, gap_end_ns FROM "
            "nsys_interval_gaps((SELECT s FROM temp.q))')");
  Result r = Query(db_, "SELECT * FROM nsys_interval_gaps((SELECT s FROM "
                        "temp.q))");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(GoodError(r.error)) << r.error;
}

// DIRECTONLY: not usable from views or triggers; a clean error.
TEST_F(IntervalGaps, NotFromViews) {
  Exec(db_, "CREATE TEMP VIEW gv AS SELECT * FROM nsys_interval_gaps("
            "'SELECT 1, 2', 0, 5)");
  Result r = Query(db_, "SELECT * FROM gv");
  if (!r.ok) {
    EXPECT_NE(r.error.find("nsys_interval_gaps"), std::string::npos);
  }
}

}  // namespace
}  // namespace rob
