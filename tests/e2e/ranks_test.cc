// nsys-explain-render on several traces (one per rank) and --merge of their
// report.json files, on generated rank sets whose answers are known: ranks
// made with one seed are identical, --time-offset shifts one rank's clock by
// a known amount, --kernel-scale slows its kernels by a known factor (the
// truth file has its kernel totals). The collective wait is checked against
// a brute-force reference read straight from the traces' kernel rows.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e_util.h"
#include "jobs.h"

namespace e2e {
namespace {

using nlohmann::json;

// collective -> the start times (ns) of its kernels in start order, read from
// the trace's kernel table (NCCL kernels by name).
std::map<std::string, std::vector<int64_t>> NcclStarts(const std::string& trace) {
  std::map<std::string, std::vector<int64_t>> out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(("file:" + trace + "?immutable=1").c_str(), &db,
                            SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr),
            SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db,
                               "SELECT k.start, s.value FROM CUPTI_ACTIVITY_KIND_KERNEL k "
                               "JOIN StringIds s ON s.id = k.demangledName "
                               "WHERE s.value LIKE '%nccl%' ORDER BY k.start",
                               -1, &st, nullptr),
            SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    const std::string c = name.find("AllReduce") != std::string::npos   ? "AllReduce"
                          : name.find("AllGather") != std::string::npos ? "AllGather"
                                                                        : "Other";
    out[c].push_back(sqlite3_column_int64(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

int64_t TruthKernelNs(const std::string& trace) {
  const json truth = json::parse(ReadFile(trace + ".truth.json"));
  int64_t ns = 0;
  for (const auto& r : truth["kernels_by_name_device"]) ns += r["total_ns"].get<int64_t>();
  EXPECT_EQ(ns, truth["kernel_time_ns_total"].get<int64_t>());
  return ns;
}

class Ranks : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("SOURCE_DATE_EPOCH", "1780000000", 1); }
  void TearDown() override { ::unsetenv("SOURCE_DATE_EPOCH"); }

  std::string Synth(const std::string& name, std::vector<std::string> extra) {
    const std::string out = dir_ / (name + ".sqlite");
    std::filesystem::create_directories(std::filesystem::path(out).parent_path());
    std::vector<std::string> args = {"--kernels",   "6000", "--seed",  "3",     "--layers", "4",
                                     "--processes", "1",    "--quiet", "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = RunProgram(NSYS_EXPLAIN_SYNTH, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }
  static size_t Col(const json& t, const std::string& c) {
    const auto& cols = t["columns"];
    for (size_t i = 0; i < cols.size(); ++i)
      if (cols[i] == c) return i;
    ADD_FAILURE() << "no column " << c;
    return 0;
  }
  // The row of `t` whose column `key` is `value`.
  static json Row(const json& t, const std::string& key, const std::string& value) {
    for (const auto& r : t["rows"])
      if (r[Col(t, key)] == value) return r;
    ADD_FAILURE() << "no row " << key << " = " << value;
    return json::array();
  }
  static double Num(const json& t, const json& row, const std::string& c) {
    const json& v = row.at(Col(t, c));
    return v.is_null() ? NAN : v.get<double>();
  }
  static void ExpectFatal(const RunResult& r, const std::string& subject) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("nsys-explain-render: " + subject + ": ", 0), 0u) << r.err;
  }
  TempDir dir_;
};

TEST_F(Ranks, FindsExactlyTheStragglerAndItsCollectiveWait) {
  const std::string r0 = Synth("r0", {}), r1 = Synth("r1", {}), r3 = Synth("r3", {});
  const std::string r2 = Synth("r2", {"--kernel-scale", "gemm=1.5", "--time-offset", "2000000"});
  // Argument order says nothing: the rank names come from the traces.
  RunResult r = Render({r3, r2, r0, r1, "--out", dir_ / "out", "--quiet", "--jobs", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json d = json::parse(ReadFile(dir_ / "out/report.json"));
  EXPECT_EQ(d["kind"], "ranks");
  EXPECT_TRUE(d["clocks_comparable"].get<bool>());
  const json& ranks = d["tables"]["ranks"];
  ASSERT_EQ(ranks["rows"].size(), 4u);
  const std::string pid = ranks["rows"][0][Col(ranks, "pid")].dump();
  std::vector<std::string> names;
  for (const auto& row : ranks["rows"]) {
    const std::string name = row[0];
    names.push_back(name);
    EXPECT_EQ(row[Col(ranks, "straggler")], name.rfind("r2:", 0) == 0 ? 1 : 0) << name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"r0:pid" + pid + ":gpu0", "r1:pid" + pid + ":gpu0",
                                             "r2:pid" + pid + ":gpu0", "r3:pid" + pid + ":gpu0"}));
  const std::string slow = names[2];
  // Kernel time above the median rank by what the generator's truth says.
  const double want = 100.0 * (double(TruthKernelNs(r2)) / double(TruthKernelNs(r0)) - 1);
  EXPECT_GT(want, 10);
  EXPECT_NEAR(Num(ranks, Row(ranks, "rank", slow), "kernel_time_vs_median_pct"), want, 0.1);
  EXPECT_EQ(Num(ranks, Row(ranks, "rank", names[0]), "kernel_time_vs_median_pct"), 0);
  // Per-rank step time is the rank report's llm_step_summary.
  json rank2 = json::parse(ReadFile(dir_ / "out/ranks/r2/report.json"));
  for (const auto& s : rank2["sections"])
    if (s["id"] == "steps") {
      const json& ss = s["tables"]["step_summary"];
      EXPECT_EQ(Num(ss, Row(ss, "phase", "decode"), "step_p50_us"),
                Num(ranks, Row(ranks, "rank", slow), "decode_p50_us"));
      EXPECT_EQ(Num(ss, Row(ss, "phase", "decode"), "step_p99_us"),
                Num(ranks, Row(ranks, "rank", slow), "decode_p99_us"));
    }
  // Collective wait: against the reference from the kernel rows.
  auto s0 = NcclStarts(r0), s2 = NcclStarts(r2);
  const json& colls = d["tables"]["ranks_collectives"];
  ASSERT_EQ(colls["rows"].size(), 2u);
  for (const char* c : {"AllReduce", "AllGather"}) {
    const std::vector<int64_t>& a = s0[c];
    const std::vector<int64_t>& b = s2[c];
    ASSERT_EQ(a.size(), b.size()) << c;
    ASSERT_FALSE(a.empty()) << c;
    double sum = 0, mx = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      const double spread = double(std::max(a[i], b[i]) - std::min(a[i], b[i]));
      EXPECT_GE(b[i] - a[i], 2000000) << c << " instance " << i;  // the offset, at least
      sum += spread;
      mx = std::max(mx, spread);
    }
    const json row = Row(colls, "collective", c);
    EXPECT_EQ(Num(colls, row, "instances"), double(a.size())) << c;
    EXPECT_NEAR(Num(colls, row, "start_spread_avg_us"), sum / double(a.size()) / 1e3, 1e-3) << c;
    EXPECT_NEAR(Num(colls, row, "start_spread_max_us"), mx / 1e3, 1e-3) << c;
    EXPECT_EQ(row[Col(colls, "late_rank")], slow) << c;
    EXPECT_EQ(Num(colls, row, "late_pct"), 100) << c;
  }
  const json& waits = d["tables"]["ranks_waits"];
  for (const auto& row : waits["rows"])
    if (row[0] == slow) {
      EXPECT_EQ(Num(waits, row, "wait_avg_us"), 0);
    }
  ASSERT_FALSE(d["findings"].empty());
  EXPECT_EQ(d["findings"][0].get<std::string>().rfind("Rank " + slow + " is a straggler: ", 0), 0u)
      << d["findings"].dump();
  size_t straggler_findings = 0;
  for (const auto& f : d["findings"])
    straggler_findings += f.get<std::string>().find("is a straggler") != std::string::npos;
  EXPECT_EQ(straggler_findings, 1u);
  // Every rank's own report, as a single-trace run writes it.
  for (const char* s : {"r0", "r1", "r2", "r3"}) {
    EXPECT_TRUE(Exists(dir_ / ("out/ranks/" + std::string(s) + "/report.md"))) << s;
    EXPECT_TRUE(Exists(dir_ / ("out/ranks/" + std::string(s) + "/tables/kernels.csv"))) << s;
  }
  EXPECT_TRUE(Exists(dir_ / "out/tables/ranks.csv"));
  EXPECT_NE(ReadFile(dir_ / "out/report.md").find("is a straggler"), std::string::npos);
}

TEST_F(Ranks, ClockOffsetAloneIsExactlyTheWait) {
  Synth("set/a", {});
  Synth("set/b", {"--time-offset", "1500000"});
  // A directory: its *.sqlite files (the truth files beside them are not traces).
  RunResult r = Render({dir_ / "set", "--out", dir_ / "out", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json d = json::parse(ReadFile(dir_ / "out/report.json"));
  const json& colls = d["tables"]["ranks_collectives"];
  ASSERT_EQ(colls["rows"].size(), 2u);
  for (const auto& row : colls["rows"]) {
    for (const char* c :
         {"start_spread_avg_us", "start_spread_max_us", "end_spread_avg_us", "end_spread_max_us"})
      EXPECT_EQ(Num(colls, row, c), 1500.0) << c;
    EXPECT_EQ(row[Col(colls, "late_rank")].get<std::string>().rfind("b:pid", 0), 0u);
  }
  const json& ranks = d["tables"]["ranks"];
  for (const auto& row : ranks["rows"]) {
    EXPECT_EQ(Num(ranks, row, "kernel_time_vs_median_pct"), 0);
    EXPECT_EQ(Num(ranks, row, "decode_p50_vs_median_pct"), 0);
  }

  // --merge of the per-rank report.json files is the same report.
  RunResult m = Render({"--merge", dir_ / "out/ranks/b/report.json",
                        dir_ / "out/ranks/a/report.json", "--out", dir_ / "merged", "--quiet"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(ReadFile(dir_ / "merged/report.json"), ReadFile(dir_ / "out/report.json"));
  EXPECT_EQ(ReadFile(dir_ / "merged/report.md"), ReadFile(dir_ / "out/report.md"));
  for (const char* t : {"ranks", "ranks_collectives", "ranks_waits", "ranks_categories"})
    EXPECT_EQ(ReadFile(dir_ / ("merged/tables/" + std::string(t) + ".csv")),
              ReadFile(dir_ / ("out/tables/" + std::string(t) + ".csv")))
        << t;
  EXPECT_FALSE(Exists(dir_ / "merged/ranks"));

  // A single-trace run is the rank's report, byte for byte.
  RunResult one = Render({dir_ / "set/a.sqlite", "--out", dir_ / "one", "--quiet"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(ReadFile(dir_ / "one/report.md"), ReadFile(dir_ / "out/ranks/a/report.md"));
  json single = json::parse(ReadFile(dir_ / "one/report.json"));
  json rank = json::parse(ReadFile(dir_ / "out/ranks/a/report.json"));
  EXPECT_EQ(single["rank"], rank["rank"]);
  EXPECT_EQ(single["sections"], rank["sections"]);
}

TEST_F(Ranks, DisjointCaptureWindowsAreNotCompared) {
  const std::string a = Synth("a", {});
  const std::string b = Synth("b", {"--time-offset", "1000000000000"});  // 1000 s later
  RunResult r = Render({a, b, "--out", dir_ / "out", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json d = json::parse(ReadFile(dir_ / "out/report.json"));
  EXPECT_FALSE(d["clocks_comparable"].get<bool>());
  bool warned = false;
  for (const auto& w : d["warnings"]) warned |= w["code"] == "clock_windows_disjoint";
  EXPECT_TRUE(warned) << d["warnings"].dump();
  EXPECT_TRUE(d["tables"]["ranks_collectives"]["rows"].empty());
  EXPECT_TRUE(d["tables"]["ranks_waits"]["rows"].empty());
  EXPECT_EQ(d["tables"]["ranks"]["rows"].size(), 2u);
  for (const auto& f : d["findings"])
    EXPECT_EQ(f.get<std::string>().find("straggler"), std::string::npos) << f;
}

// Real traces: a 2-GPU NCCL capture (two ranks in one file, host "modal") and a
// one-GPU capture from another host, a minute apart. Hosts, windows and
// session starts differ, so collectives are compared only within a file, and
// the in-file pair gives what the single-trace llm_nccl_skew says.
TEST_F(Ranks, RealTracesFromTwoHosts) {
  const std::string two = std::string(NSYSEXPLAIN_SHARED_TRACES) + "/nsysai_mfu_2gpu_before.sqlite";
  const std::string one = std::string(NSYSEXPLAIN_SHARED_TRACES) + "/lian4_t4_4streams.sqlite";
  if (!Exists(two) || !Exists(one)) GTEST_SKIP() << "shared traces absent";
  RunResult r = Render({one, two, "--out", dir_ / "out", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json d = json::parse(ReadFile(dir_ / "out/report.json"));
  EXPECT_FALSE(d["clocks_comparable"].get<bool>());
  std::set<std::string> codes;
  for (const auto& w : d["warnings"]) codes.insert(w["code"]);
  EXPECT_EQ(codes, (std::set<std::string>{"hosts_differ", "clock_windows_disjoint",
                                          "session_start_differs"}));
  std::vector<std::string> names;
  for (const auto& row : d["tables"]["ranks"]["rows"]) names.push_back(row[0]);
  EXPECT_NE(std::find(names.begin(), names.end(), "nsysai_mfu_2gpu_before:pid144:gpu0"),
            names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "nsysai_mfu_2gpu_before:pid145:gpu1"),
            names.end());
  json single = json::parse(ReadFile(dir_ / "out/ranks/nsysai_mfu_2gpu_before/report.json"));
  json skew;
  for (const auto& s : single["sections"])
    if (s["id"] == "nccl") skew = s["tables"]["nccl_skew"];
  ASSERT_FALSE(skew.is_null());
  const json& colls = d["tables"]["ranks_collectives"];
  ASSERT_EQ(colls["rows"].size(), skew["rows"].size());
  for (const auto& row : colls["rows"]) {
    EXPECT_EQ(row[Col(colls, "clock")], "nsysai_mfu_2gpu_before");  // one file, one clock
    const json want = Row(skew, "collective", row[Col(colls, "collective")]);
    EXPECT_EQ(Num(colls, row, "instances"), Num(skew, want, "instances"));
    EXPECT_NEAR(Num(colls, row, "start_spread_avg_us"), Num(skew, want, "avg_skew_us"), 1e-3);
    EXPECT_NEAR(Num(colls, row, "start_spread_max_us"), Num(skew, want, "max_skew_us"), 1e-3);
    EXPECT_EQ(row[Col(colls, "late_rank")],
              "nsysai_mfu_2gpu_before:pid" +
                  Row(skew, "collective", row[1])[Col(skew, "late_pid")].dump() + ":gpu" +
                  want[Col(skew, "late_device_id")].dump());
  }
}

TEST_F(Ranks, RanksOnTwoHostsAreComparedPerHost) {
  Synth("a0", {});
  Synth("a1", {"--time-offset", "700000"});
  Synth("b0", {"--hostname", "node-b"});
  Synth("b1", {"--hostname", "node-b", "--time-offset", "300000"});
  RunResult r = Render({dir_ / "b1.sqlite", dir_ / "a0.sqlite", dir_ / "b0.sqlite",
                        dir_ / "a1.sqlite", "--out", dir_ / "out", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json d = json::parse(ReadFile(dir_ / "out/report.json"));
  EXPECT_FALSE(d["clocks_comparable"].get<bool>());
  std::set<std::string> codes;
  for (const auto& w : d["warnings"]) codes.insert(w["code"]);
  EXPECT_EQ(codes, std::set<std::string>{"hosts_differ"});
  // Per host and collective: exactly that host's offset.
  const json& colls = d["tables"]["ranks_collectives"];
  ASSERT_EQ(colls["rows"].size(), 4u);
  for (const auto& row : colls["rows"]) {
    const std::string clock = row[Col(colls, "clock")];
    ASSERT_TRUE(clock == "host:synth" || clock == "host:node-b") << clock;
    EXPECT_EQ(Num(colls, row, "ranks"), 2);
    EXPECT_EQ(Num(colls, row, "start_spread_avg_us"), clock == "host:synth" ? 700.0 : 300.0);
    EXPECT_EQ(row[Col(colls, "late_rank")].get<std::string>().substr(0, 3),
              clock == "host:synth" ? "a1:" : "b1:");
  }
}

TEST_F(Ranks, BadInputWritesNothing) {
  const std::string a = Synth("a", {});
  const std::string b = Synth("b", {});
  const std::string text = dir_ / "notes.sqlite";
  WriteFile(text, "not a database\n");
  const std::string missing = dir_ / "missing.sqlite";
  ExpectFatal(Render({a, missing, b, "--out", dir_ / "out"}), missing);
  ExpectFatal(Render({a, text, "--out", dir_ / "out"}), text);
  Synth("other/a", {});
  ExpectFatal(Render({a, dir_ / "other/a.sqlite", "--out", dir_ / "out"}), dir_ / "other/a.sqlite");
  ExpectFatal(Render({dir_ / "nothing*.sqlite", "--out", dir_ / "out"}), dir_ / "nothing*.sqlite");
  EXPECT_FALSE(Exists(dir_ / "out"));

  ASSERT_EQ(Render({a, b, "--out", dir_ / "good", "--quiet"}).exit_code, 0);
  const std::string good = ReadFile(dir_ / "good/ranks/a/report.json");
  json wrong = json::parse(good);
  wrong["rank"]["version"] = 99;
  json old = json::parse(good);
  old.erase("rank");
  json merged = json::parse(ReadFile(dir_ / "good/report.json"));
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"broken.json", good.substr(0, good.size() / 2)},
      {"wrong_version.json", wrong.dump()},
      {"no_rank_block.json", old.dump()},
      {"merged.json", merged.dump()},
      {"array.json", "[1, 2]"},
  };
  for (const auto& [name, data] : bad) {
    WriteFile(dir_ / name, data);
    ExpectFatal(
        Render({"--merge", dir_ / "good/ranks/b/report.json", dir_ / name, "--out", dir_ / "out"}),
        dir_ / name);
    EXPECT_FALSE(Exists(dir_ / "out")) << name;
  }
  ExpectFatal(Render({"--merge", dir_ / "none.json", "--out", dir_ / "out"}), dir_ / "none.json");
  // The same rank twice.
  ExpectFatal(Render({"--merge", dir_ / "good/ranks/a/report.json",
                      dir_ / "good/ranks/a/report.json", "--out", dir_ / "out"}),
              dir_ / "good/ranks/a/report.json");
  EXPECT_FALSE(Exists(dir_ / "out"));
  // Usage: several traces or --merge need --out; --merge takes no TRACE.
  EXPECT_EQ(Render({a, b}).exit_code, 64);
  ExpectFatal(Render({dir_.path()}), dir_.path());  // a directory of traces without --out
  EXPECT_EQ(Render({"--merge", dir_ / "good/ranks/a/report.json"}).exit_code, 64);
  EXPECT_EQ(
      Render({a, "--merge", dir_ / "good/ranks/a/report.json", "--out", dir_ / "o"}).exit_code, 64);
  EXPECT_EQ(Render({a, b, "--jobs", "0", "--out", dir_ / "o"}).exit_code, 64);
}

}  // namespace
}  // namespace e2e

namespace e2e {
namespace {

// --jobs is capped by the memory the traces need at once (0.8 bytes of peak
// RSS per byte of the largest trace), never below 1.
TEST(RankJobs, WithinMemory) {
  using nsysexplain::render::JobsWithinMemory;
  const uint64_t gib = uint64_t(1) << 30;
  EXPECT_EQ(JobsWithinMemory(2, 0, gib), 2u);            // memory unknown: as asked
  EXPECT_EQ(JobsWithinMemory(2, 10 * gib, gib), 2u);     // room for both
  EXPECT_EQ(JobsWithinMemory(4, 2 * gib, gib), 2u);      // 2 GiB / 0.8 GiB = 2.5
  EXPECT_EQ(JobsWithinMemory(8, 8 * gib, 2 * gib), 5u);  // 8 / 1.6 = 5
  EXPECT_EQ(JobsWithinMemory(2, gib / 2, gib), 1u);      // not even one fits: still one
  EXPECT_EQ(JobsWithinMemory(1, 100 * gib, gib), 1u);
  EXPECT_EQ(JobsWithinMemory(0, 100 * gib, gib), 1u);
  EXPECT_GT(nsysexplain::render::AvailableMemoryBytes(), 0u);  // Linux: /proc/meminfo
}

}  // namespace
}  // namespace e2e
