// nsys-explain-render --diff on generated before/after pairs whose
// differences the generator knows: the same seed with --kernel-scale makes
// exactly one kernel slower and leaves every other kernel duration as it was.
// The SqlDiff tests read the same pairs through the llm_diff_* views
// (sql/_diff.sql: main against an ATTACHed trace) and check them against the
// truth files and the renderer's diff.json.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conn.h"
#include "e2e_util.h"
#include "sha256.h"

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

  // Memory copies, which the generator did not change: every direction the
  // same on both sides, the copy count that of the raw memcpy table. Sync
  // calls: the same calls, each waiting no less (the GPU work it waits for
  // grew), and together at most the added kernel time longer.
  for (const char* t : {"memcpy", "sync"}) {
    EXPECT_FALSE(d["tables"][t]["rows"].empty()) << t;
    EXPECT_TRUE(Exists(dir_ / ("out/tables/diff_" + std::string(t) + ".csv"))) << t;
  }
  const json& mc = d["tables"]["memcpy"];
  for (const auto& row : mc["rows"]) EXPECT_EQ(row.back(), "same") << row.dump();
  const json& sy = d["tables"]["sync"];
  double sync_delta_ms = 0;
  for (const auto& row : sy["rows"]) {
    EXPECT_EQ(Get(sy, row, "before_calls"), Get(sy, row, "after_calls")) << row.dump();
    EXPECT_GE(Get(sy, row, "delta_total_ms"), 0) << row.dump();
    sync_delta_ms += Get(sy, row, "delta_total_ms");
  }
  const double kernel_delta_ms =
      Get(k, Row(k, "kernel_name", "reshape_and_cache_kernel_flash"), "delta_total_ms");
  EXPECT_LE(sync_delta_ms, kernel_delta_ms + 1e-3);
  double copies = 0;
  for (const auto& row : mc["rows"]) copies += Get(mc, row, "before_copies");
  Conn raw(before);
  EXPECT_EQ(std::to_string(int64_t(copies)),
            raw.Query("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY")[0][0]);

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

// The llm_diff_* views on `after` with `before` ATTACHed as `schema`.
class SqlDiff : public Diff {
 protected:
  static std::unique_ptr<Conn> Attach(const std::string& after, const std::string& before,
                                      const std::string& schema = "base") {
    auto c = std::make_unique<Conn>(after);
    c->Query("ATTACH '" + before + "' AS " + schema);
    return c;
  }
  static double D(const std::string& v) { return v.empty() ? NAN : std::stod(v); }
  static std::string Sha(const std::string& path) {
    return nsysexplain::test_common::Sha256Hex(ReadFile(path));
  }
};

TEST_F(SqlDiff, KernelsFindExactlyTheKernelTheGeneratorSlowedDown) {
  const std::string before = Synth("before", {});
  const std::string after = Synth("after", {"--kernel-scale", "reshape_and_cache=2"});
  const std::string sha_b = Sha(before), sha_a = Sha(after);
  auto tb = TruthTotals(before), ta = TruthTotals(after);
  {
    auto c = Attach(after, before);
    Rows k = c->Query(
        "SELECT kernel_name, status, delta_total_ms, before_calls, after_calls "
        "FROM llm_diff_kernels");
    ASSERT_EQ(k.size(), tb.size());
    // The slowed kernel leads; every other kernel is the same.
    EXPECT_EQ(k[0][0], "reshape_and_cache_kernel_flash");
    size_t changed = 0;
    for (const auto& r : k) {
      ASSERT_TRUE(tb.count(r[0])) << r[0];
      const double delta_ns = double(ta[r[0]] - tb[r[0]]);
      EXPECT_NEAR(D(r[2]) * 1e6, delta_ns, 1.0) << r[0];
      EXPECT_EQ(r[1], delta_ns != 0 ? "changed" : "same") << r[0];
      EXPECT_EQ(r[3], r[4]) << r[0];
      changed += r[1] != "same";
    }
    EXPECT_EQ(changed, 1u);
    EXPECT_GT(ta["reshape_and_cache_kernel_flash"], tb["reshape_and_cache_kernel_flash"]);
    EXPECT_EQ(c->Query("SELECT kind, message FROM llm_diff_comparability"),
              (Rows{{"verdict", "comparable"}}));
    // The hidden column: either trace from one connection, and back.
    EXPECT_EQ(c->Query("SELECT count(*) FROM _nsys_kernel_stats WHERE trace_schema = 'base' "
                       "AND pid IS NULL"),
              c->Query("SELECT count(*) FROM _nsys_kernel_stats WHERE pid IS NULL"));
    EXPECT_EQ(c->Query("SELECT DISTINCT trace_schema FROM _nsys_kernel_stats "
                       "WHERE trace_schema = 'base'"),
              (Rows{{"base"}}));
    EXPECT_EQ(c->Query("SELECT count(*) FROM _nsys_kernel_stats WHERE trace_schema = 'nope'"),
              (Rows{{"0"}}));
  }
  EXPECT_EQ(Sha(before), sha_b);
  EXPECT_EQ(Sha(after), sha_a);
}

