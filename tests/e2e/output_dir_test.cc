// --out DIR semantics: atomic creation, refusal of non-empty directories
// without --force, --force replacing only our files, and clean failure (no
// temp dir left) when DIR cannot be written.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e_util.h"
#include "fixture.h"

namespace e2e {
namespace {

class OutDir : public ::testing::Test {
 protected:
  void SetUp() override {
    ::mkdir((dir_ / "in").c_str(), 0755);
    trace_ = dir_ / "in/t.sqlite";
    BuildBasicTrace(trace_);
  }
  RunResult Run(std::vector<std::string> extra) {
    std::vector<std::string> args = {trace_};
    args.insert(args.end(), extra.begin(), extra.end());
    return Render(args);
  }
  void ExpectFailure(const RunResult& r, const std::string& subject) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(LineCount(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("nsys-explain-render: " + subject + ": ", 0), 0u) << r.err;
  }
  TempDir dir_;
  std::string trace_;
};

TEST_F(OutDir, CreatesMissingDirectoryAndParents) {
  RunResult r = Run({"--out", dir_ / "a/b/c/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists(dir_ / "a/b/c/report.md"));
  EXPECT_TRUE(Exists(dir_ / "a/b/c/report.json"));
  EXPECT_TRUE(Exists(dir_ / "a/b/c/tables/kernels.csv"));
  EXPECT_EQ(ListDir(dir_ / "a/b"), std::vector<std::string>{"c"}) << "temp dir left";
  EXPECT_EQ(ListDir(dir_ / "a/b/c"),
            (std::vector<std::string>{"report.html", "report.json", "report.md", "tables"}));
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(OutDir, ExistingEmptyDirectoryIsFine) {
  ::mkdir((dir_ / "out").c_str(), 0755);
  RunResult r = Run({"--out", dir_ / "out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists(dir_ / "out/report.md"));
  EXPECT_EQ(ListDir(dir_.path()), (std::vector<std::string>{"in", "out"}));
}

TEST_F(OutDir, NonEmptyDirectoryNeedsForce) {
  ::mkdir((dir_ / "out").c_str(), 0755);
  WriteFile(dir_ / "out/keep.txt", "mine");
  RunResult r = Run({"--out", dir_ / "out"});
  ExpectFailure(r, dir_ / "out");
  EXPECT_NE(r.err.find("--force"), std::string::npos);
  EXPECT_EQ(ListDir(dir_ / "out"), std::vector<std::string>{"keep.txt"});
  EXPECT_EQ(ListDir(dir_.path()), (std::vector<std::string>{"in", "out"}));
}

TEST_F(OutDir, ForceReplacesOnlyOurFiles) {
  ::mkdir((dir_ / "out").c_str(), 0755);
  ::mkdir((dir_ / "out/tables").c_str(), 0755);
  WriteFile(dir_ / "out/keep.txt", "mine");
  WriteFile(dir_ / "out/report.md", "old report");
  WriteFile(dir_ / "out/tables/mine.csv", "a,b\n");
  WriteFile(dir_ / "out/tables/kernels.csv", "old");
  RunResult r = Run({"--out", dir_ / "out", "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(dir_ / "out/keep.txt"), "mine");
  EXPECT_EQ(ReadFile(dir_ / "out/tables/mine.csv"), "a,b\n");
  EXPECT_EQ(ReadFile(dir_ / "out/report.md").rfind("# Nsight Systems LLM Hotspot Report", 0), 0u);
  EXPECT_NE(ReadFile(dir_ / "out/tables/kernels.csv"), "old");
  EXPECT_TRUE(Exists(dir_ / "out/report.json"));
  EXPECT_EQ(ListDir(dir_.path()), (std::vector<std::string>{"in", "out"})) << "temp dir left";
}

TEST_F(OutDir, ForceFailsCleanlyWhenATargetIsADirectory) {
  ::mkdir((dir_ / "out").c_str(), 0755);
  ::mkdir((dir_ / "out/report.md").c_str(), 0755);
  RunResult r = Run({"--out", dir_ / "out", "--force"});
  ExpectFailure(r, dir_ / "out");
  EXPECT_EQ(ListDir(dir_ / "out"), std::vector<std::string>{"report.md"});
  EXPECT_EQ(ListDir(dir_.path()), (std::vector<std::string>{"in", "out"}));
}

TEST_F(OutDir, OutIsAFile) {
  WriteFile(dir_ / "file", "x");
  RunResult r = Run({"--out", dir_ / "file"});
  ExpectFailure(r, dir_ / "file");
  EXPECT_EQ(ReadFile(dir_ / "file"), "x");
  EXPECT_EQ(ListDir(dir_.path()), (std::vector<std::string>{"file", "in"}));
  r = Run({"--out", dir_ / "file", "--force"});
  ExpectFailure(r, dir_ / "file");
}

TEST_F(OutDir, ParentIsAFile) {
  WriteFile(dir_ / "file", "x");
  RunResult r = Run({"--out", dir_ / "file/sub"});
  ExpectFailure(r, dir_ / "file/sub");
  EXPECT_EQ(ListDir(dir_.path()), (std::vector<std::string>{"file", "in"}));
}

// As root these run the renderer as nobody (PermissionSandbox), so the
// permission checks apply.
class OutDirPermissions : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!box_.skip_reason().empty()) GTEST_SKIP() << box_.skip_reason();
    ::mkdir((box_ / "in").c_str(), 0755);
    ::chmod((box_ / "in").c_str(), 0755);  // whatever the umask
    trace_ = box_ / "in/t.sqlite";
    BuildBasicTrace(trace_);
    ::chmod(trace_.c_str(), 0644);
  }
  void ExpectFailure(const RunResult& r, const std::string& subject) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(LineCount(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("nsys-explain-render: " + subject + ": ", 0), 0u) << r.err;
  }
  PermissionSandbox box_;
  std::string trace_;
};

TEST_F(OutDirPermissions, UnwritableParent) {
  ::mkdir((box_ / "ro").c_str(), 0555);
  ::chmod((box_ / "ro").c_str(), 0555);
  RunResult r = box_.Render({trace_, "--out", box_ / "ro/out"});
  ExpectFailure(r, box_ / "ro/out");
  EXPECT_TRUE(ListDir(box_ / "ro").empty());
  r = box_.Render({trace_, "--out", box_ / "ro/x/y"});
  ExpectFailure(r, box_ / "ro/x/y");
  EXPECT_TRUE(ListDir(box_ / "ro").empty());
}

TEST_F(OutDirPermissions, ExistingDirWithUnwritableParent) {
  ::mkdir((box_ / "ro").c_str(), 0755);
  ::mkdir((box_ / "ro/out").c_str(), 0777);
  ::chmod((box_ / "ro/out").c_str(), 0777);
  ::chmod((box_ / "ro").c_str(), 0555);
  RunResult r = box_.Render({trace_, "--out", box_ / "ro/out"});
  ExpectFailure(r, box_ / "ro/out");
  EXPECT_TRUE(ListDir(box_ / "ro/out").empty());
  EXPECT_EQ(ListDir(box_ / "ro"), std::vector<std::string>{"out"});
}

// The sandbox itself works where the user can write: the renderer it runs
// succeeds on a readable trace and a writable --out.
TEST_F(OutDirPermissions, WritableOutSucceeds) {
  ::mkdir((box_ / "rw").c_str(), 0777);
  ::chmod((box_ / "rw").c_str(), 0777);
  RunResult r = box_.Render({trace_, "--out", box_ / "rw/out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists(box_ / "rw/out/report.md"));
}

TEST_F(OutDir, RelativeOutDir) {
  RunResult r = Render({"in/t.sqlite", "--out", "rel"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists(dir_ / "rel/report.md"));
  EXPECT_EQ(ListDir(dir_.path()), (std::vector<std::string>{"in", "rel"}));
}

TEST_F(OutDir, BadTraceWritesNothingEvenWithForce) {
  ::mkdir((dir_ / "out").c_str(), 0755);
  WriteFile(dir_ / "out/report.md", "old report");
  RunResult r = Render({dir_ / "in/missing.sqlite", "--out", dir_ / "out", "--force"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(ReadFile(dir_ / "out/report.md"), "old report");
  EXPECT_EQ(ListDir(dir_ / "out"), std::vector<std::string>{"report.md"});
  EXPECT_EQ(ListDir(dir_.path()), (std::vector<std::string>{"in", "out"}));
}

}  // namespace
}  // namespace e2e
