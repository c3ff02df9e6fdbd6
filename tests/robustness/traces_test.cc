// Every real export of the conformance corpus (../shared/traces/*.sqlite):
// every view and dataset answers without error, sane values, and the file is
// unchanged. Under the sanitizer build this is the ASan/LSan run over the
// conformance traces. Skipped when the corpus is not beside the checkout.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "report_shape.h"
#include "util.h"

namespace rob {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> Traces() {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(TracesDir(), ec))
    if (e.path().extension() == ".sqlite") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Traces, EveryViewOnEveryConformanceTrace) {
  auto traces = Traces();
  if (traces.empty()) GTEST_SKIP() << "no traces in " << TracesDir();
  for (const std::string& path : traces) {
    SCOPED_TRACE(path);
    uint64_t before = FileChecksum(path);
    {
      Db db = OpenWithExtension(path, SQLITE_OPEN_READONLY);
      EXPECT_EQ(CheckEverything(db), "");
      auto s = Sections(db);
      EXPECT_EQ(s.size(), nsysexplain::testing::kReportSections);
      for (auto& [id, av] : s)
        if (av.first == 0) {
          EXPECT_FALSE(av.second.empty()) << id;
        }
      // Second pass after a reset: same answers from a fresh cache.
      Result a = Must(db, "SELECT * FROM llm_top_kernels");
      Must(db, "SELECT nsys_reset()");
      Result b = Must(db, "SELECT * FROM llm_top_kernels");
      EXPECT_EQ(a.rows.size(), b.rows.size());
    }
    EXPECT_EQ(FileChecksum(path), before) << path << " was modified";
  }
}

// DB-Browser style read-write connection, on a temporary copy (the corpus
// itself is only ever opened read-only).
TEST(Traces, ReadWriteConnectionOnCopies) {
  auto traces = Traces();
  if (traces.empty()) GTEST_SKIP() << "no traces in " << TracesDir();
  for (const std::string& src : traces) {
    SCOPED_TRACE(src);
    std::string path = TempPath(fs::path(src).filename().string());
    CopyFile(src, path);
    uint64_t before = FileChecksum(path);
    {
      Db db = OpenWithExtension(path, SQLITE_OPEN_READWRITE);
      EXPECT_EQ(CheckEverything(db), "");
    }
    EXPECT_EQ(FileChecksum(path), before) << path << " was modified";
    fs::remove(path);
  }
}

}  // namespace
}  // namespace rob
