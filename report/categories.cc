#include "categories.h"

#include "errors.h"
#include "phase_map.h"

namespace nsysexplain::render {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsCategoryChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

}  // namespace

CategoryRulesFile ParseCategories(const std::string& text, const std::string& path) {
  if (text.size() > kCategoriesMaxBytes)
    throw FatalError(path, "categories file is larger than 1 MiB");
  CategoryRulesFile out;
  size_t line_no = 0, pos = 0;
  auto fail = [&](const std::string& msg) {
    throw FatalError(path, "bad categories file: line " + std::to_string(line_no) + ": " + msg);
  };
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    for (char c : line)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
        fail("control character");
    size_t b = 0, e = line.size();
    while (b < e && IsBlank(line[b])) ++b;
    while (e > b && IsBlank(line[e - 1])) --e;
    line = line.substr(b, e - b);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '!') {
      if (line != "!no-defaults") fail("unknown directive \"" + line.substr(0, 40) + "\" (expected !no-defaults)");
      out.no_defaults = true;
      continue;
    }
    size_t c = 0;
    while (c < line.size() && !IsBlank(line[c])) ++c;
    std::string category = line.substr(0, c);
    for (char ch : category)
      if (!IsCategoryChar(ch))
        fail("bad category \"" + category.substr(0, 40) + "\" (letters, digits, _ . - only)");
    while (c < line.size() && IsBlank(line[c])) ++c;
    std::string pattern = line.substr(c);
    if (pattern.empty()) fail("category \"" + category + "\" has no pattern");
    if (pattern.find_first_not_of('+') == std::string::npos)
      fail("pattern of \"" + category + "\" has no term");
    if (out.rules.size() >= kCategoriesMaxRules)
      fail("more than " + std::to_string(kCategoriesMaxRules) + " rules");
    out.rules.emplace_back(std::move(category), std::move(pattern));
  }
  if (out.rules.empty() && !out.no_defaults)
    throw FatalError(path, "bad categories file: no rules (expected lines \"<category> <pattern>\")");
  return out;
}

CategoryRulesFile LoadCategories(const std::string& path) {
  return ParseCategories(ReadSmallFile(path, kCategoriesMaxBytes, "categories file"), path);
}

}  // namespace nsysexplain::render
