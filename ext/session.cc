#include "session.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <thread>
#include <cctype>
#include <map>
#include <unordered_map>

#include "core/api_names.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {
namespace {

using core::kOpenEnd;

std::string ColOrNull(const Schema& s, const std::string& table,
                      const std::string& col) {
  return s.HasColumn(table, col) ? QuoteIdent(col) : std::string("NULL");
}

// "rowid", or NULL for a WITHOUT ROWID table (which has none).
std::string RowidOf(const Schema& s, const std::string& table) {
  return s.without_rowid.count(table) ? "NULL" : "rowid";
}

using core::SatAdd;

struct PairHash {
  size_t operator()(const std::pair<int64_t, int64_t>& p) const {
    uint64_t h = static_cast<uint64_t>(p.first) * 0x9E3779B97F4A7C15ull;
    h ^= static_cast<uint64_t>(p.second) + 0x7F4A7C159E3779B9ull + (h << 6) +
         (h >> 2);
    return static_cast<size_t>(h);
  }
};

}  // namespace

std::string Session::CaptureVersionHint() {
  LoadStrings();
  static const std::string kKey = "nsight-systems/";
  for (size_t i = 0; i < strings_.size(); ++i) {
    const std::string& v = strings_.Get(static_cast<uint32_t>(i));
    size_t at = v.find(kKey);
    if (at == std::string::npos) continue;
    size_t b = at + kKey.size(), e = b;
    while (e < v.size() && (std::isdigit(static_cast<unsigned char>(v[e])) || v[e] == '.')) ++e;
    if (e - b >= 6) return v.substr(b, e - b);
  }
  return "";
}

int64_t Session::DataVersion() {
  Stmt st(db_, "PRAGMA main.data_version");
  return st.Step() ? st.Int(0) : 0;
}

void Session::CheckFresh() {
  int64_t v = DataVersion();
  if (reset_pending_ || (data_version_ != -1 && v != data_version_)) Reset();
  data_version_ = v;
}

void Session::Reset() {
  if (readers_ > 0) {
    reset_pending_ = true;
    return;
  }
  reset_pending_ = false;
  schema_.reset();
  strings_ = core::StringTable();
  strings_loaded_ = false;
  string_ids_.clear();
  kernels_.reset();
  runtime_.reset();
  nvtx_.reset();
  kernel_groups_.reset();
  kernel_groups_pid_.reset();
  storm_.reset();
  tiny_.reset();
  devices_.reset();
  api_groups_.reset();
  nvtx_groups_.reset();
  pids_.reset();
  kernel_launch_.reset();
  attribution_.reset();
}

const Schema& Session::schema() {
  if (!schema_) schema_ = Schema::Probe(db_);
  return *schema_;
}

void Session::LoadStrings() {
  if (strings_loaded_) return;
  const Schema& s = schema();
  if (!s.string_table.empty()) {
    Stmt st(db_, "SELECT id, value FROM main." + QuoteIdent(s.string_table));
    while (st.Step()) {
      if (st.IsNull(0)) continue;
      const unsigned char* t = sqlite3_column_text(st.get(), 1);
      int n = sqlite3_column_bytes(st.get(), 1);
      std::string_view v =
          t ? std::string_view(reinterpret_cast<const char*>(t), n)
            : std::string_view();
      string_ids_[st.Int(0)] = strings_.Intern(v);
    }
  }
  strings_loaded_ = true;
}

// ------------------------------------------------------------------ loading
//
// Each big table is read once, by one sequential scan, into compact columns.
// When the trace is a file, each table is read on its own thread through a
// private read-only connection opened with SQLITE_OPEN_NOMUTEX: the user's
// connection is serialized (every sqlite3_column_* call takes its mutex), a
// private one is not, and the tables load in parallel. Strings new to a
// loader (inline NVTX text, unresolved ids) go to a loader-local table and are
// merged afterwards; ids from StringIds are shared read-only.

namespace {

constexpr uint32_t kLocal = 0x80000000u;  // id lives in the loader's table

struct LoaderStrings {
  const std::unordered_map<int64_t, uint32_t>* shared;
  core::StringTable local;
  std::unordered_map<int64_t, uint32_t> unresolved;  // id -> local id

