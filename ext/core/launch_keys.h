// The PID-safe launch keys (process key, correlationId) of every kernel,
// looked up once per runtime row while loading. correlationIds are dense
// per process (CUPTI numbers API calls consecutively), so each process gets
// a direct array over its [min, max] correlationId range: a lookup is one
// bounds check and one load, and runtime rows, which come in time order,
// walk that array almost sequentially. A process whose ids are too sparse
// for an array (range > 8 x keys + 4096) falls back to FlatKeySet.
//
// Every distinct key gets a dense slot in [0, size()), in insertion order.
// Built once, then read-only (safe to share across threads).
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "flat_key_set.h"
#include "page_allocator.h"

namespace nsysexplain::core {

class LaunchKeys {
 public:
  static constexpr uint32_t kNone = FlatKeySet::kNone;

  LaunchKeys() = default;
  // `keys`: (process key, correlationId >= 0) pairs, duplicates allowed.
  template <class Pairs>
  explicit LaunchKeys(const Pairs& keys) {
    std::unordered_map<int64_t, size_t>& index = index_;
    for (const auto& [p, c] : keys) {
      auto [it, added] = index.try_emplace(p, procs_.size());
      if (added) procs_.push_back({p, c, c, 0});
      Proc& pr = procs_[it->second];
      pr.min = std::min(pr.min, c);
      pr.max = std::max(pr.max, c);
      ++pr.count;
    }
    for (Proc& pr : procs_) {
      uint64_t range = static_cast<uint64_t>(pr.max) - static_cast<uint64_t>(pr.min) + 1;
      if (range <= 8 * pr.count + 4096) pr.dense.assign(range, kNone);
      else pr.sparse = std::make_unique<FlatKeySet>(pr.count);
    }
    std::vector<std::vector<uint32_t>> sparse_slots(procs_.size());
    for (const auto& [p, c] : keys) {
      Proc& pr = procs_[index[p]];
      if (!pr.sparse) {
        uint32_t& s = pr.dense[static_cast<size_t>(c - pr.min)];
        if (s == kNone) s = static_cast<uint32_t>(size_++);
        continue;
      }
      std::vector<uint32_t>& map = sparse_slots[index[p]];
      uint32_t f = pr.sparse->Insert(p, c);
      if (f == map.size()) map.push_back(static_cast<uint32_t>(size_++));
    }
    for (size_t i = 0; i < procs_.size(); ++i) procs_[i].sparse_map = std::move(sparse_slots[i]);
  }

  // The key's slot, or kNone. `hint` is the caller's own memo of the last
  // process found (rows mostly come from one process at a time); start it
  // at SIZE_MAX.
  uint32_t Find(int64_t process, int64_t corr, size_t& hint) const {
    if (hint >= procs_.size() || procs_[hint].key != process) {
      auto it = index_.find(process);
      if (it == index_.end()) return kNone;
      hint = it->second;
    }
    const Proc* pr = &procs_[hint];
    if (!pr->sparse) {
      if (corr < pr->min || corr > pr->max) return kNone;
      return pr->dense[static_cast<size_t>(corr - pr->min)];
    }
    uint32_t f = pr->sparse->Find(process, corr);
    return f == kNone ? kNone : pr->sparse_map[f];
  }

  size_t size() const { return size_; }

 private:
  struct Proc {
    int64_t key, min, max;
    uint64_t count;
    Column<uint32_t> dense;  // corr - min -> slot
    std::unique_ptr<FlatKeySet> sparse;
    std::vector<uint32_t> sparse_map;  // FlatKeySet slot -> slot
  };
  std::vector<Proc> procs_;
  std::unordered_map<int64_t, size_t> index_;  // process key -> procs_ index
  size_t size_ = 0;
};

}  // namespace nsysexplain::core
