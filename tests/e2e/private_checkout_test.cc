// A clone inside a private directory (a 0700 home such as /root, a
// mktemp -d folder) must pass the permission tests too: as root they run the
// renderer as nobody, who cannot reach a build tree under such a directory.
// These tests put a copy of the renderer in a 0700 "checkout" and check that
// PermissionSandbox still runs the permission checks from it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "e2e_util.h"
#include "fixture.h"

namespace e2e {
namespace {

class PrivateCheckout : public ::testing::Test {
 protected:
  void SetUp() override {
    ::chmod(checkout_.path().c_str(), 0700);
    std::filesystem::create_directories(checkout_ / "build/report");
    renderer_ = checkout_ / "build/report/nsys-explain-render";
    std::filesystem::copy_file(NSYS_EXPLAIN_RENDER, renderer_);
    ::chmod(renderer_.c_str(), 0755);
  }
  TempDir checkout_;
  std::string renderer_;
};

// The case itself: as root, nobody cannot run the binary of a private build
// tree (exit 127 from exec), so a test that ran it directly would fail.
TEST_F(PrivateCheckout, NobodyCannotRunTheBuildTreeDirectly) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root: the renderer runs as this user";
  RunResult r = RunProgram(renderer_, {"--version"}, "", true);
  EXPECT_EQ(r.exit_code, 127) << "nobody could exec a binary under a 0700 directory";
}

// The sandbox built from the private binary runs the permission checks
// whenever the sandbox built from the real build tree does.
TEST_F(PrivateCheckout, PermissionChecksRunFromAPrivateBuildTree) {
  PermissionSandbox reference;
  PermissionSandbox box(renderer_);
  if (!reference.skip_reason().empty()) GTEST_SKIP() << reference.skip_reason();
  ASSERT_EQ(box.skip_reason(), "") << "the private build tree made the sandbox skip";
  if (::geteuid() == 0) {
    EXPECT_NE(box.renderer(), renderer_) << "root must run a reachable copy";
    EXPECT_TRUE(AncestorsTraversableByOthers(box.renderer()));
  }
  BuildBasicTrace(box / "locked.sqlite");
  ::chmod((box / "locked.sqlite").c_str(), 0);
  RunResult r = box.Render({box / "locked.sqlite"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "nsys-explain-render: " + (box / "locked.sqlite") +
                       ": cannot open: Permission denied\n");
}

// Test files made under a private TMPDIR stay usable: TempDir works under
// any base, and the sandbox falls back to a reachable base as root.
TEST_F(PrivateCheckout, PrivateTmpdirStillRunsPermissionChecks) {
  std::string old = TempBase();
  ::setenv("TMPDIR", checkout_.path().c_str(), 1);
  PermissionSandbox box;
  ::setenv("TMPDIR", old.c_str(), 1);
  if (::geteuid() != 0) {
    ASSERT_EQ(box.skip_reason(), "");
    EXPECT_EQ(box.path().rfind(checkout_.path(), 0), 0u);
    return;
  }
  PermissionSandbox reference;
  if (!reference.skip_reason().empty()) GTEST_SKIP() << reference.skip_reason();
  ASSERT_EQ(box.skip_reason(), "");
  EXPECT_NE(box.path().rfind(checkout_.path(), 0), 0u)
      << "root put the sandbox where nobody cannot reach it";
  RunResult r = box.Render({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace e2e
