#include "loaders.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <string>

#include "core/api_names.h"
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

bool LoaderStrings::Resolvable(sqlite3_value* v) {
  int t = sqlite3_value_type(v);
  uint32_t unused;
  return t == SQLITE_TEXT || (t != SQLITE_NULL && Lookup(sqlite3_value_int64(v), &unused));
}

uint32_t LoaderStrings::ResolveId(int64_t id, int64_t* unresolved_count) {
  uint32_t found;
  if (Lookup(id, &found)) return found;
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

void LoadKernelPart(sqlite3* db, bool is_private, const Schema& s,
                    const RowidRange& rowids, KernelPart& part) {
  if (s.kernel_table.empty()) return;
  const std::string& t = s.kernel_table;
  core::Kernels& k = part.kernels;
  LoaderStrings& str = part.str;
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
  k.Reserve(RestrictToRange(q, rowids, db, is_private, s, t));
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

namespace {

template <class C>
void MoveAppend(C& to, C& from) {
  to.insert(to.end(), from.begin(), from.end());
  C().swap(from);
}

}  // namespace

void MergeKernelParts(std::vector<KernelPart>& parts, core::StringTable& strings,
                      core::Kernels& out) {
  size_t total = 0;
  for (const KernelPart& p : parts) total += p.kernels.size();
  out.Reserve(total);
  for (KernelPart& p : parts) {
    core::Kernels& k = p.kernels;
    std::vector<uint32_t> map = MergeStrings(p.str, strings);
    Remap(k.name, map);
    Remap(k.short_name, map);
    if (out.table.empty()) out.table = k.table;
    out.rowid.append(k.rowid);
    k.rowid = core::RowidColumn();
    MoveAppend(out.start, k.start);
    MoveAppend(out.end, k.end);
    MoveAppend(out.global_pid, k.global_pid);
    MoveAppend(out.correlation_id, k.correlation_id);
    MoveAppend(out.device_id, k.device_id);
    MoveAppend(out.stream_id, k.stream_id);
    MoveAppend(out.name, k.name);
    MoveAppend(out.short_name, k.short_name);
    MoveAppend(out.graph_node, k.graph_node);
    out.invalid_rows += k.invalid_rows;
    out.unresolved_names += k.unresolved_names;
    out.null_correlation += k.null_correlation;
  }
}

core::LaunchKeys KernelLaunchKeys(const core::Kernels& k) {
  core::Column<std::pair<int64_t, int64_t>> pairs;
  pairs.reserve(k.size());
  for (size_t i = 0; i < k.size(); ++i)
    if (k.correlation_id[i] >= 0)
      pairs.emplace_back(core::ProcessKey(k.global_pid[i]), k.correlation_id[i]);
  return core::LaunchKeys(pairs);
}

// ------------------------------------------------------------- memory ops

void LoadMemOpsPart(sqlite3* db, bool is_private, const Schema& s, bool memset,
                    const RowidRange& rowids, core::MemOps& m) {
  const std::string& t = memset ? s.memset_table : s.memcpy_table;
  if (t.empty()) return;
  m.table = t;
  Select q(s, t);
  const int c_start = q.Col("start"), c_end = q.Col("end"),
            c_device = q.ColOrNull("deviceId"), c_stream = q.ColOrNull("streamId"),
            c_corr = q.ColOrNull("correlationId"), c_pid = q.ColOrNull("globalPid"),
            c_bytes = q.ColOrNull("bytes"),
            c_src = q.ColOrNull(memset ? "memKind" : "srcKind");
  // Columns of memcpy rows only (-1: not read).
  const int c_copy = memset ? -1 : q.ColOrNull("copyKind"),
            c_dst = memset ? -1 : q.ColOrNull("dstKind"),
            c_src_dev = memset ? -1 : q.ColOrNull("srcDeviceId"),
            c_dst_dev = memset ? -1 : q.ColOrNull("dstDeviceId");
  size_t hint = RestrictToRange(q, rowids, db, is_private, s, t);
  for (auto* v : {&m.start, &m.end, &m.global_pid, &m.correlation_id, &m.bytes}) v->reserve(hint);
  auto small = [](const Row& row, int c) -> uint8_t {
    if (c < 0 || row.Type(c) == SQLITE_NULL) return 255;
    int64_t v = row.Int(c);
    return v >= 0 && v < 255 ? static_cast<uint8_t>(v) : 255;
  };
  Scan(db, is_private, q, [&](const Row& row) {
    int64_t b, e;
    if (!ValidTimes(row.v[c_start], row.v[c_end], &b, &e)) {
      ++m.invalid_rows;
      return;
    }
    m.start.push_back(b);
    m.end.push_back(e);
    m.global_pid.push_back(row.Int(c_pid));
    m.correlation_id.push_back(row.IntOr(c_corr, -1));
    m.bytes.push_back(std::max<int64_t>(0, row.Int(c_bytes)));
    m.device_id.push_back(static_cast<int32_t>(row.Int(c_device)));
    m.stream_id.push_back(static_cast<int32_t>(row.Int(c_stream)));
    m.src_device.push_back(c_src_dev < 0 ? -1 : static_cast<int32_t>(row.IntOr(c_src_dev, -1)));
    m.dst_device.push_back(c_dst_dev < 0 ? -1 : static_cast<int32_t>(row.IntOr(c_dst_dev, -1)));
    m.copy_kind.push_back(memset ? 0 : small(row, c_copy));
    m.src_kind.push_back(small(row, c_src));
    m.dst_kind.push_back(small(row, c_dst));
  });
}

void MergeMemOpsParts(std::vector<core::MemOps>& parts, core::MemOps& out) {
  for (core::MemOps& p : parts) {
    if (out.table.empty()) out.table = p.table;
    MoveAppend(out.start, p.start);
    MoveAppend(out.end, p.end);
    MoveAppend(out.global_pid, p.global_pid);
    MoveAppend(out.correlation_id, p.correlation_id);
    MoveAppend(out.bytes, p.bytes);
    MoveAppend(out.device_id, p.device_id);
    MoveAppend(out.stream_id, p.stream_id);
    MoveAppend(out.src_device, p.src_device);
    MoveAppend(out.dst_device, p.dst_device);
    MoveAppend(out.copy_kind, p.copy_kind);
    MoveAppend(out.src_kind, p.src_kind);
    MoveAppend(out.dst_kind, p.dst_kind);
    out.invalid_rows += p.invalid_rows;
    p = core::MemOps();
  }
}

// ------------------------------------------------------------- runtime

void LoadRuntimePart(sqlite3* db, bool is_private, const Schema& s,
                     const RowidRange& rowids, const core::LaunchKeys& keys,
                     RuntimePart& part) {
  const std::string& t = s.runtime_table;
  if (!s.Has(t) || !s.HasColumn(t, "start") || !s.HasColumn(t, "end")) return;
  core::RuntimeCalls& r = part.calls;
  LoaderStrings& str = part.str;
  // eventClass NULL (or absent) counts as a runtime/driver call.
  Select q(s, t);
  const int c_rowid = q.Rowid(), c_start = q.Col("start"), c_end = q.Col("end"),
            c_tid = q.ColOrNull("globalTid"), c_corr = q.ColOrNull("correlationId"),
            c_name = q.ColOrNull("nameId"), c_class = q.ColOrNull("eventClass");
  RestrictToRange(q, rowids, db, is_private, s, t);
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> groups;
  // Consecutive calls mostly repeat the group of the one before.
  std::pair<int64_t, int64_t> last_group{INT64_MIN, 0};
  uint32_t last_index = 0;
  size_t key_hint = SIZE_MAX;
  std::unordered_map<uint32_t, uint8_t> local_kinds;
  auto marker_kind = [&](uint32_t name) -> uint8_t {
    if (!(name & kLocal)) {
      const std::vector<uint8_t>* mk = part.marker_kinds;
      return mk && name < mk->size() ? (*mk)[name] : 0;
    }
    auto [it, added] = local_kinds.try_emplace(name, 0);
    if (added)
      it->second = static_cast<uint8_t>(core::ClassifyMarker(str.local.Get(name & ~kLocal)));
    return it->second;
  };
  core::RuntimeCalls::Markers& mk = r.markers;
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
    std::pair<int64_t, int64_t> gk{pid, name};
    if (gk != last_group) {
      auto g = groups.try_emplace(gk, static_cast<uint32_t>(r.groups.size()));
      if (g.second) {
        r.groups.push_back({pid, name, {}, static_cast<uint8_t>(c)});
        part.durations.emplace_back();
      }
      last_group = gk;
      last_index = g.first->second;
    }
    part.durations[last_index].push_back(e - b);
    if (uint8_t kind = marker_kind(name)) {
      mk.start.push_back(b);
      mk.end.push_back(e);
      mk.global_tid.push_back(gtid);
      mk.correlation_id.push_back(row.Type(c_corr) == SQLITE_NULL ? -1 : row.Int(c_corr));
      mk.name.push_back(name);
      mk.kind.push_back(kind);
    }
    if (keys.size() == 0 || row.Type(c_corr) == SQLITE_NULL) return;
    int64_t corr = row.Int(c_corr);
    uint32_t slot = keys.Find(core::ProcessKey(gtid), corr, key_hint);
    if (slot == core::LaunchKeys::kNone) return;
    part.launch_slot.push_back(slot);
    r.rowid.push_back(row.IntOr(c_rowid, -1));
    r.start.push_back(b);
    r.end.push_back(e);
    r.global_tid.push_back(gtid);
    r.correlation_id.push_back(corr);
    r.name.push_back(name);
  });
}

