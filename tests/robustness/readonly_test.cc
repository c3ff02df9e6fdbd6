// The trace is never modified: checksums before and after querying every view
// through read-only, read-write (DB Browser style), immutable and WAL-mode
// connections. And the wrong file (not SQLite, empty, truncated, a
// directory) gives errors, never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "util.h"

namespace rob {
namespace {

std::string MakeTrace(const std::string& name, bool wal = false) {
  std::string path = TempPath(name + ".sqlite");
  Db db(path);
  if (wal) Exec(db, "PRAGMA journal_mode = WAL");
  CreateNsysSchema(db);
  Exec(db, "BEGIN");
  AddString(db, 1, "gemm");
  AddString(db, 2, "cudaLaunchKernel_v7000");
  AddString(db, 3, "cudaDeviceSynchronize_v3020");
  for (int i = 0; i < 300; ++i) {
    AddRuntime(db, i * 100'000, i * 100'000 + 3'000, 2, i + 1);
    AddKernel(db, i * 100'000 + 5'000, i * 100'000 + 60'000, 1, i + 1);
  }
  AddRuntime(db, 40'000'000, 45'000'000, 3, 5000);
  AddNvtx(db, 0, 15'000'000, 59, "prefill");
  AddNvtx(db, 15'000'000, 31'000'000, 59, "decode step");
  Exec(db, "COMMIT");
  return path;
}

// Everything a user might do in an interactive session, short of writing to
// the trace: every view, settings edits (TEMP), nsys_reset, the TVF.
void Session(sqlite3* db) {
  EXPECT_EQ(CheckEverything(db), "");
  Exec(db, "UPDATE llm_settings SET value = 0.99 WHERE key = "
           "'nvtx_coverage_warn_threshold'");
  Exec(db, "DELETE FROM llm_phase_map; INSERT INTO llm_phase_map VALUES "
           "('p', 'pre'), ('d', 'decode')");
  Must(db, "SELECT nsys_reset()");
  EXPECT_EQ(CheckEverything(db), "");
  Must(db, "SELECT * FROM nsys_interval_gaps('SELECT start, \"end\" FROM "
           "CUPTI_ACTIVITY_KIND_KERNEL')");
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM llm_phases").i, 2);
}

TEST(ReadOnly, ReadOnlyConnection) {
  std::string path = MakeTrace("ro");
  uint64_t before = FileChecksum(path);
  {
    Db db = OpenWithExtension(path, SQLITE_OPEN_READONLY);
    Session(db);
    // The trace itself refuses writes on this connection.
    EXPECT_FALSE(Query(db, "DELETE FROM StringIds").ok);
  }
  EXPECT_EQ(FileChecksum(path), before);
}

TEST(ReadOnly, ReadWriteConnectionLikeDbBrowser) {
  std::string path = MakeTrace("rw");
  uint64_t before = FileChecksum(path);
  auto mtime = std::filesystem::last_write_time(path);
  {
    Db db = OpenWithExtension(path, SQLITE_OPEN_READWRITE);
    Session(db);
    // DB Browser runs its own statements around the user's.
    Exec(db, "BEGIN; SAVEPOINT db4s; "
             "SELECT * FROM llm_findings; RELEASE db4s; COMMIT");
    Exec(db, "PRAGMA foreign_keys");
    Session(db);
  }
  EXPECT_EQ(FileChecksum(path), before);
  EXPECT_TRUE(std::filesystem::last_write_time(path) == mtime);
  EXPECT_FALSE(FileExists(path + "-journal"));
  EXPECT_FALSE(FileExists(path + "-wal"));
}

TEST(ReadOnly, WalModeTrace) {
  std::string path = MakeTrace("wal", /*wal=*/true);
  uint64_t before = FileChecksum(path);
  for (int flags : {SQLITE_OPEN_READWRITE, SQLITE_OPEN_READONLY}) {
    Db db = OpenWithExtension(path, flags);
    Session(db);
  }
  EXPECT_EQ(FileChecksum(path), before);
}

TEST(ReadOnly, ImmutableUri) {
  std::string path = MakeTrace("immutable");
  uint64_t before = FileChecksum(path);
  {
    Db db = OpenWithExtension("file:" + path + "?immutable=1",
                              SQLITE_OPEN_READONLY);
    Session(db);
  }
  EXPECT_EQ(FileChecksum(path), before);
}

TEST(ReadOnly, TwoConnectionsShareNothing) {
  std::string path = MakeTrace("two");
  uint64_t before = FileChecksum(path);
  {
    Db a = OpenWithExtension(path, SQLITE_OPEN_READWRITE);
    Db b = OpenWithExtension(path, SQLITE_OPEN_READONLY);
    EXPECT_EQ(CheckEverything(a), "");
    EXPECT_EQ(CheckEverything(b), "");
    Exec(a, "DELETE FROM llm_phase_map");
    EXPECT_EQ(Scalar(a, "SELECT count(*) FROM llm_phases").i, 0);
    EXPECT_EQ(Scalar(b, "SELECT count(*) FROM llm_phases").i, 2);
  }
  EXPECT_EQ(FileChecksum(path), before);
}

// The wrong file: errors (at load or at query time), never a crash, and the
// file is left as it was.
TEST(ReadOnly, WrongFiles) {
  std::string good = MakeTrace("good_for_truncation");
  std::string bytes = ReadFile(good);
  struct Bad {
    std::string name, content;
  };
  std::vector<Bad> files = {
      {"text.sqlite", "this is not a database\n"},
      {"csv.sqlite", "Time(%),Total Time (ns),Instances,Name\n12.5,100,3,k\n"},
      {"zeros.sqlite", std::string(8192, '\0')},
      {"header_only.sqlite", bytes.substr(0, 100)},
      {"first_page.sqlite", bytes.substr(0, 4096)},
      {"half.sqlite", bytes.substr(0, bytes.size() / 2)},
      {"almost.sqlite", bytes.substr(0, bytes.size() - 1)},
      {"gzip.sqlite", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8) +
                          std::string(1000, 'x')},
      {"corrupt_middle.sqlite", [&] {
         std::string b = bytes;
         for (size_t i = b.size() / 3; i < b.size() / 3 + 3000 && i < b.size();
              ++i)
           b[i] = char(i * 131);
         return b;
       }()},
  };
  for (const Bad& f : files) {
    SCOPED_TRACE(f.name);
    std::string path = TempPath(f.name);
    WriteFile(path, f.content);
    uint64_t before = FileChecksum(path);
    for (int flags : {SQLITE_OPEN_READONLY, SQLITE_OPEN_READWRITE}) {
      Db db(path, flags);
      std::string err = LoadExtension(db);
      if (!err.empty()) {
        EXPECT_NE(err.find("nsysexplain"), std::string::npos) << err;
        continue;
      }
      CheckEverything(db, /*allow_errors=*/true);
    }
    EXPECT_EQ(FileChecksum(path), before);
  }
  // An empty file is a valid, empty database.
  std::string empty = TempPath("empty.sqlite");
  WriteFile(empty, "");
  {
    Db db = OpenWithExtension(empty);
    EXPECT_EQ(CheckEverything(db), "");
    EXPECT_EQ(Sections(db)["top_kernels"].first, 0);
  }
  EXPECT_EQ(ReadFile(empty), "");
  // A directory: an error at open, load or query time.
  try {
    Db db(std::filesystem::path(empty).parent_path().string(),
          SQLITE_OPEN_READONLY);
    if (LoadExtension(db).empty()) CheckEverything(db, true);
  } catch (const std::runtime_error&) {
  }
}

}  // namespace
}  // namespace rob
