// nsys_interval_gaps(sql [, window_start_ns, window_end_ns])
//
// Table-valued function: runs `sql`, which must return rows of
// (start, end [, grp]), merges the [start, end) intervals of each group with
// one sort and one sweep, and lists the idle gaps between them inside the
// window. The default window of a group is [min(start), max(end)] of that
// group; explicit bounds apply to every group.
//
//   SELECT * FROM nsys_interval_gaps(
//       'SELECT start, "end", deviceId FROM CUPTI_ACTIVITY_KIND_MEMCPY');
//   SELECT grp, sum(gap_ns) FROM nsys_interval_gaps(
//       'SELECT start, "end", deviceId FROM CUPTI_ACTIVITY_KIND_KERNEL
//        UNION ALL SELECT start, "end", deviceId FROM CUPTI_ACTIVITY_KIND_MEMCPY')
//   GROUP BY grp;
//
// Schema: CREATE TABLE x(grp, gap_start_ns, gap_end_ns, gap_ns,
//                        sql HIDDEN, window_start_ns HIDDEN,
//                        window_end_ns HIDDEN)
// Equivalent WHERE form: WHERE sql = ? AND window_start_ns = ? AND ...
// Because it runs arbitrary SQL it is DIRECTONLY: it cannot be used from
// views or triggers in the database schema.
//
// idxNum bits: 0x1 sql, 0x2 window_start_ns, 0x4 window_end_ns; argv holds
// the present arguments in that order. A NULL sql gives zero rows.
#include <map>
#include <string>
#include <vector>

#include "core/interval_union.h"
#include "core/saturating.h"
#include "datasets.h"

namespace nsysexplain {
namespace {

enum Col { kGrp, kStart, kEnd, kDur, kSql, kWinStart, kWinEnd };

struct Gap {
  sqlite3_value* grp;  // owned copy (sqlite3_value_dup)
  int64_t start, end;
};

struct GapsVtab : sqlite3_vtab {
  sqlite3* db;
  // Nesting depth of GFilter on this connection: the inner query may itself
  // call nsys_interval_gaps with SQL computed at run time, so unbounded
  // recursion (and a stack overflow) is possible without a limit. (Not
  // thread_local: TLS in a dlopen'ed module trips LeakSanitizer after
  // dlclose; the connection's mutex serializes nested calls anyway.)
  int depth = 0;
};

struct GapsCursor : sqlite3_vtab_cursor {
  std::vector<Gap> gaps;
  size_t row = 0;
  void Clear() {
    for (Gap& g : gaps) sqlite3_value_free(g.grp);
    gaps.clear();
    row = 0;
  }
  ~GapsCursor() { Clear(); }
};

int GConnect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out,
             char**) {
  int rc = sqlite3_declare_vtab(
      db,
      "CREATE TABLE x(grp, gap_start_ns INTEGER, gap_end_ns INTEGER, "
      "gap_ns INTEGER, sql HIDDEN, window_start_ns HIDDEN, "
      "window_end_ns HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  auto* v = new (std::nothrow) GapsVtab();
  if (!v) return SQLITE_NOMEM;
  v->db = db;
  *out = v;
  return SQLITE_OK;
}

int GDisconnect(sqlite3_vtab* v) {
  delete static_cast<GapsVtab*>(v);
  return SQLITE_OK;
}

int GBestIndex(sqlite3_vtab* vt, sqlite3_index_info* info) {
  int idx[3] = {-1, -1, -1};
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.iColumn < kSql) continue;
    if (c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c.usable) return SQLITE_CONSTRAINT;
    idx[c.iColumn - kSql] = i;
  }
  if (idx[0] < 0)
    return SetVtabError(vt,
                        "nsys_interval_gaps(): argument 'sql' is required");
  int n = 0, mask = 0;
  for (int j = 0; j < 3; ++j) {
    if (idx[j] < 0) continue;
    info->aConstraintUsage[idx[j]].argvIndex = ++n;
    info->aConstraintUsage[idx[j]].omit = 1;
    mask |= 1 << j;
  }
  info->idxNum = mask;
  info->estimatedCost = 1000;
  info->estimatedRows = 1000;
  return SQLITE_OK;
}

