// Kernel base names (core::KernelBaseName: llm_top_kernels.kernel and
// nsys_kernel_base_name) on every distinct kernel name of the real traces
// (../shared/traces) and of the seed documents (../shared/seeds/*.txt),
// against the committed, reviewable list
// tests/conformance/kernel_base_names.golden ("base<TAB>name" lines, sorted;
// kernel_name_list.h). This test is also the extractor: regenerate the list
// with
//
//   UPDATE_GOLDEN=1 ctest --test-dir build -R conformance.kernel_base_names
//
// and review the diff. Skips when ../shared is absent.
#include "conformance.h"
#include "kernel_name_list.h"

namespace conformance {
namespace {

TEST(KernelBaseNames, GoldenListOfEveryTraceAndSeedName) {
  REQUIRE_SHARED();
  ExpectGoldenList("kernel_base_names",
                   ValueOfEveryKernelName("kernel", "nsys_kernel_base_name"),
                   "conformance.kernel_base_names");
}

// Every view with a kernel_name has its base name beside it, and it is the
// function's (the views read it from the per-trace cache).
TEST(KernelBaseNames, EveryKernelViewAgreesWithTheFunction) {
  CONFORMANCE_REQUIRE_TRACE("nsysai_mfu_2gpu_before");
  auto db = OpenTrace("nsysai_mfu_2gpu_before", true);
  // llm_diff_kernels compares main with `base`: the same trace.
  db->Exec("ATTACH '" + TracePath("nsysai_mfu_2gpu_before") + "' AS base");
  for (const char* v : {"llm_top_kernels", "llm_kernels_by_pid", "llm_kernel_tails",
                        "llm_launch_latency", "llm_launch_latency_by_stream",
                        "llm_tiny_kernels", "llm_diff_kernels"}) {
    SCOPED_TRACE(v);
    EXPECT_GT(db->Int(std::string("SELECT count(*) FROM ") + v), 0);
    EXPECT_EQ(db->Int(std::string("SELECT count(*) FROM ") + v +
                      " WHERE kernel IS NOT nsys_kernel_base_name(kernel_name)"),
              0);
  }
  // The views with a kernel_name column are exactly those above.
  EXPECT_EQ(db->Int("SELECT count(*) FROM sqlite_temp_master AS m, "
                    "pragma_table_info(m.name) AS c WHERE m.type = 'view' "
                    "AND m.name LIKE 'llm\\_%' ESCAPE '\\' AND c.name = 'kernel_name'"),
            7);
  EXPECT_EQ(db->Int("SELECT count(*) FROM sqlite_temp_master AS m, "
                    "pragma_table_info(m.name) AS c WHERE m.type = 'view' "
                    "AND m.name LIKE 'llm\\_%' ESCAPE '\\' AND c.name = 'kernel'"),
            7);
}

}  // namespace
}  // namespace conformance
