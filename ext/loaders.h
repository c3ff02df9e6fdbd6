// Table loaders: each big nsys table read as disjoint rowid ranges
// ("parts", one sequential scan each, run on worker threads by
// table_load.cc) into the compact columns of core/trace_model.h, then merged
// in rowid order.
//
// Part loaders never touch the trace's string table: names that come from
// StringIds use the shared, read-only id map; any other text (inline NVTX
// text, "<unresolved ...>") goes to a part-local table, tagged with kLocal,
// and is interned when the parts are merged (MergeStrings, MergeKernelParts,
// MergeRuntimeParts, MergeNvtxParts; one merge at a time).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/launch_keys.h"
#include "core/trace_model.h"
#include "scan.h"
#include "schema.h"
#include "sqlite_api.h"

namespace nsysexplain {

struct PairHash {
  size_t operator()(const std::pair<int64_t, int64_t>& p) const {
    uint64_t h = static_cast<uint64_t>(p.first) * 0x9E3779B97F4A7C15ull;
    h ^= static_cast<uint64_t>(p.second) + 0x7F4A7C159E3779B9ull + (h << 6) +
         (h >> 2);
    return static_cast<size_t>(h);
  }
};

constexpr uint32_t kLocal = 0x80000000u;  // id lives in the loader's table

struct LoaderStrings {
  const std::unordered_map<int64_t, uint32_t>* shared = nullptr;
  core::StringTable local;
  std::unordered_map<int64_t, uint32_t> unresolved;  // id -> local id

  // Interns `v` in the local table. Inline NVTX texts repeat a few hundred
  // names millions of times, so a small direct-mapped cache in front of the
  // hash map answers most calls with one cheap hash and one compare.
  uint32_t Local(std::string_view v);
  // Resolves a column that holds a StringIds id (or, in some exports, text).
  uint32_t Resolve(sqlite3_value* v, int64_t* unresolved_count);
  // True if the value is text or an id present in StringIds.
  bool Resolvable(sqlite3_value* v);
  uint32_t ResolveId(int64_t id, int64_t* unresolved_count);
  // StringIds[id] as a shared id; false if the id is not in StringIds.
  // Names repeat: a direct-mapped cache answers most calls without hashing
  // into the (large) shared map.
  bool Lookup(int64_t id, uint32_t* out) {
    IdEntry& e = ids_[static_cast<uint64_t>(id) & (ids_.size() - 1)];
    if (!e.used || e.key != id) {
      auto it = shared->find(id);
      e = {id, it == shared->end() ? 0 : it->second, it != shared->end(), true};
    }
    *out = e.value;
    return e.found;
  }

 private:
  struct CacheEntry {
    uint64_t hash = 0;
    uint32_t id = 0;
    bool used = false;
  };
  struct IdEntry {
    int64_t key = 0;
    uint32_t value = 0;
    bool found = false, used = false;
  };
  std::array<CacheEntry, 1024> cache_{};
  std::array<IdEntry, 4096> ids_{};
};

// Rewrites loader-local ids into the session's table.
void RemapId(uint32_t& id, const std::vector<uint32_t>& map);
void Remap(core::Column<uint32_t>& ids, const std::vector<uint32_t>& map);
// Interns a loader's local strings in `strings`; returns local id -> id.
std::vector<uint32_t> MergeStrings(const LoaderStrings& str,
                                   core::StringTable& strings);

// One rowid range of the kernel table; names are loader ids of `str`.
struct KernelPart {
  LoaderStrings str;
  core::Kernels kernels;
};
void LoadKernelPart(sqlite3* db, bool is_private, const Schema& s,
                    const RowidRange& rowids, KernelPart& part);
// Concatenates the parts (in rowid order) into `out`, interning their names
// in `strings`; frees each part's columns as soon as they are copied.
void MergeKernelParts(std::vector<KernelPart>& parts, core::StringTable& strings,
                      core::Kernels& out);

// The PID-safe launch keys (process key, correlationId) of every kernel;
// slot numbers index per-key arrays. Read-only once built.
core::LaunchKeys KernelLaunchKeys(const core::Kernels& k);

// One rowid range of CUPTI_ACTIVITY_KIND_RUNTIME: every valid call's
// duration goes to its (pid, name) group; calls whose (process,
// correlationId) is a kernel's launch key become launch rows.
struct RuntimePart {
  LoaderStrings str;
  core::RuntimeCalls calls;           // launch rows and groups (no stats yet)
  core::Column<uint32_t> launch_slot;            // launch row -> key slot
  // MarkerKind of each trace string id (read-only, set before the load);
  // names outside it (part-local texts) are classified by the part.
  const std::vector<uint8_t>* marker_kinds = nullptr;
  std::vector<core::Column<int64_t>> durations;  // per group
};
void LoadRuntimePart(sqlite3* db, bool is_private, const Schema& s,
                     const RowidRange& rowids, const core::LaunchKeys& keys,
                     RuntimePart& part);
// Concatenates the parts (in rowid order): the first launch row of each key
// wins, as in one scan; groups are merged by (pid, name) and their
// statistics computed. `kernel_launch` maps each kernel of `k` to its launch
// row in `out`, or -1.
void MergeRuntimeParts(std::vector<RuntimePart>& parts, const core::Kernels& k,
                       const core::LaunchKeys& keys, core::StringTable& strings,
                       core::RuntimeCalls& out, std::vector<int32_t>& kernel_launch);

// One rowid range of CUPTI_ACTIVITY_KIND_MEMCPY (`memset` false) or
// CUPTI_ACTIVITY_KIND_MEMSET; absent columns read as NULL (-1 / 255).
void LoadMemOpsPart(sqlite3* db, bool is_private, const Schema& s, bool memset,
                    const RowidRange& rowids, core::MemOps& part);
// Concatenates the parts (in rowid order) into `out`, freeing each part.
void MergeMemOpsParts(std::vector<core::MemOps>& parts, core::MemOps& out);

// One rowid range of NVTX_EVENTS. Scopes and labels are local to the part;
// label names and domains are loader ids of `str`.
struct NvtxPart {
  LoaderStrings str;
  core::NvtxRanges ranges;
  // (process key, domainId) -> domain name, from eventType 75 rows.
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> domains;
};
void LoadNvtxPart(sqlite3* db, bool is_private, const Schema& s,
                  const RowidRange& rowids, NvtxPart& part);

// Concatenates the parts (in rowid order) into `out`, merging their strings,
// scopes and labels and resolving domain names; frees each part's columns as
// soon as they are copied, so the peak is the result plus one part.
void MergeNvtxParts(std::vector<NvtxPart>& parts, core::StringTable& strings,
                    core::NvtxRanges& out);

}  // namespace nsysexplain
