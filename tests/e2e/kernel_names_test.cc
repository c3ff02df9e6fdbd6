// Kernel base names in Markdown tables (`kernel|kernel_name` columns), with
// the full name where two shown kernels share a base name; CSV keeps both.
#include <gtest/gtest.h>

#include "e2e_util.h"
#include "fixture.h"

namespace e2e {
namespace {

// Two kernels with one base name (ns::k) and one with a base name of its
// own: the first two keep their full names in Markdown, the third shows
// its base name; CSV has both columns for every row.
TEST(KernelNames, MarkdownShowsBaseNamesUnlessTheyCollide) {
  TempDir dir;
  std::string trace = dir / "t.sqlite";
  {
    NsysFixture f(trace);
    const std::string a = "void ns::k<(int)1>(float *)", b = "void ns::k<(int)2>(float *)",
                      c = "void flash::flash_fwd_kernel<Flash_fwd_kernel_traits<(int)128>, "
                          "(bool)1>(flash::Flash_fwd_params)";
    f.Kernel(1000, 31000, 0, 1, 100, a);
    f.Kernel(40000, 60000, 0, 2, 100, b);
    f.Kernel(70000, 80000, 0, 3, 100, c);
  }
  RunResult r = Render({trace, "--out", dir / "o"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string md = ReadFile(dir / "o/report.md");
  EXPECT_NE(md.find("| kernel | category | device_id | total_ms |"), std::string::npos);
  EXPECT_NE(md.find("| void ns::k&lt;(int)1>(float *) | other | 0 | 0.030 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| void ns::k&lt;(int)2>(float *) | other | 0 | 0.020 |"),
            std::string::npos);
  EXPECT_NE(md.find("| flash::flash_fwd_kernel | attention | 0 | 0.010 |"), std::string::npos);
  bool ok = false;
  auto rows = ParseCsv(ReadFile(dir / "o/tables/kernels.csv"), &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0][0], "kernel_name");
  EXPECT_EQ(rows[0][1], "kernel");
  EXPECT_EQ(rows[1][0], "void ns::k<(int)1>(float *)");
  EXPECT_EQ(rows[1][1], "ns::k");
  EXPECT_EQ(rows[3][1], "flash::flash_fwd_kernel");
  // With --top 1 only one ns::k row is shown: no collision among the shown
  // rows, so it shows its base name.
  r = Render({trace, "--top", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| ns::k | other | 0 | 0.030 |"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace e2e
