// Exports with tables missing, empty, missing columns, or holding text where
// integers are expected. Every view must still answer; every section that
// cannot be computed says so (available = 0 and a reason) and the others
// are still available.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "report_shape.h"
#include "util.h"

namespace rob {
namespace {

void FillSome(sqlite3* db, unsigned tables) {
  if (tables & kStringIds) {
    AddString(db, 1, "gemm_kernel");
    AddString(db, 2, "cudaLaunchKernel_v7000");
    AddString(db, 3, "cudaStreamSynchronize_v3020");
  }
  for (int i = 0; i < 20; ++i) {
    if (tables & kRuntime)
      AddRuntime(db, i * 10'000'000, i * 10'000'000 + 5000, 2, i + 1);
    if (tables & kKernel)
      AddKernel(db, i * 10'000'000 + 6000, i * 10'000'000 + 906000, 1, i + 1);
  }
  if (tables & kRuntime) AddRuntime(db, 300'000'000, 301'000'000, 3, 999);
  if (tables & kNvtx) {
    AddNvtx(db, 0, 150'000'000, 59, "prefill");
    AddNvtx(db, 150'000'000, 400'000'000, 59, "decode");
  }
}

std::string Build(const std::string& name, unsigned tables, bool fill) {
  std::string path = TempPath(name + ".sqlite");
  Db db(path);
  CreateNsysSchema(db, tables);
  if (fill) FillSome(db, tables);
  return path;
}

struct SectionsCase {
  std::string name;
  unsigned tables;
  bool fill;
};

// Expected availability of the data-bound sections.
void CheckSections(sqlite3* db, unsigned tables, bool fill) {
  auto s = Sections(db);
  ASSERT_EQ(s.size(), nsysexplain::testing::kReportSections);
  bool kernels = (tables & kKernel) && fill;
  bool runtime = tables & kRuntime;
  bool nvtx = tables & kNvtx;
  auto expect = [&](const char* id, bool available) {
    SCOPED_TRACE(id);
    ASSERT_TRUE(s.count(id));
    EXPECT_EQ(s[id].first, available ? 1 : 0);
    if (available)
      EXPECT_EQ(s[id].second, "");
    else
      EXPECT_FALSE(s[id].second.empty()) << "unavailable without a reason";
  };
  expect("warnings", true);
  expect("findings", true);
  expect("derivation", true);
  for (const char* id : {"top_kernels", "kernel_categories", "pids", "kernels_by_pid",
                         "launch_storm_by_pid", "launch_storm", "gpu_idle", "kernel_tails"})
    expect(id, kernels);
  expect("launch_latency", kernels && runtime);
  for (const char* id : {"sync_by_pid", "sync"}) expect(id, runtime);
  for (const char* id : {"nvtx_ranges", "nvtx_by_pid"}) expect(id, nvtx);
  expect("nvtx_kernel_time", nvtx && runtime && kernels);
  // Every section row, available or not, has its texts.
  for (auto& row : Must(db, "SELECT title, views, derived_from, limitations "
                            "FROM llm_report_sections").rows)
    for (auto& v : row) EXPECT_FALSE(v.s.empty());
}

TEST(MissingTables, EachTableMissingOrEmpty) {
  const std::vector<std::pair<std::string, unsigned>> kTables = {
      {"StringIds", kStringIds}, {"KERNEL", kKernel}, {"RUNTIME", kRuntime},
      {"NVTX", kNvtx}, {"META", kMeta}};
  std::vector<SectionsCase> cases;
  cases.push_back({"all", kAllTables, true});
  cases.push_back({"all_empty", kAllTables, false});
  cases.push_back({"no_tables", 0, false});
  cases.push_back({"only_strings", kStringIds, true});
  for (auto& [name, bit] : kTables) {
    cases.push_back({"without_" + name, kAllTables & ~bit, true});
    // Present but empty: fill everything else, then empty this one.
    cases.push_back({"empty_" + name, kAllTables, true});
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    const SectionsCase& c = cases[i];
    SCOPED_TRACE(c.name);
    std::string path = Build(c.name, c.tables, c.fill);
    bool kernels_filled = c.fill;
    if (c.name.rfind("empty_", 0) == 0) {
      std::string t = c.name.substr(6);
      std::string table = t == "StringIds" ? "StringIds"
                          : t == "KERNEL"  ? "CUPTI_ACTIVITY_KIND_KERNEL"
                          : t == "RUNTIME" ? "CUPTI_ACTIVITY_KIND_RUNTIME"
                          : t == "NVTX"    ? "NVTX_EVENTS"
                                           : "META_DATA_EXPORT";
      Db w(path);
      Exec(w, "DELETE FROM " + table);
      if (t == "KERNEL") kernels_filled = false;
    }
    uint64_t sum = FileChecksum(path);
    {
      Db db = OpenWithExtension(path);
      EXPECT_EQ(CheckEverything(db), "");
      CheckSections(db, c.tables, kernels_filled);
      // No warning is an error message of SQLite.
      for (auto& row : Must(db, "SELECT message FROM llm_warnings").rows)
        EXPECT_FALSE(row[0].s.empty());
    }
    EXPECT_EQ(FileChecksum(path), sum);
  }
}

// Tables that exist with some of the columns the extension reads missing.
TEST(MissingTables, MissingColumns) {
  struct ColCase {
    const char* name;
    unsigned replaces;  // tables of the base schema left out
    const char* ddl;
  };
  const std::vector<ColCase> cases = {
      {"kernel_no_start", kKernel,
       "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(\"end\" INTEGER, deviceId, "
       "correlationId, globalPid, demangledName)"},
      {"kernel_no_end", kKernel,
       "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(start INTEGER, deviceId, "
       "correlationId, globalPid, demangledName)"},
      {"kernel_only_times", kKernel,
       "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(start INTEGER, \"end\" "
       "INTEGER)"},
      {"kernel_shortname_only", kKernel,
       "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", shortName)"},
      {"runtime_no_eventclass", kRuntime,
       "CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME(start, \"end\", globalTid, "
       "correlationId, nameId)"},
      {"runtime_no_times", kRuntime,
       "CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME(globalTid, correlationId, "
       "nameId)"},
      {"runtime_only_times", kRuntime,
       "CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME(start, \"end\")"},
      {"nvtx_no_end", kNvtx,
       "CREATE TABLE NVTX_EVENTS(start, eventType, text, globalTid)"},
      {"nvtx_no_eventtype", kNvtx,
       "CREATE TABLE NVTX_EVENTS(start, \"end\", text, globalTid)"},
      {"nvtx_only_start_type", kNvtx,
       "CREATE TABLE NVTX_EVENTS(start, eventType)"},
      {"strings_no_value", kStringIds,
       "CREATE TABLE StringIds(id INTEGER PRIMARY KEY)"},
      {"strings_swapped", kStringIds, "CREATE TABLE StringIds(value, id)"},
      {"kernel_concurrent_only", kKernel,
       "CREATE TABLE CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL(start, \"end\", "
       "deviceId, correlationId, globalPid, demangledName)"},
      {"both_kernel_tables", 0,
       "CREATE TABLE CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL(start, \"end\", "
       "demangledName)"},
      {"kernel_without_rowid", kKernel,
       "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(start INTEGER, \"end\" "
       "INTEGER, demangledName, PRIMARY KEY(start, \"end\")) WITHOUT ROWID"},
      {"kernel_is_a_view", kKernel,
       "CREATE VIEW CUPTI_ACTIVITY_KIND_KERNEL AS SELECT 1 AS start, "
       "2 AS \"end\""},
      {"quoted_names", 0,
       "CREATE TABLE \"we\"\"ird\"(\"id\", \"value\", \"a\"\"b\")"},
  };
  for (const ColCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = TempPath(std::string(c.name) + ".sqlite");
    {
      Db db(path);
      unsigned tables = kAllTables & ~c.replaces;
      CreateNsysSchema(db, tables);
      FillSome(db, tables);
      Exec(db, c.ddl);
      // Put rows in whatever columns the new tables have.
      Result cols = Must(db, "SELECT m.name, p.name FROM sqlite_master AS m, "
                             "pragma_table_info(m.name) AS p WHERE m.type = "
                             "'table'");
      std::map<std::string, std::vector<std::string>> by_table;
      for (auto& row : cols.rows) by_table[row[0].s].push_back(row[1].s);
      for (auto& [t, cs] : by_table) {
        if (Scalar(db, "SELECT count(*) FROM " + Quote(t)).i > 0) continue;
        for (int r = 0; r < 5; ++r) {
          std::vector<Cell> cells;
          for (auto& col : cs) {
            if (col == "value") cells.push_back("v" + std::to_string(r));
            else if (col == "text") cells.push_back("t");
            else if (col == "eventType") cells.push_back(59);
            else cells.push_back(int64_t(1000 * r + (col == "end" ? 500 : 0)));
          }
          Insert(db, t, cs, cells);
        }
      }
    }
    uint64_t sum = FileChecksum(path);
    {
      Db db = OpenWithExtension(path);
      EXPECT_EQ(CheckEverything(db), "");
      auto s = Sections(db);
      EXPECT_EQ(s.size(), nsysexplain::testing::kReportSections);
      for (auto& [id, av] : s)
        if (av.first == 0) {
          EXPECT_FALSE(av.second.empty()) << id;
        }
    }
    EXPECT_EQ(FileChecksum(path), sum);
  }
}

// Text (and blobs) where integers are expected, in typeless columns as a
// CSV import would make them.
TEST(MissingTables, TextWhereIntegersAreExpected) {
  std::string path = TempPath("text_columns.sqlite");
  {
    Db db(path);
    Exec(db,
         "CREATE TABLE StringIds(id, value);"
         "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", deviceId, "
         "streamId, correlationId, globalPid, demangledName, shortName, "
         "graphNodeId);"
         "CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME(start, \"end\", eventClass, "
         "globalTid, correlationId, nameId);"
         "CREATE TABLE NVTX_EVENTS(start, \"end\", eventType, text, globalTid, "
         "endGlobalTid, textId, domainId);"
         "INSERT INTO StringIds VALUES ('1', 'text_id_one'), ('x', 'bad_id'), "
         "(2, 'k2'), (NULL, 'null_id'), (3.5, 'real_id');"
         "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES "
         "('abc', 'def', 'dev', 'stream', 'corr', 'pid', '1', 'short', 'g'),"
         "(1000, 2000, 'dev', 'stream', 'corr', 'pid', 2, 2, NULL),"
         "(X'00', X'FF', 0, 0, 1, 0, 2, 2, NULL),"
         "(3000, 4000, 0.5, 1e300, -1e300, 1e300, 2.0, 'text', 'node'),"
         "(5000, 'oops', 0, 0, 1, 0, 2, 2, NULL),"
         "(1e300, 2e300, 0, 0, 1, 0, 2, 2, NULL);"
         "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES "
         "('a', 'b', 'c', 'd', 'e', 'f'), (1, 2, 0, 'tid', 'corr', 'name'),"
         "(1, 2, '67', 0, 0, 0), (1, 2, 0.0, 0, 1, X'0102');"
         "INSERT INTO NVTX_EVENTS VALUES "
         "('s', 'e', 59, 'r', 0, 0, NULL, 0), (1, 'e', '59', 'r2', 0, 0, 'x', "
         "0), (1, 2, 'fifty-nine', 'r3', 'tid', 'tid', 'x', 'd'),"
         "(1, 2, 60, X'DEADBEEF', 0, 1, NULL, NULL);");
  }
  uint64_t sum = FileChecksum(path);
  {
    Db db = OpenWithExtension(path);
    EXPECT_EQ(CheckEverything(db), "");
    auto dq = DataQuality(db);
    // Non-numeric start/end make a row invalid (never read as 0).
    EXPECT_EQ(dq["kernel_invalid_rows"], 4);
    EXPECT_EQ(dq["kernel_rows"], 2);
    EXPECT_EQ(Scalar(db, "SELECT min(start_ns) FROM nsys_kernels").i, 1000);
  }
  EXPECT_EQ(FileChecksum(path), sum);
}

}  // namespace
}  // namespace rob
