// nsys-explain-render --diff on generated before/after pairs whose
// differences the generator knows: the same seed with --kernel-scale makes
// exactly one kernel slower and leaves every other kernel duration as it was.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e_util.h"

namespace e2e {
namespace {

using nlohmann::json;

class Diff : public ::testing::Test {
 protected:
  // Generates `name`.sqlite (and its truth file) with extra generator flags.
  std::string Synth(const std::string& name, std::vector<std::string> extra) {
    const std::string out = dir_ / (name + ".sqlite");
    std::vector<std::string> args = {"--kernels", "6000", "--seed", "3", "--layers", "4",
                                     "--quiet", "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = RunProgram(NSYS_EXPLAIN_SYNTH, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }
  // kernel name -> summed total_ns of the truth file.
  static std::map<std::string, int64_t> TruthTotals(const std::string& trace) {
    std::map<std::string, int64_t> out;
    json t = json::parse(ReadFile(trace + ".truth.json"));
    for (const auto& r : t["kernels_by_name_device"])
      out[r["name"].get<std::string>()] += r["total_ns"].get<int64_t>();
    return out;
  }
  static const json& Row(const json& table, const std::string& col, const std::string& key) {
    static const json kNull;
    const auto& cols = table["columns"];
    size_t c = 0;
    while (c < cols.size() && cols[c] != col) ++c;
    for (const auto& r : table["rows"])
      if (r[c] == key) return r;
    return kNull;
  }
  static double Get(const json& table, const json& row, const std::string& col) {
    const auto& cols = table["columns"];
    for (size_t c = 0; c < cols.size(); ++c)
      if (cols[c] == col) return row[c].is_null() ? NAN : row[c].get<double>();
    ADD_FAILURE() << "no column " << col;
    return NAN;
  }
  TempDir dir_;
};

TEST_F(Diff, FindsExactlyTheKernelTheGeneratorSlowedDown) {
  const std::string before = Synth("before", {});
  const std::string after = Synth("after", {"--kernel-scale", "reshape_and_cache=2"});
  RunResult r = Render({"--diff", before, after, "--out", dir_ / "out", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json d = json::parse(ReadFile(dir_ / "out/diff.json"));
  EXPECT_EQ(d["verdict"], "comparable");
  const json& k = d["tables"]["kernels"];
  auto tb = TruthTotals(before), ta = TruthTotals(after);
  ASSERT_EQ(tb.size(), k["rows"].size());
  size_t changed = 0;
  for (const auto& [name, ns] : tb) {
    const json& row = Row(k, "kernel_name", name);
    ASSERT_FALSE(row.is_null()) << name;
    const double delta_ns = (ta[name] - ns);
    EXPECT_NEAR(Get(k, row, "delta_total_ms") * 1e6, delta_ns, 1.0) << name;
    const bool slowed = name.find("reshape_and_cache") != std::string::npos;
    EXPECT_EQ(slowed, delta_ns != 0) << name;
    changed += delta_ns != 0;
    EXPECT_EQ(row.back(), slowed ? "changed" : "same") << name;
  }
  EXPECT_EQ(changed, 1u);
  // It leads the table and the findings.
  EXPECT_EQ(Row(k, "kernel_name", "reshape_and_cache_kernel_flash"), k["rows"][0]);
  bool named = false;
  for (const auto& f : d["findings"])
    named |= f.get<std::string>().rfind("kernel reshape_and_cache_kernel_flash +", 0) == 0;
  EXPECT_TRUE(named) << d["findings"].dump();
  EXPECT_TRUE(Exists(dir_ / "out/diff.md"));
  EXPECT_TRUE(Exists(dir_ / "out/tables/diff_kernels.csv"));

  // The gate: total GPU kernel time grew by exactly the slowed kernel's time.
  double total_pct = NAN;
  for (const auto& m : d["metrics"])
    if (m["id"] == "total_kernel_time_ms") total_pct = m["change"].get<double>();
  int64_t sum_b = 0, sum_a = 0;
  for (const auto& [n, v] : tb) sum_b += v;
  for (const auto& [n, v] : ta) sum_a += v;
  EXPECT_NEAR(total_pct, 100.0 * double(sum_a - sum_b) / double(sum_b), 1e-3);
  RunResult fail = Render({"--diff", before, after, "--fail-on-regression",
                           std::to_string(total_pct * 0.9)});
  EXPECT_EQ(fail.exit_code, 3);
  EXPECT_NE(fail.err.find("regression: total GPU kernel time +"), std::string::npos) << fail.err;
  EXPECT_EQ(std::count(fail.err.begin(), fail.err.end(), '\n'), 1) << fail.err;
  RunResult pass = Render({"--diff", before, after, "--fail-on-regression", "50"});
  EXPECT_EQ(pass.exit_code, 0) << pass.err;
  // The other way round it got faster: no regression at any threshold.
  RunResult back = Render({"--diff", after, before, "--fail-on-regression", "0"});
  EXPECT_EQ(back.err.find("total GPU kernel time"), std::string::npos) << back.err;
}

TEST_F(Diff, GateFailsClosedWhenNothingCanBeCompared) {
  const std::string one = Synth("one", {});
  // The same trace twice: nothing to compare.
  RunResult self = Render({"--diff", one, one, "--fail-on-regression", "5"});
  EXPECT_EQ(self.exit_code, 4);
  EXPECT_NE(self.err.find("the same file twice"), std::string::npos) << self.err;
  // Different GPU counts.
  const std::string four = Synth("four", {"--processes", "4"});
  RunResult gpus = Render({"--diff", one, four, "--out", dir_ / "gpus", "--quiet",
                           "--fail-on-regression", "5"});
  EXPECT_EQ(gpus.exit_code, 4);
  EXPECT_NE(gpus.err.find("different GPU counts (2 vs 4)"), std::string::npos) << gpus.err;
  json d = json::parse(ReadFile(dir_ / "gpus/diff.json"));
  EXPECT_EQ(d["verdict"], "not comparable");
  // Without the gate the diff is still written and exits 0.
  EXPECT_EQ(Render({"--diff", one, four}).exit_code, 0);
}

TEST_F(Diff, BadInputWritesNothing) {
  const std::string one = Synth("one", {});
  const std::string text = dir_ / "notes.sqlite";
  WriteFile(text, "not a database\n");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--diff", one, dir_ / "missing.sqlite"},
                                             {"--diff", text, one}}) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--out", dir_ / "out"});
    RunResult r = Render(a);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(Exists(dir_ / "out"));
  }
  EXPECT_EQ(Render({"--diff", one}).exit_code, 64);
  EXPECT_EQ(Render({"--diff", one, one, one}).exit_code, 64);
  EXPECT_EQ(Render({"--fail-on-regression", "5", one}).exit_code, 64);
  EXPECT_EQ(Render({"--diff", one, one, "--fail-on-regression", "-1"}).exit_code, 64);
}

}  // namespace
}  // namespace e2e
