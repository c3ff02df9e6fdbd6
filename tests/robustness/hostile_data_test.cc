// Odd data inside a structurally valid export: NULL/negative/overflowing
// durations, zero-length kernels, INT64 extremes, duplicate rows, dangling
// string ids, hostile names, NVTX ranges never closed or closed on another
// thread, a million rows with the same name. Every llm_* view and dataset
// must answer with sane values; invalid rows are skipped and counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>

#include "report_shape.h"
#include "util.h"

namespace rob {
namespace {

// Builds a fixture file, returns its path. `fill` runs inside a transaction.
std::string BuildFixture(const std::string& name,
                         const std::function<void(sqlite3*)>& fill,
                         unsigned tables = kAllTables) {
  std::string path = TempPath(name + ".sqlite");
  Db db(path);
  CreateNsysSchema(db, tables);
  Exec(db, "BEGIN");
  fill(db);
  Exec(db, "COMMIT");
  return path;
}

// Opens the fixture read-only with the extension, runs `check`, then runs
// every view and verifies the file did not change.
void WithFixture(const std::string& path,
                 const std::function<void(sqlite3*)>& check,
                 bool allow_view_errors = false) {
  uint64_t before = FileChecksum(path);
  {
    Db db = OpenWithExtension(path);
    check(db);
    EXPECT_EQ(CheckEverything(db, allow_view_errors), "");
  }
  EXPECT_EQ(FileChecksum(path), before) << path << " was modified";
}

const std::string kPipeName =
    "void k<`a|b`>(int) | <script>alert(1)</script> &amp; \"q\" 'q'\n"
    "second line\r\n\tthird | `code` **bold** # heading";
const std::string kBadUtf8 = std::string("bad\xff\xfe\xc3(utf8\xed\xa0\x80") +
                             std::string(1, '\0') + "after_nul";
const Cell kBadUtf8Text = Cell(kBadUtf8);  // TEXT with invalid UTF-8 + NUL
const std::string kHugeName = [] {
  std::string s = "void huge_kernel<";
  while (s.size() < 100 * 1024) s += "T, |`<>\n";
  return s + ">()";
}();

TEST(HostileData, OddKernelRows) {
  std::string path = BuildFixture("odd_kernels", [](sqlite3* db) {
    AddString(db, 1, "good_kernel");
    AddString(db, 2, kPipeName);
    AddString(db, 3, kBadUtf8Text);
    AddString(db, 4, kHugeName);
    AddString(db, 5, "");
    AddString(db, 6, kNull);
    AddString(db, 10, "cudaLaunchKernel_v7000");
    // Valid kernels (including a duplicate row and a zero-length one).
    AddKernel(db, 1000, 2000, 1);
    AddKernel(db, 1000, 2000, 1);  // exact duplicate: counted twice
    AddKernel(db, 3000, 3000, 1);  // zero-length: valid
    AddKernel(db, -5000, -4000, 1);  // negative timestamps, positive duration
    AddKernel(db, 4000, 4100, 2);
    AddKernel(db, 4200, 4300, 3);
    AddKernel(db, 4400, 4500, 4);
    AddKernel(db, 4600, 4700, 5);
    AddKernel(db, 4800, 4900, 6);
    AddKernel(db, 5000, 5100, 999);   // dangling name id
    AddKernel(db, 5200, 5300, kNull); // NULL name id
    AddKernel(db, 5400, 5500, "name_given_as_text");
    AddKernel(db, 5600.7, 5700.2, 1);  // REAL timestamps
    AddKernel(db, 5800, 5900, 1, kNull, kNull, kNull);  // NULL pid/device/corr
    AddKernel(db, 6000, 6100, 1, 2, int64_t(1) << 62, int64_t(1) << 40);
    AddKernel(db, 6200, 6300, 1, -7, -1, -1);  // negative ids
    // Invalid rows: skipped and counted.
    AddKernel(db, kNull, 5000, 1);
    AddKernel(db, 5000, kNull, 1);
    AddKernel(db, kNull, kNull, 1);
    AddKernel(db, 6000, 5000, 1);   // end < start
    AddKernel(db, "abc", 5000, 1);  // text time
    AddKernel(db, 100, Cell::Blob("\x01\x02"), 1);  // blob time
    // A launch for the first kernels.
    AddRuntime(db, 500, 900, 10, 1);
  });
  WithFixture(path, [](sqlite3* db) {
    auto dq = DataQuality(db);
    EXPECT_EQ(dq["kernel_rows"], 16);
    EXPECT_EQ(dq["kernel_invalid_rows"], 6);
    EXPECT_EQ(dq["kernel_unresolved_names"], 1);
    auto warnings = WarningCodes(db);
    EXPECT_NE(std::find(warnings.begin(), warnings.end(), "invalid_kernel_rows"),
              warnings.end());
    // Names survive byte for byte.
    Result top = Must(db,
                      "SELECT kernel_name, calls, total_ms FROM "
                      "llm_top_kernels");
    std::map<std::string, int64_t> calls;
    for (auto& row : top.rows) calls[row[0].s] += row[1].i;
    EXPECT_EQ(calls["good_kernel"], 8);
    EXPECT_EQ(calls[kPipeName], 1);
    EXPECT_EQ(calls[kBadUtf8], 1);
    EXPECT_EQ(calls[kHugeName], 1);
    EXPECT_EQ(calls[""], 2);  // empty and NULL StringIds values
    EXPECT_EQ(calls["<unnamed>"], 1);
    EXPECT_EQ(calls["<unresolved name id 999>"], 1);
    EXPECT_EQ(calls["name_given_as_text"], 1);
    // Zero-length and duplicate kernels are counted; total is exact.
    EXPECT_EQ(Scalar(db,
                     "SELECT sum(calls) FROM llm_top_kernels WHERE "
                     "kernel_name = 'good_kernel' AND device_id = -1")
                  .i,
              1);
    EXPECT_EQ(Scalar(db,
                     "SELECT min_us FROM llm_top_kernels WHERE "
                     "kernel_name = 'good_kernel' AND device_id = 0")
                  .r,
              0.0);  // the zero-length kernel
    EXPECT_EQ(Scalar(db, "SELECT total_launches FROM llm_launch_storm").i, 16);
    // Findings quote names with newlines/backticks without breaking.
    Must(db, "SELECT * FROM llm_findings");
    // The kernels dataset returns the hostile names intact.
    EXPECT_EQ(Scalar(db,
                     "SELECT length(CAST(kernel_name AS BLOB)) FROM "
                     "nsys_kernels WHERE kernel_name LIKE 'void huge%'")
                  .i,
              int64_t(kHugeName.size()));
  });
}

TEST(HostileData, Int64Extremes) {
  std::string path = BuildFixture("int64_extremes", [](sqlite3* db) {
    AddString(db, 1, "edge");
    AddString(db, 2, "other");
    // end - start overflows int64: invalid.
    AddKernel(db, kMin, kMax, 1);
    AddKernel(db, kMin, 0, 1);
    AddKernel(db, -1, kMax, 1);
    AddKernel(db, kMin + 1, kMax - 1, 1);
    // Valid: every duration fits, but windows and sums do not.
    AddKernel(db, 0, kMax, 1);
    AddKernel(db, kMax - 10, kMax, 1, 2, int64_t(7) << 24, 1);
    AddKernel(db, kMin, kMin + 5, 2, 3, int64_t(8) << 24, 2);
    AddKernel(db, kMax, kMax, 2);
    AddKernel(db, kMin, kMin, 2);
    AddKernel(db, kMin, -1, 2, 4, int64_t(9) << 24, 3);  // dur = INT64_MAX
    // Runtime rows at the extremes.
    AddRuntime(db, kMin, kMax, 1, 1);          // invalid (overflow)
    AddRuntime(db, kMin, kMin + 1, 1, 2);
    AddRuntime(db, kMax - 1, kMax, 1, 3);
    AddRuntime(db, kMin, -1, 2, 4, Gtid(9, 1));
    AddRuntime(db, 0, kMax, 2, 5);
    // NVTX at the extremes: open range from INT64_MIN, range to INT64_MAX.
    AddNvtx(db, kMin, kNull, 59, "open_from_min");
    AddNvtx(db, kMin, kMax, 59, "min_to_max");  // duration overflows
    AddNvtx(db, 0, kMax, 60, "zero_to_max");
    AddNvtx(db, kMin, -1, 60, "min_to_minus_one", kNull, Gtid(9, 1));
    AddNvtx(db, kMax, kMax, 59, "empty_at_max");
  });
  WithFixture(path, [](sqlite3* db) {
    auto dq = DataQuality(db);
    EXPECT_EQ(dq["kernel_invalid_rows"], 4);
    EXPECT_EQ(dq["kernel_rows"], 6);
    EXPECT_EQ(dq["runtime_invalid_rows"], 1);
    EXPECT_EQ(dq["nvtx_invalid_rows"], 1);
    // Saturated, never wrapped around.
    Result gpu = Must(db, "SELECT * FROM _nsys_gpu_idle");
    for (size_t r = 0; r < gpu.rows.size(); ++r) {
      EXPECT_GE(gpu.At(r, "busy_ns").i, 0);
      EXPECT_GE(gpu.At(r, "window_end_ns").i, gpu.At(r, "window_start_ns").i);
    }
    for (auto& row : Must(db, "SELECT gap_ns FROM nsys_gpu_gaps").rows)
      EXPECT_GT(row[0].i, 0);
    for (auto& row : Must(db, "SELECT total_ns, window_ns FROM "
                              "_nsys_launch_storm").rows) {
      EXPECT_GE(row[0].i, 0);
      EXPECT_GE(row[1].i, 0);
    }
    for (auto& row : Must(db, "SELECT total_ns FROM _nsys_nvtx_ranges").rows)
      EXPECT_GE(row[0].i, 0);
    for (auto& row : Must(db, "SELECT queue_ns FROM nsys_kernels").rows)
      EXPECT_TRUE(row[0].IsNull() || row[0].type == SQLITE_INTEGER);
    // Totals beyond INT64_MAX: the datasets saturate; a view that adds
    // several of them with SQL sum() may fail, but only with SQLite's
    // "integer overflow" error, and the sections/warnings still answer.
    for (const std::string& v : LlmViews(db)) {
      Result r = Query(db, "SELECT * FROM temp.\"" + v + "\"");
      if (!r.ok) {
        EXPECT_EQ(r.error, "integer overflow") << v;
      }
    }
    EXPECT_EQ(Sections(db).size(), nsysexplain::testing::kReportSections);
    EXPECT_FALSE(WarningCodes(db).empty());
  }, /*allow_view_errors=*/true);
}

TEST(HostileData, NearInt64LimitsSmallDurations) {
  // Realistic shape, absurd epoch: every view must still work exactly.
  const int64_t base = kMax - 1'000'000'000;
  std::string path = BuildFixture("near_limits", [&](sqlite3* db) {
    AddString(db, 1, "k");
    AddString(db, 2, "cudaLaunchKernel_v7000");
    AddString(db, 3, "cudaStreamSynchronize_v3020");
    for (int i = 0; i < 100; ++i) {
      AddRuntime(db, base + i * 1000, base + i * 1000 + 100, 2, i + 1);
      AddKernel(db, base + i * 1000 + 200, base + i * 1000 + 700, 1, i + 1);
    }
    AddRuntime(db, base + 200000, base + 300000, 3, 1000);
    AddNvtx(db, base, base + 50'000, 59, "prefill");
    AddNvtx(db, base + 50'000, kMax, 59, "decode");
  });
  WithFixture(path, [&](sqlite3* db) {
    EXPECT_EQ(Scalar(db, "SELECT calls FROM llm_top_kernels").i, 100);
    EXPECT_DOUBLE_EQ(Scalar(db, "SELECT total_ms FROM llm_top_kernels").r,
                     0.05);
    EXPECT_DOUBLE_EQ(Scalar(db, "SELECT busy_ms FROM llm_gpu_idle").r, 0.05);
    EXPECT_DOUBLE_EQ(
        Scalar(db, "SELECT coverage_pct FROM llm_nvtx_coverage WHERE pid IS "
                   "NULL").r,
        100.0);
    EXPECT_EQ(Scalar(db, "SELECT count(*) FROM llm_phases").i, 2);
  });
}

TEST(HostileData, NvtxOddRanges) {
  const int64_t p = 100;
  std::string path = BuildFixture("odd_nvtx", [&](sqlite3* db) {
    AddString(db, 1, "kern");
    AddString(db, 2, "cudaLaunchKernel_v7000");
    AddString(db, 3, "range_from_stringids");
    AddString(db, 4, "my_domain");
    // Launches on thread 1 and thread 2 of pid 100, and in pid 200.
    AddRuntime(db, 1000, 1100, 2, 1, Gtid(p, 1));
    AddRuntime(db, 2000, 2100, 2, 2, Gtid(p, 2));
    AddRuntime(db, 3000, 3100, 2, 3, Gtid(200, 1));
    AddRuntime(db, 3000, 3100, 2, 3, Gtid(200, 1), 67);  // backtrace dup
    AddRuntime(db, 3500, 3600, 999, 4, Gtid(p, 1), kNull);  // dangling name
    AddKernel(db, 1200, 1300, 1, 1, Gtid(p, 0));
    AddKernel(db, 2200, 2300, 1, 2, Gtid(p, 0));
    AddKernel(db, 3200, 3300, 1, 3, Gtid(200, 0));
    AddKernel(db, 3700, 3800, 1, 4, Gtid(p, 0));
    AddKernel(db, 3900, 4000, 1, 3, Gtid(p, 0));  // corr 3 but other process
    // Never closed push range on thread 1 (encloses everything after 500).
    AddNvtx(db, 500, kNull, 59, "never_closed");
    // start/end range closed on another thread: process scoped.
    AddNvtx(db, 1900, 2500, 60, "cross_thread", kNull, Gtid(p, 1), Gtid(p, 2));
    // Nested push/pop, name via textId, with a domain.
    AddNvtx(db, 0, 0, 75, "my_domain", kNull, Gtid(p, 1), kNull, 5);
    AddNvtx(db, 900, 1200, 59, kNull, 3, Gtid(p, 1), kNull, 5);
    AddNvtx(db, 950, 1150, 70, kPipeName, kNull, Gtid(p, 1));
    // textId with no StringIds row and no text.
    AddNvtx(db, 980, 1120, 59, kNull, 12345, Gtid(p, 1));
    // No name at all.
    AddNvtx(db, 990, 1110, 59, kNull, kNull, Gtid(p, 1));
    // Hostile: end < start, NULL start, NULL/odd event types, marks.
    AddNvtx(db, 2000, 1000, 59, "backwards");
    AddNvtx(db, kNull, 1000, 59, "no_start");
    AddNvtx(db, 100, 200, kNull, "null_type");
    AddNvtx(db, 100, 200, "push", "text_type");
    AddNvtx(db, 100, kNull, 34, "mark");
    AddNvtx(db, 100, 200, 59, kBadUtf8);
    AddNvtx(db, 100, 200, 59, kHugeName);
    // Many ranges that are never closed, with launches inside them.
    for (int i = 0; i < 500; ++i)
      AddNvtx(db, 10'000 + i, kNull, 59, "leak_" + std::to_string(i % 7),
              kNull, Gtid(300, 1));
    for (int i = 0; i < 500; ++i) {
      AddRuntime(db, 20'000 + 10 * i, 20'000 + 10 * i + 5, 2, 10'000 + i,
                 Gtid(300, 1));
      AddKernel(db, 30'000 + 10 * i, 30'000 + 10 * i + 5, 1, 10'000 + i,
                Gtid(300, 0));
    }
  });
  WithFixture(path, [&](sqlite3* db) {
    auto dq = DataQuality(db);
    EXPECT_EQ(dq["nvtx_invalid_rows"], 2);
    EXPECT_EQ(dq["nvtx_open_ranges"], 501);
    EXPECT_EQ(dq["nvtx_cross_thread_ranges"], 1);
    EXPECT_EQ(dq["runtime_skipped_rows"], 1);
    EXPECT_EQ(dq["runtime_unresolved_names"], 1);
    EXPECT_EQ(Scalar(db, "SELECT open_count FROM llm_nvtx_ranges WHERE "
                         "range_name = 'never_closed'").i,
              1);
    // The cross-thread range encloses the launch on thread 2.
    EXPECT_EQ(Scalar(db, "SELECT count(*) FROM nsys_nvtx_kernel_ranges WHERE "
                         "range_name = 'cross_thread'").i,
              1);
    // Kernel in pid 100 with correlationId 3 is not launched by pid 200.
    EXPECT_EQ(Scalar(db, "SELECT launch_rowid IS NULL FROM nsys_kernels "
                         "WHERE start_ns = 3900").i,
              1);
    // Named ranges: textId wins; dangling textId is reported as such.
    Result names = Must(db, "SELECT range_name, domain FROM llm_nvtx_ranges");
    std::set<std::string> seen;
    for (auto& row : names.rows) seen.insert(row[0].s);
    EXPECT_TRUE(seen.count("range_from_stringids"));
    EXPECT_TRUE(seen.count("<unnamed>"));
    EXPECT_TRUE(seen.count(kPipeName));
    EXPECT_TRUE(seen.count(kHugeName));
    EXPECT_TRUE(seen.count(kBadUtf8));
    // Coverage can never exceed 100%.
    for (auto& row : Must(db, "SELECT coverage_pct FROM llm_nvtx_coverage").rows)
      if (!row[0].IsNull()) {
        EXPECT_LE(row[0].Num(), 100.0);
      }
    // 500 leaked ranges, all enclosing the 500 launches of pid 300: only the
    // 256 innermost are kept per launch (core::kMaxEnclosing), and it says so.
    EXPECT_EQ(Scalar(db, "SELECT count(*) FROM nsys_nvtx_kernel_ranges "
                         "WHERE pid = 300").i,
              500 * 256);
    EXPECT_EQ(Scalar(db, "SELECT truncated_launches FROM _nsys_nvtx_coverage "
                         "WHERE pid IS NULL").i,
              500);
    EXPECT_EQ(Scalar(db, "SELECT count(*) FROM llm_warnings "
                         "WHERE code = 'nvtx_depth_truncated'").i,
              1);
  });
}

TEST(HostileData, MillionRowsSameName) {
  // In memory: the point is the row count, not the file.
  Db db(":memory:");
  CreateNsysSchema(db);
#ifdef NSYSEXPLAIN_SANITIZE
  const int64_t n = 200'000;  // ~10x slower under ASan; same code paths
#else
  const int64_t n = 1'000'000;
#endif
  Exec(db, "INSERT INTO StringIds VALUES (1, 'same_name'), "
           "(2, 'cudaLaunchKernel_v7000')");
  Exec(db,
       "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE "
       "i < " + std::to_string(n - 1) + ") "
       "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", deviceId, "
       "streamId, correlationId, globalPid, demangledName, shortName) "
       "SELECT i * 1000, i * 1000 + 500 + (i % 7), 0, 7, i, 100 << 24, 1, 1 "
       "FROM c");
  Exec(db,
       "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE "
       "i < " + std::to_string(n - 1) + ") "
       "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME(start, \"end\", eventClass, "
       "globalTid, correlationId, nameId) "
       "SELECT i * 1000 - 300, i * 1000 - 100, 0, (100 << 24) + 1, i, 2 "
       "FROM c");
  Exec(db, "INSERT INTO NVTX_EVENTS(start, \"end\", eventType, text, "
           "globalTid) VALUES (-1000, NULL, 59, 'decode', (100 << 24) + 1)");
  ASSERT_EQ(LoadExtension(db), "");
  auto t0 = std::chrono::steady_clock::now();
  Result top = Must(db, "SELECT kernel_name, calls FROM llm_top_kernels");
  ASSERT_EQ(top.rows.size(), 1u);
  EXPECT_EQ(top.rows[0][1].i, n);
  EXPECT_EQ(Scalar(db, "SELECT kernel_count FROM llm_phases").i, n);
  EXPECT_EQ(CheckEverything(db), "");
  double secs = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
  RecordProperty("seconds", std::to_string(secs));
#ifndef NSYSEXPLAIN_SANITIZE
  EXPECT_LT(secs, 60.0) << "1M kernels should not take this long";
#endif
}

}  // namespace
}  // namespace rob
