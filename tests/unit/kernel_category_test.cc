// Kernel category matcher (ext/core/kernel_category.h): the pattern language
// of docs/SEMANTICS.md ("Kernel categories") by hand, and against a naive
// reference on random names and rules.
#include "core/kernel_category.h"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>
#include <vector>

namespace nsysexplain::core {
namespace {

using Rules = std::vector<std::pair<std::string, std::string>>;

TEST(PatternTerms, SplitsOnPlusAndLowers) {
  EXPECT_EQ(PatternTerms("Triton_+RSQRT+mean"),
            (std::vector<std::string>{"triton_", "rsqrt", "mean"}));
  EXPECT_EQ(PatternTerms("gemm"), (std::vector<std::string>{"gemm"}));
  EXPECT_EQ(PatternTerms("a++b+"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(PatternTerms("").empty());
  EXPECT_TRUE(PatternTerms("+++").empty());
}

TEST(KernelCategoryMatcher, SubstringCaseInsensitive) {
  KernelCategoryMatcher m(Rules{{"gemm", "GEMM"}, {"norm", "rmsnorm"}});
  EXPECT_EQ(m.Category("ampere_fp16_s16816gemm_fp16_64x64_tn"), "gemm");
  EXPECT_EQ(m.Category("FusedAddRMSNormKernel"), "norm");
  EXPECT_EQ(m.Category("vecAdd(double *, double *, double *, int)"), "other");
  EXPECT_EQ(m.Category(""), "other");
}

TEST(KernelCategoryMatcher, FirstMatchWins) {
  KernelCategoryMatcher m(Rules{{"attention", "flash_fwd"}, {"gemm", "cutlass"}});
  EXPECT_EQ(m.Category("void flash::flash_fwd_kernel<cutlass::bfloat16_t>"), "attention");
  KernelCategoryMatcher r(Rules{{"gemm", "cutlass"}, {"attention", "flash_fwd"}});
  EXPECT_EQ(r.Category("void flash::flash_fwd_kernel<cutlass::bfloat16_t>"), "gemm");
  EXPECT_EQ(r.MatchRule("void flash::flash_fwd_kernel<cutlass::bfloat16_t>"), 0);
  EXPECT_EQ(r.MatchRule("flash_fwd"), 1);
  EXPECT_EQ(r.MatchRule("nothing"), -1);
}

TEST(KernelCategoryMatcher, AllTermsMustOccurInAnyOrder) {
  KernelCategoryMatcher m(Rules{{"norm", "triton_+rsqrt+mean"}, {"reduce", "triton_per_"}});
  EXPECT_EQ(m.Category("triton_per_fused__to_copy_add_mean_mul_pow_rsqrt_2"), "norm");
  EXPECT_EQ(m.Category("triton_per_fused_mean_3"), "reduce");
  EXPECT_EQ(m.Category("at::native::rsqrt_kernel_cuda mean"), "other");  // no triton_
}

TEST(KernelCategoryMatcher, EmptyPatternsNeverMatchAndNoRulesMeansOther) {
  KernelCategoryMatcher m(Rules{{"x", ""}, {"y", "+"}, {"z", "k"}});
  EXPECT_EQ(m.Category("kernel"), "z");
  EXPECT_EQ(KernelCategoryMatcher(Rules{}).Category("gemm"), "other");
}

TEST(KernelCategoryMatcher, NonAsciiBytesAreLeftAlone) {
  KernelCategoryMatcher m(Rules{{"a", "\xc3\x84x"}});  // "Äx": only ASCII folds
  EXPECT_EQ(m.Category("\xc3\x84X"), "a");
  EXPECT_EQ(m.Category("\xc3\xa4x"), "other");
}

// Naive reference: std::tolower per byte (C locale), split, search.
std::string Ref(const Rules& rules, const std::string& name) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [cat, pat] : rules) {
    std::vector<std::string> terms;
    std::string cur;
    for (char c : pat + "+") {
      if (c == '+') {
        if (!cur.empty()) terms.push_back(cur);
        cur.clear();
      } else {
        cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    if (terms.empty()) continue;
    bool ok = true;
    for (const auto& t : terms) ok = ok && n.find(t) != std::string::npos;
    if (ok) return cat;
  }
  return "other";
}

TEST(KernelCategoryMatcher, MatchesNaiveReferenceOnRandomInputs) {
  std::mt19937 rng(11);
  const std::string alphabet = "abAB_+:";
  auto word = [&](size_t max) {
    std::string s;
    size_t len = rng() % (max + 1);
    for (size_t i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  for (int round = 0; round < 300; ++round) {
    Rules rules;
    size_t nr = rng() % 6;
    for (size_t r = 0; r < nr; ++r) rules.emplace_back("c" + std::to_string(r), word(5));
    KernelCategoryMatcher m(rules);
    for (int i = 0; i < 50; ++i) {
      std::string name = word(12);
      ASSERT_EQ(m.Category(name), Ref(rules, name)) << name;
    }
  }
}

}  // namespace
}  // namespace nsysexplain::core