void MergeRuntimeParts(std::vector<RuntimePart>& parts, const core::Kernels& k,
                       const core::LaunchKeys& keys, core::StringTable& strings,
                       core::RuntimeCalls& out, std::vector<int32_t>& kernel_launch) {
  std::vector<int32_t> row_of_slot(keys.size(), -1);
  // Groups by (pid, name) in first-seen order; each part's group -> merged.
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> groups;
  std::vector<std::vector<uint32_t>> merged_of(parts.size());
  for (size_t pi = 0; pi < parts.size(); ++pi) {
    RuntimePart& p = parts[pi];
    std::vector<uint32_t> map = MergeStrings(p.str, strings);
    for (auto& g : p.calls.groups) {
      RemapId(g.name, map);
      auto [it, added] =
          groups.try_emplace({g.pid, g.name}, static_cast<uint32_t>(out.groups.size()));
      if (added) out.groups.push_back({g.pid, g.name, {}, g.event_class});
      merged_of[pi].push_back(it->second);
    }
    core::RuntimeCalls& r = p.calls;
    // Launch rows: the first row of each key, in rowid order.
    for (size_t j = 0; j < r.size(); ++j) {
      int32_t& row = row_of_slot[p.launch_slot[j]];
      if (row >= 0) continue;
      row = static_cast<int32_t>(out.size());
      uint32_t name = r.name[j];
      RemapId(name, map);
      out.rowid.push_back(r.rowid[j]);
      out.start.push_back(r.start[j]);
      out.end.push_back(r.end[j]);
      out.global_tid.push_back(r.global_tid[j]);
      out.correlation_id.push_back(r.correlation_id[j]);
      out.name.push_back(name);
    }
    core::RuntimeCalls::Markers& m = out.markers;
    for (size_t j = 0; j < r.markers.size(); ++j) {
      uint32_t name = r.markers.name[j];
      RemapId(name, map);
      m.start.push_back(r.markers.start[j]);
      m.end.push_back(r.markers.end[j]);
      m.global_tid.push_back(r.markers.global_tid[j]);
      m.correlation_id.push_back(r.markers.correlation_id[j]);
      m.name.push_back(name);
      m.kind.push_back(r.markers.kind[j]);
    }
    out.total_rows += r.total_rows;
    out.skipped_backtrace_rows += r.skipped_backtrace_rows;
    out.invalid_rows += r.invalid_rows;
    out.unresolved_names += r.unresolved_names;
    r = core::RuntimeCalls();  // the launch columns are copied
    core::Column<uint32_t>().swap(p.launch_slot);
  }
  // Durations of each merged group, sized once, then its statistics; the
  // parts' durations are freed as they are copied.
  std::vector<size_t> sizes(out.groups.size(), 0);
  for (size_t pi = 0; pi < parts.size(); ++pi)
    for (size_t g = 0; g < merged_of[pi].size(); ++g)
      sizes[merged_of[pi][g]] += parts[pi].durations[g].size();
  std::vector<core::Column<int64_t>> durations(out.groups.size());
  for (size_t g = 0; g < durations.size(); ++g) durations[g].reserve(sizes[g]);
  for (size_t pi = 0; pi < parts.size(); ++pi) {
    for (size_t g = 0; g < merged_of[pi].size(); ++g) {
      core::Column<int64_t>& d = parts[pi].durations[g];
      core::Column<int64_t>& to = durations[merged_of[pi][g]];
      to.insert(to.end(), d.begin(), d.end());
      core::Column<int64_t>().swap(d);
    }
    parts[pi] = RuntimePart();
  }
  // Base-name groups: (base name, eventClass) over all processes. A base
  // group of one (pid, name) group shares its statistics; others pool the
  // durations of their members.
  std::map<std::pair<uint32_t, uint8_t>, std::vector<uint32_t>> members;
  for (uint32_t g = 0; g < out.groups.size(); ++g) {
    const auto& grp = out.groups[g];
    uint32_t base = strings.Intern(core::ApiBaseName(strings.Get(grp.name)));
    members[{base, grp.event_class}].push_back(g);
  }
  for (const auto& [key, gs] : members) {
    if (gs.size() == 1) continue;
    size_t n = 0;
    for (uint32_t g : gs) n += durations[g].size();
    core::Column<int64_t> pooled;
    pooled.reserve(n);
    std::vector<int64_t> pids;
    for (uint32_t g : gs) {
      pooled.insert(pooled.end(), durations[g].begin(), durations[g].end());
      pids.push_back(out.groups[g].pid);
    }
    std::sort(pids.begin(), pids.end());
    int64_t npids = std::unique(pids.begin(), pids.end()) - pids.begin();
    out.base_groups.push_back(
        {key.first, key.second, core::ComputeStatsInPlace(pooled.data(), pooled.size()), npids});
  }
  for (size_t g = 0; g < out.groups.size(); ++g) {
    out.groups[g].stats =
        core::ComputeStatsInPlace(durations[g].data(), durations[g].size());
    core::Column<int64_t>().swap(durations[g]);
  }
  for (const auto& [key, gs] : members)
    if (gs.size() == 1) out.base_groups.push_back({key.first, key.second, out.groups[gs[0]].stats, 1});
  std::sort(out.base_groups.begin(), out.base_groups.end(),
            [](const core::RuntimeCalls::BaseGroup& a, const core::RuntimeCalls::BaseGroup& b) {
              return a.stats.total != b.stats.total ? a.stats.total > b.stats.total
                                                    : a.base < b.base;
            });
  kernel_launch.assign(k.size(), -1);
  size_t hint = SIZE_MAX;
  for (size_t i = 0; i < k.size(); ++i) {
    if (k.correlation_id[i] < 0) continue;
    uint32_t slot =
        keys.Find(core::ProcessKey(k.global_pid[i]), k.correlation_id[i], hint);
    kernel_launch[i] = row_of_slot[slot];
  }
}

}  // namespace nsysexplain
