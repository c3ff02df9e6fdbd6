#include "core/kernel_category.h"

namespace nsysexplain::core {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::vector<std::string> PatternTerms(std::string_view pattern) {
  std::vector<std::string> terms;
  size_t start = 0;
  while (start <= pattern.size()) {
    size_t plus = pattern.find('+', start);
    if (plus == std::string_view::npos) plus = pattern.size();
    if (plus > start) terms.push_back(AsciiLower(pattern.substr(start, plus - start)));
    start = plus + 1;
  }
  return terms;
}

KernelCategoryMatcher::KernelCategoryMatcher(
    const std::vector<std::pair<std::string, std::string>>& rules) {
  rules_.reserve(rules.size());
  for (const auto& [category, pattern] : rules)
    rules_.push_back({category, PatternTerms(pattern)});
}

int KernelCategoryMatcher::MatchRule(std::string_view name) const {
  std::string lower = AsciiLower(name);
  for (size_t r = 0; r < rules_.size(); ++r) {
    const auto& terms = rules_[r].terms;
    if (terms.empty()) continue;
    bool all = true;
    for (const std::string& t : terms)
      if (lower.find(t) == std::string::npos) {
        all = false;
        break;
      }
    if (all) return static_cast<int>(r);
  }
  return -1;
}

const std::string& KernelCategoryMatcher::Category(std::string_view name) const {
  int r = MatchRule(name);
  return r < 0 ? other_ : rules_[static_cast<size_t>(r)].category;
}

}  // namespace nsysexplain::core
