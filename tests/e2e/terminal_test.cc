// Terminal output: the progress line on stderr only when it is a terminal
// (a pseudo-terminal here), --quiet, --verbose.
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "e2e_util.h"
#include "fixture.h"

namespace e2e {
namespace {

// Runs the renderer with stdout and stderr on a pseudo-terminal; returns
// everything it wrote there (or sets `exit_code` to -1 when no pty).
std::string RenderOnTerminal(const std::vector<std::string>& args, int* exit_code) {
  *exit_code = -1;
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return "";
  if (pid == 0) {
    std::vector<char*> argv;
    std::string prog = NSYS_EXPLAIN_RENDER;
    argv.push_back(prog.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(prog.c_str(), argv.data());
    ::_exit(127);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<size_t>(n));
    else if (n < 0 && errno == EINTR) continue;
    else break;  // EOF or EIO: the child closed the terminal
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

class Terminal : public ::testing::Test {
 protected:
  void SetUp() override {
    trace_ = dir_ / "t.sqlite";
    BuildBasicTrace(trace_);
  }
  TempDir dir_;
  std::string trace_;
};

TEST_F(Terminal, ProgressLinesOnATerminal) {
  int rc;
  std::string out = RenderOnTerminal({trace_, "--out", dir_ / "o"}, &rc);
  if (rc == -1) GTEST_SKIP() << "no pseudo-terminal available";
  ASSERT_EQ(rc, 0) << out;
  // Lines rewritten in place, with the phase and the elapsed time...
  EXPECT_NE(out.find("\r\033[Knsys-explain-render: opening the trace ("), std::string::npos)
      << out;
  EXPECT_NE(out.find(" s)"), std::string::npos) << out;
  // ... and a last line naming the tables read.
  EXPECT_NE(out.find("nsys-explain-render: read CUPTI_ACTIVITY_KIND_KERNEL, "
                     "CUPTI_ACTIVITY_KIND_RUNTIME, NVTX_EVENTS; report in "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("wrote report.md"), std::string::npos);
}

TEST_F(Terminal, QuietIsSilentOnATerminal) {
  int rc;
  std::string out = RenderOnTerminal({trace_, "--out", dir_ / "o", "--quiet"}, &rc);
  if (rc == -1) GTEST_SKIP() << "no pseudo-terminal available";
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "");
  EXPECT_FALSE(ReadFile(dir_ / "o/report.md").empty());
}

TEST_F(Terminal, PipedStderrIsSilent) {
  RunResult r = Render({trace_, "--out", dir_ / "o"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  r = Render({trace_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST_F(Terminal, VerbosePrintsTheTimings) {
  RunResult r = Render({trace_, "--out", dir_ / "o", "--verbose"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* label :
       {"nsysexplain: load (all requested tables)", "nsysexplain: kernel_groups ",
        "nsysexplain: report: nsys_prepare and every section's query",
        "nsysexplain: nsys-explain-render (total)"})
    EXPECT_NE(r.err.find(label), std::string::npos) << label << "\n" << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no progress line under --verbose";
  RunResult both = Render({trace_, "--quiet", "--verbose"});
  EXPECT_EQ(both.exit_code, 64) << both.err;
}

}  // namespace
}  // namespace e2e
