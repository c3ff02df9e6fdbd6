#include "loaders.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <string>

#include "core/global_tid.h"
#include "core/nvtx_attribution.h"
#include "core/saturating.h"

namespace nsysexplain {

// ------------------------------------------------------------- strings

namespace {

// Cheap hash for the string cache: length, the first and the last 8 bytes.
uint64_t QuickHash(std::string_view v) {
  uint64_t a = 0, b = 0;
  size_t n = v.size();
  if (n >= 8) {
    std::memcpy(&a, v.data(), 8);
    std::memcpy(&b, v.data() + n - 8, 8);
  } else if (n > 0) {
    std::memcpy(&a, v.data(), n);
  }
  uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull) ^ n) * 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

}  // namespace

uint32_t LoaderStrings::Local(std::string_view v) {
  uint64_t h = QuickHash(v);
  CacheEntry& e = cache_[h & (cache_.size() - 1)];
  if (e.used && e.hash == h && local.Get(e.id) == v) return kLocal | e.id;
  uint32_t id = local.Intern(v);
  e = {h, id, true};
  return kLocal | id;
}

uint32_t LoaderStrings::Resolve(sqlite3_value* v, int64_t* unresolved_count) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
      return Local("<unnamed>");
    case SQLITE_TEXT: {
      const unsigned char* t = sqlite3_value_text(v);
      int n = sqlite3_value_bytes(v);
      return Local(std::string_view(reinterpret_cast<const char*>(t), n));
    }
    default:
      return ResolveId(sqlite3_value_int64(v), unresolved_count);
  }
}

bool LoaderStrings::Resolvable(sqlite3_value* v) const {
  int t = sqlite3_value_type(v);
  return t == SQLITE_TEXT ||
         (t != SQLITE_NULL && shared->count(sqlite3_value_int64(v)));
}

uint32_t LoaderStrings::ResolveId(int64_t id, int64_t* unresolved_count) {
  auto it = shared->find(id);
  if (it != shared->end()) return it->second;
  if (unresolved_count) ++*unresolved_count;
  auto u = unresolved.find(id);
  if (u != unresolved.end()) return u->second;
  uint32_t v = Local("<unresolved name id " + std::to_string(id) + ">");
  unresolved.emplace(id, v);
  return v;
}

void RemapId(uint32_t& id, const std::vector<uint32_t>& map) {
  if (id & kLocal) id = map[id & ~kLocal];
}

void Remap(core::Column<uint32_t>& ids, const std::vector<uint32_t>& map) {
  for (uint32_t& id : ids) RemapId(id, map);
}

std::vector<uint32_t> MergeStrings(const LoaderStrings& str,
                                   core::StringTable& strings) {
  std::vector<uint32_t> map(str.local.size());
  for (size_t i = 0; i < map.size(); ++i)
    map[i] = strings.Intern(str.local.Get(static_cast<uint32_t>(i)));
  return map;
}

// ------------------------------------------------------------- kernels

void LoadKernels(sqlite3* db, bool is_private, const Schema& s,
                 LoaderStrings& str, core::Kernels& k) {
  if (s.kernel_table.empty()) return;
  const std::string& t = s.kernel_table;
  k.table = t;
  std::string name_col =
      s.HasColumn(t, "demangledName") ? "demangledName" : "shortName";
  // The columns read, each declared once with the index it is read at.
  Select q(s, t);
  const int c_rowid = q.Rowid(), c_start = q.Col("start"), c_end = q.Col("end"),
            c_device = q.ColOrNull("deviceId"), c_stream = q.ColOrNull("streamId"),
            c_corr = q.ColOrNull("correlationId"), c_pid = q.ColOrNull("globalPid"),
            c_name = q.ColOrNull(name_col), c_short = q.ColOrNull("shortName"),
            c_graph_node = q.ColOrNull("graphNodeId");
  size_t hint = RowHint(db, is_private, s, t);
  for (auto* v : {&k.start, &k.end, &k.global_pid, &k.correlation_id})
    v->reserve(hint);
  k.device_id.reserve(hint);
  k.stream_id.reserve(hint);
  k.name.reserve(hint);
  k.short_name.reserve(hint);
  k.graph_node.reserve(hint);
  Scan(db, is_private, q, [&](const Row& row) {
    // Invalid: NULL or non-numeric times, end < start, or a duration that
    // does not fit in int64.
    int64_t b, e;
    if (!ValidTimes(row.v[c_start], row.v[c_end], &b, &e)) {
      ++k.invalid_rows;
      return;
    }
    k.rowid.push_back(row.IntOr(c_rowid, -1));
    k.start.push_back(b);
    k.end.push_back(e);
    k.device_id.push_back(static_cast<int32_t>(row.Int(c_device)));
    k.stream_id.push_back(static_cast<int32_t>(row.Int(c_stream)));
    if (row.Type(c_corr) == SQLITE_NULL) {
      ++k.null_correlation;
      k.correlation_id.push_back(-1);
    } else {
      k.correlation_id.push_back(row.Int(c_corr));
    }
    k.global_pid.push_back(row.Int(c_pid));
    // kernel_name = StringIds[demangledName], else StringIds[shortName],
    // else "<unresolved name id N>" (docs/SEMANTICS.md).
    // When neither resolves, the demangledName id is reported (the shortName
    // id if demangledName is NULL).
    int name_idx = c_name;
    if (!str.Resolvable(row.v[c_name]) &&
        (str.Resolvable(row.v[c_short]) || (row.Type(c_name) == SQLITE_NULL &&
                                            row.Type(c_short) != SQLITE_NULL)))
      name_idx = c_short;
    uint32_t name = str.Resolve(row.v[name_idx], &k.unresolved_names);
    uint32_t shortn = row.Type(c_short) == SQLITE_NULL
                          ? name
                          : str.Resolve(row.v[c_short], nullptr);
    k.name.push_back(name);
    k.short_name.push_back(shortn);
    k.graph_node.push_back(row.Type(c_graph_node) != SQLITE_NULL);
  });
}

