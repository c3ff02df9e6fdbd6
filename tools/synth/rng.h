// nsys-explain-synth: deterministic pseudo-random numbers.
//
// The generator must produce byte-identical output for a given seed, so it
// does not use <random> distributions (their algorithms are
// implementation-defined). Rng is xoshiro256** seeded through splitmix64;
// normals come from the Box-Muller transform.
#ifndef NSYSEXPLAIN_TOOLS_SYNTH_RNG_H_
#define NSYSEXPLAIN_TOOLS_SYNTH_RNG_H_

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace nsysexplain::synth {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t& s : s_) s = SplitMix64(x);
  }

  // Derives an independent stream, e.g. one per process.
  static Rng Derive(uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (0x9E3779B97F4A7C15ULL * (stream + 1));
    return Rng(SplitMix64(x));
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

  // Uniform integer in [lo, hi] (inclusive).
  int64_t UniformInt(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(Next() % span);
  }

  bool Bernoulli(double p) { return Uniform() < p; }

  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = Uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    const double u2 = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(6.283185307179586 * u2);
    has_spare_ = true;
    return r * std::cos(6.283185307179586 * u2);
  }

  double LogNormal(double median, double sigma) {
    return median * std::exp(sigma * Normal());
  }

  // A heavy-tailed duration in ns: lognormal around `median_ns`, and with
  // probability `outlier_p` multiplied by 6..14 (the "10x outlier").
  int64_t Duration(double median_ns, double sigma, double outlier_p = 0.003) {
    double d = LogNormal(median_ns, sigma);
    if (outlier_p > 0 && Bernoulli(outlier_p)) d *= Uniform(6.0, 14.0);
    return std::max<int64_t>(1, static_cast<int64_t>(std::llround(d)));
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace nsysexplain::synth

#endif  // NSYSEXPLAIN_TOOLS_SYNTH_RNG_H_
