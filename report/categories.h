// --categories FILE: kernel category rules for temp.llm_kernel_category_rules.
//
// A text file, one rule per line, tried in file order before the default
// rules (first match wins):
//
//   # comment (also after blank lines; a whole line only)
//   <category> <pattern>
//   !no-defaults          (anywhere: drop the default rules)
//
// <category> is [A-Za-z0-9_.-]+; <pattern> is the rest of the line (leading
// and trailing blanks removed; it may contain spaces): terms joined by '+',
// a kernel name matches when it contains every term, case-insensitively.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace nsysexplain::render {

inline constexpr size_t kCategoriesMaxBytes = 1 << 20;  // 1 MiB
inline constexpr size_t kCategoriesMaxRules = 1000;

struct CategoryRulesFile {
  std::vector<std::pair<std::string, std::string>> rules;  // (category, pattern)
  bool no_defaults = false;
};

// Parses and validates; throws FatalError(path, "bad categories file: line N:
// ...") for anything else (no rules at all, control characters, a category
// without a pattern, a pattern with no term, an unknown directive, more than
// kCategoriesMaxRules rules or kCategoriesMaxBytes bytes).
CategoryRulesFile LoadCategories(const std::string& path);
CategoryRulesFile ParseCategories(const std::string& text, const std::string& path);

}  // namespace nsysexplain::render
