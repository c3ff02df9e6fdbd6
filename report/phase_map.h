// --phase-map FILE: a JSON object {"phase": ["pattern", ...], ...}.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace nsysexplain::render {

inline constexpr size_t kPhaseMapMaxBytes = 1 << 20;   // 1 MiB
inline constexpr size_t kPhaseMapMaxPatterns = 1000;

// (phase, pattern) in file order; the first matching pattern wins.
using PhaseMap = std::vector<std::pair<std::string, std::string>>;

// Parses and validates a phase map. Throws FatalError(path, problem) with a
// one-line problem for anything but an object of non-empty arrays of
// non-empty strings (no nesting beyond that, no duplicate phases, at most
// kPhaseMapMaxBytes bytes and kPhaseMapMaxPatterns patterns).
PhaseMap LoadPhaseMap(const std::string& path);
// The bytes of a small regular file (a phase map, a categories file); throws
// FatalError(path, problem) when it is missing, not a regular file, larger
// than max_bytes or unreadable (`what` names it: "is a directory, not a <what>").
std::string ReadSmallFile(const std::string& path, size_t max_bytes, const std::string& what);
// Same, from text (`path` only names the source in errors).
PhaseMap ParsePhaseMap(const std::string& text, const std::string& path);

}  // namespace nsysexplain::render
