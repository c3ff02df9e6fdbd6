// Exact numbers of a hand-computed trace, read back from report.json, plus
// the Markdown rounding of the same numbers. The trace (BuildBasicTrace):
//
//   device 0, pid 100          start..end (ns after t0)   dur
//     gemm_kernel  corr 1      0 .. 10000                 10000
//     gemm_kernel  corr 2      20000 .. 50000             30000
//     gemm_kernel  corr 3      40000 .. 60000             20000 (overlaps corr 2)
//     tiny_kernel  corr 4      100000 .. 102000           2000
//     tiny_kernel  corr 5      2000000 .. 2004000         4000
//   device 1, pid 200
//     gemm_kernel  corr 1      1000000 .. 1040000         40000
//
// total kernel time 106000 ns. Device 0: window 2004000, busy 56000 (union),
// idle 1948000 = 97.206 %, gaps 10000, 40000, 1898000. Launch storm: 6
// launches over 2004000 ns = 2994.012/s; sorted durations 2,4,10,20,30,40 us:
// p50 15, p90 35, p99 39.5; < 5 us 2/6, < 10 us 2/6, < 20 us 3/6.
// Sync: stream sync 0.5 + 0.3 ms (the eventClass-67 copy is ignored), device
// sync 0.2 ms, event query 0.001 ms. NVTX: "prefill" encloses the launches of
// corr 1-3 (60000 ns), "decode_step" that of corr 4 (2000 ns): coverage
// 62000 / 106000 = 58.491 %; pid 100 93.939 %, pid 200 0 %.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "e2e_util.h"
#include "fixture.h"

namespace e2e {
namespace {

using nlohmann::json;

class BasicTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    trace_ = dir_ / "basic.sqlite";
    BuildBasicTrace(trace_);
    before_ = ReadFile(trace_);
    listing_ = ListDir(dir_.path());
    res_ = Render({trace_, "--out", dir_ / "out"});
    ASSERT_EQ(res_.exit_code, 0) << res_.err;
    report_ = json::parse(ReadFile(dir_ / "out/report.json"));
    md_ = ReadFile(dir_ / "out/report.md");
  }
  double Num(const std::string& section, const std::string& table,
             const std::vector<std::pair<std::string, json>>& match, const std::string& col) {
    json row = FindRow(TableOf(report_, section, table), match);
    EXPECT_FALSE(row.is_null()) << table << " has no row " << json(match).dump();
    if (row.is_null() || !row[col].is_number()) {
      ADD_FAILURE() << table << "." << col << " is not a number: " << row.dump();
      return -1;
    }
    return row[col].get<double>();
  }

  TempDir dir_;
  std::string trace_, before_, md_;
  std::vector<std::string> listing_;
  RunResult res_;
  json report_;
};

constexpr double kEps = 1e-9;

TEST_F(BasicTrace, WritesAllOutputsAndLeavesTraceUntouched) {
  EXPECT_TRUE(Exists(dir_ / "out/report.md"));
  EXPECT_TRUE(Exists(dir_ / "out/report.json"));
  for (const char* t : {"kernels", "pids", "kernels_by_pid", "launch_storm",
                        "launch_storm_by_pid", "tiny_kernels", "sync", "sync_by_pid",
                        "api_calls", "gpu_idle", "gpu_idle_gaps", "nvtx_ranges",
                        "phases", "nvtx_kernel_time", "nvtx_coverage", "nvtx_by_pid",
                        "warnings", "findings", "trace_info"})
    EXPECT_TRUE(Exists(dir_ / ("out/tables/" + std::string(t) + ".csv"))) << t;
  EXPECT_EQ(ReadFile(trace_), before_) << "the trace file was modified";
  std::vector<std::string> after = ListDir(dir_.path());
  after.erase(std::remove(after.begin(), after.end(), "out"), after.end());
  EXPECT_EQ(after, listing_) << "journal/WAL/temp files left next to the trace";
  EXPECT_TRUE(res_.err.empty()) << res_.err;
}

