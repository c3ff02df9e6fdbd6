// Bad traces and bad phase maps: exit code 2, exactly one stderr line
// "nsys-explain-render: <path>: <problem>", and nothing written (no --out dir,
// no temp dir next to it).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e_util.h"
#include "fixture.h"

namespace e2e {
namespace {

void ExpectFatal(const TempDir& dir, const std::vector<std::string>& args,
                 const std::string& subject, const std::string& what_contains = "") {
  auto before = ListDir(dir.path());
  std::vector<std::string> full = args;
  full.push_back("--out");
  full.push_back(dir / "out");
  RunResult r = Render(full);
  EXPECT_EQ(r.exit_code, 2) << subject << ": " << r.err;
  EXPECT_EQ(LineCount(r.err), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("nsys-explain-render: " + subject + ": ", 0), 0u) << r.err;
  if (!what_contains.empty()) {
    EXPECT_NE(r.err.find(what_contains), std::string::npos) << r.err;
  }
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(Exists(dir / "out"));
  EXPECT_EQ(ListDir(dir.path()), before) << "files left behind for " << subject;
}

TEST(BadTrace, MissingFile) {
  TempDir d;
  ExpectFatal(d, {d / "nope.sqlite"}, d / "nope.sqlite", "no such file");
}

TEST(BadTrace, Directory) {
  TempDir d;
  ::mkdir((d / "dir.sqlite").c_str(), 0755);
  ExpectFatal(d, {d / "dir.sqlite"}, d / "dir.sqlite", "directory");
}

TEST(BadTrace, EmptyFile) {
  TempDir d;
  WriteFile(d / "empty.sqlite", "");
  ExpectFatal(d, {d / "empty.sqlite"}, d / "empty.sqlite", "empty");
}

TEST(BadTrace, TextFile) {
  TempDir d;
  WriteFile(d / "notes.txt", "hello, this is not a database\n");
  ExpectFatal(d, {d / "notes.txt"}, d / "notes.txt", "not a SQLite database");
}

TEST(BadTrace, ShortFile) {
  TempDir d;
  WriteFile(d / "short.sqlite", "SQLite");
  ExpectFatal(d, {d / "short.sqlite"}, d / "short.sqlite", "not a SQLite database");
}

TEST(BadTrace, NsysReport) {
  TempDir d;
  for (const char* name : {"trace.nsys-rep", "old.qdrep", "EMPTY.NSYS-REP"}) {
    WriteFile(d / name, std::string(name).find("EMPTY") == 0 ? "" : "\x01\x02QDSTRM....");
    ExpectFatal(d, {d / name}, d / name,
                "is an Nsight Systems report, not a SQLite export: run `nsys export "
                "--type sqlite --output trace.sqlite " + (d / name) + "`");
  }
}

TEST(BadTrace, CorruptDatabase) {
  TempDir d;
  std::string garbage("SQLite format 3\0", 16);
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) & 0xFF);
  WriteFile(d / "garbage.sqlite", garbage);
  ExpectFatal(d, {d / "garbage.sqlite"}, d / "garbage.sqlite");
}

TEST(BadTrace, TruncatedDatabase) {
  TempDir d;
  BuildBasicTrace(d / "full.sqlite");
  std::string full = ReadFile(d / "full.sqlite");
  WriteFile(d / "trunc.sqlite", full.substr(0, 100));
  ExpectFatal(d, {d / "trunc.sqlite"}, d / "trunc.sqlite");
}

TEST(BadTrace, CorruptPagesBehindAValidSchema) {
  TempDir d;
  {
    NsysFixture f(d / "big.sqlite");
    for (int i = 0; i < 3000; ++i)
      f.Kernel(1'000'000 + i * 10'000, 1'000'000 + i * 10'000 + 5'000, 0, i, 1,
               "kernel_" + std::to_string(i % 50));
  }
  std::string bytes = ReadFile(d / "big.sqlite");
  ASSERT_GT(bytes.size(), 40'000u);
  for (size_t i = 8192; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 31) & 0xFF);
  WriteFile(d / "big.sqlite", bytes);
  ExpectFatal(d, {d / "big.sqlite"}, d / "big.sqlite");
}

