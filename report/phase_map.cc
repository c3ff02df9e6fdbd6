#include "phase_map.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "errors.h"

namespace nsysexplain::render {
namespace {

// SAX handler that accepts exactly {"phase": ["pattern", ...], ...} and stops
// at the first violation, so deep or huge documents never build a DOM.
class PhaseMapSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  PhaseMap map;
  std::string error;

  bool null() override { return Fail("null is not allowed"); }
  bool boolean(bool) override { return Fail("booleans are not allowed"); }
  bool number_integer(number_integer_t) override { return Number(); }
  bool number_unsigned(number_unsigned_t) override { return Number(); }
  bool number_float(number_float_t, const string_t&) override { return Number(); }
  bool binary(binary_t&) override { return Fail("binary values are not allowed"); }

  bool string(string_t& val) override {
    if (depth_ != 2) return Fail("expected an array of patterns for phase \"" + phase_ + "\"");
    if (val.empty()) return Fail("empty pattern in phase \"" + phase_ + "\"");
    if (map.size() >= kPhaseMapMaxPatterns)
      return Fail("more than " + std::to_string(kPhaseMapMaxPatterns) + " patterns");
    map.emplace_back(phase_, val);
    ++in_phase_;
    return true;
  }
  bool start_object(std::size_t) override {
    if (depth_ != 0) return Fail("nested objects are not allowed (expected {\"phase\": [\"pattern\", ...]})");
    ++depth_;
    return true;
  }
  bool key(string_t& val) override {
    if (val.empty()) return Fail("empty phase name");
    if (!phases_.insert(val).second) return Fail("duplicate phase \"" + val + "\"");
    phase_ = val;
    return true;
  }
  bool end_object() override {
    --depth_;
    if (map.empty()) return Fail("no patterns (expected {\"phase\": [\"pattern\", ...]})");
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 0) return Fail("top level must be an object, not an array");
    if (depth_ != 1) return Fail("nested arrays are not allowed");
    ++depth_;
    in_phase_ = 0;
    return true;
  }
  bool end_array() override {
    --depth_;
    if (in_phase_ == 0) return Fail("phase \"" + phase_ + "\" has no patterns");
    return true;
  }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    if (error.empty()) error = std::string("invalid JSON: ") + ex.what();
    (void)pos;
    return false;
  }

 private:
  bool Number() {
    return Fail(depth_ == 2 ? "patterns must be strings" : "numbers are not allowed");
  }
  bool Fail(const std::string& msg) {
    if (error.empty()) error = msg;
    return false;
  }
  int depth_ = 0;
  size_t in_phase_ = 0;
  std::string phase_;
  std::set<std::string> phases_;
};

// Keeps an error on one line and reasonably short.
std::string OneLine(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      c = static_cast<unsigned char>(c) < 0x20 ? ' ' : '?';
  if (s.size() > 300) s = s.substr(0, 300) + "...";
  return s;
}

}  // namespace

PhaseMap ParsePhaseMap(const std::string& text, const std::string& path) {
  if (text.size() > kPhaseMapMaxBytes)
    throw FatalError(path, "phase map is larger than 1 MiB");
  PhaseMapSax sax;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text, &sax);
  } catch (const std::exception& e) {
    if (sax.error.empty()) sax.error = std::string("invalid JSON: ") + e.what();
  }
  if (!ok || !sax.error.empty())
    throw FatalError(path, "bad phase map: " +
                               OneLine(sax.error.empty() ? "invalid JSON" : sax.error));
  return std::move(sax.map);
}

std::string ReadSmallFile(const std::string& path, size_t max_bytes, const std::string& what) {
  const std::string too_big = what + " is larger than " +
                              (max_bytes == (size_t{1} << 20) ? std::string("1 MiB")
                                                               : std::to_string(max_bytes) + " bytes");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw FatalError(path, errno == ENOENT ? std::string("no such file")
                                           : std::string("cannot access: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw FatalError(path, "is a directory, not a " + what);
  if (!S_ISREG(st.st_mode)) throw FatalError(path, "is not a regular file");
  if (static_cast<size_t>(st.st_size) > max_bytes) throw FatalError(path, too_big);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FatalError(path, std::string("cannot open: ") + std::strerror(errno));
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw FatalError(path, std::string("cannot read: ") + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      ::close(fd);
      throw FatalError(path, too_big);
    }
  }
  ::close(fd);
  return text;
}

PhaseMap LoadPhaseMap(const std::string& path) {
  return ParsePhaseMap(ReadSmallFile(path, kPhaseMapMaxBytes, "phase map"), path);
}

}  // namespace nsysexplain::render
