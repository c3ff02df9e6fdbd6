// Helpers of the end-to-end suite: temp dirs, running the renderer as a
// subprocess, reading files, and format checkers (CSV, Markdown tables).
#pragma once
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace e2e {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out, err;
};

// Runs nsys-explain-render with `args` (no shell), in `cwd` if not empty.
// With `unprivileged`, a root caller runs it as nobody (65534), so that
// permission checks apply.
RunResult Render(const std::vector<std::string>& args, const std::string& cwd = "",
                 bool unprivileged = false);

// True when permission tests can run: not root, or root and every ancestor
// of `path` is traversable by others (then Render(..., true) runs as nobody).
// Makes `path` itself mode 0755.
bool CanTestPermissions(const std::string& path);

bool Exists(const std::string& path);
bool IsDir(const std::string& path);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& data);
// Sorted entry names of a directory (no "." / "..").
std::vector<std::string> ListDir(const std::string& path);
// Number of '\n'-terminated lines.
size_t LineCount(const std::string& s);
bool IsValidUtf8(const std::string& s);

// RFC 4180 parser (LF or CRLF records). Sets *ok = false on a malformed
// quote.
std::vector<std::vector<std::string>> ParseCsv(const std::string& s, bool* ok);

// Every Markdown table (consecutive lines starting with '|') has the same
// number of unescaped '|' on each line as on its header.
::testing::AssertionResult MarkdownTablesWellFormed(const std::string& md);

// report.json helpers.
const nlohmann::json& Section(const nlohmann::json& report, const std::string& id);
const nlohmann::json& TableOf(const nlohmann::json& report, const std::string& section,
                              const std::string& table);
// The first row whose columns equal the given (column, value) pairs, as an
// object column -> value; null when none matches.
nlohmann::json FindRow(const nlohmann::json& table,
                       const std::vector<std::pair<std::string, nlohmann::json>>& match);

}  // namespace e2e
