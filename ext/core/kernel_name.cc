#include "core/kernel_name.h"

namespace nsysexplain::core {
namespace {

constexpr std::string_view kAnon = "(anonymous namespace)";
constexpr std::string_view kOperator = "operator";

bool IsIdent(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '$';
}

// Index one past the bracket group that opens at s[i] (`open`), counting
// nested `open`/`close`, or npos when it never closes.
size_t GroupEnd(std::string_view s, size_t i, char open, char close) {
  int depth = 0;
  for (size_t j = i; j < s.size(); ++j) {
    if (s[j] == open) ++depth;
    else if (s[j] == close && --depth == 0) return j + 1;
  }
  return std::string_view::npos;
}

// Index one past the operator name that starts at s[i] ("operator..."), or
// npos when s[i] does not start one.
size_t OperatorEnd(std::string_view s, size_t i) {
  if (s.substr(i, kOperator.size()) != kOperator) return std::string_view::npos;
  size_t j = i + kOperator.size();
  if (j < s.size() && IsIdent(s[j])) {
    return std::string_view::npos;  // "operator_x", "operators": an identifier
  }
  while (j < s.size() && s[j] == ' ') ++j;
  if (j >= s.size()) return std::string_view::npos;
  if (s.substr(j, 2) == "()" || s.substr(j, 2) == "[]") return j + 2;
  if (IsIdent(s[j])) {  // new, delete (maybe []), a conversion: operator bool
    size_t k = j;
    while (k < s.size() && (IsIdent(s[k]) || s[k] == ':')) ++k;
    if (s.substr(k, 2) == "[]") k += 2;
    return k;
  }
  // The longest operator token (so "operator<<<int>" is operator<< with
  // template arguments).
  static constexpr std::string_view kTokens[] = {
      "<<=", ">>=", "<=>", "->*", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++",
      "--",  "+=",  "-=",  "*=",  "/=", "%=", "^=", "&=", "|=", "->", "+",  "-",  "*",
      "/",   "%",   "^",   "&",   "|",  "~",  "!",  "=",  "<",  ">",  ","};
  for (std::string_view t : kTokens)
    if (s.substr(j, t.size()) == t) return j + t.size();
  return std::string_view::npos;
}

}  // namespace

std::string KernelBaseName(std::string_view s) {
  if (s.substr(0, 2) == "_Z") return std::string(s);  // not demangled
  // One pass over the top level: template argument groups are skipped, the
  // first '(' that is not a name component starts the parameter list, and
  // `name` remembers where the last top-level word (after the return type)
  // starts.
  std::string out;
  size_t name = 0;
  auto component_start = [&] {
    return out.empty() || out.back() == ' ' || out.back() == '*' || out.back() == '&' ||
           (out.size() >= 2 && out.compare(out.size() - 2, 2, "::") == 0);
  };
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    size_t end = std::string_view::npos;
    if (component_start()) {
      if (s.substr(i, kAnon.size()) == kAnon) end = i + kAnon.size();
      else if (c == '[') end = GroupEnd(s, i, '[', ']');
      else if (c == '{') end = GroupEnd(s, i, '{', '}');
      else if (c == '<') {
        // `<unnamed>`, `<lambda(int)>`: a component (followed by "::" or
        // the end), not template arguments.
        size_t e = GroupEnd(s, i, '<', '>');
        if (e != std::string_view::npos &&
            (e == s.size() || s.substr(e, 2) == "::" || s[e] == '(' || s[e] == ' '))
          end = e;
      }
      if (end == std::string_view::npos) end = OperatorEnd(s, i);
      if (end != std::string_view::npos) {
        out.append(s.substr(i, end - i));
        i = end;
        continue;
      }
    }
    if (c == '<') {  // template arguments
      size_t e = GroupEnd(s, i, '<', '>');
      if (e == std::string_view::npos) return std::string(s);  // unbalanced
      i = e;
      continue;
    }
    if (c == '(') break;  // the parameter list
    if (c == ' ') {
      // A space ends the return type ("void f", "const T *f"); one before
      // the parameter list ends the name.
      size_t next = s.find_first_not_of(' ', i);
      if (next == std::string_view::npos || s[next] == '(') break;
      out.push_back(c);
      name = out.size();
      ++i;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  std::string base = out.substr(name);
  while (!base.empty() && (base.front() == '*' || base.front() == '&')) base.erase(0, 1);
  while (!base.empty() && base.back() == ' ') base.pop_back();
  if (base.empty()) return std::string(s);
  return base;
}

}  // namespace nsysexplain::core
