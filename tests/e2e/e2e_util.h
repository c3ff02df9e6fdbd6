// Helpers of the end-to-end suite: temp dirs, running the renderer as a
// subprocess, reading files, and format checkers (CSV, Markdown tables).
#pragma once
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace e2e {

// $TMPDIR when set and not empty, else /tmp.
std::string TempBase();

// A fresh directory under `base` (default TempBase()), removed with its
// contents.
class TempDir {
 public:
  explicit TempDir(const std::string& base = TempBase());
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

// Runs `program` with `args` (no shell), in `cwd` if not empty. With
// `as_nobody`, a root caller runs it as nobody (65534, no groups).
RunResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                     const std::string& cwd = "", bool as_nobody = false);

// Runs the nsys-explain-render under test with `args`, in `cwd` if not empty.
RunResult Render(const std::vector<std::string>& args, const std::string& cwd = "");

// Where the permission tests run (unreadable trace, unwritable --out).
// Permission checks do not apply to root, so a root caller runs the renderer
// as nobody; nobody must then reach both the renderer and the test files.
// A clone under a private directory (a 0700 home such as /root, a mktemp -d
// folder) leaves the build tree unreachable, so as root the sandbox copies
// the renderer into a fresh world-traversable directory under the first
// candidate base ($TMPDIR, /tmp, /var/tmp, /dev/shm) whose every ancestor
// nobody can traverse, and proves it by running the copy as nobody with
// --version. A non-root caller runs `renderer` itself, in a directory under
// TempBase(). skip_reason() says why permission tests cannot run here
// (empty when they can).
class PermissionSandbox {
 public:
  explicit PermissionSandbox(const std::string& renderer = NSYS_EXPLAIN_RENDER);
  PermissionSandbox(const PermissionSandbox&) = delete;
  PermissionSandbox& operator=(const PermissionSandbox&) = delete;
  ~PermissionSandbox();

  const std::string& skip_reason() const { return skip_reason_; }
  // The directory for test files (mode 0755, reachable by the runner).
  const std::string& path() const { return work_; }
  std::string operator/(const std::string& name) const { return work_ + "/" + name; }
  // The renderer binary that Render() executes.
  const std::string& renderer() const { return renderer_; }
  // Runs the renderer as the sandbox's user (nobody when the caller is root).
  RunResult Render(const std::vector<std::string>& args) const;

 private:
  std::string root_;  // removed with its contents; empty when none was made
  std::string work_, renderer_, skip_reason_;
};

// True when every ancestor directory of `path` (not `path` itself) has the
// search bit for others.
bool AncestorsTraversableByOthers(const std::string& path);

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