int GOpen(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* c = new (std::nothrow) GapsCursor();
  if (!c) return SQLITE_NOMEM;
  *out = c;
  return SQLITE_OK;
}

int GClose(sqlite3_vtab_cursor* c) {
  delete static_cast<GapsCursor*>(c);
  return SQLITE_OK;
}

// Group key: compare by SQLite value semantics via a string rendering of the
// type and bytes (integers, reals and text stay distinct).
std::string KeyOf(sqlite3_value* v) {
  int t = sqlite3_value_type(v);
  std::string k(1, static_cast<char>('0' + t));
  if (t == SQLITE_NULL) return k;
  if (t == SQLITE_INTEGER) return k + std::to_string(sqlite3_value_int64(v));
  if (t == SQLITE_FLOAT) return k + std::to_string(sqlite3_value_double(v));
  const void* b = sqlite3_value_blob(v);
  int n = sqlite3_value_bytes(v);
  return k + std::string(static_cast<const char*>(b ? b : ""), n);
}

constexpr int kMaxDepth = 16;

struct DepthGuard {
  explicit DepthGuard(int* d) : depth(d) { ++*depth; }
  ~DepthGuard() { --*depth; }
  int* depth;
};

int GFilter(sqlite3_vtab_cursor* cur, int mask, const char*, int argc,
            sqlite3_value** argv) {
  auto* c = static_cast<GapsCursor*>(cur);
  auto* vt = static_cast<GapsVtab*>(cur->pVtab);
  c->Clear();
  DepthGuard depth(&vt->depth);
  return GuardVtab(vt, "nsys_interval_gaps()", [&]() -> int {
    if (vt->depth > kMaxDepth)
      throw Error("nested more than 16 deep (does the query call itself?)");
    int a = 0;
    sqlite3_value* sql = (mask & 1) ? argv[a++] : nullptr;
    sqlite3_value* ws = (mask & 2) ? argv[a++] : nullptr;
    sqlite3_value* we = (mask & 4) ? argv[a++] : nullptr;
    (void)argc;
    if (!sql || sqlite3_value_type(sql) == SQLITE_NULL) return SQLITE_OK;
    if (sqlite3_value_type(sql) != SQLITE_TEXT)
      throw Error("argument 'sql' must be text");
    auto bound = [](sqlite3_value* v, const char* what, bool* has) -> int64_t {
      *has = false;
      if (!v || sqlite3_value_type(v) == SQLITE_NULL) return 0;
      if (sqlite3_value_numeric_type(v) != SQLITE_INTEGER)
        throw Error(std::string("argument '") + what + "' must be an integer");
      *has = true;
      return sqlite3_value_int64(v);
    };
    bool has_ws, has_we;
    int64_t wstart = bound(ws, "window_start_ns", &has_ws);
    int64_t wend = bound(we, "window_end_ns", &has_we);
    const unsigned char* text = sqlite3_value_text(sql);
    if (!text) throw std::bad_alloc();
    Stmt st(vt->db, reinterpret_cast<const char*>(text));
    // Read-only statements only: the trace is never modified through here.
    if (st.get() && !sqlite3_stmt_readonly(st.get()))
      throw Error("the query must be read-only (a SELECT)");
    int ncol = sqlite3_column_count(st.get());
    if (ncol < 2 || ncol > 3)
      throw Error("the query must return (start, end) or (start, end, grp)");
    struct Group {
      sqlite3_value* key = nullptr;
      std::vector<core::Interval> iv;
      int64_t lo = INT64_MAX, hi = INT64_MIN;
    };
    std::map<std::string, Group> groups;
    while (st.Step()) {
      int64_t b, e;  // rows with NULL or non-numeric bounds are skipped
      if (!ReadTimestamp(st.get(), 0, &b) || !ReadTimestamp(st.get(), 1, &e) ||
          e < b)
        continue;
      sqlite3_value* gv = ncol == 3 ? sqlite3_column_value(st.get(), 2) : nullptr;
      std::string key = gv ? KeyOf(gv) : std::string("0");
      Group& g = groups[key];
      if (!g.key && gv) {
        g.key = sqlite3_value_dup(gv);
        if (!g.key) throw std::bad_alloc();
      }
      g.iv.push_back({b, e});
      g.lo = std::min(g.lo, b);
      g.hi = std::max(g.hi, e);
    }
    for (auto& [k, g] : groups) {
      auto merged = core::MergeIntervals(std::move(g.iv));
      auto gaps = core::GapsInWindow(merged, has_ws ? wstart : g.lo,
                                     has_we ? wend : g.hi);
      for (const auto& x : gaps) {
        sqlite3_value* dup = g.key ? sqlite3_value_dup(g.key) : nullptr;
        c->gaps.push_back({dup, x.start, x.end});
      }
      sqlite3_value_free(g.key);
      g.key = nullptr;
    }
    return SQLITE_OK;
  });
}

