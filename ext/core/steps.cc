#include "steps.h"

#include "saturating.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace nsysexplain::core {

std::vector<StepSpan> SplitAtSyncs(const std::vector<HostCall>& launches,
                                   const std::vector<HostCall>& syncs) {
  std::vector<StepSpan> out;
  size_t s = 0;
  size_t i = 0;
  while (i < launches.size()) {
    // Syncs before this step's first launch open no step.
    while (s < syncs.size() && syncs[s].start < launches[i].start) ++s;
    StepSpan st{i, i, launches[i].start, launches[i].end, false};
    // The step's launches: every launch that starts before the next sync.
    while (i < launches.size() && (s == syncs.size() || launches[i].start < syncs[s].start)) {
      st.end = std::max(st.end, launches[i].end);
      ++i;
    }
    st.last = i;
    if (s < syncs.size()) {
      st.end = std::max(st.end, syncs[s].end);
      st.closed = true;
      ++s;
    }
    out.push_back(st);
  }
  return out;
}

std::vector<StepSpan> SplitAtGraphLaunches(const std::vector<HostCall>& launches,
                                           const std::vector<uint8_t>& graph) {
  std::vector<StepSpan> out;
  for (size_t i = 0; i < launches.size(); ++i) {
    if (out.empty() || graph[i]) {
      out.push_back({i, i + 1, launches[i].start, launches[i].end, false});
    } else {
      out.back().last = i + 1;
      out.back().end = std::max(out.back().end, launches[i].end);
    }
  }
  return out;
}

namespace {
int64_t Overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1) {
  int64_t lo = std::max(a0, b0), hi = std::min(a1, b1);
  return hi > lo ? SatSub(hi, lo) : 0;
}
}  // namespace

int64_t IdleInside(const Interval* gaps, size_t gap_count,
                   int64_t window_start, int64_t window_end, int64_t a, int64_t b) {
  if (b <= a) return 0;
  int64_t idle = SatAdd(Overlap(a, b, INT64_MIN, window_start),
                        Overlap(a, b, window_end, INT64_MAX));
  const Interval* begin = gaps;
  const Interval* end = gaps + gap_count;
  // The first gap that ends after a.
  auto it = std::upper_bound(begin, end, a, [](int64_t x, const Interval& g) { return x < g.end; });
  for (; it != end && it->start < b; ++it) idle = SatAdd(idle, Overlap(a, b, it->start, it->end));
  return idle;
}

}  // namespace nsysexplain::core

namespace nsysexplain::core {

AttentionPhase AttentionPhaseOf(std::string_view name) {
  std::string s(name);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto has = [&](std::string_view p) { return s.find(p) != std::string::npos; };
  for (std::string_view p : {"decode", "paged_attention", "splitkv", "split_kv",
                             "unified_attention_3d", "single_query", "flash_decoding"})
    if (has(p)) return AttentionPhase::kDecode;
  for (std::string_view p : {"prefill", "unified_attention_2d", "context_attention",
                             "varlen", "flash_fwd_kernel", "fmha", "flash_attn_fwd"})
    if (has(p)) return AttentionPhase::kPrefill;
  return AttentionPhase::kNone;
}

}  // namespace nsysexplain::core

namespace nsysexplain::core {

int64_t Midpoint(const Interval& x) {
  return static_cast<int64_t>((static_cast<__int128>(x.start) + x.end) / 2);
}

std::vector<int64_t> MatchSteps(const std::vector<Interval>& a, const std::vector<Interval>& b) {
  std::vector<int64_t> out(a.size(), -1);
  // b's midpoints, sorted (b may overlap, so not in start order).
  std::vector<std::pair<int64_t, int64_t>> mid(b.size());
  for (size_t j = 0; j < b.size(); ++j) mid[j] = {Midpoint(b[j]), static_cast<int64_t>(j)};
  std::sort(mid.begin(), mid.end());
  for (size_t i = 0; i < a.size(); ++i) {
    auto lo = std::lower_bound(mid.begin(), mid.end(), std::pair<int64_t, int64_t>{a[i].start, INT64_MIN});
    auto hi = std::lower_bound(mid.begin(), mid.end(), std::pair<int64_t, int64_t>{a[i].end, INT64_MIN});
    if (hi - lo == 1) out[i] = lo->second;
  }
  return out;
}

}  // namespace nsysexplain::core
