// Kernel categories (sql/kernel_categories.sql, default rules) on every
// distinct kernel name of the real traces (../shared/traces) and of the seed
// documents (../shared/seeds/*.txt), against the committed, reviewable list
// tests/conformance/kernel_categories.golden ("category<TAB>name" lines,
// sorted). This test is also the extractor: regenerate the list with
//
//   UPDATE_GOLDEN=1 ctest --test-dir build -R conformance.kernel_categories
//
// and review the diff. Seed names are taken from (1) markdown tables whose
// header has a kernel_name column, (2) lines "<identifier> → <description>"
// (a kernel-name-to-operation mapping), (3) identifiers ending in "..." in
// prose (truncated kernel names). Skips when ../shared is absent.
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "conformance.h"

namespace conformance {
namespace {

namespace fs = std::filesystem;

std::string SeedDir() { return (fs::path(TraceDir()) / ".." / "seeds").string(); }
std::string GoldenFile() {
  return (fs::path(GoldenDir()) / ".." / "kernel_categories.golden").string();
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> Cells(const std::string& line) {  // "| a | b |"
  std::vector<std::string> out;
  std::string t = Trim(line);
  if (t.size() < 2 || t.front() != '|' || t.back() != '|') return out;
  std::stringstream ss(t.substr(1, t.size() - 2));
  std::string cell;
  while (std::getline(ss, cell, '|')) out.push_back(Trim(cell));
  return out;
}

// Kernel names mentioned in one seed document (rules in the header comment).
std::set<std::string> SeedNames(const std::string& text) {
  std::set<std::string> names;
  std::stringstream in(text);
  std::string line;
  int name_col = -1;
  static const std::regex kMapping(R"(^([A-Za-z_][A-Za-z0-9_:]*) → .+)");
  static const std::regex kTruncated(R"(([A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+)\.\.\.)");
  while (std::getline(in, line)) {
    std::vector<std::string> cells = Cells(line);
    if (cells.empty()) {
      name_col = -1;
    } else if (name_col < 0) {
      for (size_t i = 0; i < cells.size(); ++i)
        if (cells[i] == "kernel_name") name_col = static_cast<int>(i);
    } else if (static_cast<size_t>(name_col) < cells.size() &&
               cells[static_cast<size_t>(name_col)].find_first_not_of("-: ") !=
                   std::string::npos) {
      names.insert(cells[static_cast<size_t>(name_col)]);
    }
    std::smatch m;
    std::string t = Trim(line);
    if (std::regex_match(t, m, kMapping)) names.insert(m[1]);
    for (std::sregex_iterator it(t.begin(), t.end(), kTruncated), end; it != end; ++it)
      names.insert((*it)[1]);
  }
  return names;
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

bool SharedPresent() { return TraceDirPresent() && fs::is_directory(SeedDir()); }

#define REQUIRE_SHARED()                                                         \
  do {                                                                           \
    if (!SharedPresent())                                                        \
      GTEST_SKIP() << "../shared (traces and seeds) not found: " << TraceDir(); \
  } while (0)

// name -> category over every trace (via llm_top_kernels, which must agree
// with nsys_kernel_category) and every seed (via nsys_kernel_category).
std::map<std::string, std::string> AllNames() {
  std::map<std::string, std::string> out;
  for (const std::string& t : TraceNames()) {
    if (!fs::exists(TracePath(t))) continue;
    auto db = OpenTrace(t, true);
    Result r = db->Query(
        "SELECT DISTINCT kernel_name, category, nsys_kernel_category(kernel_name) "
        "FROM llm_top_kernels");
    for (const Row& row : r.rows) {
      EXPECT_EQ(row[1].s, row[2].s) << t << ": view and function disagree on " << row[0].s;
      out[row[0].s] = row[1].s;
    }
  }
  Db mem(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  mem.LoadExtension();
  for (const auto& e : fs::directory_iterator(SeedDir())) {
    if (e.path().extension() != ".txt") continue;
    for (const std::string& n : SeedNames(ReadFile(e.path().string())))
      out[n] = mem.Query("SELECT nsys_kernel_category(" + Quote(n) + ")").rows.at(0).at(0).s;
  }
  return out;
}

TEST(KernelCategories, GoldenListOfEveryTraceAndSeedName) {
  REQUIRE_SHARED();
  std::set<std::string> lines;
  for (const auto& [name, cat] : AllNames()) lines.insert(cat + "\t" + name);
  ASSERT_GT(lines.size(), 100u) << "too few kernel names found";
  std::string got;
  for (const std::string& l : lines) got += l + "\n";
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    WriteFile(GoldenFile(), got);
    std::cout << "[golden] wrote " << GoldenFile() << "\n";
    return;
  }
  ASSERT_TRUE(fs::exists(GoldenFile()))
      << GoldenFile() << " is missing; UPDATE_GOLDEN=1 ctest -R conformance.kernel_categories";
  std::string want = ReadFile(GoldenFile());
  std::set<std::string> want_lines;
  std::stringstream ss(want);
  for (std::string l; std::getline(ss, l);) want_lines.insert(l);
  std::string diff;
  for (const std::string& l : want_lines)
    if (!lines.count(l)) diff += "  - " + l.substr(0, 200) + "\n";
  for (const std::string& l : lines)
    if (!want_lines.count(l)) diff += "  + " + l.substr(0, 200) + "\n";
  EXPECT_TRUE(diff.empty()) << "categories differ from " << GoldenFile()
                            << " (- golden, + now):\n" << diff
                            << "If intended: UPDATE_GOLDEN=1 ctest -R conformance.kernel_categories";
}

TEST(KernelCategories, SeedExtractionFindsTheKnownNames) {
  std::set<std::string> n = SeedNames(
      "| kernel_name | device_id |\n| --- | --- |\n| reshape_and_cache_kernel_flash | 0 |\n"
      "\nFusedAddRMSNormKernel → residual connection + RMS normalization\n"
      "NVTX→runtime→kernel is not a name\n"
      "The top kernels are Turing FP16 GEMMs (turing_fp16_s1688gemm...). ...\n"
      "| pid | total |\n| --- | --- |\n| 495200 | 1 |\n");
  EXPECT_EQ(n, (std::set<std::string>{"reshape_and_cache_kernel_flash",
                                      "FusedAddRMSNormKernel", "turing_fp16_s1688gemm"}));
}

// The LLM traces: `other` holds under 5% of kernel time.
TEST(KernelCategories, OtherUnder5PercentOnNsysaiTrace) {
  CONFORMANCE_REQUIRE_TRACE("nsysai_mfu_2gpu_before");
  auto db = OpenTrace("nsysai_mfu_2gpu_before", true);
  Result r = db->Query(
      "SELECT total(pct_kernel_time), (SELECT total(pct_kernel_time) FROM "
      "llm_kernel_categories) FROM llm_kernel_categories WHERE category = 'other'");
  EXPECT_LT(r.rows[0][0].num(), 5.0);
  EXPECT_NEAR(r.rows[0][1].num(), 100.0, 0.01);
  // The categories partition the kernel time of every device and PID.
  EXPECT_EQ(db->Int("SELECT count(*) FROM (SELECT device_id, sum(total_ms) AS a FROM "
                    "llm_kernel_categories GROUP BY device_id) AS c JOIN (SELECT "
                    "device_id, sum(total_ms) AS b FROM llm_top_kernels GROUP BY "
                    "device_id) AS k USING (device_id) WHERE abs(a - b) > 1e-5"),
            0);
  EXPECT_EQ(db->Int("SELECT count(*) FROM (SELECT pid, category, sum(total_time_ms) AS a, "
                    "sum(call_count) AS n, count(*) AS d FROM llm_kernels_by_pid GROUP BY "
                    "pid, category) AS k LEFT JOIN (SELECT pid, category, sum(total_ms) AS b, "
                    "sum(calls) AS m, sum(kernels) AS e FROM llm_kernel_categories_by_pid "
                    "GROUP BY pid, category) AS c USING (pid, category) "
                    "WHERE b IS NULL OR abs(a - b) > 1e-5 OR n <> m OR d <> e"),
            0);
}

TEST(KernelCategories, OtherUnder5PercentOnTheSeedsVllmTopKernels) {
  REQUIRE_SHARED();
  // Seed 000: the vLLM A100 report's top-kernels table (name, total_ms).
  fs::path seed;
  for (const auto& e : fs::directory_iterator(SeedDir()))
    if (e.path().filename().string().rfind("000_", 0) == 0) seed = e.path();
  ASSERT_FALSE(seed.empty());
  Db mem(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  mem.LoadExtension();
  std::stringstream in(ReadFile(seed.string()));
  double all = 0, other = 0;
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> c = Cells(line);
    if (c.empty()) {
      if (in_table) break;  // the first (global) table only
      continue;
    }
    if (c[0] == "kernel_name" && c.size() > 2 && c[2] == "total_ms") {
      in_table = true;
      continue;
    }
    if (!in_table || c[0].rfind("---", 0) == 0) continue;
    double ms = std::stod(c[2]);
    all += ms;
    if (mem.Query("SELECT nsys_kernel_category(" + Quote(c[0]) + ")").rows[0][0].s == "other")
      other += ms;
  }
  ASSERT_GT(all, 0);
  EXPECT_LT(other / all, 0.05) << other << " of " << all << " ms is other";
}

}  // namespace
}  // namespace conformance
