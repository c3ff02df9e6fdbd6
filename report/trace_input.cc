#include "trace_input.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "errors.h"

extern "C" int sqlite3_nsysexplain_init(sqlite3* db, char** pzErrMsg,
                                        const sqlite3_api_routines* pApi);

namespace nsysexplain::render {
namespace {

constexpr char kSqliteHeader[16] = "SQLite format 3";  // + the trailing NUL

bool EndsWith(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char a = s[s.size() - suffix.size() + i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != suffix[i]) return false;
  }
  return true;
}

bool IsNsysReport(const std::string& path) {
  return EndsWith(path, ".nsys-rep") || EndsWith(path, ".qdrep");
}

[[noreturn]] void NotSqlite(const std::string& path, const std::string& why) {
  if (IsNsysReport(path))
    throw FatalError(path,
                     "is an Nsight Systems report, not a SQLite export: run "
                     "`nsys export --type sqlite --output trace.sqlite " +
                         path + "`");
  throw FatalError(path, "is not a SQLite database (" + why + ")");
}

// read() that retries on EINTR and short reads.
ssize_t ReadFully(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

std::string TraceUri(const std::string& path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string uri = path.size() > 0 && path[0] == '/' ? "file://" : "file:";
  for (unsigned char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '_' ||
                 c == '~' || c == '-';
    if (plain) {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri + "?mode=ro&immutable=1";
}

void CheckTracePath(const std::string& path) {
  if (path.empty()) throw FatalError("<empty path>", "no trace file given");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw FatalError(path, "no such file");
    throw FatalError(path, std::string("cannot access: ") + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw FatalError(path, "is a directory, not a trace file");
  if (!S_ISREG(st.st_mode)) throw FatalError(path, "is not a regular file");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw FatalError(path, std::string("cannot open: ") + std::strerror(errno));
  char head[16] = {};
  ssize_t n = ReadFully(fd, head, sizeof head);
  int read_errno = errno;
  ::close(fd);
  if (n < 0)
    throw FatalError(path, std::string("cannot read: ") + std::strerror(read_errno));
  if (n == 0) {
    if (IsNsysReport(path)) NotSqlite(path, "empty file");
    throw FatalError(path, "is empty (0 bytes), not a SQLite database");
  }
  if (n < 16 || std::memcmp(head, kSqliteHeader, 16) != 0)
    NotSqlite(path, "no \"SQLite format 3\" header");
}

Db OpenTrace(const std::string& path) {
  CheckTracePath(path);
  const std::string uri = TraceUri(path);
  try {
    // 1. Plain connection (no extension): is this a readable nsys export?
    //    Reading sqlite_master fails on corrupt, encrypted or truncated files.
    sqlite3_cancel_auto_extension(
        reinterpret_cast<void (*)(void)>(sqlite3_nsysexplain_init));
    {
      Db plain = Db::OpenReadOnlyUri(uri);
      plain.Query("SELECT count(*) FROM main.sqlite_master");
      Table t = plain.Query(
          "SELECT count(*) FROM main.sqlite_master WHERE type IN ('table', "
          "'view') AND name IN ('CUPTI_ACTIVITY_KIND_KERNEL', "
          "'CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL', "
          "'CUPTI_ACTIVITY_KIND_RUNTIME', 'NVTX_EVENTS', 'StringIds')");
      if (t.rows.empty() || t.rows[0].empty() || t.rows[0][0].AsInt() == 0)
        throw FatalError(path,
                         "not an Nsight Systems export (none of the tables "
                         "CUPTI_ACTIVITY_KIND_KERNEL, CUPTI_ACTIVITY_KIND_RUNTIME, "
                         "NVTX_EVENTS, StringIds)");
    }
    // 2. The real connection, with the extension and its views.
    RegisterNsysExplain();
    return Db::OpenReadOnlyUri(uri);
  } catch (const DbError& e) {
    RegisterNsysExplain();
    throw FatalError(path, std::string("cannot read as a SQLite database: ") +
                               e.what());
  }
}

}  // namespace nsysexplain::render