TEST_F(SqlDiff, SummaryAndCategoriesAgreeWithTheRenderer) {
  const std::string before = Synth("before", {});
  const std::string after = Synth("after", {"--kernel-scale", "reshape_and_cache=2"});
  RunResult r = Render({"--diff", before, after, "--out", dir_ / "out", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json d = json::parse(ReadFile(dir_ / "out/diff.json"));
  auto c = Attach(after, before);
  Rows m = c->Query("SELECT metric, before, after, delta, delta_pct, gated FROM llm_diff_summary");
  ASSERT_EQ(m.size(), d["metrics"].size());
  for (size_t i = 0; i < m.size(); ++i) {
    const json& x = d["metrics"][i];
    EXPECT_EQ(m[i][0], x["id"]);
    auto num = [](const json& v) { return v.is_null() ? NAN : v.get<double>(); };
    auto same = [](double a, double b) { return std::isnan(a) ? std::isnan(b) : std::fabs(a - b) <= 1e-9; };
    EXPECT_TRUE(same(D(m[i][1]), num(x["before"]))) << m[i][0] << " " << m[i][1];
    EXPECT_TRUE(same(D(m[i][2]), num(x["after"]))) << m[i][0] << " " << m[i][2];
    // diff.json's change: points for gpu_idle_pct (= delta), else percent.
    const double change = x["change_unit"] == "points" ? D(m[i][3]) : D(m[i][4]);
    EXPECT_TRUE(same(change, num(x["change"]))) << m[i][0];
    EXPECT_EQ(m[i][5], x["gated"].get<bool>() ? "1" : "0") << m[i][0];
  }
  // The categories table, row for row (the same order: by |delta|, then name).
  const json& t = d["tables"]["categories"];
  Rows cats = c->Query(
      "SELECT category, before_calls, after_calls, before_total_ms, after_total_ms, "
      "before_per_decode_step_us, after_per_decode_step_us, delta_total_ms, delta_pct, status "
      "FROM llm_diff_categories");
  ASSERT_EQ(cats.size(), t["rows"].size());
  for (const auto& row : cats) {
    const json& jr = Row(t, "category", row[0]);
    ASSERT_FALSE(jr.is_null()) << row[0];
    const char* cols[] = {"before_calls", "after_calls", "before_total_ms", "after_total_ms",
                          "before_per_decode_step_us", "after_per_decode_step_us",
                          "delta_total_ms", "delta_pct"};
    for (size_t i = 0; i < 8; ++i)
      EXPECT_NEAR(D(row[i + 1]), Get(t, jr, cols[i]), 1e-9) << row[0] << " " << cols[i];
    EXPECT_EQ(row[9], jr.back()) << row[0];
  }
  EXPECT_EQ(cats[0][0], "kv_cache");
  EXPECT_EQ(c->Query("SELECT message FROM llm_diff_comparability WHERE kind = 'verdict'"),
            (Rows{{d["verdict"].get<std::string>()}}));
}

TEST_F(SqlDiff, SelfDiffIsZeroAndNotComparable) {
  const std::string one = Synth("one", {});
  const std::string copy = dir_ / "copy.sqlite";
  WriteFile(copy, ReadFile(one));
  const std::string sha = Sha(one);
  for (const std::string& base : {one, copy}) {
    auto c = Attach(one, base);
    EXPECT_EQ(c->Query("SELECT count(*), count(DISTINCT status), min(status), "
                       "total(abs(delta_total_ms)) FROM llm_diff_kernels"),
              (Rows{{c->Query("SELECT count(DISTINCT kernel_name) FROM llm_top_kernels")[0][0],
                     "1", "same", "0.0"}}));
    EXPECT_EQ(c->Query("SELECT count(*) FROM llm_diff_summary WHERE delta <> 0 OR "
                       "delta_pct <> 0"),
              (Rows{{"0"}}));
    EXPECT_GT(std::stoi(c->Query("SELECT count(*) FROM llm_diff_summary WHERE delta = 0")[0][0]),
              8);
    EXPECT_EQ(c->Query("SELECT kind, message FROM llm_diff_comparability"),
              (Rows{{"blocker", base == one ? "the same file twice"
                                            : "the traces are identical in every compared "
                                              "number (the same trace twice?)"},
                    {"verdict", "not comparable"}}))
        << base;
  }
  // Different GPU counts, as the renderer says it.
  const std::string four = Synth("four", {"--processes", "4"});
  auto c = Attach(four, one);
  Rows g = c->Query("SELECT message FROM llm_diff_comparability WHERE kind = 'blocker'");
  EXPECT_EQ(g, (Rows{{"different GPU counts (2 vs 4)"}}));
  EXPECT_EQ(Sha(one), sha);
}

TEST_F(SqlDiff, BothSidesReadTheConnectionsWindow) {
  const std::string before = Synth("before", {});
  const std::string after = Synth("after", {"--kernel-scale", "reshape_and_cache=2"});
  auto c = Attach(after, before);
  const std::string total =
      "SELECT total(total_ns) FROM _nsys_kernel_stats WHERE pid IS NULL";
  const std::string whole_a = c->Query(total)[0][0];
  const std::string whole_b = c->Query(total + " AND trace_schema = 'base'")[0][0];
  EXPECT_NE(whole_a, whole_b);
  // trace_schema = 'base' points the unconstrained reads at base; the
  // constraint still reads main.
  c->Query("UPDATE llm_settings SET value = 'base' WHERE key = 'trace_schema'");
  EXPECT_EQ(c->Query(total)[0][0], whole_b);
  EXPECT_EQ(c->Query(total + " AND trace_schema = 'main'")[0][0], whole_a);
  c->Query("UPDATE llm_settings SET value = NULL WHERE key = 'trace_schema'");
  // A window: both sides are cut to it (the same generator timeline).
  const std::string nth = "(SELECT start FROM CUPTI_ACTIVITY_KIND_KERNEL ORDER BY start LIMIT 1 "
                          "OFFSET ";
  Rows ext = c->Query("SELECT " + nth + "1000), " + nth + "3000)");
  c->Query("UPDATE llm_settings SET value = " + ext[0][0] + " WHERE key = 'window_from_ns'");
  c->Query("UPDATE llm_settings SET value = " + ext[0][1] + " WHERE key = 'window_to_ns'");
  const std::string win_a = c->Query(total)[0][0];
  const std::string win_b = c->Query(total + " AND trace_schema = 'base'")[0][0];
  EXPECT_LT(std::stod(win_a), std::stod(whole_a));
  EXPECT_LT(std::stod(win_b), std::stod(whole_b));
  c->Query("UPDATE llm_settings SET value = 'base' WHERE key = 'trace_schema'");
  EXPECT_EQ(c->Query(total)[0][0], win_b);
  c->Query("UPDATE llm_settings SET value = NULL WHERE key = 'trace_schema'");
  EXPECT_EQ(c->Query("SELECT before, after FROM llm_diff_summary "
                     "WHERE metric = 'total_kernel_time_ms'"),
            c->Query("SELECT (SELECT total(round(total_ns / 1e6, 6)) FROM "
                     "_nsys_kernel_categories WHERE pid IS NULL AND trace_schema = 'base'), "
                     "total(total_ms) FROM llm_kernel_categories"));
}

TEST_F(SqlDiff, NoAttachedSchemaGivesNoRowsAndSaysWhy) {
  const std::string one = Synth("one", {});
  const std::string other = Synth("other", {"--kernel-scale", "reshape_and_cache=2"});
  Conn c(one);
  for (const char* v : {"llm_diff_kernels", "llm_diff_categories", "llm_diff_summary"})
    EXPECT_EQ(c.Query(std::string("SELECT count(*) FROM ") + v), (Rows{{"0"}})) << v;
  const Rows why = {{"unavailable",
                     "No schema 'base' is attached: ATTACH 'before.sqlite' AS base (or set "
                     "llm_settings diff_base to the attached schema's name)."}};
  EXPECT_EQ(c.Query("SELECT kind, message FROM llm_diff_comparability"), why);
  // Another name: attached, then named in llm_settings diff_base.
  c.Query("ATTACH '" + other + "' AS old");
  EXPECT_EQ(c.Query("SELECT count(*) FROM llm_diff_kernels"), (Rows{{"0"}}));
  c.Query("UPDATE llm_settings SET value = 'old' WHERE key = 'diff_base'");
  EXPECT_EQ(c.Query("SELECT kernel_name, status FROM llm_diff_kernels WHERE status <> 'same'"),
            (Rows{{"reshape_and_cache_kernel_flash", "changed"}}));
  EXPECT_EQ(c.Query("SELECT message FROM llm_diff_comparability"), (Rows{{"comparable"}}));
  // Detached again: empty, no error.
  c.Query("DETACH old");
  EXPECT_EQ(c.Query("SELECT count(*) FROM llm_diff_kernels"), (Rows{{"0"}}));
  EXPECT_EQ(c.Query("SELECT count(*) FROM llm_diff_comparability WHERE kind = 'unavailable'"),
            (Rows{{"1"}}));
}

}  // namespace
}  // namespace e2e
