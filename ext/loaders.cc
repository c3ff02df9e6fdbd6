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

// ------------------------------------------------------------- scanning

namespace {

std::string ColOrNull(const Schema& s, const std::string& table,
                      const std::string& col) {
  return s.HasColumn(table, col) ? QuoteIdent(col) : std::string("NULL");
}

// "rowid", or NULL for a WITHOUT ROWID table (which has none).
std::string RowidOf(const Schema& s, const std::string& table) {
  return s.without_rowid.count(table) ? "NULL" : "rowid";
}

// One row of a table scan, as values.
struct Row {
  sqlite3_value** v;
  bool utf8;  // the database's text encoding is UTF-8
  int Type(int i) const { return sqlite3_value_type(v[i]); }
  int64_t Int(int i) const { return sqlite3_value_int64(v[i]); }
  int64_t IntOr(int i, int64_t null_value) const {
    return Type(i) == SQLITE_NULL ? null_value : Int(i);
  }
  // The value's text, without a copy: sqlite3_value_text() would copy every
  // string that is not NUL-terminated in the page (most of them) into a
  // buffer; sqlite3_value_blob() hands out the stored UTF-8 bytes as they
  // are. Only valid for UTF-8 databases (nsys exports are).
  std::string_view Text(int i) const {
    const void* t = utf8 ? sqlite3_value_blob(v[i]) : sqlite3_value_text(v[i]);
    int n = sqlite3_value_bytes(v[i]);
    return t ? std::string_view(static_cast<const char*>(t), n)
             : std::string_view();
  }
};

using RowFn = std::function<void(const Row&)>;

struct SinkState {
  RowFn* fn;
  bool utf8;
  std::exception_ptr error;
};

void SinkStep(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* st = static_cast<SinkState*>(sqlite3_user_data(ctx));
  if (st->error) return;
  try {
    (*st->fn)(Row{argv, st->utf8});
  } catch (...) {
    st->error = std::current_exception();
    sqlite3_result_error(ctx, "nsysexplain: loader failed", -1);
  }
}
void SinkFinal(sqlite3_context*) {}

bool IsUtf8(sqlite3* db) {
  try {
    Stmt st(db, "PRAGMA main.encoding");
    return st.Step() && st.Text(0) == "UTF-8";
  } catch (const Error&) {
    return false;
  }
}

// Streams `SELECT <cols> FROM main.<table> [WHERE ...]` through `fn`, one
// call per row. On a private connection the rows go through an aggregate
// function (_nsys_sink): SQLite's VM loops internally and hands each row over
// as values, which costs far less than one sqlite3_step plus one
// sqlite3_column_* call per column. On the user's connection (no private
// one) a plain statement is stepped instead, to register nothing there.
void Scan(sqlite3* db, bool is_private, const std::string& sql, RowFn fn) {
  size_t at = sql.rfind(" FROM main.");
  if (sql.compare(0, 7, "SELECT ") != 0 || at == std::string::npos)
    throw Error("internal: bad scan query");
  std::string cols = sql.substr(7, at - 7), from = sql.substr(at + 6);
  bool utf8 = IsUtf8(db);
  if (is_private) {
    SinkState state{&fn, utf8, nullptr};
    int rc = sqlite3_create_function_v2(db, "_nsys_sink", -1, SQLITE_UTF8,
                                        &state, nullptr, SinkStep, SinkFinal,
                                        nullptr);
    if (rc != SQLITE_OK) throw Error(sqlite3_errmsg(db));
    std::string err;
    try {
      Stmt st(db, "SELECT _nsys_sink(" + cols + ") FROM " + from);
      while (st.Step()) {
      }
    } catch (const Error& e) {
      err = e.what();
    }
    sqlite3_create_function_v2(db, "_nsys_sink", -1, SQLITE_UTF8, nullptr,
                               nullptr, nullptr, nullptr, nullptr);
    if (state.error) std::rethrow_exception(state.error);
    if (!err.empty()) throw Error(err);
    return;
  }
  Stmt st(db, "SELECT " + cols + " FROM " + from);
  int n = sqlite3_column_count(st.get());
  std::vector<sqlite3_value*> vals(static_cast<size_t>(n));
  while (st.Step()) {
    for (int i = 0; i < n; ++i) vals[i] = sqlite3_column_value(st.get(), i);
    fn(Row{vals.data(), utf8});
  }
}

// Upper bound of a table's row count from max(rowid) (O(log n)); a hint for
// reserve() only, capped so a bogus rowid cannot allocate gigabytes.
size_t RowHint(sqlite3* db, const std::string& table) {
  try {
    Stmt st(db, "SELECT max(rowid) FROM main." + QuoteIdent(table));
    if (st.Step() && !st.IsNull(0)) {
      long long n = st.Int(0);
      if (n > 0) return static_cast<size_t>(std::min<long long>(n, 50000000));
    }
  } catch (const Error&) {
  }
  return 0;
}

bool ValidTimes(sqlite3_value* b, sqlite3_value* e, int64_t* start,
                int64_t* end) {
  return ReadTimestamp(b, start) && ReadTimestamp(e, end) && *end >= *start &&
         core::DurationFits(*start, *end);
}

}  // namespace