TEST_F(BasicTrace, JsonEnvelope) {
  EXPECT_EQ(report_["schema_version"], 1);
  EXPECT_EQ(report_["tool"]["name"], "nsys-explain-render");
  EXPECT_FALSE(report_["tool"]["version"].get<std::string>().empty());
  EXPECT_EQ(report_["trace"]["path"], trace_);
  EXPECT_EQ(report_["trace"]["info"]["kernel_table"], "CUPTI_ACTIVITY_KIND_KERNEL");
  EXPECT_EQ(report_["settings"]["top_n"], 30);
  EXPECT_NEAR(report_["settings"]["nvtx_coverage_warn_threshold"].get<double>(), 0.7, kEps);
  EXPECT_EQ(report_["settings"]["nvtx_kernel_map"], true);
  EXPECT_EQ(report_["settings"]["phase_map_source"], "default");
  EXPECT_EQ(report_["settings"]["kernel_categories_source"], "default");
  std::vector<std::string> ids;
  for (const auto& s : report_["sections"]) ids.push_back(s["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "warnings", "findings", "top_kernels", "kernel_categories",
                     "pids", "kernels_by_pid",
                     "launch_storm_by_pid", "sync_by_pid", "launch_storm", "sync",
                     "gpu_idle", "nvtx_ranges", "nvtx_kernel_time", "nvtx_by_pid",
                     "kernel_tails", "launch_latency", "gpu_timeline", "steps", "cuda_graphs",
                     "memory", "cuda_api", "gpu_busy", "idle_causes", "nccl",
                     "derivation"}));
  // The basic trace has no CUDA graphs, memory tables or NCCL kernels; every
  // other section is available.
  const std::map<std::string, std::string> unavailable = {
      {"cuda_graphs", "no cudaGraphLaunch calls"},
      {"memory", "no CUPTI_ACTIVITY_KIND_MEMCPY or CUPTI_ACTIVITY_KIND_MEMSET table"},
      {"nccl", "no NCCL kernels"}};
  for (const auto& s : report_["sections"]) {
    auto u = unavailable.find(s["id"].get<std::string>());
    if (u != unavailable.end()) {
      EXPECT_FALSE(s["available"]) << s["id"];
      EXPECT_NE(s["reason"].get<std::string>().find(u->second), std::string::npos) << s["id"];
    } else {
      EXPECT_TRUE(s["available"]) << s["id"];
    }
  }
}

TEST_F(BasicTrace, KernelTotals) {
  const std::string sec = "top_kernels", t = "kernels";
  EXPECT_NEAR(Num(sec, t, {{"kernel_name", "gemm_kernel"}, {"device_id", 0}}, "total_ms"), 0.06, kEps);
  EXPECT_EQ(Num(sec, t, {{"kernel_name", "gemm_kernel"}, {"device_id", 0}}, "calls"), 3);
  EXPECT_NEAR(Num(sec, t, {{"kernel_name", "gemm_kernel"}, {"device_id", 0}}, "avg_us"), 20, kEps);
  EXPECT_NEAR(Num(sec, t, {{"kernel_name", "gemm_kernel"}, {"device_id", 0}}, "p50_us"), 20, kEps);
  EXPECT_NEAR(Num(sec, t, {{"kernel_name", "gemm_kernel"}, {"device_id", 0}}, "p90_us"), 28, kEps);
  EXPECT_NEAR(Num(sec, t, {{"kernel_name", "gemm_kernel"}, {"device_id", 0}}, "pct_kernel_time"), 56.604, kEps);
  EXPECT_NEAR(Num(sec, t, {{"kernel_name", "gemm_kernel"}, {"device_id", 1}}, "total_ms"), 0.04, kEps);
  EXPECT_EQ(Num(sec, t, {{"kernel_name", "gemm_kernel"}, {"device_id", 1}}, "calls"), 1);
  EXPECT_NEAR(Num(sec, t, {{"kernel_name", "tiny_kernel"}, {"device_id", 0}}, "total_ms"), 0.006, kEps);
  EXPECT_NEAR(Num(sec, t, {{"kernel_name", "tiny_kernel"}, {"device_id", 0}}, "p50_us"), 3, kEps);
  // Ordered by total time.
  const json& rows = TableOf(report_, sec, t)["rows"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0], "gemm_kernel");
  EXPECT_EQ(rows[2][0], "tiny_kernel");
  // Markdown rounds: ms 3, us 2, pct 1 decimals.
  EXPECT_NE(md_.find("| gemm_kernel | gemm | 0 | 0.060 | 3 | 20.00 | 20.00 | 28.00 | 56.6 |"),
            std::string::npos) << md_;
}

TEST_F(BasicTrace, Pids) {
  EXPECT_NEAR(Num("pids", "pids", {{"pid", 100}}, "total_kernel_time_ms"), 0.066, kEps);
  EXPECT_EQ(Num("pids", "pids", {{"pid", 100}}, "kernel_count"), 5);
  EXPECT_NEAR(Num("pids", "pids", {{"pid", 100}}, "pct_of_total_kernel_time"), 62.264, kEps);
  EXPECT_NEAR(Num("pids", "pids", {{"pid", 200}}, "total_kernel_time_ms"), 0.04, kEps);
  EXPECT_NE(md_.find("### PID `100`"), std::string::npos);
  EXPECT_NE(md_.find("- PID kernel time: `0.066 ms`"), std::string::npos);
  EXPECT_NE(md_.find("### PID `200`"), std::string::npos);
}

