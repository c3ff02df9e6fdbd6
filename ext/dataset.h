// Datasets: read-only eponymous virtual tables that serve cached analysis
// results to the view pack (`SELECT * FROM _nsys_gpu_idle`). A dataset's
// columns are declared once, as a table of {name, type, getter, doc} next to
// its row type; the CREATE TABLE text given to sqlite3_declare_vtab, xColumn
// and the ORDER BY terms the vtab consumes are all derived from that table
// (compare SERIES_COLUMN_* beside sqlite3_declare_vtab in SQLite's
// ext/misc/series.c). Rows are produced on demand from the cached results;
// nothing is copied into SQLite tables.
//
//   const DatasetDef kGaps = MakeDataset<GapRow>(
//       "nsys_gpu_gaps", "Idle gaps per device, longest first.",
//       {{"device_id", kInt, [](const GapRow& g, Cell& c) { c.Int(g.device); },
//         "CUDA device ordinal"}, ...},
//       [](Session& s) { ... return Rows<GapRow>{...}; },
//       {{"gap_ns", kDesc}, {"device_id", kAsc}});
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/duration_stats.h"
#include "core/trace_model.h"
#include "sqlite_api.h"

namespace nsysexplain {

class Session;

// Writes one cell of the current row.
class Cell {
 public:
  Cell(sqlite3_context* ctx, const core::StringTable* strings)
      : ctx_(ctx), strings_(strings) {}
  void Int(int64_t v) { sqlite3_result_int64(ctx_, v); }
  void Real(double v) { sqlite3_result_double(ctx_, v); }
  void Null() { sqlite3_result_null(ctx_); }
  void Text(const std::string& s) {
    sqlite3_result_text(ctx_, s.data(), static_cast<int>(s.size()), kTransient);
  }
  // A StringTable id of the trace the rows come from.
  void Name(uint32_t id) { Text(strings_->Get(id)); }
  // pid -1 (the "all processes" rows) reads as NULL.
  void PidOrNull(int64_t pid) { pid < 0 ? Null() : Int(pid); }
  // v, or NULL when `v` is negative (unknown ids, rowids, correlation ids).
  void IntOrNullIfNegative(int64_t v) { v < 0 ? Null() : Int(v); }

 private:
  sqlite3_context* ctx_;
  const core::StringTable* strings_;
};

enum SqlType { kInt, kReal, kText };
const char* SqlTypeName(SqlType t);

template <class Row>
struct Column {
  const char* name;
  SqlType type;
  void (*get)(const Row& row, Cell& out);
  const char* doc;
};

// The rows one scan of a dataset serves: a count, a way to build row i, the
// strings its ids refer to, and ownership of everything `at` points into (so
// an nsys_reset() during a scan cannot free them).
template <class Row>
struct Rows {
  size_t count = 0;
  std::function<Row(size_t)> at;
  const core::StringTable* strings = nullptr;
  std::vector<std::shared_ptr<const void>> keep;
};

// Type-erased scan state of an open cursor.
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual size_t size() const = 0;
  // Writes column `col` of row `row` (rows are visited in increasing order).
  virtual void Write(size_t row, int col, sqlite3_context* ctx) = 0;
};

enum SortDir : bool { kAsc = false, kDesc = true };

// A `col IS NULL` / `col IS NOT NULL` constraint the dataset applies itself
// (datasets whose "all processes" rows have pid NULL compute only the part
// a query asks for).
enum class NullFilter { kAll, kNull, kNotNull };

struct OrderTerm {
  int column;
  bool desc;
};

// One dataset, as registered: name, docs, the derived schema and the order
// its rows come in (ORDER BY terms matching a prefix of it are consumed).
// The hidden column of every dataset naming the trace its rows come from.
inline constexpr const char* kSchemaColumn = "trace_schema";

struct DatasetDef {
  std::string name, doc;
  std::vector<std::string> column_names, column_docs;
  std::vector<SqlType> column_types;
  std::vector<OrderTerm> order;
  int null_filter_column = -1;  // column whose IS [NOT] NULL open() applies
  std::function<std::unique_ptr<RowSource>(Session&, NullFilter)> open;

  // "CREATE TABLE x(name TYPE, ..., trace_schema HIDDEN)" for
  // sqlite3_declare_vtab (trace_schema: dataset_vtab.cc).
  std::string CreateTableSql() const;
  int ColumnIndex(const std::string& name) const;  // -1 if none
};

namespace detail {

template <class Row>
class TypedSource final : public RowSource {
 public:
  TypedSource(Rows<Row> rows, std::shared_ptr<const std::vector<Column<Row>>> cols)
      : rows_(std::move(rows)), cols_(std::move(cols)) {}
  size_t size() const override { return rows_.count; }
  void Write(size_t row, int col, sqlite3_context* ctx) override {
    if (!current_ || row != current_index_) {
      current_.emplace(rows_.at(row));
      current_index_ = row;
    }
    Cell c(ctx, rows_.strings);
    (*cols_)[static_cast<size_t>(col)].get(*current_, c);
  }

