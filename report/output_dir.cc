#include "output_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "errors.h"

namespace nsysexplain::render {
namespace {

std::string Errno(int e) { return std::strerror(e); }

std::string Normalize(std::string d) {
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  return d;
}

std::string Parent(const std::string& p) {
  size_t pos = p.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return Normalize(p.substr(0, pos));
}

std::string Join(const std::string& a, const std::string& b) {
  return a == "/" ? "/" + b : a + "/" + b;
}

// 1 = empty, 0 = has entries, -1 = cannot read (errno set).
int IsEmptyDir(const std::string& p) {
  DIR* d = ::opendir(p.c_str());
  if (!d) return -1;
  int empty = 1;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      empty = 0;
      break;
    }
  }
  ::closedir(d);
  return empty;
}

bool Writable(const std::string& p) { return ::access(p.c_str(), W_OK | X_OK) == 0; }

const char kNotEmpty[] =
    "exists and is not empty (use --force to replace report.md, report.json, "
    "report.html and tables/*.csv in it)";

void WriteFile(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + Errno(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      throw std::runtime_error("cannot write " + path + ": " + Errno(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) throw std::runtime_error("cannot write " + path + ": " + Errno(errno));
}

// Everything this run created, removed again unless committed.
class Transaction {
 public:
  ~Transaction() {
    if (committed_) return;
    for (auto it = files_.rbegin(); it != files_.rend(); ++it) ::unlink(it->c_str());
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) ::rmdir(it->c_str());
  }
  void File(const std::string& p) { files_.push_back(p); }
  void Dir(const std::string& p) { dirs_.push_back(p); }
  void Commit() { committed_ = true; }

 private:
  std::vector<std::string> files_, dirs_;  // removed in reverse order
  bool committed_ = false;
};

void MakeDirs(const std::string& p, Transaction& tx) {
  struct stat st {};
  if (::stat(p.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw std::runtime_error(p + " is not a directory");
    return;
  }
  if (errno != ENOENT) throw std::runtime_error("cannot access " + p + ": " + Errno(errno));
  std::string parent = Parent(p);
  if (parent != p) MakeDirs(parent, tx);
  if (::mkdir(p.c_str(), 0777) != 0 && errno != EEXIST)
    throw std::runtime_error("cannot create " + p + ": " + Errno(errno));
  tx.Dir(p);
}

mode_t CurrentUmask() {
  mode_t m = ::umask(022);
  ::umask(m);
  return m;
}

}  // namespace

void PrecheckOutDir(const std::string& dir, bool force) {
  std::string d = Normalize(dir);
  struct stat st {};
  if (::stat(d.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw FatalError(dir, "exists and is not a directory");
    int empty = IsEmptyDir(d);
    if (empty < 0) throw FatalError(dir, "cannot read directory: " + Errno(errno));
    if (!empty && !force) throw FatalError(dir, kNotEmpty);
    if (!Writable(d)) throw FatalError(dir, "is not writable");
    if (!Writable(Parent(d)))
      throw FatalError(dir, "its parent directory is not writable (the temporary "
                            "output directory is created next to it)");
    return;
  }
  if (errno == ENOTDIR) throw FatalError(dir, "cannot create: a parent is not a directory");
  if (errno != ENOENT) throw FatalError(dir, "cannot access: " + Errno(errno));
  std::string a = Parent(d);
  for (;;) {
    if (::stat(a.c_str(), &st) == 0) break;
    if (errno == ENOTDIR) throw FatalError(dir, "cannot create: a parent is not a directory");
    if (errno != ENOENT) throw FatalError(dir, "cannot access " + a + ": " + Errno(errno));
    std::string up = Parent(a);
    if (up == a) throw FatalError(dir, "cannot create: no existing parent directory");
    a = up;
  }
  if (!S_ISDIR(st.st_mode)) throw FatalError(dir, "cannot create: " + a + " is not a directory");
  if (!Writable(a)) throw FatalError(dir, "cannot create: " + a + " is not writable");
}

void WriteOutDir(const std::string& dir, const OutputFiles& files, bool force) {
  std::string d = Normalize(dir);
  Transaction tx;
  try {
    MakeDirs(Parent(d), tx);
    std::string tmpl = d + ".tmp-XXXXXX";
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error("cannot create a temporary directory next to it: " +
                               Errno(errno));
    const std::string tmp = tmpl;
    tx.Dir(tmp);
    ::chmod(tmp.c_str(), 0777 & ~CurrentUmask());  // mkdtemp makes it 0700

    std::set<std::string> subdirs;
    for (const auto& [rel, data] : files) {
      // Every parent, outer first (ranks/ before ranks/<stem>/).
      for (size_t slash = rel.find('/'); slash != std::string::npos;
           slash = rel.find('/', slash + 1)) {
        if (!subdirs.insert(rel.substr(0, slash)).second) continue;
        std::string sd = Join(tmp, rel.substr(0, slash));
        if (::mkdir(sd.c_str(), 0777) != 0)
          throw std::runtime_error("cannot create " + sd + ": " + Errno(errno));
        tx.Dir(sd);
      }
      std::string p = Join(tmp, rel);
      WriteFile(p, data);
      tx.File(p);
    }

    struct stat st {};
    if (::stat(d.c_str(), &st) != 0) {
      if (errno != ENOENT) throw std::runtime_error("cannot access: " + Errno(errno));
      if (::rename(tmp.c_str(), d.c_str()) != 0)
        throw std::runtime_error("cannot rename " + tmp + " into place: " + Errno(errno));
      tx.Commit();
      return;
    }
    if (!S_ISDIR(st.st_mode)) throw std::runtime_error("exists and is not a directory");
    if (!force && IsEmptyDir(d) != 1) throw std::runtime_error(kNotEmpty);

    // Merge into the existing directory: only our files are replaced.
    Transaction made;  // subdirectories we add inside DIR
    for (const std::string& sub : subdirs) {
      std::string sd = Join(d, sub);
      if (::lstat(sd.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) throw std::runtime_error(sd + " exists and is not a directory");
        continue;
      }
      if (::mkdir(sd.c_str(), 0777) != 0)
        throw std::runtime_error("cannot create " + sd + ": " + Errno(errno));
      made.Dir(sd);
    }
    for (const auto& f : files) {
      std::string target = Join(d, f.first);
      if (::lstat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw std::runtime_error(target + " is a directory");
    }
    for (const auto& f : files) {
      std::string from = Join(tmp, f.first), to = Join(d, f.first);
      if (::rename(from.c_str(), to.c_str()) != 0)
        throw std::runtime_error("cannot move " + from + " to " + to + ": " + Errno(errno));
    }
    made.Commit();
    // tx (not committed) now removes the emptied temp dir and the parents.
    // Parents existed by now only if DIR existed, so nothing else goes.
  } catch (const FatalError&) {
    throw;
  } catch (const std::exception& e) {
    throw FatalError(dir, e.what());
  }
}

}  // namespace nsysexplain::render
