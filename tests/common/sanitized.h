// Whether this test binary is built with a sanitizer (the CI test command
// runs the suite under ASan/UBSan and the loader tests under TSan), and the
// number of random cases a randomized equality test runs there: every shape
// and part count is still covered, with fewer random traces, because each
// load is 3-10x slower instrumented. The plain Release build
// (NSYSEXPLAIN_QUICK=1 tests/run.sh) runs the full count.
#pragma once
#include <cstdlib>

namespace nsysexplain::testing {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

// tests/run.sh's ThreadSanitizer stage sets NSYSEXPLAIN_TSAN=1.
inline bool UnderTsanStage() { return std::getenv("NSYSEXPLAIN_TSAN") != nullptr; }

// `full` random cases in a plain build, `sanitized` under ASan/UBSan,
// `tsan` in the TSan stage.
inline int RandomCases(int full, int sanitized, int tsan) {
  return UnderTsanStage() ? tsan : kSanitized ? sanitized : full;
}

}  // namespace nsysexplain::testing
