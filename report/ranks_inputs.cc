// The many-ranks mode's inputs: the traces TRACE... names and the
// report.json files --merge names (files as given, a directory's files, a
// glob's matches), and whether TRACE... is more than one trace.
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "errors.h"
#include "ranks.h"
#include "ranks_internal.h"

namespace nsysexplain::render {
namespace ranks_detail {
namespace {

bool HasGlob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

bool IsDir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

std::vector<std::string> Glob(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string Stem(const std::string& path) {
  std::string s = std::filesystem::path(path).filename().string();
  const size_t dot = s.rfind('.');
  return dot == std::string::npos || dot == 0 ? s : s.substr(0, dot);
}

std::vector<std::string> Expand(const std::vector<std::string>& args, const std::string& ext) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    if (IsDir(a)) {
      std::vector<std::string> in;
      for (const auto& e : std::filesystem::directory_iterator(a))
        if (e.path().string().size() > ext.size() &&
            e.path().string().compare(e.path().string().size() - ext.size(), ext.size(), ext) == 0)
          in.push_back(e.path().string());
      if (in.empty()) throw FatalError(a, "directory holds no *" + ext + " file");
      std::sort(in.begin(), in.end());
      out.insert(out.end(), in.begin(), in.end());
    } else if (!Exists(a) && HasGlob(a)) {
      std::vector<std::string> m = Glob(a);
      if (m.empty()) throw FatalError(a, "no file matches this pattern");
      out.insert(out.end(), m.begin(), m.end());
    } else {
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace ranks_detail

using namespace ranks_detail;

bool IsMultiTrace(const std::vector<std::string>& args) {
  return args.size() > 1 ||
         (args.size() == 1 && (IsDir(args[0]) || (!Exists(args[0]) && HasGlob(args[0]))));
}

std::vector<std::string> ExpandTraceArgs(const std::vector<std::string>& args) {
  return Expand(args, ".sqlite");
}

}  // namespace nsysexplain::render