TEST_F(BasicTrace, LaunchStorm) {
  const std::string s = "launch_storm", t = "launch_storm";
  EXPECT_EQ(Num(s, t, {}, "total_launches"), 6);
  EXPECT_NEAR(Num(s, t, {}, "window_s"), 0.002004, kEps);
  EXPECT_NEAR(Num(s, t, {}, "launches_per_s"), 2994.012, kEps);
  EXPECT_NEAR(Num(s, t, {}, "p50_kernel_us"), 15, kEps);
  EXPECT_NEAR(Num(s, t, {}, "p90_kernel_us"), 35, kEps);
  EXPECT_NEAR(Num(s, t, {}, "p99_kernel_us"), 39.5, kEps);
  EXPECT_NEAR(Num(s, t, {}, "pct_under_5us"), 33.333, kEps);
  EXPECT_NEAR(Num(s, t, {}, "pct_under_10us"), 33.333, kEps);
  EXPECT_NEAR(Num(s, t, {}, "pct_under_20us"), 50, kEps);
  EXPECT_EQ(Num(s, t, {}, "launch_storm"), 0);
  EXPECT_EQ(Num(s, "tiny_kernels", {{"kernel_name", "tiny_kernel"}}, "call_count"), 2);
  EXPECT_NEAR(Num(s, "tiny_kernels", {{"kernel_name", "tiny_kernel"}}, "avg_duration_us"), 3, kEps);
  EXPECT_NE(md_.find("- launches: `6` over `0.002s` = `2994.0/s`"), std::string::npos) << md_;
  EXPECT_NE(md_.find("- duration p50/p90/p99 (us): `15.00` / `35.00` / `39.50`"),
            std::string::npos);
  EXPECT_NE(md_.find("- % kernels under 5/10/20 us: `33.3%` / `33.3%` / `50.0%`"),
            std::string::npos);
  EXPECT_NE(md_.find("- launch_storm = `false`"), std::string::npos);
  EXPECT_EQ(Num("launch_storm_by_pid", "launch_storm_by_pid", {{"pid", 100}}, "total_launches"), 5);
}

