// Loading the real libnsysexplain.so: into :memory: and file connections,
// twice, read-only (the trace stays byte-identical), and cache refresh when
// the database changes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>

#include "harness.h"

namespace nsysexplain::testing {
namespace {

TEST(Load, IntoMemoryDatabase) {
  Conn c(":memory:");
  ASSERT_EQ(c.Load(), "");
  EXPECT_GE(c.Int("SELECT count(*) FROM sqlite_temp_master WHERE type = "
                  "'view' AND name LIKE 'llm\\_%' ESCAPE '\\'"),
            20);
  // No trace tables: views are empty, warnings say why.
  EXPECT_TRUE(c.Query("SELECT * FROM llm_top_kernels").empty());
  EXPECT_TRUE(c.Query("SELECT * FROM llm_gpu_idle").empty());
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_warnings "
                  "WHERE code = 'no_kernel_table'"),
            1);
  EXPECT_EQ(c.Int("SELECT nsys_pid(302119224788637)"), 1230493);
  // Nothing was written to the main database.
  EXPECT_EQ(c.Int("SELECT count(*) FROM main.sqlite_master"), 0);
}

TEST(Load, NeedsLoadExtensionEnabled) {
  Conn c(":memory:");
  std::string err = c.Load(/*enable=*/false);
  EXPECT_EQ(err, "not authorized");
  EXPECT_NE(c.Error("SELECT nsys_version()").find("no such function"),
            std::string::npos);
}

TEST(Load, MissingLibraryReportsError) {
  Conn c(":memory:");
  ASSERT_EQ(sqlite3_enable_load_extension(c.db(), 1), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_load_extension(c.db(), "/nonexistent/libnsysexplain.so",
                                  nullptr, &err);
  EXPECT_EQ(rc, SQLITE_ERROR);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err).find("/nonexistent/libnsysexplain.so"),
            std::string::npos);
  sqlite3_free(err);
}

TEST(Load, TwiceOnSameConnection) {
  TempPath p;
  {
    TraceBuilder t(p.path());
    t.K(0, 100, "k", 0, Gpid(1), 1);
  }
  Conn c(p.path());
  ASSERT_EQ(c.Load(), "");
  int64_t views = c.Int("SELECT count(*) FROM sqlite_temp_master");
  EXPECT_EQ(c.Int("SELECT calls FROM llm_top_kernels"), 1);
  c.Exec("INSERT INTO llm_phase_map VALUES ('mine', 'x')");
  ASSERT_EQ(c.Load(), "");
  // Same objects, user edits kept, defaults not inserted twice.
  EXPECT_EQ(c.Int("SELECT count(*) FROM sqlite_temp_master"), views);
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_phase_map"), 7);
  EXPECT_EQ(c.Int("SELECT count(*) FROM llm_settings"), 14);
  EXPECT_EQ(c.Int("SELECT calls FROM llm_top_kernels"), 1);
  EXPECT_EQ(c.Int("SELECT nsys_union_ns(start, \"end\") FROM "
                  "CUPTI_ACTIVITY_KIND_KERNEL"),
            100);
}

TEST(Load, TwoConnectionsHaveSeparateCaches) {
  TempPath p1, p2;
  {
    TraceBuilder t(p1.path());
    t.K(0, 100, "one", 0, Gpid(1), 1);
  }
  {
    TraceBuilder t(p2.path());
    t.K(0, 200, "two", 0, Gpid(1), 1);
    t.K(300, 400, "two", 0, Gpid(1), 2);
  }
  Conn a(p1.path()), b(p2.path());
  ASSERT_EQ(a.Load(), "");
  ASSERT_EQ(b.Load(), "");
  EXPECT_EQ(Render(a.Query("SELECT kernel_name, calls FROM llm_top_kernels")),
            "one|1\n");
  EXPECT_EQ(Render(b.Query("SELECT kernel_name, calls FROM llm_top_kernels")),
            "two|2\n");
  EXPECT_EQ(Render(a.Query("SELECT kernel_name, calls FROM llm_top_kernels")),
            "one|1\n");
}