// ------------------------------------------------------------- runtime

void LoadRuntime(sqlite3* db, bool is_private, const Schema& s,
                 LoaderStrings& str, const core::Kernels& k,
                 core::RuntimeCalls& r, std::vector<int32_t>& kernel_launch) {
  kernel_launch.assign(k.size(), -1);
  const std::string t = "CUPTI_ACTIVITY_KIND_RUNTIME";
  if (!s.Has(t) || !s.HasColumn(t, "start") || !s.HasColumn(t, "end")) return;
  // Kernel keys; value = launch row, -1 until found.
  std::unordered_map<std::pair<int64_t, int64_t>, int32_t, PairHash> want;
  want.reserve(k.size() / 2 + 16);
  for (size_t i = 0; i < k.size(); ++i) {
    if (k.correlation_id[i] < 0) continue;
    want.emplace(std::make_pair(core::ProcessKey(k.global_pid[i]),
                                k.correlation_id[i]),
                 -1);
  }
  // eventClass NULL (or absent) counts as a runtime/driver call.
  Select q(s, t);
  const int c_rowid = q.Rowid(), c_start = q.Col("start"), c_end = q.Col("end"),
            c_tid = q.ColOrNull("globalTid"), c_corr = q.ColOrNull("correlationId"),
            c_name = q.ColOrNull("nameId"), c_class = q.ColOrNull("eventClass");
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> groups;
  std::vector<std::vector<int64_t>> durations;  // per group
  Scan(db, is_private, q, [&](const Row& row) {
    int64_t c = row.IntOr(c_class, 0);
    if (c != 0 && c != 1) {
      ++r.skipped_backtrace_rows;
      return;
    }
    int64_t b, e;
    if (!ValidTimes(row.v[c_start], row.v[c_end], &b, &e)) {
      ++r.invalid_rows;
      return;
    }
    ++r.total_rows;
    int64_t gtid = row.IntOr(c_tid, 0);
    uint32_t name = str.Resolve(row.v[c_name], &r.unresolved_names);
    int64_t pid = core::PidOf(gtid);
    auto g = groups.try_emplace({pid, name},
                                static_cast<uint32_t>(r.groups.size()));
    if (g.second) {
      r.groups.push_back({pid, name, {}});
      durations.emplace_back();
    }
    durations[g.first->second].push_back(e - b);
    if (want.empty()) return;
    int64_t corr = row.IntOr(c_corr, -1);
    auto it = want.find({core::ProcessKey(gtid), corr});
    if (it == want.end() || it->second >= 0) return;
    it->second = static_cast<int32_t>(r.size());
    r.rowid.push_back(row.IntOr(c_rowid, -1));
    r.start.push_back(b);
    r.end.push_back(e);
    r.global_tid.push_back(gtid);
    r.correlation_id.push_back(corr);
    r.name.push_back(name);
  });
  for (size_t i = 0; i < k.size(); ++i) {
    if (k.correlation_id[i] < 0) continue;
    auto it = want.find({core::ProcessKey(k.global_pid[i]),
                         k.correlation_id[i]});
    kernel_launch[i] = it->second;
  }
  // API statistics now, on the loader's thread; then the durations go.
  for (size_t g = 0; g < r.groups.size(); ++g) {
    r.groups[g].stats =
        core::ComputeStatsInPlace(durations[g].data(), durations[g].size());
    std::vector<int64_t>().swap(durations[g]);
  }
}

}  // namespace nsysexplain
