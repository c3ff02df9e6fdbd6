// Order statistics with the definitions documented in docs/SEMANTICS.md.
//
// Percentile p (0..100) of n values: linear interpolation between closest
// ranks at position p/100*(n-1) (numpy "linear"). Median = percentile 50,
// which is the mean of the two middle values for even n (nsys's median).
// Stdev: sample standard deviation (n-1), 0 for n == 1.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace nsysexplain::core {

// Percentile of an ascending-sorted range. n must be > 0, p in [0, 100].
double PercentileSorted(const double* sorted, size_t n, double p);
double PercentileSorted(const int64_t* sorted, size_t n, double p);

// Percentile of unsorted values; reorders `values` (nth_element, O(n)).
// Returns nullopt for empty input.
std::optional<double> PercentileInPlace(std::vector<double>& values, double p);

// Sample standard deviation from count, sum and sum of squares.
// Uses a numerically stable two-pass formula when given the values.
std::optional<double> SampleStdev(const double* values, size_t n);
std::optional<double> SampleStdev(const int64_t* values, size_t n);

}  // namespace nsysexplain::core
