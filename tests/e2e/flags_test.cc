// Command-line flags: --phase-map (and its alias), --no-nvtx-kernel-map,
// --nvtx-coverage-warn-threshold, --top, --version, --help, usage errors,
// and trace paths that need URI escaping.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "e2e_util.h"
#include "fixture.h"

namespace e2e {
namespace {

using nlohmann::json;

std::set<std::string> WarningCodes(const json& rep) {
  std::set<std::string> codes;
  for (const auto& w : rep["warnings"]) codes.insert(w["code"].get<std::string>());
  return codes;
}

class Flags : public ::testing::Test {
 protected:
  void SetUp() override {
    trace_ = dir_ / "t.sqlite";
    BuildBasicTrace(trace_);
  }
  json RenderJson(std::vector<std::string> extra) {
    std::string out = dir_ / ("out" + std::to_string(++runs_));
    std::vector<std::string> args = {trace_, "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = Render(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    md_ = ReadFile(out + "/report.md");
    return json::parse(ReadFile(out + "/report.json"));
  }
  TempDir dir_;
  std::string trace_, md_;
  int runs_ = 0;
};

TEST_F(Flags, PhaseMapReplacesDefaultsInOrder) {
  WriteFile(dir_ / "phases.json",
            R"({"warm": ["DECODE_STEP"], "pre": ["fill", "prompt"]})");
  for (const char* flag : {"--phase-map", "--phases-json"}) {
    json rep = RenderJson({flag, dir_ / "phases.json"});
    EXPECT_EQ(rep["settings"]["phase_map_source"], dir_ / "phases.json");
    json expected = json::array({{{"phase", "warm"}, {"pattern", "DECODE_STEP"}},
                                 {{"phase", "pre"}, {"pattern", "fill"}},
                                 {{"phase", "pre"}, {"pattern", "prompt"}}});
    EXPECT_EQ(rep["settings"]["phase_map"], expected);
    const json& ph = TableOf(rep, "nvtx_ranges", "phases");
    ASSERT_EQ(ph["rows"].size(), 2u) << ph.dump();
    json pre = FindRow(ph, {{"phase", "pre"}});
    ASSERT_FALSE(pre.is_null());
    EXPECT_NEAR(pre["kernel_time_ms"].get<double>(), 0.06, 1e-9);
    json warm = FindRow(ph, {{"phase", "warm"}});
    ASSERT_FALSE(warm.is_null());
    EXPECT_NEAR(warm["kernel_time_ms"].get<double>(), 0.002, 1e-9);
    EXPECT_TRUE(FindRow(ph, {{"phase", "prefill"}}).is_null()) << "defaults replaced";
  }
}

TEST_F(Flags, PhaseMapWithoutMatchSaysSo) {
  WriteFile(dir_ / "phases.json", R"({"decode": ["no-such-range"]})");
  json rep = RenderJson({"--phase-map", dir_ / "phases.json"});
  EXPECT_TRUE(TableOf(rep, "nvtx_ranges", "phases")["rows"].empty());
  EXPECT_NE(md_.find("no NVTX range name matched the phase map"), std::string::npos) << md_;
}

// --categories: rules before the defaults; !no-defaults drops the defaults.
TEST_F(Flags, CategoriesFileGoesBeforeTheDefaults) {
  auto cats = [](const json& rep) {
    std::map<std::string, std::string> m;
    const json& t = TableOf(rep, "top_kernels", "kernels");
    size_t name = 0, cat = 0;
    for (size_t i = 0; i < t["columns"].size(); ++i) {
      if (t["columns"][i] == "kernel_name") name = i;
      if (t["columns"][i] == "category") cat = i;
    }
    EXPECT_GT(cat, name);
    for (const auto& r : t["rows"]) m[r[name].get<std::string>()] = r[cat].get<std::string>();
    return m;
  };
  json rep = RenderJson({});
  EXPECT_EQ(rep["settings"]["kernel_categories_source"], "default");
  EXPECT_EQ(cats(rep), (std::map<std::string, std::string>{{"gemm_kernel", "gemm"},
                                                           {"tiny_kernel", "other"}}));
  WriteFile(dir_ / "cats.txt", "# my kernels\n\n  mine\tTINY_+kernel  \r\ngemm x\n");
  rep = RenderJson({"--categories", dir_ / "cats.txt"});
  EXPECT_EQ(rep["settings"]["kernel_categories_source"], dir_ / "cats.txt");
  EXPECT_EQ(cats(rep), (std::map<std::string, std::string>{{"gemm_kernel", "gemm"},
                                                           {"tiny_kernel", "mine"}}));
  const json& kc = TableOf(rep, "kernel_categories", "kernel_categories");
  EXPECT_FALSE(FindRow(kc, {{"category", "mine"}}).is_null()) << kc.dump();
  EXPECT_NE(md_.find("## Time by kernel category"), std::string::npos);
  WriteFile(dir_ / "only.txt", "!no-defaults\nx gemm_+kernel\n");
  rep = RenderJson({"--categories", dir_ / "only.txt"});
  EXPECT_EQ(rep["settings"]["kernel_categories_source"], dir_ / "only.txt" + " (no defaults)");
  EXPECT_EQ(cats(rep), (std::map<std::string, std::string>{{"gemm_kernel", "x"},
                                                           {"tiny_kernel", "other"}}));
}

TEST_F(Flags, NoNvtxKernelMapDisablesAttributionSections) {
  json rep = RenderJson({"--no-nvtx-kernel-map"});
  const json& s = Section(rep, "nvtx_kernel_time");
  EXPECT_EQ(s["available"], false);
  EXPECT_EQ(s["reason"], "disabled by --no-nvtx-kernel-map");
  EXPECT_TRUE(s["tables"]["nvtx_kernel_time"]["rows"].empty());
  EXPECT_FALSE(s["tables"]["nvtx_kernel_time"]["columns"].empty());
  EXPECT_EQ(rep["settings"]["nvtx_kernel_map"], false);
  EXPECT_NE(md_.find("_Not available: disabled by --no-nvtx-kernel-map._"), std::string::npos);
  EXPECT_NE(md_.find("disabled by `--no-nvtx-kernel-map`"), std::string::npos) << md_;
  EXPECT_EQ(WarningCodes(rep).count("nvtx_coverage_low"), 0u);
  // NVTX per PID still shows host wall time.
  const json& byp = TableOf(rep, "nvtx_by_pid", "nvtx_by_pid");
  json prefill = FindRow(byp, {{"pid", 100}, {"range_name", "prefill"}});
  ASSERT_FALSE(prefill.is_null()) << byp.dump();
  EXPECT_NEAR(prefill["total_time_ms"].get<double>(), 0.09, 1e-9);
  EXPECT_EQ(md_.find("Coverage: `"), std::string::npos);
}

TEST_F(Flags, CoverageThreshold) {
  EXPECT_TRUE(WarningCodes(RenderJson({})).count("nvtx_coverage_low"));  // 58.5% < 70%
  json rep = RenderJson({"--nvtx-coverage-warn-threshold", "0.5"});
  EXPECT_NEAR(rep["settings"]["nvtx_coverage_warn_threshold"].get<double>(), 0.5, 1e-12);
  EXPECT_EQ(WarningCodes(rep).count("nvtx_coverage_low"), 0u);
  rep = RenderJson({"--nvtx-coverage-warn-threshold", "0.6"});
  EXPECT_TRUE(WarningCodes(rep).count("nvtx_coverage_low"));
}

TEST_F(Flags, TopLimitsMarkdownButNotCsv) {
  std::string trace = dir_ / "many.sqlite";
  {
    NsysFixture f(trace);
    for (int i = 0; i < 40; ++i)
      f.Kernel(1'000'000'000 + i * 100'000, 1'000'000'000 + i * 100'000 + (i + 1) * 1000, 0,
               i, 7, "kernel_" + std::to_string(i));
  }
  RunResult r = Render({trace, "--top", "5", "--out", dir_ / "o"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string md = ReadFile(dir_ / "o/report.md");
  size_t h = md.find("| kernel | category | device_id | total_ms |");
  ASSERT_NE(h, std::string::npos);
  size_t rows = 0;
  for (size_t at = md.find('\n', h) + 1; at < md.size() && md[at] == '|';
       at = md.find('\n', at) + 1)
    ++rows;
  EXPECT_EQ(rows, 1u + 5u) << "separator + 5 rows";
  EXPECT_NE(md.find("_Showing 5 of 40 rows; all rows in `tables/kernels.csv`._"),
            std::string::npos);
  bool ok = false;
  EXPECT_EQ(ParseCsv(ReadFile(dir_ / "o/tables/kernels.csv"), &ok).size(), 41u);
  json rep = json::parse(ReadFile(dir_ / "o/report.json"));
  EXPECT_EQ(rep["settings"]["top_n"], 5);
  EXPECT_EQ(TableOf(rep, "top_kernels", "kernels")["rows"].size(), 40u);
}

TEST_F(Flags, TracePathsNeedingUriEscapes) {
  for (std::string name : {"a%20b.sqlite", "q?mode=rw.sqlite", "h#frag.sqlite",
                           "sp ace.sqlite", "pct%.sqlite"}) {
    std::string path = dir_ / name;
    BuildBasicTrace(path);
    std::string before = ReadFile(path);
    RunResult r = Render({path});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_NE(r.out.find("| gemm_kernel | gemm | 0 | 0.060 |"), std::string::npos) << name;
    EXPECT_EQ(ReadFile(path), before);
  }
  // Relative path and a path starting with "//".
  RunResult r = Render({"t.sqlite"}, dir_.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Render({"/" + trace_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Cli, VersionAndHelp) {
  RunResult r = Render({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("nsys-explain-render ", 0), 0u) << r.out;
  EXPECT_EQ(LineCount(r.out), 1u);
  r = Render({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--out", "--phase-map", "--phases-json", "--top", "--force",
                           "--no-nvtx-kernel-map", "--nvtx-coverage-warn-threshold",
                           "--version", "Exit codes"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

TEST(Cli, UsageErrorsExit64WithOneLine) {
  TempDir dir;
  BuildBasicTrace(dir / "t.sqlite");
  const std::string t = dir / "t.sqlite";
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"--bogus", t},
      {t, "--top", "0"},
      {t, "--top", "100001"},
      {t, "--top", "ten"},
      {t, "--nvtx-coverage-warn-threshold", "1.5"},
      {t, "--nvtx-coverage-warn-threshold", "-0.1"},
      {t, "--nvtx-coverage-warn-threshold", "nan"},
      {t, "--out"},
      {t, "--out", ""},
      {t, t},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& a : args) joined += "[" + a + "] ";
    RunResult r = Render(args, dir.path());
    EXPECT_EQ(r.exit_code, 64) << joined << r.err;
    EXPECT_EQ(LineCount(r.err), 1u) << joined << r.err;
    EXPECT_EQ(r.err.rfind("nsys-explain-render: ", 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty()) << joined;
  }
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"t.sqlite"});
}

}  // namespace
}  // namespace e2e
