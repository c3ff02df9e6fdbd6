// Kernel categories (sql/kernel_categories.sql, default rules) on every
// distinct kernel name of the real traces (../shared/traces) and of the seed
// documents (../shared/seeds/*.txt), against the committed, reviewable list
// tests/conformance/kernel_categories.golden ("category<TAB>name" lines,
// sorted; kernel_name_list.h). This test is also the extractor: regenerate
// the list with
//
//   UPDATE_GOLDEN=1 ctest --test-dir build -R conformance.kernel_categories
//
// and review the diff. Skips when ../shared is absent.
#include <set>
#include <sstream>

#include "conformance.h"
#include "kernel_name_list.h"

namespace conformance {
namespace {

namespace fs = std::filesystem;

TEST(KernelCategories, GoldenListOfEveryTraceAndSeedName) {
  REQUIRE_SHARED();
  ExpectGoldenList("kernel_categories",
                   ValueOfEveryKernelName("category", "nsys_kernel_category"),
                   "conformance.kernel_categories");
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