TEST(Load, ReadOnlyConnectionLeavesFileByteIdentical) {
  TempPath p;
  {
    TraceBuilder t(p.path());
    t.K(1000, 2000, "k", 0, Gpid(5), 1);
    t.K(3000, 3500, "k", 1, Gpid(5), 2);
    t.R(100, 200, "cudaLaunchKernel_v7000", Gtid(5, 6), 1);
    t.R(300, 400, "cudaStreamSynchronize_v3020", Gtid(5, 6), 7);
    t.N(59, 0, 5000, "prefill", Gtid(5, 6));
  }
  const std::string before = ReadFileBytes(p.path());
  struct stat st_before {};
  ASSERT_EQ(stat(p.path().c_str(), &st_before), 0);
  ASSERT_FALSE(before.empty());
  {
    Conn c(p.path(), SQLITE_OPEN_READONLY);
    ASSERT_EQ(c.Load(), "");
    EXPECT_EQ(sqlite3_db_readonly(c.db(), "main"), 1);
    // Every view and dataset.
    Rows views = c.Query("SELECT name FROM sqlite_temp_master WHERE type = "
                         "'view' ORDER BY name");
    for (const Row& v : views) c.Query("SELECT * FROM " + v[0].s);
    Rows mods = c.Query("SELECT name FROM pragma_module_list WHERE name LIKE "
                        "'nsys%' OR name LIKE '\\_nsys%' ESCAPE '\\'");
    EXPECT_GE(mods.size(), 16u);
    for (const Row& m : mods)
      if (m[0].s != "nsys_interval_gaps") c.Query("SELECT * FROM " + m[0].s);
    EXPECT_EQ(c.Int("SELECT count(*) FROM nsys_interval_gaps('SELECT start, "
                    "\"end\", deviceId FROM CUPTI_ACTIVITY_KIND_KERNEL')"),
              0);
    EXPECT_EQ(c.Int("SELECT kernel_count FROM llm_nvtx_coverage "
                    "WHERE pid IS NULL"),
              2);
    // TEMP objects are still writable on a read-only connection.
    c.Exec("DELETE FROM llm_phase_map; "
           "INSERT INTO llm_phase_map VALUES ('p', 'prefill')");
    EXPECT_EQ(c.Text("SELECT phase FROM llm_phases"), "p");
    // Writing the trace itself fails.
    EXPECT_NE(c.Error("DELETE FROM CUPTI_ACTIVITY_KIND_KERNEL")
                  .find("readonly"),
              std::string::npos);
    EXPECT_EQ(c.Int("SELECT nsys_reset()"), 1);
    EXPECT_EQ(c.Int("SELECT calls FROM llm_top_kernels LIMIT 1"), 1);
  }
  EXPECT_EQ(ReadFileBytes(p.path()), before);
  struct stat st_after {};
  ASSERT_EQ(stat(p.path().c_str(), &st_after), 0);
  EXPECT_EQ(st_after.st_mtime, st_before.st_mtime);
  struct stat journal {};
  EXPECT_NE(stat((p.path() + "-journal").c_str(), &journal), 0);
  EXPECT_NE(stat((p.path() + "-wal").c_str(), &journal), 0);
}

TEST(Load, ReadWriteConnectionDoesNotWriteTrace) {
  TempPath p;
  {
    TraceBuilder t(p.path());
    t.K(1000, 2000, "k", 0, Gpid(5), 1);
    t.N(59, 0, 5000, "prefill", Gtid(5, 6));
  }
  const std::string before = ReadFileBytes(p.path());
  {
    Conn c(p.path());
    ASSERT_EQ(c.Load(), "");
    Rows views = c.Query("SELECT name FROM sqlite_temp_master WHERE type = "
                         "'view' ORDER BY name");
    for (const Row& v : views) c.Query("SELECT * FROM " + v[0].s);
  }
  EXPECT_EQ(ReadFileBytes(p.path()), before);
}

// ---------------------------------------------------------------- refresh
class RefreshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TraceBuilder t(p_.path());
    t.K(0, 1000, "k", 0, Gpid(1), 1);
    t.K(2000, 3000, "k", 0, Gpid(1), 2);
  }
  TempPath p_;
};

