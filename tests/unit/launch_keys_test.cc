// core::FlatKeySet and core::LaunchKeys (ext/core/flat_key_set.h,
// ext/core/launch_keys.h) against std::unordered_map on random inputs.
// Both hand out a dense slot per distinct key, in first-insertion order;
// the loaders index per-key arrays with those slots, so a wrong or
// non-dense slot silently attaches a kernel to another kernel's launch row.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/flat_key_set.h"
#include "core/launch_keys.h"

namespace nsysexplain::core {
namespace {

using Key = std::pair<int64_t, int64_t>;
struct KeyHash {
  size_t operator()(const Key& k) const {
    return std::hash<int64_t>()(k.first) * 31 + std::hash<int64_t>()(k.second);
  }
};
using RefMap = std::unordered_map<Key, uint32_t, KeyHash>;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Values that break naive hashing or arithmetic: 0, +-1, the int64 edges,
// powers of two (equal low bits), process-key-shaped values (low 24 bits 0).
std::vector<int64_t> EdgeValues() {
  std::vector<int64_t> v = {0, 1, -1, 2, -2, kMin, kMax, kMin + 1, kMax - 1};
  for (int b = 1; b < 63; b += 3) {
    v.push_back(int64_t{1} << b);
    v.push_back(-(int64_t{1} << b));
  }
  for (int64_t pid : {1, 2, 1000, 0xFFFFFF})
    for (int64_t hw : {0, 1, 0x80, 0xFF})
      v.push_back(static_cast<int64_t>((static_cast<uint64_t>(hw) << 56) |
                                       (static_cast<uint64_t>(pid) << 24)));
  return v;
}

// ------------------------------------------------------------ FlatKeySet

TEST(FlatKeySet, EmptyFindsNothing) {
  for (size_t expected : {0u, 1u, 7u, 1000u}) {
    FlatKeySet s(expected);
    EXPECT_EQ(s.size(), 0u);
    for (int64_t a : EdgeValues())
      for (int64_t b : {int64_t{0}, int64_t{1}, kMin, kMax})
        EXPECT_EQ(s.Find(a, b), FlatKeySet::kNone) << a << "," << b;
  }
}

// Slots are 0, 1, 2, ... in first-insertion order; a repeated Insert
// returns the existing slot; Find agrees with Insert for present keys and
// says kNone for absent ones, across every rehash.
void CheckAgainstMap(FlatKeySet& s, const std::vector<Key>& inserts,
                     const std::vector<Key>& probes) {
  RefMap ref;
  std::vector<Key> order;
  for (size_t i = 0; i < inserts.size(); ++i) {
    const Key& k = inserts[i];
    auto [it, added] = ref.try_emplace(k, static_cast<uint32_t>(ref.size()));
    if (added) order.push_back(k);
    ASSERT_EQ(s.Insert(k.first, k.second), it->second)
        << "insert #" << i << " (" << k.first << ", " << k.second << ")";
    ASSERT_EQ(s.size(), ref.size());
    // After every power of two (a rehash just happened or is next), every
    // key so far must still be found at its slot.
    size_t n = ref.size();
    if (added && (n & (n - 1)) == 0) {
      for (uint32_t slot = 0; slot < order.size(); ++slot)
        ASSERT_EQ(s.Find(order[slot].first, order[slot].second), slot)
            << "after growing to " << n << " keys";
    }
  }
  for (uint32_t slot = 0; slot < order.size(); ++slot)
    EXPECT_EQ(s.Find(order[slot].first, order[slot].second), slot);
  for (const Key& k : probes) {
    auto it = ref.find(k);
    uint32_t want = it == ref.end() ? FlatKeySet::kNone : it->second;
    EXPECT_EQ(s.Find(k.first, k.second), want) << k.first << "," << k.second;
  }
}

TEST(FlatKeySet, RandomKeysMatchUnorderedMap) {
  std::mt19937_64 rng(20240611);
  std::vector<int64_t> edges = EdgeValues();
  for (int iter = 0; iter < 60; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    auto U = [&](int64_t lo, int64_t hi) {
      return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    size_t n = static_cast<size_t>(U(0, iter < 50 ? 3000 : 40000));
    // A small pool of keys repeats often (duplicates); the rest are drawn
    // from wide, narrow and edge distributions.
    std::vector<Key> pool;
    for (int i = 0; i < 20; ++i) pool.emplace_back(U(-3, 3), U(-5, 5));
    std::vector<Key> inserts;
    for (size_t i = 0; i < n; ++i) {
      switch (U(0, 5)) {
        case 0: inserts.push_back(pool[size_t(U(0, 19))]); break;
        case 1: inserts.emplace_back(edges[size_t(U(0, int64_t(edges.size()) - 1))],
                                     edges[size_t(U(0, int64_t(edges.size()) - 1))]);
          break;
        case 2: inserts.emplace_back(U(kMin, kMax), U(kMin, kMax)); break;
        case 3: inserts.emplace_back(int64_t(U(0, 3)) << 24, U(0, int64_t(n)));  // dense
          break;
        case 4: if (!inserts.empty()) inserts.push_back(inserts[size_t(U(0, int64_t(inserts.size()) - 1))]);
          break;
        default: inserts.emplace_back(U(-100, 100), U(kMin, kMax)); break;
      }
    }
    std::vector<Key> probes = inserts;
    for (int i = 0; i < 2000; ++i) {
      probes.emplace_back(U(kMin, kMax), U(kMin, kMax));
      probes.emplace_back(U(-4, 4), U(-6, 6));
      probes.emplace_back(edges[size_t(U(0, int64_t(edges.size()) - 1))],
                          edges[size_t(U(0, int64_t(edges.size()) - 1))]);
    }
    // Under-, exactly and over-sized: growth from 16 buckets, none, or
    // plenty of room.
    for (size_t expected : {size_t{0}, n / 3, n, 4 * n + 17}) {
      SCOPED_TRACE(::testing::Message() << "expected " << expected);
      FlatKeySet s(expected);
      CheckAgainstMap(s, inserts, probes);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// (a, b) and (b, a), and keys differing in one half only, are different
// keys (a hash that only xors the halves would make these collide; the set
// must still compare both halves).
TEST(FlatKeySet, HalvesAreNotInterchangeable) {
  FlatKeySet s;
  std::vector<Key> inserts;
  for (int64_t a : EdgeValues())
    for (int64_t b : {int64_t{0}, int64_t{1}, int64_t{-1}, kMin, kMax}) {
      inserts.emplace_back(a, b);
      inserts.emplace_back(b, a);
    }
  std::vector<Key> probes;
  for (int64_t a : EdgeValues()) probes.emplace_back(a, 12345), probes.emplace_back(12345, a);
  CheckAgainstMap(s, inserts, probes);
}

// Sequential keys of one process: the loaders' common case, and the worst
// for a weak hash (all keys share one half).
TEST(FlatKeySet, SequentialKeysOfOneHalf) {
  for (int64_t a : {int64_t{0}, int64_t{1} << 24, kMin, kMax}) {
    FlatKeySet s;
    std::vector<Key> inserts, probes;
    for (int64_t b = 0; b < 70000; ++b) inserts.emplace_back(a, b * 7);
    for (int64_t b = -100; b < 70000 * 7 + 100; b += 3) probes.emplace_back(a, b);
    CheckAgainstMap(s, inserts, probes);
  }
}

// ------------------------------------------------------------ LaunchKeys

// Reference: the slot of a key is the index of its first occurrence among
// the distinct keys, in input order.
struct RefKeys {
  RefMap slot;
  explicit RefKeys(const std::vector<Key>& keys) {
    for (const Key& k : keys) slot.try_emplace(k, static_cast<uint32_t>(slot.size()));
  }
  uint32_t Find(const Key& k) const {
    auto it = slot.find(k);
    return it == slot.end() ? LaunchKeys::kNone : it->second;
  }
};

// Looks every probe up with three hint disciplines: a fresh hint per call
// (SIZE_MAX), one hint carried through all calls (as the loaders do), and
// garbage hints (out of range, or the index of another process).
void CheckLaunchKeys(const std::vector<Key>& keys, const std::vector<Key>& probes) {
  LaunchKeys lk(keys);
  RefKeys ref(keys);
  ASSERT_EQ(lk.size(), ref.slot.size());
  // Every slot 0..size()-1 is used exactly once.
  std::vector<int> seen(ref.slot.size(), 0);
  size_t carried = SIZE_MAX;
  for (const Key& k : keys) {
    size_t fresh = SIZE_MAX;
    uint32_t s = lk.Find(k.first, k.second, fresh);
    ASSERT_EQ(s, ref.Find(k)) << "(" << k.first << ", " << k.second << ")";
    ASSERT_EQ(lk.Find(k.first, k.second, carried), s);
    seen[s] = 1;
  }
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_TRUE(seen[i]) << "slot " << i << " unused";
  size_t garbage = 0;
  for (const Key& k : probes) {
    uint32_t want = ref.Find(k);
    size_t fresh = SIZE_MAX;
    ASSERT_EQ(lk.Find(k.first, k.second, fresh), want)
        << "(" << k.first << ", " << k.second << ")";
    ASSERT_EQ(lk.Find(k.first, k.second, carried), want);
    size_t bad = garbage++ % 7;  // a valid index, often another process's
    ASSERT_EQ(lk.Find(k.first, k.second, bad), want);
    size_t huge = SIZE_MAX - 1;
    ASSERT_EQ(lk.Find(k.first, k.second, huge), want);
  }
}

// One process's correlationIds. `sparse`: range well above 8 x keys + 4096
// (the FlatKeySet fallback); else consecutive with holes (the direct array).
std::vector<int64_t> CorrIds(std::mt19937_64& rng, size_t n, int kind) {
  auto U = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  std::vector<int64_t> c;
  int64_t base = U(0, 3) == 0 ? U(0, kMax / 2) : U(0, 1000);
  for (size_t i = 0; i < n; ++i) {
    switch (kind) {
      case 0: c.push_back(base + int64_t(i) + (U(0, 4) == 0 ? U(0, 3) : 0)); break;  // dense
      case 1: c.push_back(U(0, kMax)); break;                                       // huge, sparse
      case 2: c.push_back(base + int64_t(i) * 100000); break;                        // sparse, strided
      default: c.push_back(base + U(0, int64_t(n) * 8)); break;                      // dense, random
    }
  }
  // Duplicates: the same id repeated (CUDA graphs: several kernels, one
  // launch) and interleaved.
  for (size_t i = 0, d = size_t(U(0, int64_t(n) / 3 + 1)); i < d && !c.empty(); ++i)
    c.push_back(c[size_t(U(0, int64_t(c.size()) - 1))]);
  std::shuffle(c.begin() + static_cast<std::ptrdiff_t>(c.size() / 2), c.end(), rng);
  return c;
}

TEST(LaunchKeys, EmptyFindsNothing) {
  LaunchKeys none;
  EXPECT_EQ(none.size(), 0u);
  LaunchKeys empty{std::vector<Key>{}};
  EXPECT_EQ(empty.size(), 0u);
  for (int64_t a : EdgeValues()) {
    size_t h = SIZE_MAX, h0 = 0;
    EXPECT_EQ(none.Find(a, 0, h), LaunchKeys::kNone);
    EXPECT_EQ(empty.Find(a, 1, h0), LaunchKeys::kNone);
  }
}

TEST(LaunchKeys, RandomProcessesMatchUnorderedMap) {
  std::mt19937_64 rng(777);
  std::vector<int64_t> edges = EdgeValues();
  for (int iter = 0; iter < 80; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    auto U = [&](int64_t lo, int64_t hi) {
      return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    // Process keys: nsys-shaped (pid << 24 with VM/hardware bits, negative
    // when the top hardware bit is set) or arbitrary int64.
    int nproc = int(iter % 10 == 9 ? U(100, 600) : U(1, 6));
    std::vector<int64_t> procs;
    while (procs.size() < size_t(nproc)) {
      int64_t p = U(0, 2) ? static_cast<int64_t>(
                                 (static_cast<uint64_t>(U(0, 255)) << 56) |
                                 (static_cast<uint64_t>(U(1, 0xFFFFFF)) << 24))
                          : edges[size_t(U(0, int64_t(edges.size()) - 1))];
      if (std::find(procs.begin(), procs.end(), p) == procs.end()) procs.push_back(p);
    }
    std::vector<std::vector<Key>> per_proc;
    for (int64_t p : procs) {
      size_t n = size_t(nproc > 50 ? U(1, 20) : U(1, 2500));
      std::vector<Key> ks;
      for (int64_t c : CorrIds(rng, n, int(U(0, 3)))) ks.emplace_back(p, c);
      per_proc.push_back(std::move(ks));
    }
    // Rows come mostly one process at a time, with some interleaving
    // (the colliding correlationIds of different processes mix).
    std::vector<Key> keys;
    std::vector<size_t> pos(per_proc.size(), 0);
    for (size_t left = 1; left;) {
      left = 0;
      for (size_t i = 0; i < per_proc.size(); ++i) {
        size_t take = size_t(U(1, 200));
        for (; take && pos[i] < per_proc[i].size(); --take) keys.push_back(per_proc[i][pos[i]++]);
        left += per_proc[i].size() - pos[i];
      }
    }
    // Absent keys: unknown processes, ids below/above a process's range,
    // holes inside a dense range, the same id under another process.
    std::vector<Key> probes;
    for (int i = 0; i < 3000; ++i) {
      const Key& k = keys[size_t(U(0, int64_t(keys.size()) - 1))];
      int64_t other = procs[size_t(U(0, int64_t(procs.size()) - 1))];
      probes.emplace_back(k.first, k.second + U(-3, 3));
      probes.emplace_back(other, k.second);
      probes.emplace_back(k.first, U(0, kMax));
      probes.emplace_back(k.first, U(kMin, -1));
      probes.emplace_back(U(kMin, kMax), k.second);
      probes.emplace_back(k.first ^ (int64_t{1} << 24), k.second);
    }
    for (int64_t p : procs)
      for (int64_t c : {int64_t{0}, int64_t{-1}, kMin, kMax, kMax - 1}) probes.emplace_back(p, c);
    CheckLaunchKeys(keys, probes);
    if (HasFatalFailure()) return;
  }
}

// The array/fallback boundary: range == 8 x keys + 4096 is still an array,
// one more is a FlatKeySet; both must answer the same.
TEST(LaunchKeys, DenseSparseBoundary) {
  for (uint64_t count : {1u, 2u, 10u, 1000u}) {
    for (int64_t extra : {-1, 0, 1, 2}) {
      SCOPED_TRACE(::testing::Message() << count << " keys, extra " << extra);
      int64_t range = int64_t(8 * count + 4096) + extra;
      int64_t lo = 5;
      std::vector<Key> keys;
      // count distinct ids spanning exactly `range`: lo, lo + range - 1,
      // and count - 2 in between.
      keys.emplace_back(int64_t{7} << 24, lo + range - 1);
      if (count > 1) keys.emplace_back(int64_t{7} << 24, lo);
      for (uint64_t i = 2; i < count; ++i)
        keys.emplace_back(int64_t{7} << 24, lo + 1 + int64_t(i) * 3);
      keys.emplace_back(int64_t{7} << 24, lo + range - 1);  // duplicate
      std::vector<Key> probes;
      for (int64_t c = lo - 3; c < lo + range + 3; ++c) probes.emplace_back(int64_t{7} << 24, c);
      CheckLaunchKeys(keys, probes);
    }
  }
}

// A process whose ids span the whole non-negative range (0 and INT64_MAX):
// the range arithmetic must not overflow into a small array.
TEST(LaunchKeys, HugeRangeWithinNonNegativeIds) {
  std::vector<Key> keys = {{1, 0},        {1, kMax},  {1, kMax / 2}, {-1, kMax},
                           {-1, kMax - 1}, {kMin, 0}, {kMax, 3},     {1, 0}};
  std::vector<Key> probes = {{1, 1},  {1, kMax - 1}, {-1, 0}, {kMin, 1}, {kMin, kMax},
                             {kMax, 2}, {kMax, 4},   {0, 0},  {2, 0}};
  CheckLaunchKeys(keys, probes);
}

// Negative ids in a small range (the contract only needs >= 0; the array
// arithmetic works for any range that fits).
TEST(LaunchKeys, NegativeIdsInSmallRange) {
  std::vector<Key> keys;
  for (int64_t c = -50; c <= 50; c += 2) keys.emplace_back(int64_t{3} << 24, c);
  keys.emplace_back(int64_t{3} << 24, -50);
  std::vector<Key> probes;
  for (int64_t c = -60; c <= 60; ++c) probes.emplace_back(int64_t{3} << 24, c);
  CheckLaunchKeys(keys, probes);
}

}  // namespace
}  // namespace nsysexplain::core