// ------------------------------------------------------------- kernels

void LoadKernels(sqlite3* db, bool is_private, const Schema& s,
                 LoaderStrings& str, core::Kernels& k) {
  if (s.kernel_table.empty()) return;
  const std::string& t = s.kernel_table;
  k.table = t;
  std::string name_col =
      s.HasColumn(t, "demangledName") ? "demangledName" : "shortName";
  std::string sql =
      "SELECT " + RowidOf(s, t) + ", start, \"end\", " +
      ColOrNull(s, t, "deviceId") + ", " + ColOrNull(s, t, "streamId") +
      ", " + ColOrNull(s, t, "correlationId") +
      ", " + ColOrNull(s, t, "globalPid") + ", " + ColOrNull(s, t, name_col) +
      ", " + ColOrNull(s, t, "shortName") + ", " +
      ColOrNull(s, t, "graphNodeId") + " FROM main." + QuoteIdent(t);
  size_t hint = RowHint(db, t);
  for (auto* v : {&k.start, &k.end, &k.global_pid, &k.correlation_id})
    v->reserve(hint);
  k.device_id.reserve(hint);
  k.stream_id.reserve(hint);
  k.name.reserve(hint);
  k.short_name.reserve(hint);
  k.graph_node.reserve(hint);
  Scan(db, is_private, sql, [&](const Row& row) {
    // Invalid: NULL or non-numeric times, end < start, or a duration that
    // does not fit in int64.
    int64_t b, e;
    if (!ValidTimes(row.v[1], row.v[2], &b, &e)) {
      ++k.invalid_rows;
      return;
    }
    k.rowid.push_back(row.IntOr(0, -1));
    k.start.push_back(b);
    k.end.push_back(e);
    k.device_id.push_back(static_cast<int32_t>(row.Int(3)));
    k.stream_id.push_back(static_cast<int32_t>(row.Int(4)));
    if (row.Type(5) == SQLITE_NULL) {
      ++k.null_correlation;
      k.correlation_id.push_back(-1);
    } else {
      k.correlation_id.push_back(row.Int(5));
    }
    k.global_pid.push_back(row.Int(6));
    // kernel_name = StringIds[demangledName], else StringIds[shortName],
    // else "<unresolved name id N>" (docs/SEMANTICS.md).
    // When neither resolves, the demangledName id is reported (the shortName
    // id if demangledName is NULL).
    int name_idx = 7;
    if (!str.Resolvable(row.v[7]) &&
        (str.Resolvable(row.v[8]) || (row.Type(7) == SQLITE_NULL &&
                                      row.Type(8) != SQLITE_NULL)))
      name_idx = 8;
    uint32_t name = str.Resolve(row.v[name_idx], &k.unresolved_names);
    uint32_t shortn = row.Type(8) == SQLITE_NULL
                          ? name
                          : str.Resolve(row.v[8], nullptr);
    k.name.push_back(name);
    k.short_name.push_back(shortn);
    k.graph_node.push_back(row.Type(9) != SQLITE_NULL);
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
  std::string sql = "SELECT " + RowidOf(s, t) + ", start, \"end\", " +
                    ColOrNull(s, t, "globalTid") + ", " +
                    ColOrNull(s, t, "correlationId") + ", " +
                    ColOrNull(s, t, "nameId") + ", " +
                    ColOrNull(s, t, "eventClass") + " FROM main." +
                    QuoteIdent(t);
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> groups;
  std::vector<std::vector<int64_t>> durations;  // per group
  Scan(db, is_private, sql, [&](const Row& row) {
    int64_t c = row.IntOr(6, 0);
    if (c != 0 && c != 1) {
      ++r.skipped_backtrace_rows;
      return;
    }
    int64_t b, e;
    if (!ValidTimes(row.v[1], row.v[2], &b, &e)) {
      ++r.invalid_rows;
      return;
    }
    ++r.total_rows;
    int64_t gtid = row.IntOr(3, 0);
    uint32_t name = str.Resolve(row.v[5], &r.unresolved_names);
    int64_t pid = core::PidOf(gtid);
    auto g = groups.try_emplace({pid, name},
                                static_cast<uint32_t>(r.groups.size()));
    if (g.second) {
      r.groups.push_back({pid, name, {}});
      durations.emplace_back();
    }
    durations[g.first->second].push_back(e - b);
    if (want.empty()) return;
    int64_t corr = row.IntOr(4, -1);
    auto it = want.find({core::ProcessKey(gtid), corr});
    if (it == want.end() || it->second >= 0) return;
    it->second = static_cast<int32_t>(r.size());
    r.rowid.push_back(row.IntOr(0, -1));
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

// ------------------------------------------------------------- NVTX

std::vector<RowidRange> SplitNvtx(sqlite3* db, const Schema& s, int parts,
                                  uint64_t min_span) {
  const std::string t = "NVTX_EVENTS";
  std::vector<RowidRange> out;
  if (parts > 1 && s.Has(t) && !s.without_rowid.count(t)) {
    try {
      // Two queries: SQLite answers a lone min() or max() of the rowid from
      // the b-tree's edge, but scans the whole table for both at once.
      Stmt min_st(db, "SELECT min(rowid) FROM main." + QuoteIdent(t));
      Stmt max_st(db, "SELECT max(rowid) FROM main." + QuoteIdent(t));
      if (min_st.Step() && !min_st.IsNull(0) && max_st.Step() &&
          !max_st.IsNull(0)) {
        int64_t lo = min_st.Int(0), hi = max_st.Int(0);
        uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
        if (span >= min_span) {
          uint64_t step = span / static_cast<uint64_t>(parts) + 1;
          for (uint64_t a = 0; a <= span; a += step) {
            uint64_t b = std::min(span, a + step - 1);
            out.emplace_back(std::make_pair(
                static_cast<int64_t>(static_cast<uint64_t>(lo) + a),
                static_cast<int64_t>(static_cast<uint64_t>(lo) + b)));
            if (b == span) break;
          }
          return out;
        }
      }
    } catch (const Error&) {
    }
  }
  out.emplace_back(std::nullopt);
  return out;
}

namespace {

struct LabelKey {
  int64_t process_key, raw_domain;
  uint32_t name;
  uint8_t type;
  bool operator==(const LabelKey& o) const {
    return process_key == o.process_key && raw_domain == o.raw_domain &&
           name == o.name && type == o.type;
  }
};

struct LabelKeyHash {
  size_t operator()(const LabelKey& k) const {
    uint64_t h = static_cast<uint64_t>(k.process_key) * 0x9E3779B97F4A7C15ull;
    h ^= static_cast<uint64_t>(k.raw_domain) * 0xBF58476D1CE4E5B9ull;
    h ^= (static_cast<uint64_t>(k.name) << 8 | k.type) * 0x94D049BB133111EBull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

// (process, domainId, name, type) -> label index of `n`, added if new.
class LabelIndex {
 public:
  uint32_t Get(core::NvtxRanges& n, const LabelKey& key) {
    Slot& c = cache_[(key.name * 0x9E3779B1u ^ key.type) >> 24];
    if (c.used && c.key == key) return c.label;
    auto [it, added] =
        index_.try_emplace(key, static_cast<uint32_t>(n.labels.size()));
    if (added)
      n.labels.push_back(
          {key.process_key, key.raw_domain, key.name, 0, key.type});
    c = {key, it->second, true};
    return it->second;
  }

 private:
  struct Slot {
    LabelKey key{};
    uint32_t label = 0;
    bool used = false;
  };
  std::unordered_map<LabelKey, uint32_t, LabelKeyHash> index_;
  std::array<Slot, 256> cache_{};
};

// (key, process-scoped?) -> scope index of `n`, added if new. The last scope
// is remembered: consecutive rows mostly come from the same thread.
class ScopeIndex {
 public:
  uint32_t Get(core::NvtxRanges& n, int64_t key, bool process) {
    if (last_ != UINT32_MAX && key == last_key_ && process == last_process_)
      return last_;
    auto [it, added] = index_.try_emplace({key, process ? 1 : 0},
                                          static_cast<uint32_t>(n.scopes.size()));
    if (added) n.scopes.push_back({key, process});
    last_ = it->second;
    last_key_ = key;
    last_process_ = process;
    return last_;
  }

 private:
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> index_;
  int64_t last_key_ = 0;
  bool last_process_ = false;
  uint32_t last_ = UINT32_MAX;
};

}  // namespace

void LoadNvtxPart(sqlite3* db, bool is_private, const Schema& s,
                  const RowidRange& rowids, NvtxPart& part) {
  const std::string t = "NVTX_EVENTS";
  if (!s.Has(t) || !s.HasColumn(t, "start") || !s.HasColumn(t, "eventType"))
    return;
  core::NvtxRanges& n = part.ranges;
  LoaderStrings& str = part.str;
  // Columns are read raw (NULLs are handled here, which is cheaper than
  // ifnull() in SQL); start/end NULL or non-numeric make a row invalid.
  std::string sql =
      "SELECT " + RowidOf(s, t) + ", start, " + ColOrNull(s, t, "end") +
      ", eventType, " + ColOrNull(s, t, "globalTid") + ", " +
      ColOrNull(s, t, "endGlobalTid") + ", " + ColOrNull(s, t, "textId") +
      ", " + ColOrNull(s, t, "text") + ", " + ColOrNull(s, t, "domainId") +
      " FROM main." + QuoteIdent(t);
  size_t hint = 0;
  if (rowids) {
    sql += " WHERE rowid BETWEEN " + std::to_string(rowids->first) + " AND " +
           std::to_string(rowids->second);
    hint = static_cast<size_t>(std::min<uint64_t>(
        static_cast<uint64_t>(rowids->second) -
            static_cast<uint64_t>(rowids->first) + 1,
        50000000));
  } else {
    hint = RowHint(db, t);
  }
  n.start.reserve(hint);
  n.end.reserve(hint);
  n.scope.reserve(hint);
  n.label.reserve(hint);
  ScopeIndex scopes;
  LabelIndex labels;
  uint32_t unnamed = str.Local("<unnamed>");
  Scan(db, is_private, sql, [&](const Row& row) {
    int64_t type = row.IntOr(3, -1);
    if (type != 59 && type != 60 && type != 70 && type != 71 && type != 75) {
      ++n.non_range_rows;  // marks, thread/category names, ...
      return;
    }
    int64_t gtid = row.IntOr(4, 0);
    int64_t text_id = row.IntOr(6, -1);
    // Name = coalesce(StringIds[textId], text) (docs/SEMANTICS.md).
    uint32_t name;
    auto found = text_id != -1 ? str.shared->find(text_id) : str.shared->end();
    if (found != str.shared->end()) {
      name = found->second;
    } else if (row.Type(7) == SQLITE_TEXT) {
      name = str.Local(row.Text(7));
    } else if (text_id != -1) {
      name = str.Local("<unresolved text id " + std::to_string(text_id) + ">");
    } else {
      name = unnamed;
    }
    int64_t pkey = core::ProcessKey(gtid);
    int64_t raw_domain = row.IntOr(8, 0);
    if (type == 75) {
      part.domains[{pkey, raw_domain}] = name;
      ++n.non_range_rows;
      return;
    }
    bool open = row.Type(2) == SQLITE_NULL;
    int64_t b, e = core::kOpenEnd;
    if (!ReadTimestamp(row.v[1], &b) ||
        (!open && (!ReadTimestamp(row.v[2], &e) || e < b ||
                   !core::DurationFits(b, e)))) {
      ++n.invalid_rows;
      return;
    }
    int64_t end_tid = row.IntOr(5, -1);
    bool cross = (type == 60 || type == 71) && end_tid != -1 && end_tid != gtid;
    n.scope.push_back(scopes.Get(n, cross ? pkey : gtid, cross));
    n.label.push_back(labels.Get(
        n, {pkey, raw_domain, name, static_cast<uint8_t>(type)}));
    n.rowid.push_back(row.IntOr(0, -1));
    n.start.push_back(b);
    n.end.push_back(open ? core::kOpenEnd : e);
    n.open_rows += n.end.back() == core::kOpenEnd;  // as Open(i)
    n.cross_thread_rows += cross;
  });
}

void MergeNvtxParts(std::vector<NvtxPart>& parts, core::StringTable& strings,
                    core::NvtxRanges& out) {
  size_t total = 0;
  for (const NvtxPart& p : parts) total += p.ranges.size();
  out.start.reserve(total);
  out.end.reserve(total);
  out.scope.reserve(total);
  out.label.reserve(total);
  ScopeIndex scopes;
  LabelIndex labels;
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> domains;
  for (NvtxPart& p : parts) {
    core::NvtxRanges& n = p.ranges;
    std::vector<uint32_t> smap = MergeStrings(p.str, strings);
    // A later domain-name row wins, as in one scan in rowid order.
    for (auto& [key, name] : p.domains) {
      uint32_t id = name;
      RemapId(id, smap);
      domains[key] = id;
    }
    std::vector<uint32_t> scope_map(n.scopes.size()), label_map(n.labels.size());
    for (size_t i = 0; i < n.scopes.size(); ++i)
      scope_map[i] = scopes.Get(out, n.scopes[i].key, n.scopes[i].process);
    for (size_t i = 0; i < n.labels.size(); ++i) {
      const core::NvtxRanges::Label& L = n.labels[i];
      uint32_t name = L.name;
      RemapId(name, smap);
      label_map[i] =
          labels.Get(out, {L.process_key, L.raw_domain, name, L.event_type});
    }
    out.start.insert(out.start.end(), n.start.begin(), n.start.end());
    core::Column<int64_t>().swap(n.start);
    out.end.insert(out.end.end(), n.end.begin(), n.end.end());
    core::Column<int64_t>().swap(n.end);
    for (uint32_t sc : n.scope) out.scope.push_back(scope_map[sc]);
    core::Column<uint32_t>().swap(n.scope);
    for (uint32_t l : n.label) out.label.push_back(label_map[l]);
    core::Column<uint32_t>().swap(n.label);
    out.rowid.append(n.rowid);
    n.rowid = core::RowidColumn();
    out.invalid_rows += n.invalid_rows;
    out.non_range_rows += n.non_range_rows;
    out.open_rows += n.open_rows;
    out.cross_thread_rows += n.cross_thread_rows;
  }
  // Undeclared non-default domains (e.g. a capture window cut after the
  // domain was created) stay distinct from the default domain.
  for (auto& L : out.labels) {
    auto it = domains.find({L.process_key, L.raw_domain});
    if (it != domains.end())
      L.domain = it->second;
    else if (L.raw_domain == 0)
      L.domain = strings.Intern("");
    else
      L.domain = strings.Intern("<domain " + std::to_string(L.raw_domain) + ">");
  }
}

}  // namespace nsysexplain
