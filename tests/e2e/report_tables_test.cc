// The report declarations of the view pack (sql/_report.sql conventions)
// against the views they name, on the hand-made BasicTrace and the bundled
// example trace, with the NVTX->kernel map on and off: every declared table
// has a view, every declared Markdown column exists in that view, every
// table belongs to a section and every section's `need` is defined. A
// mismatch would otherwise only show when that section renders.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "conn.h"
#include "e2e_util.h"
#include "fixture.h"

namespace e2e {
namespace {

// The declared Markdown column names ("a, b?, c": "b?" is optional).
std::vector<std::string> DeclaredColumns(const std::string& list) {
  std::vector<std::string> out;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
    if (!item.empty() && item.back() == '?') item.pop_back();
    // "a|b": both columns (a, or b where a collides).
    for (size_t bar; (bar = item.find('|')) != std::string::npos; item.erase(0, bar + 1))
      out.push_back(item.substr(0, bar));
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void CheckDeclarations(const std::string& trace) {
  for (int map : {1, 0}) {
    SCOPED_TRACE(trace + ", nvtx_kernel_map = " + std::to_string(map));
    Conn c(trace);
    c.Query("UPDATE temp.llm_settings SET value = " + std::to_string(map) +
            " WHERE key = 'nvtx_kernel_map'");
    std::set<std::string> sections;
    for (const auto& r : c.Query("SELECT section_id FROM llm_report_sections"))
      sections.insert(r[0]);
    EXPECT_GE(sections.size(), 15u);
    EXPECT_TRUE(c.Query("SELECT section_id, need FROM _nsys_all_sections AS s "
                        "WHERE NOT EXISTS (SELECT 1 FROM _nsys_all_needs AS n "
                        "WHERE n.need = s.need)").empty())
        << "a section needs something no needs view defines";

    Rows tables = c.Query(
        "SELECT section_id, table_name, view, md_columns, analysis "
        "FROM _nsys_all_tables ORDER BY section_id, ord");
    std::set<std::string> with_tables;
    for (const auto& t : tables) {
      const std::string &section = t[0], &name = t[1], &view = t[2];
      SCOPED_TRACE("table " + name + " of section " + section + " (sql/" +
                   t[4] + ".sql)");
      with_tables.insert(section);
      EXPECT_TRUE(sections.count(section)) << "no such section";
      std::set<std::string> cols = c.Columns("SELECT * FROM " + view);
      ASSERT_FALSE(cols.empty()) << "no view " << view;
      for (const std::string& col : DeclaredColumns(t[3]))
        EXPECT_TRUE(cols.count(col)) << view << " has no column " << col;
    }
    for (const std::string& s : sections)
      EXPECT_TRUE(with_tables.count(s)) << "section " << s << " declares no table";
  }
}

TEST(ReportDeclarations, MarkdownColumnsExistInTheirViewsBasicTrace) {
  TempDir dir;
  std::string trace = dir / "basic.sqlite";
  BuildBasicTrace(trace);
  CheckDeclarations(trace);
}

TEST(ReportDeclarations, MarkdownColumnsExistInTheirViewsExample) {
  CheckDeclarations(NSYSEXPLAIN_EXAMPLE_TRACE);
}

// A graph-mode capture: each section that reads kernels prints what it
// cannot see, in report.md and report.json.
TEST(ReportCaveats, GraphModeCaptureIsNamedInEachKernelSection) {
  TempDir dir;
  const std::string trace = dir / "graph_mode.sqlite";
  {
    NsysFixture f(trace);
    f.Kernel(1000, 5000, 0, 1, 100, "gemm_kernel");
    f.Runtime(500, 900, 100, 101, 1, "cudaLaunchKernel_v7000", 0);
    f.Runtime(6000, 7000, 100, 101, 2, "cudaGraphLaunch_v10000", 0);
    f.Exec("CREATE TABLE CUPTI_ACTIVITY_KIND_GRAPH_TRACE(start INTEGER NOT NULL, "
           "\"end\" INTEGER NOT NULL, deviceId INTEGER, contextId INTEGER, "
           "greenContextId INTEGER, streamId INTEGER, correlationId INTEGER, "
           "globalPid INTEGER, graphId INTEGER, graphExecId INTEGER)");
    f.Exec("INSERT INTO CUPTI_ACTIVITY_KIND_GRAPH_TRACE VALUES (7500, 9500, 0, 1, NULL, 7, 2, " +
           std::to_string(NsysFixture::GlobalPid(100)) + ", 5, 11)");
  }
  RunResult res = Render({trace, "--out", dir / "out"});
  ASSERT_EQ(res.exit_code, 0) << res.err;
  const std::string md = ReadFile(dir / "out/report.md");
  const std::string caveat =
      "- **Not seen in this trace**: graph-mode capture: the kernels of 1 CUDA graph "
      "executions (0.002 ms of GPU time, CUPTI_ACTIVITY_KIND_GRAPH_TRACE) are not in the "
      "kernel table, so no kernel a graph ran is listed or counted here";
  const size_t top = md.find("## Global: top CUDA kernels");
  ASSERT_NE(top, std::string::npos);
  const size_t at = md.find(caveat, top);
  ASSERT_NE(at, std::string::npos) << md;
  EXPECT_LT(at, md.find("\n## ", top + 1));
  nlohmann::json rep = nlohmann::json::parse(ReadFile(dir / "out/report.json"));
  size_t with = 0;
  for (const auto& s : rep["sections"]) with += !s["caveats"].empty();
  EXPECT_EQ(with, 12u);
  EXPECT_EQ(Section(rep, "top_kernels")["caveats"].size(), 1u);
  EXPECT_EQ(Section(rep, "warnings")["caveats"], nlohmann::json::array());
}

// llm_help lists every public object the extension registers (views and
// tables of the view pack, functions, table-valued functions), each with a
// description and an example query that runs on the bundled example trace.
TEST(Help, EveryPublicObjectIsListedAndEveryExampleRuns) {
  Conn c(NSYSEXPLAIN_EXAMPLE_TRACE);
  std::map<std::string, std::vector<std::string>> help;
  for (auto& r : c.Query("SELECT name, kind, call, description, example, source FROM llm_help"))
    EXPECT_TRUE(help.emplace(r[0], r).second) << "listed twice: " << r[0];
  std::set<std::string> registered;
  for (auto& r : c.Query("SELECT name FROM sqlite_temp_master WHERE type IN ('view', 'table') "
                         "AND name LIKE 'llm\\_%' ESCAPE '\\'"))
    registered.insert(r[0]);
  for (auto& r : c.Query("SELECT name FROM pragma_function_list WHERE name LIKE 'nsys\\_%' "
                         "ESCAPE '\\' UNION SELECT name FROM pragma_module_list "
                         "WHERE name LIKE 'nsys\\_%' ESCAPE '\\'"))
    registered.insert(r[0]);
  EXPECT_GT(registered.size(), 50u);
  for (const std::string& name : registered)
    EXPECT_TRUE(help.count(name)) << name << " is registered but not in llm_help";
  for (const auto& [name, row] : help) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(registered.count(name)) << "in llm_help but not registered";
    EXPECT_FALSE(row[3].empty()) << "no description";
    EXPECT_LT(row[3].size(), 400u);
    EXPECT_FALSE(row[5].empty()) << "no source";
    ASSERT_FALSE(row[4].empty()) << "no example";
    EXPECT_NE(row[4].find(name), std::string::npos) << "the example does not use it";
    c.Query(row[4]);  // fails the test on an SQL error
  }
  // The private helpers stay out.
  EXPECT_TRUE(c.Query("SELECT name FROM llm_help WHERE name LIKE '\\_%' ESCAPE '\\'").empty());
}

}  // namespace
}  // namespace e2e
