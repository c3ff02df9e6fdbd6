// --from / --to / --nvtx-range / --trim on the hand-computed trace of
// numbers_test.cc (BuildBasicTrace; t0 = 1 s). Device 0 kernels (ns after
// t0): [0,10000) [20000,50000) [40000,60000) [100000,102000)
// [2000000,2004000); device 1: [1000000,1040000). NVTX "prefill" spans
// [-20000, 70000).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>

#include "e2e_util.h"
#include "fixture.h"

namespace e2e {
namespace {

using nlohmann::json;

class WindowFlags : public ::testing::Test {
 protected:
  void SetUp() override {
    trace_ = dir_ / "basic.sqlite";
    BuildBasicTrace(trace_);
  }
  json Report(const std::vector<std::string>& flags, const std::string& out) {
    std::vector<std::string> args = {trace_, "--out", dir_ / out};
    args.insert(args.end(), flags.begin(), flags.end());
    RunResult r = Render(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    md_ = ReadFile(dir_ / (out + "/report.md"));
    return json::parse(ReadFile(dir_ / (out + "/report.json")));
  }
  static json Idle(const json& rep, int device) {
    return FindRow(TableOf(rep, "gpu_idle", "gpu_idle"), {{"device_id", device}});
  }
  TempDir dir_;
  std::string trace_, md_;
};

// [t0+5000, t0+55000): kernels clipped to [5000,10000) [20000,50000)
// [40000,55000): busy 40000 of 50000 ns, 3 kernels; device 1 has none.
TEST_F(WindowFlags, FromToWithUnits) {
  json rep = Report({"--from", "1s5us", "--to", "1000.055ms"}, "out");
  json d0 = Idle(rep, 0);
  ASSERT_FALSE(d0.is_null());
  EXPECT_DOUBLE_EQ(d0["window_ms"].get<double>(), 0.05);
  EXPECT_DOUBLE_EQ(d0["busy_ms"].get<double>(), 0.04);
  EXPECT_EQ(d0["kernel_count"], 3);
  EXPECT_TRUE(Idle(rep, 1).is_null());
  EXPECT_EQ(rep["trace"]["info"]["window"], "[1000005000, 1000055000) ns");
  EXPECT_EQ(rep["trace"]["info"]["window_source"],
            "--from 1s5us --to 1000.055ms (trace timestamps)");
  EXPECT_NE(md_.find("**Time window**: every section reports on [1000005000, 1000055000) ns"),
            std::string::npos)
      << md_;
}

// The first "prefill" range [t0-20000, t0+70000): device 0's first three
// kernels, union [0,10000) + [20000,60000) = 50000 of 90000 ns.
TEST_F(WindowFlags, NvtxRange) {
  json rep = Report({"--nvtx-range", "prefill"}, "out");
  json d0 = Idle(rep, 0);
  ASSERT_FALSE(d0.is_null());
  EXPECT_DOUBLE_EQ(d0["window_ms"].get<double>(), 0.09);
  EXPECT_DOUBLE_EQ(d0["busy_ms"].get<double>(), 0.05);
  EXPECT_EQ(d0["kernel_count"], 3);
  EXPECT_EQ(rep["trace"]["info"]["window"], "[999980000, 1000070000) ns");
  EXPECT_NE(rep["trace"]["info"]["window_source"].get<std::string>().find(
                "--nvtx-range prefill: the only NVTX range of that name"),
            std::string::npos);
  // The default domain by name.
  json rep2 = Report({"--nvtx-range", "prefill@"}, "out2");
  EXPECT_EQ(rep2["trace"]["info"]["window"], "[999980000, 1000070000) ns");
}

// No CUDA graphs: no warm-up, so --trim keeps the kernel extent; device 0's
// numbers equal the unwindowed ones and the report says nothing was cut.
TEST_F(WindowFlags, TrimWithoutWarmup) {
  json whole = Report({}, "whole");
  json rep = Report({"--trim"}, "trim");
  EXPECT_EQ(Idle(rep, 0), Idle(whole, 0));
  EXPECT_EQ(rep["trace"]["info"]["window"], "[1000000000, 1002004000) ns");
  EXPECT_NE(rep["trace"]["info"]["window_source"].get<std::string>().find(
                "--trim: cut 0.000 ms of start-up before 1000000000 ns (no warm-up steps"),
            std::string::npos)
      << rep["trace"]["info"]["window_source"];
  EXPECT_EQ(whole["trace"]["info"]["window"], "whole trace");
}

// The committed example has CUDA-graph warm-up: --trim starts at the first
// kernel at or after the last warm-up step's end (read from the unwindowed
// report; the kernel from the raw table), ends at the last kernel's end, and
// leaves no warm-up step in the window.
TEST_F(WindowFlags, TrimDropsWarmup) {
  trace_ = NSYSEXPLAIN_EXAMPLE_TRACE;
  json whole = Report({}, "whole");
  const json& steps = TableOf(whole, "steps", "steps");
  int64_t warm_end = -1;
  int warm = 0;
  for (size_t r = 0; r < steps["rows"].size(); ++r) {
    json row = steps["rows"][r];
    json obj;
    for (size_t c = 0; c < steps["columns"].size(); ++c) obj[steps["columns"][c].get<std::string>()] = row[c];
    if (obj["warmup"] == 1) {
      ++warm;
      warm_end = std::max(warm_end, obj["end_ns"].get<int64_t>());
    }
  }
  ASSERT_GT(warm, 0) << "the example should have warm-up steps";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(trace_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto one = [&](const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
  };
  int64_t first = one("SELECT min(start) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE \"end\" > " +
                      std::to_string(warm_end));
  int64_t last = one("SELECT max(\"end\") FROM CUPTI_ACTIVITY_KIND_KERNEL");
  sqlite3_close(db);
  first = std::max(first, warm_end);  // a kernel crossing the warm-up end is clipped
  json rep = Report({"--trim"}, "trim");
  EXPECT_EQ(rep["trace"]["info"]["window"],
            "[" + std::to_string(first) + ", " + std::to_string(last) + ") ns");
  EXPECT_NE(rep["trace"]["info"]["window_source"].get<std::string>().find(
                std::to_string(warm) + " warm-up steps (CUDA graph capture/instantiation) "
                                       "ending at " + std::to_string(warm_end) + " ns"),
            std::string::npos)
      << rep["trace"]["info"]["window_source"];
  const json& tsteps = TableOf(rep, "steps", "steps");
  ASSERT_GT(tsteps["rows"].size(), 0u);
  size_t wcol = 0;
  while (tsteps["columns"][wcol] != "warmup") ++wcol;
  for (const json& row : tsteps["rows"]) EXPECT_EQ(row[wcol], 0) << row.dump();
}

TEST_F(WindowFlags, ExcludesEachOtherAndDiff) {
  EXPECT_EQ(Render({trace_, "--trim", "--from", "1s"}).exit_code, 64);
  EXPECT_EQ(Render({trace_, "--nvtx-range", "prefill", "--to", "1s"}).exit_code, 64);
  EXPECT_EQ(Render({"--diff", trace_, trace_, "--from", "1s"}).exit_code, 64);
}

}  // namespace
}  // namespace e2e
