#include "text.h"

#include <cmath>
#include <fmt/format.h>

namespace nsysexplain::render {
namespace {

bool EndsWith(const std::string& s, std::string_view suf) {
  return s.size() >= suf.size() &&
         s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

// Length of the valid UTF-8 sequence at s[i], or 0 if invalid.
size_t Utf8SeqLen(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

// Backtick run length starting at i.
size_t RunAt(std::string_view s, size_t i) {
  size_t n = 0;
  while (i + n < s.size() && s[i + n] == '`') ++n;
  return n;
}

// True if s[i] == '&' could start an HTML entity (&name; or &#...;).
bool StartsEntity(std::string_view s, size_t i) {
  if (i + 1 >= s.size()) return false;
  char n = s[i + 1];
  return n == '#' || (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z');
}

}  // namespace

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SeqLen(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string MdCell(std::string_view raw) {
  std::string s = ValidUtf8(raw), out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '\\': case '|': case '`': case '[': case ']':
        out += '\\';
        out += ch;
        break;
      case '<': out += "&lt;"; break;
      case '&': out += StartsEntity(s, i) ? "&amp;" : "&"; break;
      default:
        out += (c < 0x20 || c == 0x7f) ? ' ' : ch;
    }
  }
  return out;
}

std::string MdCode(std::string_view raw) {
  std::string s = ValidUtf8(raw);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  size_t longest = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = RunAt(s, i);
    if (n) {
      longest = std::max(longest, n);
      i += n;
    } else {
      ++i;
    }
  }
  std::string fence(longest + 1, '`');
  bool pad = !s.empty() && (s.front() == '`' || s.back() == '`' ||
                            (s.front() == ' ' && s.back() == ' '));
  if (s.empty()) return "`` ``";  // an empty code span is not possible
  return fence + (pad ? " " : "") + s + (pad ? " " : "") + fence;
}

std::string MdInline(std::string_view raw) {
  std::string s = ValidUtf8(raw), out;
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  size_t i = 0;
  while (i < s.size()) {
    size_t n = RunAt(s, i);
    if (n > 0) {
      // Find the closing run of exactly n backticks.
      size_t j = i + n, close = std::string::npos;
      while (j < s.size()) {
        size_t m = RunAt(s, j);
        if (m == 0) { ++j; continue; }
        if (m == n) { close = j; break; }
        j += m;
      }
      if (close != std::string::npos) {
        out.append(s, i, close + n - i);  // code span, verbatim
        i = close + n;
      } else {
        out.append(n, '`');  // literal backticks
        i += n;
      }
      continue;
    }
    char ch = s[i++];
    if (ch == '<') out += "&lt;";
    else if (ch == '&') out += StartsEntity(s, i - 1) ? "&amp;" : "&";
    else out += ch;
  }
  return out;
}

std::vector<std::string> SplitLines(std::string_view s) {
  std::vector<std::string> out;
  size_t b = 0;
  while (b <= s.size()) {
    size_t e = s.find('\n', b);
    if (e == std::string_view::npos) e = s.size();
    std::string line(s.substr(b, e - b));
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(std::move(line));
    b = e + 1;
  }
  return out;
}

std::string Fixed(double v, int decimals) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos)
    s.erase(0, 1);
  return s;
}

std::string MdValue(const std::string& col, const Cell& c) {
  if (c.is_null()) return "";
  if (c.type == Cell::Type::kText) return MdCell(c.s);
  if (col == "launch_storm" || col == "blocks_host")
    return c.AsDouble() != 0 ? "true" : "false";
  double v = c.AsDouble();
  if (col.find("pct") != std::string::npos) return Fixed(v, 1);
  if (EndsWith(col, "_ms") || EndsWith(col, "_s")) return Fixed(v, 3);
  if (EndsWith(col, "_us")) return Fixed(v, 2);
  if (c.type == Cell::Type::kInt) return std::to_string(c.i);
  if (EndsWith(col, "_ns") || EndsWith(col, "_id") || EndsWith(col, "count"))
    return Fixed(v, 0);
  return fmt::format("{}", v);
}

std::string CsvField(const Cell& c) {
  if (c.is_null()) return "";
  if (c.type != Cell::Type::kText) return c.AsText();
  std::string s = ValidUtf8(c.s);
  if (s.empty()) return "\"\"";  // empty text; NULL is an empty field
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

}  // namespace nsysexplain::render