TEST_F(RefreshTest, ChangeFromOtherConnectionIsSeen) {
  Conn reader(p_.path());
  ASSERT_EQ(reader.Load(), "");
  EXPECT_EQ(Render(reader.Query("SELECT calls, total_ms FROM llm_top_kernels")),
            "2|0.002\n");
  EXPECT_EQ(reader.Int("SELECT busy_ns FROM _nsys_gpu_idle"), 2000);
  int64_t version = reader.Int("PRAGMA data_version");
  {
    // A second connection (no extension) writes and commits.
    Conn writer(p_.path());
    writer.Exec("INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", "
                "deviceId, streamId, correlationId, globalPid, demangledName, "
                "shortName) SELECT 5000, 9000, 0, 7, 3, globalPid, "
                "demangledName, shortName FROM CUPTI_ACTIVITY_KIND_KERNEL "
                "LIMIT 1");
  }
  EXPECT_NE(reader.Int("PRAGMA data_version"), version);
  EXPECT_EQ(Render(reader.Query("SELECT calls, total_ms FROM llm_top_kernels")),
            "3|0.006\n");
  EXPECT_EQ(reader.Int("SELECT busy_ns FROM _nsys_gpu_idle"), 6000);
  EXPECT_EQ(reader.Int("SELECT gaps FROM _nsys_gpu_idle"), 2);
}

TEST_F(RefreshTest, ReadOnlyReaderSeesOtherConnectionsCommit) {
  Conn reader(p_.path(), SQLITE_OPEN_READONLY);
  ASSERT_EQ(reader.Load(), "");
  EXPECT_EQ(reader.Int("SELECT busy_ns FROM _nsys_gpu_idle"), 2000);
  {
    Conn writer(p_.path());
    writer.Exec("DELETE FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE correlationId = 1");
  }
  EXPECT_EQ(reader.Int("SELECT busy_ns FROM _nsys_gpu_idle"), 1000);
  EXPECT_EQ(reader.Int("SELECT calls FROM llm_top_kernels"), 1);
}

TEST_F(RefreshTest, ResetAfterOwnChange) {
  Conn c(p_.path());
  ASSERT_EQ(c.Load(), "");
  EXPECT_EQ(c.Int("SELECT calls FROM llm_top_kernels"), 2);
  c.Exec("DELETE FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE correlationId = 2");
  // nsys_reset() drops the cache unconditionally.
  EXPECT_EQ(c.Int("SELECT nsys_reset()"), 1);
  EXPECT_EQ(c.Int("SELECT calls FROM llm_top_kernels"), 1);
  EXPECT_EQ(c.Int("SELECT busy_ns FROM _nsys_gpu_idle"), 1000);
}

// Documented behaviour (ext/session.h): a write through the same connection
// is not detected (data_version ignores own writes; total_changes would also
// move on every TEMP write), so the cached numbers stay until nsys_reset().
TEST_F(RefreshTest, OwnChangeNeedsReset) {
  Conn c(p_.path());
  ASSERT_EQ(c.Load(), "");
  EXPECT_EQ(c.Int("SELECT calls FROM llm_top_kernels"), 2);
  c.Exec("DELETE FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE correlationId = 2");
  EXPECT_EQ(c.Int("SELECT calls FROM llm_top_kernels"), 2);
  // A TEMP write (phase map edit) must not reload the trace either.
  c.Exec("INSERT INTO llm_phase_map VALUES ('x', 'y')");
  EXPECT_EQ(c.Int("SELECT calls FROM llm_top_kernels"), 2);
  EXPECT_EQ(c.Int("SELECT nsys_reset()"), 1);
  EXPECT_EQ(c.Int("SELECT calls FROM llm_top_kernels"), 1);
}

TEST_F(RefreshTest, ResetInsideQueryIsSafe) {
  // nsys_reset() while dataset cursors are open must not invalidate them.
  Conn c(p_.path());
  ASSERT_EQ(c.Load(), "");
  EXPECT_EQ(Render(c.Query("SELECT g.device_id, nsys_reset(), "
                           "(SELECT count(*) FROM nsys_gpu_gaps AS x WHERE "
                           "x.device_id = g.device_id), g.busy_ns "
                           "FROM _nsys_gpu_idle AS g")),
            "0|1|1|2000\n");
  EXPECT_EQ(Render(c.Query("SELECT kernel_name, nsys_reset(), dur_ns FROM "
                           "nsys_kernels ORDER BY kernel_rowid")),
            "k|1|1000\nk|1|1000\n");
}

}  // namespace
}  // namespace nsysexplain::testing