 private:
  Rows<Row> rows_;
  std::shared_ptr<const std::vector<Column<Row>>> cols_;
  std::optional<Row> current_;
  size_t current_index_ = 0;
};

// Column index by name; throws on an unknown name (a programming error
// that every test run reveals at registration).
int FindColumn(const std::vector<std::string>& names, const char* name,
               const char* dataset);

}  // namespace detail

// A dataset that applies `null_column IS [NOT] NULL` itself: `rows` gets
// the filter of the query (kAll when there is none) and returns only the
// rows that pass it.
template <class Row>
DatasetDef MakeFilteredDataset(const char* name, const char* doc,
                               std::vector<Column<Row>> columns,
                               const char* null_column,
                               std::function<Rows<Row>(Session&, NullFilter)> rows,
                               std::vector<std::pair<const char*, SortDir>> order = {}) {
  DatasetDef d;
  d.name = name;
  d.doc = doc;
  for (const Column<Row>& c : columns) {
    d.column_names.push_back(c.name);
    d.column_types.push_back(c.type);
    d.column_docs.push_back(c.doc);
  }
  for (const auto& [col, dir] : order)
    d.order.push_back({detail::FindColumn(d.column_names, col, name), dir == kDesc});
  if (null_column) d.null_filter_column = detail::FindColumn(d.column_names, null_column, name);
  auto cols = std::make_shared<const std::vector<Column<Row>>>(std::move(columns));
  d.open = [cols, rows = std::move(rows)](Session& s,
                                          NullFilter f) -> std::unique_ptr<RowSource> {
    return std::make_unique<detail::TypedSource<Row>>(rows(s, f), cols);
  };
  return d;
}

template <class Row>
DatasetDef MakeDataset(const char* name, const char* doc,
                       std::vector<Column<Row>> columns,
                       std::function<Rows<Row>(Session&)> rows,
                       std::vector<std::pair<const char*, SortDir>> order = {}) {
  return MakeFilteredDataset<Row>(
      name, doc, std::move(columns), nullptr,
      [rows = std::move(rows)](Session& s, NullFilter) { return rows(s); },
      std::move(order));
}

// The columns of core::DurationStats, shared by every dataset of grouped
// durations: calls, total_ns, min_ns, max_ns, avg_ns, p50_ns, p90_ns,
// p99_ns, stdev_ns, p95_ns, excess_over_p50_ns. `stats` picks the statistics out of a row.
template <class Row, const core::DurationStats Row::*stats>
std::vector<Column<Row>> StatsColumns() {
  return {
      {"calls", kInt, [](const Row& r, Cell& c) { c.Int((r.*stats).count); },
       "number of durations"},
      {"total_ns", kInt, [](const Row& r, Cell& c) { c.Int((r.*stats).total); },
       "sum of durations (saturating)"},
      {"min_ns", kInt, [](const Row& r, Cell& c) { c.Int((r.*stats).min); },
       "shortest"},
      {"max_ns", kInt, [](const Row& r, Cell& c) { c.Int((r.*stats).max); },
       "longest"},
      {"avg_ns", kReal,
       [](const Row& r, Cell& c) {
         const auto& s = r.*stats;
         s.count ? c.Real(double(s.total) / double(s.count)) : c.Null();
       },
       "mean"},
      {"p50_ns", kReal,
       [](const Row& r, Cell& c) { (r.*stats).count ? c.Real((r.*stats).p50) : c.Null(); },
       "median (linear interpolation)"},
      {"p90_ns", kReal,
       [](const Row& r, Cell& c) { (r.*stats).count ? c.Real((r.*stats).p90) : c.Null(); },
       "90th percentile"},
      {"p99_ns", kReal,
       [](const Row& r, Cell& c) { (r.*stats).count ? c.Real((r.*stats).p99) : c.Null(); },
       "99th percentile"},
      {"stdev_ns", kReal,
       [](const Row& r, Cell& c) { (r.*stats).count ? c.Real((r.*stats).stdev) : c.Null(); },
       "sample standard deviation"},
      {"p95_ns", kReal,
       [](const Row& r, Cell& c) { (r.*stats).count ? c.Real((r.*stats).p95) : c.Null(); },
       "95th percentile"},
      {"excess_over_p50_ns", kReal,
       [](const Row& r, Cell& c) {
         (r.*stats).count ? c.Real((r.*stats).excess_over_p50) : c.Null();
       },
       "sum of (duration - p50) over the durations above the median"},
  };
}

// `a` followed by `b`.
template <class Row>
std::vector<Column<Row>> Concat(std::vector<Column<Row>> a,
                                const std::vector<Column<Row>>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Rows<T> over a cached vector (row i is a copy of element i, made once per
// row visited).
template <class T>
Rows<T> RowsOf(std::shared_ptr<const std::vector<T>> v,
               const core::StringTable* strings,
               std::vector<std::shared_ptr<const void>> keep = {}) {
  Rows<T> r;
  r.count = v->size();
  const std::vector<T>* p = v.get();
  r.at = [p](size_t i) { return (*p)[i]; };
  r.strings = strings;
  keep.push_back(std::move(v));
  r.keep = std::move(keep);
  return r;
}

}  // namespace nsysexplain
