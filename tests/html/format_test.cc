// --format: what --out writes; a bad list is one error line, exit 2, and
// nothing written.
#include <gtest/gtest.h>

#include "e2e_util.h"
#include "fixture.h"

namespace html {
namespace {

using e2e::ListDir;
using e2e::RunResult;

class Format : public ::testing::Test {
 protected:
  void SetUp() override {
    trace_ = dir_ / "t.sqlite";
    e2e::BuildBasicTrace(trace_);
  }
  RunResult Run(const std::string& formats, const std::string& out = "out") {
    return e2e::Render({trace_, "--out", dir_ / out, "--format", formats});
  }
  void ExpectRejected(const RunResult& r, const std::string& problem) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(e2e::LineCount(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("nsys-explain-render: --format: " + problem, 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(ListDir(dir_.path()), std::vector<std::string>{"t.sqlite"}) << "wrote something";
  }
  e2e::TempDir dir_;
  std::string trace_;
};

TEST_F(Format, DefaultWritesEveryFormat) {
  RunResult r = e2e::Render({trace_, "--out", dir_ / "out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListDir(dir_ / "out"),
            (std::vector<std::string>{"report.html", "report.json", "report.md", "tables"}));
  EXPECT_NE(r.out.find("wrote report.md, report.json, report.html, "), std::string::npos)
      << r.out;
}

TEST_F(Format, ChoosesWhatIsWritten) {
  RunResult r = Run("html,md");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListDir(dir_ / "out"), (std::vector<std::string>{"report.html", "report.md"}));
  EXPECT_NE(r.out.find("wrote report.md, report.html to "), std::string::npos) << r.out;
  r = Run(" csv ", "csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListDir(dir_ / "csv"), std::vector<std::string>{"tables"});
  EXPECT_TRUE(e2e::Exists(dir_ / "csv/tables/kernels.csv"));
  r = Run("json", "json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListDir(dir_ / "json"), std::vector<std::string>{"report.json"});
}

TEST_F(Format, RejectsAnUnknownFormat) {
  ExpectRejected(Run("md,pdf"), "unknown format 'pdf' (expected a comma list of md, json, "
                                "csv, html)");
}

TEST_F(Format, RejectsAnEmptyItemOrList) {
  ExpectRejected(Run("md,,html"), "empty format name in 'md,,html'");
  ExpectRejected(Run(""), "empty format name in ''");
}

TEST_F(Format, RejectsARepeatedFormat) {
  ExpectRejected(Run("html,md,html"), "format 'html' given twice");
}

TEST_F(Format, WithoutOutOnlyMarkdown) {
  RunResult r = e2e::Render({trace_, "--format", "md"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("# Nsight Systems LLM Hotspot Report\n", 0), 0u);
  r = e2e::Render({trace_, "--format", "md,html"});
  ExpectRejected(r, "json, csv and html need --out DIR");
}

}  // namespace
}  // namespace html
