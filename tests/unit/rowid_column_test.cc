// RowidColumn (ext/core/rowid_column.h) against a plain vector.
#include "core/rowid_column.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace nsysexplain::core {
namespace {

void ExpectSame(const RowidColumn& c, const std::vector<int64_t>& v) {
  ASSERT_EQ(c.size(), v.size());
  for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(c[i], v[i]) << "row " << i;
}

TEST(RowidColumn, ConsecutiveRowidsAreOneRun) {
  RowidColumn c;
  std::vector<int64_t> v;
  for (int64_t r = 1; r <= 100000; ++r) {
    c.push_back(r);
    v.push_back(r);
  }
  ExpectSame(c, v);
  EXPECT_EQ(c.runs(), 1u);
  EXPECT_FALSE(c.dense());
  EXPECT_LT(c.bytes(), 1024u);
}

TEST(RowidColumn, SkippedRowsStartNewRuns) {
  RowidColumn c;
  std::vector<int64_t> v;
  // Rows 1..10, then 12..20 (11 skipped), then 25, 26, then -1 (unknown).
  for (int64_t r : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17,
                    18, 19, 20, 25, 26, -1, -1, 0, 1}) {
    c.push_back(r);
    v.push_back(r);
  }
  ExpectSame(c, v);
  EXPECT_EQ(c.runs(), 5u);  // 1..10, 12..20, 25 26, -1, then -1 0 1
}

TEST(RowidColumn, ExtremeValuesDoNotOverflow) {
  RowidColumn c;
  const int64_t mx = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> v = {mx - 2, mx - 1, mx, std::numeric_limits<int64_t>::min(),
                            -5, -4, mx};
  for (int64_t r : v) c.push_back(r);
  ExpectSame(c, v);
}

TEST(RowidColumn, RandomValuesTurnDenseAndStayCorrect) {
  std::mt19937_64 rng(3);
  RowidColumn c;
  std::vector<int64_t> v;
  for (int i = 0; i < 20000; ++i) {
    int64_t r = static_cast<int64_t>(rng() % 1000000);
    c.push_back(r);
    v.push_back(r);
  }
  EXPECT_TRUE(c.dense());
  ExpectSame(c, v);
}

// Mixed patterns (runs of random length with random skips), as whole columns
// and appended in chunks, against a vector.
TEST(RowidColumn, RandomRunsAndAppendAgainstVector) {
  std::mt19937_64 rng(11);
  for (int iter = 0; iter < 200; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    std::uniform_int_distribution<int> run_len(1, iter % 2 ? 3 : 400);
    std::uniform_int_distribution<int> skip(1, 5), chunks(1, 6);
    std::vector<int64_t> v;
    int64_t r = static_cast<int64_t>(rng() % 100);
    int total = static_cast<int>(rng() % 5000);
    while (static_cast<int>(v.size()) < total) {
      int len = run_len(rng);
      for (int j = 0; j < len; ++j) v.push_back(r++);
      r += skip(rng);
    }
    RowidColumn whole;
    for (int64_t x : v) whole.push_back(x);
    ExpectSame(whole, v);
    // Split into chunks, each its own column, appended in order.
    int nchunks = chunks(rng);
    RowidColumn joined;
    size_t at = 0;
    for (int k = 0; k < nchunks; ++k) {
      size_t end = k + 1 == nchunks ? v.size()
                                    : std::min(v.size(), at + rng() % (v.size() + 1));
      RowidColumn part;
      for (size_t i = at; i < end; ++i) part.push_back(v[i]);
      joined.append(part);
      at = end;
    }
    ExpectSame(joined, v);
  }
}

}  // namespace
}  // namespace nsysexplain::core