TEST_F(BasicTrace, GpuBusyIdle) {
  const std::string s = "gpu_idle", t = "gpu_idle";
  EXPECT_NEAR(Num(s, t, {{"device_id", 0}}, "window_ms"), 2.004, kEps);
  EXPECT_NEAR(Num(s, t, {{"device_id", 0}}, "busy_ms"), 0.056, kEps);
  EXPECT_NEAR(Num(s, t, {{"device_id", 0}}, "idle_ms"), 1.948, kEps);
  EXPECT_NEAR(Num(s, t, {{"device_id", 0}}, "idle_pct_of_window"), 97.206, kEps);
  EXPECT_EQ(Num(s, t, {{"device_id", 0}}, "gap_count"), 3);
  EXPECT_NEAR(Num(s, t, {{"device_id", 0}}, "largest_gap_ms"), 1.898, kEps);
  EXPECT_NEAR(Num(s, t, {{"device_id", 1}}, "busy_ms"), 0.04, kEps);
  EXPECT_NEAR(Num(s, t, {{"device_id", 1}}, "idle_ms"), 0, kEps);
  const json& gaps = TableOf(report_, s, "gpu_idle_gaps");
  ASSERT_EQ(gaps["rows"].size(), 3u);
  json first = FindRow(gaps, {{"gap_start_ns", 1'000'102'000}});
  ASSERT_FALSE(first.is_null());
  EXPECT_EQ(first["gap_end_ns"], 1'002'000'000);
  EXPECT_NEAR(first["gap_ms"].get<double>(), 1.898, kEps);
  EXPECT_EQ(gaps["rows"][0][1], 1'000'102'000) << "largest gap first";
}

TEST_F(BasicTrace, SyncTotals) {
  const std::string s = "sync", t = "sync";
  EXPECT_EQ(Num(s, t, {{"api_name", "cudaStreamSynchronize_v3020"}}, "call_count"), 2);
  EXPECT_NEAR(Num(s, t, {{"api_name", "cudaStreamSynchronize_v3020"}}, "total_time_ms"), 0.8, kEps);
  EXPECT_NEAR(Num(s, t, {{"api_name", "cudaStreamSynchronize_v3020"}}, "avg_duration_us"), 400, kEps);
  EXPECT_NEAR(Num(s, t, {{"api_name", "cudaDeviceSynchronize_v3020"}}, "total_time_ms"), 0.2, kEps);
  EXPECT_NEAR(Num(s, t, {{"api_name", "cudaEventQuery_v3020"}}, "total_time_ms"), 0.001, kEps);
  json q = FindRow(TableOf(report_, s, t), {{"api_name", "cudaEventQuery_v3020"}});
  EXPECT_EQ(q["kind"], "poll");
  EXPECT_NEAR(Num("sync_by_pid", "sync_by_pid",
                  {{"pid", 100}, {"api_name", "cudaStreamSynchronize_v3020"}}, "total_time_ms"),
              0.8, kEps);
  EXPECT_NEAR(Num("sync_by_pid", "sync_by_pid",
                  {{"pid", 200}, {"api_name", "cudaDeviceSynchronize_v3020"}}, "total_time_ms"),
              0.2, kEps);
  // Findings: host-blocking total 1.0 ms over 3 calls.
  bool found = false;
  for (const auto& f : report_["findings"]) {
    if (f["rule"] != "host_sync") continue;
    found = true;
    EXPECT_EQ(f["severity"], "medium");
    ASSERT_EQ(f["evidence"].size(), 2u);
    EXPECT_NE(f["evidence"][0].get<std::string>().find("total 0.80 ms across 2 calls"),
              std::string::npos);
    EXPECT_NE(f["evidence"][1].get<std::string>().find("total 1.00 ms over 3 calls"),
              std::string::npos);
    EXPECT_GE(f["recommendation"].size(), 2u);
  }
  EXPECT_TRUE(found);
}

TEST_F(BasicTrace, NvtxRangesAndCoverage) {
  EXPECT_EQ(Num("nvtx_ranges", "nvtx_ranges", {{"range_name", "prefill"}}, "count"), 1);
  EXPECT_NEAR(Num("nvtx_ranges", "nvtx_ranges", {{"range_name", "prefill"}}, "total_time_ms"), 0.09, kEps);
  EXPECT_NEAR(Num("nvtx_ranges", "nvtx_ranges", {{"range_name", "decode_step"}}, "total_time_ms"), 0.015, kEps);
  EXPECT_EQ(Num("nvtx_ranges", "nvtx_ranges", {{"range_name", "open_range"}}, "open_count"), 1);
  EXPECT_TRUE(FindRow(TableOf(report_, "nvtx_ranges", "nvtx_ranges"),
                      {{"range_name", "a_mark"}}).is_null());

  const std::string s = "nvtx_kernel_time";
  EXPECT_NEAR(Num(s, "nvtx_coverage", {{"pid", nullptr}}, "total_kernel_time_ms"), 0.106, kEps);
  EXPECT_NEAR(Num(s, "nvtx_coverage", {{"pid", nullptr}}, "attributed_kernel_time_ms"), 0.062, kEps);
  EXPECT_NEAR(Num(s, "nvtx_coverage", {{"pid", nullptr}}, "coverage_pct"), 58.491, kEps);
  EXPECT_EQ(Num(s, "nvtx_coverage", {{"pid", nullptr}}, "attributed_kernel_count"), 4);
  EXPECT_EQ(Num(s, "nvtx_coverage", {{"pid", nullptr}}, "launched_kernel_count"), 6);
  EXPECT_NEAR(Num(s, "nvtx_coverage", {{"pid", 100}}, "coverage_pct"), 93.939, kEps);
  EXPECT_NEAR(Num(s, "nvtx_coverage", {{"pid", 200}}, "coverage_pct"), 0, kEps);
  EXPECT_EQ(Num(s, "nvtx_kernel_time", {{"range_name", "prefill"}}, "kernel_count"), 3);
  EXPECT_NEAR(Num(s, "nvtx_kernel_time", {{"range_name", "prefill"}}, "total_kernel_time_ms"), 0.06, kEps);
  EXPECT_NEAR(Num(s, "nvtx_kernel_time", {{"range_name", "decode_step"}}, "total_kernel_time_ms"), 0.002, kEps);
  EXPECT_NE(md_.find("Coverage: `58.5%` (attributed kernel time / total kernel time) = "
                     "`0.062 ms / 0.106 ms` across `4` kernels."),
            std::string::npos) << md_;

  // Default phase map: prefill <- "prefill", decode <- "decode".
  EXPECT_NEAR(Num("nvtx_ranges", "phases", {{"phase", "prefill"}}, "kernel_time_ms"), 0.06, kEps);
  EXPECT_NEAR(Num("nvtx_ranges", "phases", {{"phase", "prefill"}}, "pct_of_total_kernel_time"), 56.604, kEps);
  EXPECT_NEAR(Num("nvtx_ranges", "phases", {{"phase", "decode"}}, "kernel_time_ms"), 0.002, kEps);
  EXPECT_NEAR(Num("nvtx_ranges", "phases", {{"phase", "decode"}}, "nvtx_wall_time_ms"), 0.015, kEps);
}

TEST_F(BasicTrace, WarningsAndFindings) {
  std::set<std::string> codes;
  for (const auto& w : report_["warnings"]) codes.insert(w["code"].get<std::string>());
  EXPECT_TRUE(codes.count("nvtx_coverage_low")) << report_["warnings"].dump(1);
  EXPECT_TRUE(codes.count("nvtx_coverage_low_pid"));
  EXPECT_TRUE(codes.count("runtime_rows_skipped"));
  EXPECT_TRUE(codes.count("nvtx_open_ranges"));
  std::set<std::string> rules;
  for (const auto& f : report_["findings"]) rules.insert(f["rule"].get<std::string>());
  EXPECT_TRUE(rules.count("gpu_idle"));
  EXPECT_TRUE(rules.count("dominant_kernel"));
  EXPECT_NE(md_.find("- **[high] Significant GPU idle gaps**"), std::string::npos) << md_;
  EXPECT_NE(md_.find("  - **Evidence**:\n    - GPU 0 idle 97.2%"), std::string::npos);
  EXPECT_NE(md_.find("  - **Recommendation**:\n    - "), std::string::npos);
}

TEST_F(BasicTrace, MarkdownSectionsInOrderWithProvenance) {
  EXPECT_EQ(md_.rfind("# Nsight Systems LLM Hotspot Report\n", 0), 0u);
  EXPECT_NE(md_.find("- Generated at (UTC): `"), std::string::npos);
  EXPECT_NE(md_.find("- Trace: `" + trace_ + "`"), std::string::npos);
  EXPECT_NE(md_.find("- Tool: `nsys-explain-render "), std::string::npos);
  size_t pos = 0;
  for (const auto& s : report_["sections"]) {
    std::string heading = "\n## " + s["title"].get<std::string>();
    // Titles may contain '<' (escaped as &lt; in Markdown).
    std::string esc;
    for (char c : heading) esc += c == '<' ? std::string("&lt;") : std::string(1, c);
    size_t at = md_.find(esc + "\n", pos);
    ASSERT_NE(at, std::string::npos) << "missing or out of order: " << heading;
    pos = at + 1;
    size_t next = md_.find("\n## ", pos);
    std::string body = md_.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    EXPECT_NE(body.find("- **Derived from**: "), std::string::npos) << heading;
    EXPECT_NE(body.find("- **Limitations**: "), std::string::npos) << heading;
  }
  EXPECT_TRUE(MarkdownTablesWellFormed(md_));
  EXPECT_NE(md_.find("- **Timestamp sanity check**: `timestamp_unit_guess=ns_likely`"),
            std::string::npos);
  EXPECT_NE(md_.find("`runtime_skipped_rows=1`"), std::string::npos);
}

TEST_F(BasicTrace, CsvHoldsViewPrecision) {
  bool ok = false;
  auto rows = ParseCsv(ReadFile(dir_ / "out/tables/kernels.csv"), &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(rows.size(), 4u);  // header + 3
  EXPECT_EQ(rows[0][0], "kernel_name");
  EXPECT_EQ(rows[1][0], "gemm_kernel");
  EXPECT_EQ(rows[0][1], "kernel");
  EXPECT_EQ(rows[1][1], "gemm_kernel");
  EXPECT_EQ(rows[1][3], "0.06");
  EXPECT_EQ(rows[1][8], "56.604");
  auto gaps = ParseCsv(ReadFile(dir_ / "out/tables/gpu_idle.csv"), &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(gaps.size(), 3u);
  EXPECT_EQ(gaps[2].back(), "") << "NULL largest_gap_ms on device 1 is an empty field";
}

TEST(Stdout, MarkdownOnStdoutWithoutOut) {
  TempDir dir;
  BuildBasicTrace(dir / "t.sqlite");
  auto before = ListDir(dir.path());
  RunResult r = Render({dir / "t.sqlite"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("# Nsight Systems LLM Hotspot Report\n", 0), 0u);
  EXPECT_TRUE(r.err.empty());
  EXPECT_EQ(ListDir(dir.path()), before) << "nothing written without --out";
}

}  // namespace
}  // namespace e2e
