#include "nccl.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "saturating.h"

namespace nsysexplain::core {
namespace {

// Whether `needle` (letters only) occurs in `s`, case folded, with '_'
// inside `s` skipped ("all_reduce" holds "AllReduce").
bool ContainsFolded(std::string_view s, std::string_view needle) {
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  for (size_t i = 0; i < s.size(); ++i) {
    size_t j = 0, k = i;
    while (j < needle.size() && k < s.size()) {
      if (s[k] == '_' && k > i) {
        ++k;
        continue;
      }
      if (lower(s[k]) != lower(needle[j])) break;
      ++j;
      ++k;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

}  // namespace

std::string_view NcclCollective(std::string_view name) {
  if (!ContainsFolded(name, "nccl")) return "";
  // Longer names first where one contains another.
  static constexpr std::array<std::string_view, 9> kCollectives = {
      "ReduceScatter", "AllReduce", "AllGather", "AllToAll", "Broadcast",
      "SendRecv",      "Reduce",    "Send",      "Recv"};
  for (std::string_view c : kCollectives)
    if (ContainsFolded(name, c)) return c;
  return "Other";
}

RankSkew ComputeRankSkew(const std::vector<std::vector<int64_t>>& starts) {
  RankSkew out;
  out.last.assign(starts.size(), 0);
  size_t longest = 0;
  for (const auto& s : starts) longest = std::max(longest, s.size());
  for (size_t n = 0; n < longest; ++n) {
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    size_t ranks = 0, late = 0;
    for (size_t r = 0; r < starts.size(); ++r) {
      if (n >= starts[r].size()) continue;
      ++ranks;
      lo = std::min(lo, starts[r][n]);
      if (starts[r][n] > hi) {
        hi = starts[r][n];
        late = r;
      }
    }
    if (ranks < 2) continue;
    ++out.instances;
    int64_t spread = SatSub(hi, lo);
    out.total = SatAdd(out.total, spread);
    out.max = std::max(out.max, spread);
    ++out.last[late];
  }
  return out;
}

}  // namespace nsysexplain::core