int GNext(sqlite3_vtab_cursor* cur) {
  ++static_cast<GapsCursor*>(cur)->row;
  return SQLITE_OK;
}
int GEof(sqlite3_vtab_cursor* cur) {
  auto* c = static_cast<GapsCursor*>(cur);
  return c->row >= c->gaps.size();
}
int GColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = static_cast<GapsCursor*>(cur);
  const Gap& g = c->gaps[c->row];
  switch (col) {
    case kGrp:
      if (g.grp) sqlite3_result_value(ctx, g.grp);
      else sqlite3_result_null(ctx);
      break;
    case kStart: sqlite3_result_int64(ctx, g.start); break;
    case kEnd: sqlite3_result_int64(ctx, g.end); break;
    case kDur: sqlite3_result_int64(ctx, core::SatSub(g.end, g.start)); break;
    default: sqlite3_result_null(ctx);
  }
  return SQLITE_OK;
}
int GRowid(sqlite3_vtab_cursor* cur, sqlite_int64* rowid) {
  *rowid = static_cast<sqlite_int64>(static_cast<GapsCursor*>(cur)->row);
  return SQLITE_OK;
}

sqlite3_module MakeGapsModule() {
  sqlite3_module m{};
  m.xConnect = GConnect;
  m.xBestIndex = GBestIndex;
  m.xDisconnect = GDisconnect;
  m.xDestroy = GDisconnect;
  m.xOpen = GOpen;
  m.xClose = GClose;
  m.xFilter = GFilter;
  m.xNext = GNext;
  m.xEof = GEof;
  m.xColumn = GColumn;
  m.xRowid = GRowid;
  return m;
}
const sqlite3_module kGapsModule = MakeGapsModule();

const HelpEntry& Help() {
  static const HelpEntry h{
      "nsys_interval_gaps", "table-valued function",
      "nsys_interval_gaps(sql [, window_start_ns, window_end_ns])",
      "Runs sql returning (start, end [, grp]), merges the intervals per group and "
      "lists the gaps between them: grp, gap_start_ns, gap_end_ns, gap_ns.",
      "SELECT grp AS device_id, sum(gap_ns) / 1e6 AS idle_ms FROM nsys_interval_gaps("
      "'SELECT start_ns, end_ns, device_id FROM nsys_kernels') GROUP BY grp",
      "ext/interval_gaps_vtab.cc"};
  return h;
}

}  // namespace

HelpEntry IntervalGapsHelp() { return Help(); }

int RegisterIntervalGaps(sqlite3* db, char** pzErrMsg) {
  const char* name = Help().name.c_str();
  int rc = sqlite3_create_module_v2(db, name, &kGapsModule, nullptr, nullptr);
  if (rc != SQLITE_OK)
    *pzErrMsg = sqlite3_mprintf("nsysexplain: cannot register %s: %s", name,
                                sqlite3_errmsg(db));
  return rc;
}

void UnregisterIntervalGaps(sqlite3* db) {
  sqlite3_create_module_v2(db, Help().name.c_str(), nullptr, nullptr, nullptr);
}

}  // namespace nsysexplain
