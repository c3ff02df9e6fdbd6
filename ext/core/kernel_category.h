// Kernel categories (docs/SEMANTICS.md, "Kernel categories"): an ordered list
// of (category, pattern) rules; a kernel name gets the category of the first
// rule whose pattern it matches, else "other".
//
// Pattern language: one or more terms joined by '+'; a name matches when it
// contains every term, case-insensitively (ASCII). Empty terms are ignored; a
// pattern with no non-empty term matches nothing. Example: "triton_+rsqrt+mean"
// matches "triton_per_fused__to_copy_add_mean_mul_pow_rsqrt_2".
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nsysexplain::core {

inline constexpr const char* kOtherCategory = "other";

class KernelCategoryMatcher {
 public:
  // (category, pattern) in match order (first match wins).
  explicit KernelCategoryMatcher(
      const std::vector<std::pair<std::string, std::string>>& rules);

  // Index of the first matching rule, or -1.
  int MatchRule(std::string_view name) const;
  // The category of the first matching rule, or kOtherCategory.
  const std::string& Category(std::string_view name) const;

  size_t size() const { return rules_.size(); }
  const std::string& rule_category(size_t i) const { return rules_[i].category; }

 private:
  struct Rule {
    std::string category;
    std::vector<std::string> terms;  // lower-cased, non-empty
  };
  std::vector<Rule> rules_;
  std::string other_ = kOtherCategory;
};

// ASCII lower-case copy.
std::string AsciiLower(std::string_view s);
// The terms of a pattern, lower-cased, empty ones dropped.
std::vector<std::string> PatternTerms(std::string_view pattern);

}  // namespace nsysexplain::core
