#include "e2e_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace e2e {
namespace {

int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) {
  ::chmod(path, 0700);  // tests may have made it unwritable
  return ::remove(path);
}

std::string ReadFd(int fd) {
  std::string s;
  ::lseek(fd, 0, SEEK_SET);
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

void RemoveTree(const std::string& path) {
  ::chmod(path.c_str(), 0700);
  ::nftw(path.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace

std::string TempBase() {
  const char* base = std::getenv("TMPDIR");
  return base && *base ? base : "/tmp";
}

TempDir::TempDir(const std::string& base) {
  std::string tmpl = base + "/nsysexplain-e2e-XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    std::fprintf(stderr, "e2e: cannot create a directory under %s\n", base.c_str());
    std::abort();
  }
  path_ = tmpl;
}

TempDir::~TempDir() { RemoveTree(path_); }

RunResult RunProgram(const std::string& program, const std::vector<std::string>& args,
              const std::string& cwd, bool as_nobody) {
  RunResult r;
  FILE* out = std::tmpfile();
  FILE* err = std::tmpfile();
  if (!out || !err) return r;
  std::vector<std::string> argv_s = {program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(::fileno(out), 1);
    ::dup2(::fileno(err), 2);
    if (as_nobody && ::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0))
      ::_exit(125);
    ::alarm(600);  // never hang the suite
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFd(::fileno(out));
  r.err = ReadFd(::fileno(err));
  std::fclose(out);
  std::fclose(err);
  return r;
}

RunResult Render(const std::vector<std::string>& args, const std::string& cwd) {
  return RunProgram(NSYS_EXPLAIN_RENDER, args, cwd);
}

bool AncestorsTraversableByOthers(const std::string& path) {
  std::string p = path;
  while (true) {
    size_t slash = p.find_last_of('/');
    if (slash == std::string::npos) return true;  // relative: cwd not checked
    p = slash == 0 ? "/" : p.substr(0, slash);
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !(st.st_mode & S_IXOTH)) return false;
    if (p == "/") return true;
  }
}

PermissionSandbox::PermissionSandbox(const std::string& renderer) {
  if (::geteuid() != 0) {
    // Permission checks apply to us: run the renderer where it is.
    std::string tmpl = TempBase() + "/nsysexplain-perm-XXXXXX";
    if (!::mkdtemp(tmpl.data())) {
      skip_reason_ = "cannot create a directory under " + TempBase();
      return;
    }
    root_ = work_ = tmpl;
    ::chmod(work_.c_str(), 0755);
    renderer_ = renderer;
    return;
  }
  std::vector<std::string> bases;
  if (const char* t = std::getenv("TMPDIR"); t && *t) bases.push_back(t);
  for (const char* b : {"/tmp", "/var/tmp", "/dev/shm"})
    if (std::find(bases.begin(), bases.end(), b) == bases.end()) bases.push_back(b);
  std::string tried;
  for (const std::string& base : bases) {
    std::string why;
    std::string tmpl = base + "/nsysexplain-perm-XXXXXX";
    if (!AncestorsTraversableByOthers(tmpl)) {
      why = "a parent directory is not searchable by others";
    } else if (!::mkdtemp(tmpl.data())) {
      why = std::string("cannot create a directory: ") + std::strerror(errno);
    } else {
      ::chmod(tmpl.c_str(), 0755);
      std::string bin = tmpl + "/nsys-explain-render";
      std::error_code ec;
      std::filesystem::copy_file(renderer, bin, ec);
      ::chmod(bin.c_str(), 0755);
      RunResult probe;
      if (!ec) probe = RunProgram(bin, {"--version"}, "", true);
      if (ec) {
        why = "cannot copy " + renderer + ": " + ec.message();
      } else if (probe.exit_code != 0) {
        why = "nobody cannot run a copy of the renderer there (exit " +
              std::to_string(probe.exit_code) + ")";
      } else {
        root_ = tmpl;
        work_ = tmpl + "/work";
        ::mkdir(work_.c_str(), 0755);
        ::chmod(work_.c_str(), 0755);
        renderer_ = bin;
        return;
      }
      RemoveTree(tmpl);
    }
    tried += (tried.empty() ? "" : "; ") + base + ": " + why;
  }
  skip_reason_ =
      "running as root, and no temp directory lets nobody run the renderer (" + tried +
      "); set TMPDIR to a directory every user can traverse";
}

PermissionSandbox::~PermissionSandbox() {
  if (!root_.empty()) RemoveTree(root_);
}

RunResult PermissionSandbox::Render(const std::vector<std::string>& args) const {
  return RunProgram(renderer_, args, "", true);
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool IsDir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

size_t LineCount(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

bool IsValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2)) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

std::vector<std::vector<std::string>> ParseCsv(const std::string& s, bool* ok) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  *ok = true;
  size_t i = 0;
  bool any = false;  // current record has content
  while (i < s.size()) {
    char c = s[i];
    if (c == '"' && field.empty()) {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += s[i++];
      }
      if (!closed || (i < s.size() && s[i] != ',' && s[i] != '\n' && s[i] != '\r')) {
        *ok = false;
        return rows;
      }
      any = true;
      continue;
    }
    if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
      ++i;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) {
        *ok = false;  // bare CR outside quotes
        return rows;
      }
      i += c == '\r' ? 2 : 1;
      row.push_back(field);
      field.clear();
      rows.push_back(row);
      row.clear();
      any = false;
    } else if (c == '"') {
      *ok = false;  // quote inside an unquoted field
      return rows;
    } else {
      field += c;
      any = true;
      ++i;
    }
  }
  if (any || !field.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

::testing::AssertionResult MarkdownTablesWellFormed(const std::string& md) {
  auto pipes = [](const std::string& line) {
    size_t n = 0, backslashes = 0;
    for (char c : line) {
      if (c == '|' && backslashes % 2 == 0) ++n;
      backslashes = c == '\\' ? backslashes + 1 : 0;
    }
    return n;
  };
  std::istringstream in(md);
  std::string line;
  size_t expected = 0, lineno = 0, tables = 0;
  bool in_table = false;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line[0] == '|') {
      size_t n = pipes(line);
      if (!in_table) {
        in_table = true;
        expected = n;
        ++tables;
        if (n < 2) return ::testing::AssertionFailure() << "line " << lineno << ": bad header";
      } else if (n != expected) {
        return ::testing::AssertionFailure()
               << "line " << lineno << " has " << n << " cell separators, header has "
               << expected << ": " << line;
      }
      if (line.back() != '|')
        return ::testing::AssertionFailure() << "line " << lineno << " does not end with |";
    } else {
      in_table = false;
    }
  }
  if (tables == 0) return ::testing::AssertionFailure() << "no Markdown table";
  return ::testing::AssertionSuccess();
}