TEST(BadTrace, SqliteButNotNsys) {
  TempDir d;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((d / "other.sqlite").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  ExpectFatal(d, {d / "other.sqlite"}, d / "other.sqlite", "not an Nsight Systems export");
}

TEST(BadTrace, NotARegularFile) {
  TempDir d;
  ExpectFatal(d, {"/dev/null"}, "/dev/null", "not a regular file");
  ASSERT_EQ(::mkfifo((d / "fifo.sqlite").c_str(), 0600), 0);
  ExpectFatal(d, {d / "fifo.sqlite"}, d / "fifo.sqlite", "not a regular file");
}

// As root the renderer runs as nobody (PermissionSandbox), so the check applies.
TEST(BadTrace, Unreadable) {
  PermissionSandbox d;
  if (!d.skip_reason().empty()) GTEST_SKIP() << d.skip_reason();
  BuildBasicTrace(d / "locked.sqlite");
  ::chmod((d / "locked.sqlite").c_str(), 0);
  RunResult r = d.Render({d / "locked.sqlite"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(LineCount(r.err), 1u) << r.err;
  EXPECT_EQ(r.err, "nsys-explain-render: " + (d / "locked.sqlite") +
                       ": cannot open: Permission denied\n");
  EXPECT_TRUE(r.out.empty());
}

TEST(BadTrace, NewlineInPathStaysOneLine) {
  TempDir d;
  ExpectFatal(d, {d / "two\nlines.sqlite"}, d / "two?lines.sqlite", "no such file");
}

class BadPhaseMap : public ::testing::Test {
 protected:
  void SetUp() override { BuildBasicTrace(dir_ / "t.sqlite"); }
  void Expect(const std::string& content, const std::string& what = "") {
    std::string pm = dir_ / "pm.json";
    WriteFile(pm, content);
    ExpectFatal(dir_, {dir_ / "t.sqlite", "--phase-map", pm}, pm, what);
    ::unlink(pm.c_str());
  }
  TempDir dir_;
};

TEST_F(BadPhaseMap, Missing) {
  ExpectFatal(dir_, {dir_ / "t.sqlite", "--phase-map", dir_ / "none.json"},
              dir_ / "none.json", "no such file");
}

TEST_F(BadPhaseMap, NotJson) { Expect("prefill: [a]", "invalid JSON"); }
TEST_F(BadPhaseMap, Empty) { Expect("", "invalid JSON"); }
TEST_F(BadPhaseMap, TopLevelArray) { Expect(R"(["prefill"])", "top level must be an object"); }
TEST_F(BadPhaseMap, TopLevelString) { Expect(R"("prefill")"); }
TEST_F(BadPhaseMap, PatternNotString) { Expect(R"({"p": [1]})", "patterns must be strings"); }
TEST_F(BadPhaseMap, PhaseNotArray) { Expect(R"({"p": "x"})"); }
TEST_F(BadPhaseMap, EmptyPattern) { Expect(R"({"p": [""]})", "empty pattern"); }
TEST_F(BadPhaseMap, EmptyPhaseName) { Expect(R"({"": ["x"]})", "empty phase name"); }
TEST_F(BadPhaseMap, EmptyArray) { Expect(R"({"p": []})", "no patterns"); }
TEST_F(BadPhaseMap, EmptyObject) { Expect("{}", "no patterns"); }
TEST_F(BadPhaseMap, NestedObject) { Expect(R"({"p": [{"x": "y"}]})", "nested"); }
TEST_F(BadPhaseMap, DuplicatePhase) { Expect(R"({"p": ["a"], "p": ["b"]})", "duplicate phase"); }
TEST_F(BadPhaseMap, TrailingGarbage) { Expect(R"({"p": ["a"]} x)", "invalid JSON"); }
TEST_F(BadPhaseMap, InvalidUtf8) { Expect("{\"p\": [\"\xff\xfe\"]}", "invalid JSON"); }

TEST_F(BadPhaseMap, DeepNesting) {
  Expect(std::string(100000, '[') + std::string(100000, ']'));
  Expect("{\"p\": " + std::string(200000, '[') + std::string(200000, ']') + "}", "nested");
}

TEST_F(BadPhaseMap, TooLarge) {
  std::string big = "{\"p\": [\"" + std::string(1 << 20, 'x') + "\"]}";
  Expect(big, "larger than 1 MiB");
}

TEST_F(BadPhaseMap, TooManyPatterns) {
  std::string s = "{\"p\": [";
  for (int i = 0; i < 1001; ++i) s += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  Expect(s + "]}", "more than 1000 patterns");
}

TEST_F(BadPhaseMap, AcceptsTheLimit) {
  std::string s = "{\"p\": [";
  for (int i = 0; i < 1000; ++i) s += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  WriteFile(dir_ / "ok.json", s + "]}");
  RunResult r = Render({dir_ / "t.sqlite", "--phase-map", dir_ / "ok.json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

class BadCategories : public ::testing::Test {
 protected:
  void SetUp() override { BuildBasicTrace(dir_ / "t.sqlite"); }
  void Expect(const std::string& content, const std::string& what) {
    std::string f = dir_ / "cats.txt";
    WriteFile(f, content);
    ExpectFatal(dir_, {dir_ / "t.sqlite", "--categories", f}, f, what);
    ::unlink(f.c_str());
  }
  TempDir dir_;
};

TEST_F(BadCategories, Missing) {
  ExpectFatal(dir_, {dir_ / "t.sqlite", "--categories", dir_ / "none.txt"},
              dir_ / "none.txt", "no such file");
}
TEST_F(BadCategories, Directory) {
  ExpectFatal(dir_, {dir_ / "t.sqlite", "--categories", dir_.path()}, dir_.path(),
              "is a directory, not a categories file");
}
TEST_F(BadCategories, Empty) { Expect("", "bad categories file: no rules"); }
TEST_F(BadCategories, OnlyComments) { Expect("# x\n\n", "no rules"); }
TEST_F(BadCategories, NoPattern) { Expect("gemm x\nnorm\n", "line 2: category \"norm\" has no pattern"); }
TEST_F(BadCategories, PatternWithoutTerm) { Expect("gemm ++\n", "line 1: pattern of \"gemm\" has no term"); }
TEST_F(BadCategories, BadCategory) { Expect("g/emm x\n", "line 1: bad category"); }
TEST_F(BadCategories, UnknownDirective) { Expect("!defaults\n", "unknown directive"); }
TEST_F(BadCategories, ControlCharacter) { Expect("gemm a\x01b\n", "line 1: control character"); }
TEST_F(BadCategories, TooLarge) { Expect("gemm " + std::string(1 << 20, 'x'), "larger than 1 MiB"); }
TEST_F(BadCategories, TooManyRules) {
  std::string s;
  for (int i = 0; i < 1001; ++i) s += "c p" + std::to_string(i) + "\n";
  Expect(s, "line 1001: more than 1000 rules");
}


// Bad time windows (report/window.cc): one line naming the flag, exit 2,
// nothing written.
class BadWindow : public ::testing::Test {
 protected:
  void SetUp() override { BuildBasicTrace(dir_ / "t.sqlite"); }
  void Expect(const std::vector<std::string>& flags, const std::string& subject,
              const std::string& what) {
    std::vector<std::string> args = {dir_ / "t.sqlite"};
    args.insert(args.end(), flags.begin(), flags.end());
    ExpectFatal(dir_, args, subject, what);
  }
  TempDir dir_;
};

TEST_F(BadWindow, FromAfterTo) {
  Expect({"--from", "2s", "--to", "1s"}, "--from",
         "2s (2000000000 ns) is not before --to 1s (1000000000 ns)");
}
TEST_F(BadWindow, FromEqualsTo) {
  Expect({"--from", "1000000000", "--to", "1s"}, "--from", "is not before --to");
}
TEST_F(BadWindow, UnparsableTime) {
  Expect({"--from", "5x"}, "--from", "cannot read '5x' as a time: unknown unit 'x'");
  Expect({"--to", "1.5"}, "--to", "cannot read '1.5' as a time");
  Expect({"--to", "1.0000000005s"}, "--to", "not a whole number of ns");
  Expect({"--from", "99999999999s"}, "--from", "out of range");
  Expect({"--from", "ms"}, "--from", "expected a number");
}
TEST_F(BadWindow, NoKernelsInWindow) {
  // Between device 0's fifth kernel and... nothing: after every kernel.
  Expect({"--from", "3s"}, "--from", "the window [3000000000, end of trace) ns has no kernels");
  Expect({"--to", "10ns"}, "--to", "has no kernels");
}
TEST_F(BadWindow, UnknownNvtxRange) {
  Expect({"--nvtx-range", "nosuch"}, "--nvtx-range", "no closed NVTX range named 'nosuch'");
  Expect({"--nvtx-range", "prefill@other"}, "--nvtx-range",
         "no closed NVTX range named 'prefill' in domain 'other'");
  // Open ranges have no extent.
  Expect({"--nvtx-range", "open_range"}, "--nvtx-range", "no closed NVTX range");
}

}  // namespace
}  // namespace e2e
