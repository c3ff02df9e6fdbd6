// Error types of nsys-explain-render and the exit codes they map to.
//
// Every fatal error is printed as exactly one line on stderr:
//   nsys-explain-render: <subject>: <problem>
// where <subject> is the file or directory the problem is about.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>

namespace nsysexplain::render {

// Exit codes (documented in --help and README-json.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFatal = 2;    // bad trace, phase map, output dir, query
inline constexpr int kExitRegression = 3;     // --fail-on-regression crossed
inline constexpr int kExitNotComparable = 4;  // --fail-on-regression: no comparison
inline constexpr int kExitUsage = 64;   // bad command line (EX_USAGE)

// A problem with one named input or output (trace, phase map, --out dir).
class FatalError : public std::runtime_error {
 public:
  FatalError(std::string subject, const std::string& problem)
      : std::runtime_error(problem), subject_(std::move(subject)) {}
  const std::string& subject() const { return subject_; }

 private:
  std::string subject_;
};

// A bad command line (unknown flag, value out of range).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace nsysexplain::render
