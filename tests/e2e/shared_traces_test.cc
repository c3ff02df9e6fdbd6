// Every real export in ../shared/traces (next to the source tree) renders:
// exit 0, the three outputs, a well-formed Markdown report, parseable JSON,
// and the trace file byte-for-byte unchanged.
#include <gtest/gtest.h>

#include "report_shape.h"
#include "e2e_util.h"

namespace e2e {
namespace {

std::vector<std::string> SharedTraces() {
  std::vector<std::string> out;
  for (const std::string& n : ListDir(NSYSEXPLAIN_SHARED_TRACES))
    if (n.size() > 7 && n.compare(n.size() - 7, 7, ".sqlite") == 0)
      out.push_back(std::string(NSYSEXPLAIN_SHARED_TRACES) + "/" + n);
  return out;
}

TEST(SharedTraces, AllRender) {
  if (!IsDir(NSYSEXPLAIN_SHARED_TRACES))
    GTEST_SKIP() << NSYSEXPLAIN_SHARED_TRACES << " is absent: no real traces to render";
  std::vector<std::string> traces = SharedTraces();
  if (traces.empty()) GTEST_SKIP() << "no *.sqlite in " << NSYSEXPLAIN_SHARED_TRACES;
  TempDir dir;
  int i = 0;
  for (const std::string& trace : traces) {
    SCOPED_TRACE(trace);
    std::string before = ReadFile(trace);
    std::string out = dir / ("r" + std::to_string(i++));
    RunResult r = Render({trace, "--out", out});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    std::string md = ReadFile(out + "/report.md");
    EXPECT_EQ(md.rfind("# Nsight Systems LLM Hotspot Report\n", 0), 0u);
    EXPECT_TRUE(MarkdownTablesWellFormed(md));
    EXPECT_TRUE(IsValidUtf8(md));
    nlohmann::json rep;
    ASSERT_NO_THROW(rep = nlohmann::json::parse(ReadFile(out + "/report.json")));
    EXPECT_EQ(rep["sections"].size(), nsysexplain::testing::kReportSections);
    for (const auto& s : rep["sections"]) {
      if (!s["available"].get<bool>()) {
        EXPECT_NE(md.find("_Not available: "), std::string::npos) << s["id"];
      }
    }
    EXPECT_TRUE(Exists(out + "/tables/kernels.csv"));
    EXPECT_TRUE(Exists(out + "/tables/trace_info.csv"));
    for (const std::string& csv : ListDir(out + "/tables")) {
      bool ok = false;
      auto rows = ParseCsv(ReadFile(out + "/tables/" + csv), &ok);
      EXPECT_TRUE(ok) << csv;
      for (size_t k = 1; k < rows.size(); ++k)
        ASSERT_EQ(rows[k].size(), rows[0].size()) << csv << " record " << k;
    }
    EXPECT_TRUE(ReadFile(trace) == before) << "trace modified";
  }
}

}  // namespace
}  // namespace e2e
