// A per-kernel-name property (category, base name, ...) over every distinct
// kernel name of the real traces (../shared/traces) and of the seed
// documents (../shared/seeds/*.txt), pinned in a committed, reviewable list
// tests/conformance/<list>.golden ("value<TAB>name" lines, sorted). The
// test that checks a list is also its extractor (UPDATE_GOLDEN=1).
//
// Seed names are taken from (1) markdown tables whose header has a
// kernel_name column, (2) lines "<identifier> → <description>" (a
// kernel-name-to-operation mapping), (3) identifiers ending in "..." in
// prose (truncated kernel names).
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace conformance {

std::string SeedDir();
// ../shared/traces and ../shared/seeds both exist.
bool SharedPresent();
#define REQUIRE_SHARED()                                                          \
  do {                                                                            \
    if (!::conformance::SharedPresent())                                          \
      GTEST_SKIP() << "../shared (traces and seeds) not found: " << TraceDir(); \
  } while (0)

// "| a | b |" -> {"a", "b"}; empty for a line that is not a table row.
std::vector<std::string> Cells(const std::string& line);
// Kernel names mentioned in one seed document (rules above).
std::set<std::string> SeedNames(const std::string& text);
// `s` as an SQL string literal.
std::string Quote(const std::string& s);

// name -> value over every trace and seed: for a trace, column `column` of
// llm_top_kernels, which must equal `function`(kernel_name) (checked); for a
// seed name, `function`(name) on an in-memory connection.
std::map<std::string, std::string> ValueOfEveryKernelName(const std::string& column,
                                                          const std::string& function);

// Compares "value<TAB>name" lines of `values` with
// tests/conformance/<list>.golden, or writes that file under UPDATE_GOLDEN=1.
// `ctest_filter` names the test in the hint printed on a difference.
void ExpectGoldenList(const std::string& list,
                      const std::map<std::string, std::string>& values,
                      const std::string& ctest_filter);

}  // namespace conformance
