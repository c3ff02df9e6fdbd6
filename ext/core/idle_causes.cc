#include "idle_causes.h"

#include <algorithm>
#include <unordered_map>

namespace nsysexplain::core {

const char* IdleCauseName(IdleCause c) {
  switch (c) {
    case IdleCause::kHostWait: return "host_wait";
    case IdleCause::kLaunchBound: return "launch_bound";
    case IdleCause::kOther: break;
  }
  return "other";
}

std::vector<IdleCause> ClassifyIdleGaps(const std::vector<IdleGap>& gaps,
                                        std::vector<HostWait> waits) {
  std::sort(waits.begin(), waits.end(), [](const HostWait& a, const HostWait& b) {
    return a.process != b.process ? a.process < b.process : a.start < b.start;
  });
  // Per process: its range in `waits` and the running maximum of call ends.
  std::vector<int64_t> max_end(waits.size());
  std::unordered_map<int64_t, std::pair<size_t, size_t>> range;
  for (size_t i = 0; i < waits.size(); ++i) {
    bool first = i == 0 || waits[i].process != waits[i - 1].process;
    max_end[i] = first ? waits[i].end : std::max(max_end[i - 1], waits[i].end);
    auto [it, added] = range.try_emplace(waits[i].process, i, i + 1);
    if (!added) it->second.second = i + 1;
  }
  std::vector<IdleCause> out;
  out.reserve(gaps.size());
  for (const IdleGap& g : gaps) {
    bool wait = false;
    auto r = range.find(g.process);
    if (r != range.end()) {
      // The last call starting before the gap ends; any call up to it that
      // ends after the gap starts overlaps the gap.
      auto first = waits.begin() + static_cast<std::ptrdiff_t>(r->second.first);
      auto last = waits.begin() + static_cast<std::ptrdiff_t>(r->second.second);
      auto it = std::lower_bound(first, last, g.end,
                                 [](const HostWait& w, int64_t t) { return w.start < t; });
      if (it != first) wait = max_end[size_t(it - waits.begin()) - 1] > g.start;
    }
    if (wait) out.push_back(IdleCause::kHostWait);
    else if (g.next_launch != kNoLaunch && g.next_launch > g.start)
      out.push_back(IdleCause::kLaunchBound);
    else out.push_back(IdleCause::kOther);
  }
  return out;
}

}  // namespace nsysexplain::core
