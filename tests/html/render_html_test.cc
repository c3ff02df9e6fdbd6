// RenderHtml on hand-built reports: the charts that read tables other
// analyses add (gpu_idle_causes, memcpy) draw one bar per label with the
// summed value, or say why not; a section that is not available shows its
// reason, and the summary takes its numbers from the tables.
#include <gtest/gtest.h>

#include "html_util.h"
#include "render.h"
#include "summary.h"

namespace nsysexplain::render {
namespace {

Table MakeTable(std::vector<std::string> cols, std::vector<Row> rows) {
  Table t;
  t.columns = std::move(cols);
  t.rows = std::move(rows);
  return t;
}

Section MakeSection(const std::string& id, const std::string& table, Table t,
                    bool available = true) {
  Section s;
  s.id = id;
  s.title = id;
  s.available = available;
  s.reason = available ? "" : "no `CUPTI_ACTIVITY_KIND_MEMCPY` table";
  NamedTable nt;
  nt.name = table;
  nt.view = "llm_" + table;
  nt.table = std::move(t);
  s.tables.push_back(std::move(nt));
  return s;
}

TEST(RenderHtml, GenericChartsSumRowsPerLabel) {
  Report rep;
  rep.sections.push_back(MakeSection(
      "idle_causes", "gpu_idle_causes",
      MakeTable({"device_id", "cause", "idle_ms"},
                {{Cell::Int(0), Cell::Text("host_sync"), Cell::Real(2.5)},
                 {Cell::Int(1), Cell::Text("host_sync"), Cell::Real(1.25)},
                 {Cell::Int(0), Cell::Text("launch_gap"), Cell::Real(7)}})));
  rep.sections.push_back(MakeSection(
      "memcpy", "memcpy",
      MakeTable({"direction", "total_mb"}, {{Cell::Text("HtoD"), Cell::Real(10)}}), false));
  std::string h = RenderHtml(rep);
  auto bars = html::Marks(html::Figure(h, "idle_causes"), "bar");
  ASSERT_EQ(bars.size(), 2u);  // largest first
  EXPECT_EQ(bars[0].Value(), 7);
  EXPECT_EQ(bars[1].Value(), 3.75);
  EXPECT_NE(html::Figure(h, "idle_causes").find(">launch_gap</text>"), std::string::npos);
  // Unavailable section: its reason, no bars.
  std::string m = html::Figure(h, "memcpy");
  EXPECT_TRUE(html::Marks(m, "bar").empty());
  EXPECT_NE(m.find("Not available: no <code>CUPTI_ACTIVITY_KIND_MEMCPY</code> table."),
            std::string::npos)
      << m;
  // Charts whose tables are absent say so.
  EXPECT_NE(html::Figure(h, "gpu_timeline")
                .find("Not available: this report has no <code>gpu_timeline</code> table"),
            std::string::npos);
  // The section list shows the unavailable section's reason too.
  EXPECT_NE(h.find("<section id=\"sec-memcpy\">"), std::string::npos);
}

TEST(RenderHtml, GenericChartNamesTheMissingColumn) {
  Report rep;
  rep.sections.push_back(MakeSection(
      "memcpy", "memcpy", MakeTable({"direction", "weird"}, {{Cell::Text("HtoD"), Cell::Int(1)}})));
  std::string m = html::Figure(RenderHtml(rep), "memcpy");
  EXPECT_TRUE(html::Marks(m, "bar").empty());
  EXPECT_NE(m.find("has none of the columns this chart reads (total_mb)"), std::string::npos)
      << m;
}

TEST(RenderHtml, ProseKeepsUtf8AndCodeSpans) {
  Report rep;
  rep.findings = MakeTable({"severity", "title", "evidence", "recommendation", "rule"},
                           {{Cell::Text("medium"), Cell::Text("CPU↔GPU sync in `cudaFree`"),
                             Cell::Text("3 calls ≤ 1 ms"), Cell::Text("a < b & c"),
                             Cell::Text("r")}});
  Section s = MakeSection("findings", "findings", rep.findings);
  s.tables[0].md_layout = "finding_list";
  rep.sections.push_back(s);
  std::string h = RenderHtml(rep);
  EXPECT_NE(h.find("CPU↔GPU sync in <code>cudaFree</code>"), std::string::npos);
  EXPECT_NE(h.find("3 calls ≤ 1 ms"), std::string::npos);
  EXPECT_NE(h.find("a &lt; b &amp; c"), std::string::npos);
  EXPECT_EQ(h.find("\xef\xbf\xbd"), std::string::npos);  // no U+FFFD replacement
}

TEST(Summary, TakesItsNumbersFromTheTables) {
  Report rep;
  rep.sections.push_back(MakeSection(
      "gpu_idle", "gpu_idle",
      MakeTable({"device_id", "window_ms", "busy_ms", "idle_pct_of_window"},
                {{Cell::Int(3), Cell::Real(10), Cell::Real(7.5), Cell::Real(25)}})));
  rep.sections.push_back(MakeSection(
      "kernel_categories", "kernel_categories",
      MakeTable({"category", "device_id", "total_ms", "pct_kernel_time"},
                {{Cell::Text("gemm"), Cell::Int(0), Cell::Real(3), Cell::Real(30)},
                 {Cell::Text("norm"), Cell::Int(0), Cell::Real(1), Cell::Real(10)},
                 {Cell::Text("gemm"), Cell::Int(1), Cell::Real(4), Cell::Real(40)},
                 {Cell::Text("attention"), Cell::Int(1), Cell::Real(2), Cell::Real(20)}})));
  rep.findings = MakeTable({"severity", "title"}, {{Cell::Text("high"), Cell::Text("A")},
                                                   {Cell::Text("medium"), Cell::Text("B")},
                                                   {Cell::Text("low"), Cell::Text("C")},
                                                   {Cell::Text("low"), Cell::Text("D")}});
  Summary s = MakeSummary(rep);
  std::map<std::string, std::string> items;
  for (const auto& it : s.items) items[it.label] = it.text;
  EXPECT_EQ(items["GPU busy"], "GPU 3: 75.0% busy (7.500 of 10.000 ms)");
  EXPECT_EQ(items["Time by category"],
            "gemm 70.0% (7.000 ms); attention 20.0% (2.000 ms); norm 10.0% (1.000 ms)");
  EXPECT_EQ(items["Capture window"], "no kernels in this export");
  EXPECT_EQ(items.count("Step time"), 0u);  // no steps section
  EXPECT_EQ(s.findings, (std::vector<std::string>{"[high] A", "[medium] B", "[low] C"}));
}

}  // namespace
}  // namespace nsysexplain::render
