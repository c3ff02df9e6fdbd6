#include "percentile.h"

#include <algorithm>
#include <cmath>

namespace nsysexplain::core {
namespace {

template <typename T>
double Interpolate(const T* sorted, size_t n, double p) {
  if (n == 1) return static_cast<double>(sorted[0]);
  double pos = p / 100.0 * static_cast<double>(n - 1);
  if (pos <= 0) return static_cast<double>(sorted[0]);
  if (pos >= static_cast<double>(n - 1))
    return static_cast<double>(sorted[n - 1]);
  size_t lo = static_cast<size_t>(pos);
  double frac = pos - static_cast<double>(lo);
  double a = static_cast<double>(sorted[lo]);
  double b = static_cast<double>(sorted[lo + 1]);
  return a + (b - a) * frac;
}

template <typename T>
std::optional<double> Stdev(const T* v, size_t n) {
  if (n == 0) return std::nullopt;
  if (n == 1) return 0.0;
  long double mean = 0;
  for (size_t i = 0; i < n; ++i) mean += static_cast<long double>(v[i]);
  mean /= static_cast<long double>(n);
  long double ss = 0;
  for (size_t i = 0; i < n; ++i) {
    long double d = static_cast<long double>(v[i]) - mean;
    ss += d * d;
  }
  return static_cast<double>(std::sqrt(ss / static_cast<long double>(n - 1)));
}

}  // namespace

double PercentileSorted(const double* sorted, size_t n, double p) {
  return Interpolate(sorted, n, p);
}
double PercentileSorted(const int64_t* sorted, size_t n, double p) {
  return Interpolate(sorted, n, p);
}

std::optional<double> PercentileInPlace(std::vector<double>& values,
                                        double p) {
  size_t n = values.size();
  if (n == 0) return std::nullopt;
  if (n == 1) return values[0];
  double pos = p / 100.0 * static_cast<double>(n - 1);
  if (pos < 0) pos = 0;
  if (pos > static_cast<double>(n - 1)) pos = static_cast<double>(n - 1);
  size_t lo = static_cast<size_t>(pos);
  double frac = pos - static_cast<double>(lo);
  std::nth_element(values.begin(), values.begin() + lo, values.end());
  double a = values[lo];
  if (frac == 0.0 || lo + 1 >= n) return a;
  // The next rank is the minimum of the upper partition.
  double b = *std::min_element(values.begin() + lo + 1, values.end());
  return a + (b - a) * frac;
}

std::optional<double> SampleStdev(const double* values, size_t n) {
  return Stdev(values, n);
}
std::optional<double> SampleStdev(const int64_t* values, size_t n) {
  return Stdev(values, n);
}

}  // namespace nsysexplain::core