  uint32_t Local(std::string_view v) { return kLocal | local.Intern(v); }
  // Resolves a column that holds a StringIds id (or, in some exports, text).
  uint32_t Resolve(sqlite3_stmt* st, int col, int64_t* unresolved_count) {
    switch (sqlite3_column_type(st, col)) {
      case SQLITE_NULL:
        return Local("<unnamed>");
      case SQLITE_TEXT: {
        const unsigned char* t = sqlite3_column_text(st, col);
        int n = sqlite3_column_bytes(st, col);
        return Local(std::string_view(reinterpret_cast<const char*>(t), n));
      }
      default:
        return ResolveId(sqlite3_column_int64(st, col), unresolved_count);
    }
  }
  uint32_t Resolve(sqlite3_value* v, int64_t* unresolved_count) {
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
  bool Resolvable(sqlite3_value* v) const {
    int t = sqlite3_value_type(v);
    return t == SQLITE_TEXT ||
           (t != SQLITE_NULL && shared->count(sqlite3_value_int64(v)));
  }
  // True if the column is text or an id present in StringIds.
  bool Resolvable(sqlite3_stmt* st, int col) const {
    int t = sqlite3_column_type(st, col);
    return t == SQLITE_TEXT ||
           (t != SQLITE_NULL && shared->count(sqlite3_column_int64(st, col)));
  }
  uint32_t ResolveId(int64_t id, int64_t* unresolved_count) {
    auto it = shared->find(id);
    if (it != shared->end()) return it->second;
    if (unresolved_count) ++*unresolved_count;
    auto u = unresolved.find(id);
    if (u != unresolved.end()) return u->second;
    uint32_t v = Local("<unresolved name id " + std::to_string(id) + ">");
    unresolved.emplace(id, v);
    return v;
  }
};

// One row of a table scan, as values.
struct Row {
  sqlite3_value** v;
  int Type(int i) const { return sqlite3_value_type(v[i]); }
  int64_t Int(int i) const { return sqlite3_value_int64(v[i]); }
  std::string_view Text(int i) const {
    const unsigned char* t = sqlite3_value_text(v[i]);
    int n = sqlite3_value_bytes(v[i]);
    return t ? std::string_view(reinterpret_cast<const char*>(t), n)
             : std::string_view();
  }
};

using RowFn = std::function<void(const Row&)>;

struct SinkState {
  RowFn* fn;
  std::exception_ptr error;
};

void SinkStep(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* st = static_cast<SinkState*>(sqlite3_user_data(ctx));
  if (st->error) return;
  try {
    (*st->fn)(Row{argv});
  } catch (...) {
    st->error = std::current_exception();
    sqlite3_result_error(ctx, "nsysexplain: loader failed", -1);
  }
}
void SinkFinal(sqlite3_context*) {}

// Streams `SELECT <cols> FROM <from>` through `fn`, one call per row.
// On a private connection the rows go through an aggregate function
// (_nsys_sink): SQLite's VM loops internally and hands each row over as
// values, which costs far less than one sqlite3_step plus one
// sqlite3_column_* call per column. On the user's connection (no private
// one) a plain statement is stepped instead, to register nothing there.
void Scan(sqlite3* db, bool is_private, const std::string& sql, RowFn fn) {
  // sql is "SELECT <cols> FROM main.<table>".
  size_t at = sql.rfind(" FROM main.");
  if (sql.compare(0, 7, "SELECT ") != 0 || at == std::string::npos)
    throw Error("internal: bad scan query");
  std::string cols = sql.substr(7, at - 7), from = sql.substr(at + 6);
  if (is_private) {
    SinkState state{&fn, nullptr};
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
    fn(Row{vals.data()});
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

void LoadKernels(sqlite3* db, bool is_private, const Schema& s, LoaderStrings& str,
                 core::Kernels& k) {
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
    if (!ReadTimestamp(row.v[1], &b) || !ReadTimestamp(row.v[2], &e) || e < b ||
        !core::DurationFits(b, e)) {
      ++k.invalid_rows;
      return;
    }
    k.rowid.push_back(row.Type(0) == SQLITE_NULL ? -1 : row.Int(0));
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

// Reads every runtime/driver call once: durations go to their (pid, name)
// group; calls whose (process, correlationId) launched a kernel become launch
// rows, and `kernel_launch` maps each kernel to its launch row (or -1).
void LoadRuntime(sqlite3* db, bool is_private, const Schema& s, LoaderStrings& str,
                 const core::Kernels& k, core::RuntimeCalls& r,
                 std::vector<int32_t>& kernel_launch) {
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
  std::string cls = s.HasColumn(t, "eventClass") ? "ifnull(eventClass, 0)"
                                                 : "0";
  std::string sql =
      "SELECT " + RowidOf(s, t) + ", start, \"end\", " +
      (s.HasColumn(t, "globalTid") ? std::string("ifnull(globalTid, 0)")
                                   : std::string("0")) +
      ", " +
      (s.HasColumn(t, "correlationId") ? std::string("ifnull(correlationId, -1)")
                                       : std::string("-1")) +
      ", " + ColOrNull(s, t, "nameId") + ", " + cls + " FROM main." +
      QuoteIdent(t);
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> groups;
  std::vector<std::vector<int64_t>> durations;  // per group
  Scan(db, is_private, sql, [&](const Row& row) {
    int64_t c = row.Int(6);
    if (c != 0 && c != 1) {
      ++r.skipped_backtrace_rows;
      return;
    }
    int64_t b, e;
    if (!ReadTimestamp(row.v[1], &b) || !ReadTimestamp(row.v[2], &e) || e < b ||
        !core::DurationFits(b, e)) {
      ++r.invalid_rows;
      return;
    }
    ++r.total_rows;
    int64_t gtid = row.Int(3);
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
    int64_t corr = row.Int(4);
    auto it = want.find({core::ProcessKey(gtid), corr});
    if (it == want.end() || it->second >= 0) return;
    it->second = static_cast<int32_t>(r.size());
    r.rowid.push_back(row.Type(0) == SQLITE_NULL ? -1 : row.Int(0));
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

// Index of the (process, domainId, name, eventType) label, added if new.
uint32_t LabelOf(
    core::NvtxRanges& n,
    std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash>& index,
    int64_t pkey, int64_t raw_domain, uint32_t name, int64_t type) {
  uint64_t pd = static_cast<uint64_t>(pkey) ^
                (static_cast<uint64_t>(raw_domain) * 0x9E3779B97F4A7C15ull);
  std::pair<int64_t, int64_t> key{static_cast<int64_t>(pd),
                                  (static_cast<int64_t>(name) << 8) | type};
  auto it = index.try_emplace(key, static_cast<uint32_t>(n.labels.size()));
  const auto& L = n.labels.size() > it.first->second
                      ? n.labels[it.first->second]
                      : core::NvtxRanges::Label{pkey, raw_domain, name, 0,
                                                static_cast<uint8_t>(type)};
  if (it.second) {
    n.labels.push_back({pkey, raw_domain, name, 0, static_cast<uint8_t>(type)});
    return it.first->second;
  }
  if (L.process_key == pkey && L.raw_domain == raw_domain) return it.first->second;
  // Two (process, domain) pairs hashed alike: search, else add unindexed.
  for (uint32_t li = 0; li < n.labels.size(); ++li) {
    const auto& M = n.labels[li];
    if (M.process_key == pkey && M.raw_domain == raw_domain && M.name == name &&
        M.event_type == type)
      return li;
  }
  n.labels.push_back({pkey, raw_domain, name, 0, static_cast<uint8_t>(type)});
  return static_cast<uint32_t>(n.labels.size() - 1);
}

void LoadNvtx(sqlite3* db, bool is_private, const Schema& s, LoaderStrings& str,
              core::NvtxRanges& n) {
  const std::string t = "NVTX_EVENTS";
  if (!s.Has(t) || !s.HasColumn(t, "start") || !s.HasColumn(t, "eventType"))
    return;
  auto col = [&](const char* c, const char* dflt) {
    return s.HasColumn(t, c) ? "ifnull(" + QuoteIdent(c) + ", " + dflt + ")"
                             : std::string(dflt);
  };
  // One int64 read per numeric column: NULLs are mapped to sentinels in SQL.
  // start/end are read raw: NULL or non-numeric times make a row invalid.
  std::string sql =
      "SELECT " + RowidOf(s, t) + ", start, " + ColOrNull(s, t, "end") +
      ", ifnull(eventType, -1), " +
      col("globalTid", "0") + ", " + col("endGlobalTid", "-1") + ", " +
      col("textId", "-1") + ", " +
      (s.HasColumn(t, "text")
           ? std::string("text")
           : std::string("NULL")) +
      ", " + col("domainId", "0") + ", " +
      (s.HasColumn(t, "end") ? std::string("\"end\" IS NULL")
                             : std::string("1")) +
      " FROM main." + QuoteIdent(t);
  size_t hint = RowHint(db, t);
  n.start.reserve(hint);
  n.end.reserve(hint);
  n.scope.reserve(hint);
  n.label.reserve(hint);
  // (process key, domainId) -> domain name; from eventType 75 rows.
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> domains;
  // (key, process?) -> scope id.
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> scopes;
  // (process key, domainId) x (name, type) -> label.
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> labels;
  uint32_t unnamed = str.Local("<unnamed>");
  Scan(db, is_private, sql, [&](const Row& row) {
    int64_t type = row.Int(3);
    if (type != 59 && type != 60 && type != 70 && type != 71 && type != 75) {
      ++n.non_range_rows;  // marks, thread/category names, ...
      return;
    }
    int64_t gtid = row.Int(4);
    int64_t text_id = row.Int(6);
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
    int64_t raw_domain = row.Int(8);
    if (type == 75) {
      domains[{pkey, raw_domain}] = name;
      ++n.non_range_rows;
      return;
    }
    bool open = row.Int(9) != 0;
    int64_t b, e = core::kOpenEnd;
    if (!ReadTimestamp(row.v[1], &b) ||
        (!open && (!ReadTimestamp(row.v[2], &e) || e < b ||
                   !core::DurationFits(b, e)))) {
      ++n.invalid_rows;
      return;
    }
    int64_t end_tid = row.Int(5);
    bool cross = (type == 60 || type == 71) && end_tid != -1 && end_tid != gtid;
    int64_t scope_key = cross ? pkey : gtid;
    auto sc = scopes.try_emplace({scope_key, cross ? 1 : 0},
                                 static_cast<uint32_t>(n.scopes.size()));
    if (sc.second) n.scopes.push_back({scope_key, cross});
    uint32_t scope = sc.first->second;
    n.label.push_back(LabelOf(n, labels, pkey, raw_domain, name, type));
    n.rowid.push_back(row.Type(0) == SQLITE_NULL ? -1 : row.Int(0));
    n.start.push_back(b);
    n.end.push_back(open ? core::kOpenEnd : e);
    n.scope.push_back(scope);
    n.open_rows += n.end.back() == core::kOpenEnd;  // as Open(i)
    n.cross_thread_rows += cross;
  });
  // Undeclared non-default domains (e.g. a capture window cut after the
  // domain was created) stay distinct from the default domain.
  uint32_t empty = str.Local("");
  for (auto& L : n.labels) {
    auto it = domains.find({L.process_key, L.raw_domain});
    if (it != domains.end()) L.domain = it->second;
    else if (L.raw_domain == 0) L.domain = empty;
    else L.domain = str.Local("<domain " + std::to_string(L.raw_domain) + ">");
  }
}

// Rewrites loader-local ids into the session's table.
void RemapId(uint32_t& id, const std::vector<uint32_t>& map) {
  if (id & kLocal) id = map[id & ~kLocal];
}
void Remap(std::vector<uint32_t>& ids, const std::vector<uint32_t>& map) {
  for (uint32_t& id : ids) RemapId(id, map);
}

}  // namespace

// Opens a private read-only, no-mutex connection to the same file, or returns
// nullptr when that is not possible or not safe (in-memory or temp database,
// an open write transaction on the user's connection, open failure).
sqlite3* Session::OpenPrivate() {
  const char* file = sqlite3_db_filename(db_, "main");
  if (!file || !*file) return nullptr;
  if (!sqlite3_get_autocommit(db_) && !sqlite3_db_readonly(db_, "main"))
    return nullptr;
  std::string uri = "file:";
  for (const char* c = file; *c; ++c) {
    unsigned char ch = static_cast<unsigned char>(*c);
    if (ch == '%' || ch == '?' || ch == '#' || ch < 0x20 || ch >= 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      uri += buf;
    } else {
      uri += static_cast<char>(ch);
    }
  }
  uri += "?mode=ro";
  // A read-only user connection on an export: nothing may write it, so skip
  // locking too (works on read-only media, as nsys's own scripts do).
  if (sqlite3_db_readonly(db_, "main") == 1) uri += "&immutable=1";
  sqlite3* conn = nullptr;
  int rc = sqlite3_open_v2(uri.c_str(), &conn,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
                               SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(conn);
    return nullptr;
  }
  // The private connection must see the same schema (same file).
  try {
    Stmt a(conn, "SELECT count(*) FROM main.sqlite_master");
    a.Step();
  } catch (const Error&) {
    sqlite3_close(conn);
    return nullptr;
  }
  return conn;
}

void Session::EnsureLoaded(bool want_kernels, bool want_runtime,
                           bool want_nvtx) {
  // Runtime launch rows are matched against the kernels while reading, so
  // the runtime table needs the kernels first (same thread, in order).
  want_runtime = want_runtime && !runtime_;
  want_kernels = (want_kernels || want_runtime) && !kernels_;
  want_nvtx = want_nvtx && !nvtx_;
  if (!want_kernels && !want_runtime && !want_nvtx) return;
  const Schema& s = schema();
  LoadStrings();
  struct Job {
    LoaderStrings str;
    std::exception_ptr error;
  };
  Job kjob, rjob, njob;
  for (Job* j : {&kjob, &rjob, &njob}) j->str.shared = &string_ids_;
  auto k = std::make_unique<core::Kernels>();
  auto r = std::make_unique<core::RuntimeCalls>();
  auto n = std::make_unique<core::NvtxRanges>();
  std::vector<int32_t> launch;
  // Task A: kernels and/or runtime; task B: NVTX. Each on its own private
  // connection and thread when possible.
  auto task_a = [&](sqlite3* conn) {
    try {
      if (want_kernels) {
        core::ScopedTimer tm("load kernels");
        LoadKernels(conn, conn != db_, s, kjob.str, *k);
      }
      core::ScopedTimer tm("load runtime");
      if (want_runtime)
        LoadRuntime(conn, conn != db_, s, rjob.str, want_kernels ? *k : *kernels_, *r,
                    launch);
    } catch (...) {
      kjob.error = std::current_exception();
    }
  };
  auto task_b = [&](sqlite3* conn) {
    try {
      core::ScopedTimer tm("load nvtx");
      LoadNvtx(conn, conn != db_, s, njob.str, *n);
    } catch (...) {
      njob.error = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  std::vector<sqlite3*> conns;
  auto launch_task = [&](auto& task) {
    sqlite3* conn = OpenPrivate();
    if (conn) {
      try {
        threads.emplace_back([&task, conn] { task(conn); });
        conns.push_back(conn);
        return;
      } catch (...) {  // no threads available: run it inline
        sqlite3_close(conn);
      }
    }
    task(db_);  // on the user's connection
  };
  if (want_kernels || want_runtime) launch_task(task_a);
  if (want_nvtx) launch_task(task_b);
  for (std::thread& t : threads) t.join();
  for (sqlite3* c : conns) sqlite3_close(c);
  if (kjob.error) std::rethrow_exception(kjob.error);
  if (njob.error) std::rethrow_exception(njob.error);
  // Merge loader-local strings into the session's table.
  auto merge = [&](Job& j) {
    std::vector<uint32_t> map(j.str.local.size());
    for (size_t i = 0; i < map.size(); ++i)
      map[i] = strings_.Intern(j.str.local.Get(static_cast<uint32_t>(i)));
    return map;
  };
  if (want_kernels) {
    auto map = merge(kjob);
    Remap(k->name, map);
    Remap(k->short_name, map);
    kernels_ = std::move(k);
  }
  if (want_runtime) {
    auto map = merge(rjob);
    Remap(r->name, map);
    for (auto& g : r->groups) RemapId(g.name, map);
    runtime_ = std::move(r);
    kernel_launch_ = std::make_unique<std::vector<int32_t>>(std::move(launch));
  }
  if (want_nvtx) {
    auto map = merge(njob);
    for (auto& L : n->labels) {
      RemapId(L.name, map);
      RemapId(L.domain, map);
    }
    nvtx_ = std::move(n);
  }
}

const core::Kernels& Session::kernels() {
  EnsureLoaded(true, false, false);
  return *kernels_;
}

const core::RuntimeCalls& Session::runtime() {
  EnsureLoaded(false, true, false);
  return *runtime_;
}

const core::NvtxRanges& Session::nvtx() {
  EnsureLoaded(false, false, true);
  return *nvtx_;
}

namespace {

// Kernel statistics per (name, device), or per (pid, name, device).
std::unique_ptr<std::vector<KernelGroup>> GroupKernels(const core::Kernels& k,
                                                       bool by_pid) {
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> ids;
  std::vector<uint32_t> group(k.size());
  std::vector<int64_t> dur(k.size());
  auto out = std::make_unique<std::vector<KernelGroup>>();
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = by_pid ? core::PidOf(k.global_pid[i]) : -1;
    // (pid + 1, device) packed beside the name: pid < 2^24, device 32 bits.
    std::pair<int64_t, int64_t> key{
        ((pid + 1) << 32) | static_cast<uint32_t>(k.device_id[i]), k.name[i]};
    auto [it, added] = ids.try_emplace(key, static_cast<uint32_t>(out->size()));
    if (added)
      out->push_back({pid, k.name[i], k.short_name[i], k.device_id[i], {}});
    group[i] = it->second;
    dur[i] = k.end[i] - k.start[i];
  }
  auto stats = core::ComputeGroupStats(group, out->size(), dur);
  for (size_t g = 0; g < out->size(); ++g) (*out)[g].stats = stats[g];
  return out;
}

}  // namespace

const std::vector<KernelGroup>& Session::kernel_groups() {
  if (!kernel_groups_) {
    kernels();
    core::ScopedTimer tm("kernel_groups");
    kernel_groups_ = GroupKernels(kernels(), false);
  }
  return *kernel_groups_;
}

const std::vector<KernelGroup>& Session::kernel_groups_by_pid() {
  if (!kernel_groups_pid_) {
    kernels();
    core::ScopedTimer tm("kernel_groups_by_pid");
    kernel_groups_pid_ = GroupKernels(kernels(), true);
  }
  return *kernel_groups_pid_;
}

const std::vector<StormRow>& Session::storm() {
  if (storm_) return *storm_;
  core::ScopedTimer tm("storm");
  const core::Kernels& k = kernels();
  auto out = std::make_unique<std::vector<StormRow>>();
  std::map<int64_t, uint32_t> pid_index;
  std::vector<uint32_t> group(k.size());
  std::vector<int64_t> dur(k.size());
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    auto [it, added] = pid_index.try_emplace(pid, 0);
    if (added) it->second = static_cast<uint32_t>(pid_index.size() - 1);
    group[i] = it->second;
    dur[i] = k.end[i] - k.start[i];
  }
  std::vector<StormRow> per(pid_index.size());
  for (auto& [pid, g] : pid_index) {
    per[g].pid = pid;
    per[g].first_start = INT64_MAX;
    per[g].last_end = INT64_MIN;
  }
  StormRow global{-1, INT64_MAX, INT64_MIN, {}};
  for (size_t i = 0; i < k.size(); ++i) {
    StormRow& r = per[group[i]];
    r.first_start = std::min(r.first_start, k.start[i]);
    r.last_end = std::max(r.last_end, k.end[i]);
    global.first_start = std::min(global.first_start, k.start[i]);
    global.last_end = std::max(global.last_end, k.end[i]);
  }
  auto stats = core::ComputeGroupStats(group, per.size(), dur);
  global.stats = core::ComputeStats(dur);
  if (k.size() == 0) global.first_start = global.last_end = 0;
  out->push_back(global);
  for (auto& [pid, g] : pid_index) {
    per[g].stats = stats[g];
    out->push_back(per[g]);
  }
  storm_ = std::move(out);
  return *storm_;
}

const std::vector<TinyKernel>& Session::tiny_kernels() {
  if (tiny_) return *tiny_;
  core::ScopedTimer tm("tiny");
  const core::Kernels& k = kernels();
  std::map<std::pair<int64_t, uint32_t>, std::pair<int64_t, int64_t>> agg;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t d = k.end[i] - k.start[i];
    if (d >= 5000) continue;
    int64_t pid = core::PidOf(k.global_pid[i]);
    for (int64_t p : {int64_t{-1}, pid}) {
      auto& a = agg[{p, k.name[i]}];
      ++a.first;
      a.second = SatAdd(a.second, d);
    }
  }
  auto out = std::make_unique<std::vector<TinyKernel>>();
  for (auto& [key, v] : agg)
    out->push_back({key.first, key.second, v.first, v.second});
  tiny_ = std::move(out);
  return *tiny_;
}

const std::vector<DeviceBusy>& Session::devices() {
  if (devices_) return *devices_;
  core::ScopedTimer tm("devices");
  const core::Kernels& k = kernels();
  std::map<int32_t, std::vector<core::Interval>> by_dev;
  for (size_t i = 0; i < k.size(); ++i)
    by_dev[k.device_id[i]].push_back({k.start[i], k.end[i]});
  auto out = std::make_unique<std::vector<DeviceBusy>>();
  for (auto& [dev, iv] : by_dev) {
    DeviceBusy d;
    d.device = dev;
    d.kernels = static_cast<int64_t>(iv.size());
    d.window_start = INT64_MAX;
    d.window_end = INT64_MIN;
    for (const auto& x : iv) {
      d.window_start = std::min(d.window_start, x.start);
      d.window_end = std::max(d.window_end, x.end);
    }
    auto merged = core::MergeIntervals(std::move(iv));
    d.busy = core::UnionLength(merged);
    d.gaps = core::GapsInWindow(merged, d.window_start, d.window_end);
    out->push_back(std::move(d));
  }
  devices_ = std::move(out);
  return *devices_;
}

const std::vector<ApiGroup>& Session::api_groups() {
  if (api_groups_) return *api_groups_;
  core::ScopedTimer tm("api_groups");
  const core::RuntimeCalls& r = runtime();
  auto out = std::make_unique<std::vector<ApiGroup>>();
  out->reserve(r.groups.size());
  for (const auto& g : r.groups) {
    const std::string& nm = strings_.Get(g.name);
    uint32_t base = strings_.Intern(core::ApiBaseName(nm));
    out->push_back({g.pid, g.name, base,
                    core::ApiKindName(core::ClassifyApi(nm)), g.stats});
  }
  api_groups_ = std::move(out);
  return *api_groups_;
}

const std::vector<NvtxGroup>& Session::nvtx_groups() {
  if (nvtx_groups_) return *nvtx_groups_;
  core::ScopedTimer tm("nvtx_groups");
  const core::NvtxRanges& n = nvtx();
  // Labels -> groups of (pid, domain name, name, style).
  std::map<std::tuple<int64_t, uint32_t, uint32_t, bool>, uint32_t> ids;
  std::vector<uint32_t> group_of_label(n.labels.size());
  auto out = std::make_unique<std::vector<NvtxGroup>>();
  for (size_t l = 0; l < n.labels.size(); ++l) {
    const auto& L = n.labels[l];
    int64_t pid = core::PidOf(L.process_key);
    bool pushpop = L.event_type == 59 || L.event_type == 70;
    auto [it, added] = ids.try_emplace({pid, L.domain, L.name, pushpop},
                                       static_cast<uint32_t>(out->size()));
    if (added) {
      NvtxGroup g;
      g.pid = pid;
      g.domain = L.domain;
      g.name = L.name;
      g.style = pushpop ? "push_pop" : "start_end";
      g.min = INT64_MAX;
      g.max = INT64_MIN;
      out->push_back(g);
    }
    group_of_label[l] = it->second;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    NvtxGroup& g = (*out)[group_of_label[n.label[i]]];
    if (n.Open(i)) {
      ++g.open_count;
      continue;
    }
    int64_t d = n.end[i] - n.start[i];
    ++g.count;
    g.total = SatAdd(g.total, d);
    g.min = std::min(g.min, d);
    g.max = std::max(g.max, d);
  }
  for (auto& g : *out)
    if (g.count == 0) g.min = g.max = 0;
  nvtx_groups_ = std::move(out);
  return *nvtx_groups_;
}

const std::vector<PidRow>& Session::pids() {
  if (pids_) return *pids_;
  core::ScopedTimer tm("pids");
  const core::Kernels& k = kernels();
  std::map<int64_t, PidRow> agg;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    auto [it, added] = agg.try_emplace(pid);
    PidRow& r = it->second;
    if (added) {
      r.pid = pid;
      r.first_start = k.start[i];
      r.last_end = k.end[i];
    }
    ++r.kernels;
    r.kernel_ns = SatAdd(r.kernel_ns, k.end[i] - k.start[i]);
    r.first_start = std::min(r.first_start, k.start[i]);
    r.last_end = std::max(r.last_end, k.end[i]);
  }
  auto out = std::make_unique<std::vector<PidRow>>();
  for (auto& [pid, r] : agg) out->push_back(r);
  pids_ = std::move(out);
  return *pids_;
}

const std::vector<int32_t>& Session::kernel_launch() {
  if (!kernel_launch_) EnsureLoaded(true, true, false);  // LoadRuntime fills it
  return *kernel_launch_;
}

const Session::Attribution& Session::attribution() {
  if (attribution_) return *attribution_;
  EnsureLoaded(true, true, true);
  core::ScopedTimer tm("attribution");
  const core::Kernels& k = kernels();
  const std::vector<int32_t>& launch = kernel_launch();
  const core::RuntimeCalls& r = runtime();
  const core::NvtxRanges& n = nvtx();
  auto a = std::make_unique<Attribution>();
  // Runtime rows are exactly the launch rows (LoadRuntime keeps no other),
  // so the enclosure slots are the runtime rows (kernel_launch() maps
  // kernels to them) and their columns are read in place.
  // Buckets are the ranges' scopes: one per thread with thread-scoped
  // ranges, one per process with process-scoped ones.
  std::unordered_map<int64_t, uint32_t> thread_bucket, process_bucket;
  for (uint32_t b = 0; b < n.scopes.size(); ++b)
    (n.scopes[b].process ? process_bucket : thread_bucket)[n.scopes[b].key] = b;
  uint32_t nbuckets = static_cast<uint32_t>(n.scopes.size());
  size_t nl = r.size();
  std::vector<uint32_t> lt(nl), lp(nl);
  for (size_t j = 0; j < nl; ++j) {
    auto t = thread_bucket.find(r.global_tid[j]);
    auto p = process_bucket.find(core::ProcessKey(r.global_tid[j]));
    lt[j] = t == thread_bucket.end() ? core::kNoBucket : t->second;
    lp[j] = p == process_bucket.end() ? core::kNoBucket : p->second;
  }
  a->enclosure = core::FindEnclosing(
      {n.start.data(), n.end.data(), n.scope.data(), n.size()},
      {r.start.data(), r.end.data(), lt.data(), lp.data(), nl}, nbuckets);

  // Aggregate per (pid, domain, name) and globally (pid -1).
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> ids;
  std::map<int64_t, CoverageRow> cov;
  CoverageRow global{-1};
  auto row_for = [&](int64_t pid, uint32_t dom, uint32_t name) -> AttributionRow& {
    std::pair<int64_t, int64_t> key{(static_cast<int64_t>(dom) << 32) | name,
                                    pid};
    auto [it, added] =
        ids.try_emplace(key, static_cast<uint32_t>(a->rows.size()));
    if (added) a->rows.push_back({pid, dom, name});
    return a->rows[it->second];
  };
  std::vector<std::pair<uint32_t, uint32_t>> seen;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    int64_t d = k.end[i] - k.start[i];
    CoverageRow& c = cov.try_emplace(pid, CoverageRow{pid}).first->second;
    ++c.kernels;
    c.kernel_ns = SatAdd(c.kernel_ns, d);
    ++global.kernels;
    global.kernel_ns = SatAdd(global.kernel_ns, d);
    int32_t slot = launch[i];
    if (slot < 0) continue;
    ++c.launched;
    c.launched_ns = SatAdd(c.launched_ns, d);
    ++global.launched;
    global.launched_ns = SatAdd(global.launched_ns, d);
    size_t cnt = a->enclosure.Count(slot);
    if (cnt == 0) continue;
    ++c.attributed;
    c.attributed_ns = SatAdd(c.attributed_ns, d);
    ++global.attributed;
    global.attributed_ns = SatAdd(global.attributed_ns, d);
    seen.clear();
    const uint32_t* idx =
        a->enclosure.range_index.data() + a->enclosure.offsets[slot];
    for (size_t j = 0; j < cnt; ++j) {
      std::pair<uint32_t, uint32_t> dn{n.Domain(idx[j]), n.Name(idx[j])};
      if (std::find(seen.begin(), seen.end(), dn) != seen.end()) continue;
      seen.push_back(dn);
      for (int64_t p : {int64_t{-1}, pid}) {
        AttributionRow& ar = row_for(p, dn.first, dn.second);
        ++ar.inclusive_count;
        ar.inclusive_ns = SatAdd(ar.inclusive_ns, d);
      }
    }
    uint32_t inner = idx[cnt - 1];
    for (int64_t p : {int64_t{-1}, pid}) {
      AttributionRow& ar = row_for(p, n.Domain(inner), n.Name(inner));
      ++ar.innermost_count;
      ar.innermost_ns = SatAdd(ar.innermost_ns, d);
    }
  }
  global.truncated_launches =
      static_cast<int64_t>(a->enclosure.truncated_launches);
  a->coverage.push_back(global);
  for (auto& [pid, c] : cov) a->coverage.push_back(c);
  attribution_ = std::move(a);
  return *attribution_;
}

}  // namespace nsysexplain
