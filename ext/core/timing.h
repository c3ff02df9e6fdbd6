// Opt-in phase timing for profiling: with NSYSEXPLAIN_TIMING=1 in the
// environment, each ScopedTimer prints "nsysexplain: <label> <ms> ms" to
// stderr when it ends. Off (and free apart from one relaxed load) otherwise.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace nsysexplain::core {

// On from NSYSEXPLAIN_TIMING, or by SetTimingEnabled (nsys-explain-render
// --verbose).
inline std::atomic<bool>& TimingFlag() {
  static std::atomic<bool> on{[] {
    const char* v = std::getenv("NSYSEXPLAIN_TIMING");
    return v && *v && *v != '0';
  }()};
  return on;
}
inline bool TimingEnabled() { return TimingFlag().load(std::memory_order_relaxed); }
inline void SetTimingEnabled(bool on) { TimingFlag().store(on, std::memory_order_relaxed); }

class ScopedTimer {
 public:
  explicit ScopedTimer(std::string label) {
    if (TimingEnabled()) {
      label_ = std::move(label);
      t0_ = std::chrono::steady_clock::now();
    }
  }
  ~ScopedTimer() {
    if (label_.empty()) return;
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - t0_)
                    .count();
    // Resident and peak resident memory (Linux), to see where the peak is.
    long rss = -1, hwm = -1;
    if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
      char line[256];
      while (std::fgets(line, sizeof line, f)) {
        if (std::sscanf(line, "VmRSS: %ld", &rss) == 1) continue;
        std::sscanf(line, "VmHWM: %ld", &hwm);
      }
      std::fclose(f);
    }
    static const auto origin = t0_;  // the first timer's start
    double at = std::chrono::duration<double>(t0_ - origin).count();
    std::fprintf(stderr,
                 "nsysexplain: %-44s %9.1f ms  rss %6ld MiB  peak %6ld MiB"
                 "  (started at %.2f s)\n",
                 label_.c_str(), ms, rss / 1024, hwm / 1024, at);
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  std::string label_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace nsysexplain::core
