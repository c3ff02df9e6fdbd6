#include "scan.h"

#include <algorithm>
#include <exception>

#include "core/progress.h"
#include "core/saturating.h"

namespace nsysexplain {


int Select::Add(std::string expr) {
  exprs_.push_back(std::move(expr));
  return static_cast<int>(exprs_.size() - 1);
}

int Select::Rowid() { return Add(s_.without_rowid.count(table_) ? "NULL" : "rowid"); }

int Select::Col(const std::string& name) { return Add(QuoteIdent(name)); }

int Select::ColOrNull(const std::string& name) {
  return Add(s_.HasColumn(table_, name) ? QuoteIdent(name) : "NULL");
}

std::string Select::Columns() const {
  std::string out;
  for (const std::string& e : exprs_) out += (out.empty() ? "" : ", ") + e;
  return out;
}

std::string Select::From(bool is_private) const {
  std::string from = is_private ? "main." + QuoteIdent(table_) : s_.Qualified(table_);
  return where_.empty() ? from : from + " WHERE " + where_;
}

namespace {

struct SinkState {
  RowFn* fn;
  bool utf8;
  std::exception_ptr error;
  std::atomic<uint64_t>* progress;  // core::CurrentScanProgress() (nullptr: unheard)
  uint64_t pending = 0;             // rows not counted into it yet
};

// Counts one row into the scan's progress counter, kTick rows at a time.
inline void CountRow(std::atomic<uint64_t>* progress, uint64_t& pending) {
  if (progress && ++pending == core::LoadProgress::kTick) {
    progress->fetch_add(pending, std::memory_order_relaxed);
    pending = 0;
  }
}

void SinkStep(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* st = static_cast<SinkState*>(sqlite3_user_data(ctx));
  if (st->error) return;
  try {
    (*st->fn)(Row{argv, st->utf8});
    CountRow(st->progress, st->pending);
  } catch (...) {
    st->error = std::current_exception();
    sqlite3_result_error(ctx, "nsysexplain: loader failed", -1);
  }
}
void SinkFinal(sqlite3_context*) {}

bool IsUtf8(sqlite3* db, const std::string& schema) {
  try {
    Stmt st(db, "PRAGMA " + QuoteIdent(schema) + ".encoding");
    return st.Step() && st.Text(0) == "UTF-8";
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

// Streams `q` through `fn`, one call per row. On a private connection the
// rows go through an aggregate function (_nsys_sink): SQLite's VM loops
// internally and hands each row over as values, which costs far less than
// one sqlite3_step plus one sqlite3_column_* call per column. On the user's
// connection (no private one) a plain statement is stepped instead, to
// register nothing there.
void Scan(sqlite3* db, bool is_private, const Select& q, RowFn fn) {
  std::string cols = q.Columns(), from = q.From(is_private);
  bool utf8 = IsUtf8(db, is_private ? "main" : q.schema().db);
  if (is_private) {
    SinkState state{&fn, utf8, nullptr, core::CurrentScanProgress()};
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
  std::atomic<uint64_t>* progress = core::CurrentScanProgress();
  uint64_t pending = 0;
  while (st.Step()) {
    for (int i = 0; i < n; ++i) vals[i] = sqlite3_column_value(st.get(), i);
    fn(Row{vals.data(), utf8});
    CountRow(progress, pending);
  }
}

// Upper bound of a table's row count from max(rowid) (O(log n)); a hint for
// reserve() only, capped so a bogus rowid cannot allocate gigabytes.
size_t RowHint(sqlite3* db, bool is_private, const Schema& s,
               const std::string& table) {
  try {
    Stmt st(db, "SELECT max(rowid) FROM " + Select(s, table).From(is_private));
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

std::vector<RowidRange> SplitRowids(sqlite3* db, bool is_private, const Schema& s,
                                    const std::string& t, int parts,
                                    uint64_t min_span) {
  std::vector<RowidRange> out;
  if (parts > 1 && s.Has(t) && !s.without_rowid.count(t)) {
    try {
      // Two queries: SQLite answers a lone min() or max() of the rowid from
      // the b-tree's edge, but scans the whole table for both at once.
      std::string from = Select(s, t).From(is_private);
      Stmt min_st(db, "SELECT min(rowid) FROM " + from);
      Stmt max_st(db, "SELECT max(rowid) FROM " + from);
      if (min_st.Step() && !min_st.IsNull(0) && max_st.Step() &&
          !max_st.IsNull(0)) {
        int64_t lo = min_st.Int(0), hi = max_st.Int(0);
        uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
        if (span >= min_span) {
          // Offsets from lo, in uint64 arithmetic that never wraps (span may
          // be all of int64: rowids from INT64_MIN to INT64_MAX).
          uint64_t step = span / static_cast<uint64_t>(parts) + 1;
          for (uint64_t a = 0;;) {
            uint64_t b = span - a < step - 1 ? span : a + step - 1;
            out.emplace_back(std::make_pair(
                static_cast<int64_t>(static_cast<uint64_t>(lo) + a),
                static_cast<int64_t>(static_cast<uint64_t>(lo) + b)));
            if (b == span) break;
            a = b + 1;
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

size_t RestrictToRange(Select& q, const RowidRange& rowids, sqlite3* db,
                       bool is_private, const Schema& s, const std::string& table) {
  if (!rowids) return RowHint(db, is_private, s, table);
  q.Where("rowid BETWEEN " + std::to_string(rowids->first) + " AND " +
          std::to_string(rowids->second));
  // The part's rowid span, capped: rowids may be sparse, and columns grow
  // past the hint when needed.
  uint64_t span = static_cast<uint64_t>(rowids->second) - static_cast<uint64_t>(rowids->first);
  return static_cast<size_t>(std::min<uint64_t>(span, uint64_t{1} << 22) + 1);
}

}  // namespace nsysexplain
