// Saturating int64 arithmetic for durations, windows and sums: garbage
// timestamps (INT64 extremes) give INT64_MAX/INT64_MIN, never signed-overflow
// undefined behaviour.
#pragma once
#include <cstdint>
#include <limits>

namespace nsysexplain::core {

inline int64_t SatAdd(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_add_overflow(a, b, &r)) return r;
  return b > 0 ? std::numeric_limits<int64_t>::max()
               : std::numeric_limits<int64_t>::min();
}

inline int64_t SatSub(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_sub_overflow(a, b, &r)) return r;
  return b < 0 ? std::numeric_limits<int64_t>::max()
               : std::numeric_limits<int64_t>::min();
}

// True when end - start fits in int64 (a usable duration).
inline bool DurationFits(int64_t start, int64_t end) {
  int64_t r;
  return !__builtin_sub_overflow(end, start, &r);
}

}  // namespace nsysexplain::core