const nlohmann::json& Section(const nlohmann::json& report, const std::string& id) {
  static const nlohmann::json kNull;
  for (const auto& s : report.at("sections"))
    if (s.at("id") == id) return s;
  ADD_FAILURE() << "no section " << id;
  return kNull;
}

const nlohmann::json& TableOf(const nlohmann::json& report, const std::string& section,
                              const std::string& table) {
  static const nlohmann::json kEmpty = {{"columns", nlohmann::json::array()},
                                        {"rows", nlohmann::json::array()}};
  const nlohmann::json& s = Section(report, section);
  if (s.is_null() || !s.at("tables").contains(table)) {
    ADD_FAILURE() << "no table " << table << " in section " << section;
    return kEmpty;
  }
  return s.at("tables").at(table);
}

nlohmann::json FindRow(const nlohmann::json& table,
                       const std::vector<std::pair<std::string, nlohmann::json>>& match) {
  const auto& cols = table.at("columns");
  for (const auto& row : table.at("rows")) {
    nlohmann::json obj = nlohmann::json::object();
    for (size_t c = 0; c < cols.size(); ++c) obj[cols[c].get<std::string>()] = row[c];
    bool ok = true;
    for (const auto& [k, v] : match)
      if (!obj.contains(k) || obj[k] != v) ok = false;
    if (ok) return obj;
  }
  return nullptr;
}

}  // namespace e2e
