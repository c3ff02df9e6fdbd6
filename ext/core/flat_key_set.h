// A flat open-addressing set of 128-bit keys (two int64 halves), for the
// hot paths of loading: (process key, correlationId) of every kernel, looked
// up once per runtime row. Built once, then read-only (safe to share across
// threads). Each distinct key gets a dense slot number in [0, size()), in
// insertion order, so callers keep per-key data in plain arrays.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "page_allocator.h"

namespace nsysexplain::core {

class FlatKeySet {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Room for `expected` keys at a load factor of at most 1/2.
  explicit FlatKeySet(size_t expected = 0) { Rehash(Capacity(expected)); }

  // The key's slot, added if new.
  uint32_t Insert(int64_t a, int64_t b) {
    if ((size_ + 1) * 2 > table_.size()) Rehash(table_.size() * 2);
    size_t mask = table_.size() - 1;
    for (size_t i = Hash(a, b) & mask;; i = (i + 1) & mask) {
      uint32_t s = table_[i];
      if (s == kNone) {
        table_[i] = static_cast<uint32_t>(size_);
        keys_.push_back({a, b});
        return static_cast<uint32_t>(size_++);
      }
      if (keys_[s].a == a && keys_[s].b == b) return s;
    }
  }

  // The key's slot, or kNone.
  uint32_t Find(int64_t a, int64_t b) const {
    size_t mask = table_.size() - 1;
    for (size_t i = Hash(a, b) & mask;; i = (i + 1) & mask) {
      uint32_t s = table_[i];
      if (s == kNone) return kNone;
      if (keys_[s].a == a && keys_[s].b == b) return s;
    }
  }

  size_t size() const { return size_; }

 private:
  struct Key {
    int64_t a, b;
  };
  static size_t Capacity(size_t n) {
    size_t c = 16;
    while (c < 2 * n) c *= 2;
    return c;
  }
  static size_t Hash(int64_t a, int64_t b) {
    uint64_t h = static_cast<uint64_t>(a) * 0x9E3779B97F4A7C15ull ^
                 static_cast<uint64_t>(b) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return static_cast<size_t>(h ^ (h >> 32));
  }
  void Rehash(size_t capacity) {
    table_.assign(capacity, kNone);
    size_t mask = capacity - 1;
    for (uint32_t s = 0; s < keys_.size(); ++s) {
      size_t i = Hash(keys_[s].a, keys_[s].b) & mask;
      while (table_[i] != kNone) i = (i + 1) & mask;
      table_[i] = s;
    }
  }

  Column<uint32_t> table_;  // slot per bucket, kNone when empty
  Column<Key> keys_;        // slot -> key
  size_t size_ = 0;
};

}  // namespace nsysexplain::core
