// libFuzzer harness: the renderer's --phase-map parser
// (report/phase_map.h ParsePhaseMap, the code behind LoadPhaseMap).
//
// Invariants: it returns a valid map or throws FatalError with a one-line
// "bad phase map: ..." / "phase map is larger than 1 MiB" problem; a returned
// map is non-empty, has at most kPhaseMapMaxPatterns (phase, pattern) pairs,
// non-empty strings, and no phase repeated after a different one.
#include <set>
#include <string>

#include "errors.h"
#include "fuzz_common.h"
#include "phase_map.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nsysexplain::render;
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    PhaseMap map = ParsePhaseMap(text, "fuzz.json");
    if (map.empty()) fuzz::Fail("empty map accepted");
    if (map.size() > kPhaseMapMaxPatterns) fuzz::Fail("too many patterns");
    std::set<std::string> closed;
    std::string current;
    for (const auto& [phase, pattern] : map) {
      if (phase.empty() || pattern.empty()) fuzz::Fail("empty string accepted");
      if (phase != current) {
        if (closed.count(phase)) fuzz::Fail("duplicate phase accepted");
        if (!current.empty()) closed.insert(current);
        current = phase;
      }
    }
  } catch (const FatalError& e) {
    std::string what = e.what();
    if (e.subject() != "fuzz.json") fuzz::Fail("wrong subject " + e.subject());
    if (what.find('\n') != std::string::npos ||
        what.find('\r') != std::string::npos)
      fuzz::Fail("multi-line error: " + what);
    if (!fuzz::StartsWith(what, "bad phase map: ") &&
        what != "phase map is larger than 1 MiB")
      fuzz::Fail("unexpected error: " + what);
  }
  // Any other exception escapes and libFuzzer reports it as a crash.
  return 0;
}
