// The virtual-table glue shared by every dataset (dataset.h): eponymous-only,
// read-only, schema and ORDER BY consumption derived from the column table.
//
//   SELECT * FROM nsys_kernels LIMIT 5;
//   SELECT * FROM nsys_gpu_gaps WHERE device_id = 0 ORDER BY gap_ns DESC;
//   SELECT * FROM nsys_nvtx_kernel_ranges WHERE is_innermost;
//   SELECT * FROM _nsys_kernel_stats WHERE trace_schema = 'base';
//
// Every dataset has a HIDDEN column trace_schema (after its own columns):
// the schema its rows come from. Unconstrained, it is the connection's
// (llm_settings trace_schema, else main); `trace_schema = X` serves the
// rows of trace X instead (main or an ATTACHed schema; the same time window),
// so one query can read two traces side by side (sql/diff.sql). X naming no
// attached database (or NULL) serves no rows.
#include <new>
#include <stdexcept>

#include "analyses/analysis.h"
#include "datasets.h"
#include "help.h"

namespace nsysexplain {

const char* SqlTypeName(SqlType t) {
  switch (t) {
    case kInt: return "INTEGER";
    case kReal: return "REAL";
    case kText: return "TEXT";
  }
  return "";
}

std::string DatasetDef::CreateTableSql() const {
  std::string sql = "CREATE TABLE x(";
  for (size_t i = 0; i < column_names.size(); ++i)
    sql += (i ? ", " : "") + column_names[i] + " " + SqlTypeName(column_types[i]);
  return sql + ", " + kSchemaColumn + " HIDDEN)";
}

int DatasetDef::ColumnIndex(const std::string& col) const {
  for (size_t i = 0; i < column_names.size(); ++i)
    if (column_names[i] == col) return static_cast<int>(i);
  return -1;
}

int detail::FindColumn(const std::vector<std::string>& names, const char* name,
                       const char* dataset) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  throw std::logic_error(std::string(dataset) + ": ORDER BY names no column " + name);
}

namespace {

struct Aux {
  std::shared_ptr<Session> session;
  const DatasetDef* def;
};

struct Vtab : sqlite3_vtab {
  Aux* aux;
};

struct Cursor : sqlite3_vtab_cursor {
  std::unique_ptr<RowSource> src;
  size_t row = 0;
  std::string schema;  // the trace the rows come from (the hidden column)
};

// idxNum: the NullFilter in the low bits, kSchemaBit when argv[0] is the
// value of a `trace_schema = ?` constraint.
constexpr int kSchemaBit = 8;

int Connect(sqlite3* db, void* paux, int, const char* const*, sqlite3_vtab** out,
            char** err) {
  Aux* aux = static_cast<Aux*>(paux);
  int rc = sqlite3_declare_vtab(db, aux->def->CreateTableSql().c_str());
  if (rc != SQLITE_OK) {
    *err = sqlite3_mprintf("%s: bad schema", aux->def->name.c_str());
    return rc;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  auto* v = new (std::nothrow) Vtab();
  if (!v) return SQLITE_NOMEM;
  v->aux = aux;
  *out = v;
  return SQLITE_OK;
}

int Disconnect(sqlite3_vtab* v) {
  delete static_cast<Vtab*>(v);
  return SQLITE_OK;
}

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  info->estimatedCost = 1e6;
  info->estimatedRows = 100000;
  const DatasetDef& def = *static_cast<Vtab*>(vtab)->aux->def;
  // `col IS NULL` / `col IS NOT NULL` on the filter column: applied by open().
  info->idxNum = static_cast<int>(NullFilter::kAll);
  // `trace_schema = ?`: the trace to read (Filter's argv[0]). Without it the
  // connection's trace is read, so a plan that constrains it is preferred.
  const int schema_col = static_cast<int>(def.column_names.size());
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable || c.iColumn != schema_col || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    info->aConstraintUsage[i].argvIndex = 1;
    info->aConstraintUsage[i].omit = 1;
    info->idxNum = kSchemaBit;
    info->estimatedCost = 1e3;
    break;
  }
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable || c.iColumn != def.null_filter_column || def.null_filter_column < 0)
      continue;
    if (c.op != SQLITE_INDEX_CONSTRAINT_ISNULL && c.op != SQLITE_INDEX_CONSTRAINT_ISNOTNULL)
      continue;
    info->idxNum |= static_cast<int>(c.op == SQLITE_INDEX_CONSTRAINT_ISNULL
                                         ? NullFilter::kNull
                                         : NullFilter::kNotNull);
    info->aConstraintUsage[i].omit = 1;
    info->estimatedCost /= 10;
    break;
  }
  const auto& order = def.order;
  if (info->nOrderBy > 0 && size_t(info->nOrderBy) <= order.size()) {
    bool match = true;
    for (int i = 0; i < info->nOrderBy && match; ++i)
      match = info->aOrderBy[i].iColumn == order[size_t(i)].column &&
              bool(info->aOrderBy[i].desc) == order[size_t(i)].desc;
    info->orderByConsumed = match;
  }
  return SQLITE_OK;
}

int Open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* c = new (std::nothrow) Cursor();
  if (!c) return SQLITE_NOMEM;
  *out = c;
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* cur) {
  delete static_cast<Cursor*>(cur);  // releases the results it read
  return SQLITE_OK;
}

// Restores the window's schema after an open for another trace.
class SchemaSwap {
 public:
  SchemaSwap(Session& s, std::string schema) : s_(s), saved_(s.SwapWindowSchema(std::move(schema))) {}
  ~SchemaSwap() { s_.SwapWindowSchema(std::move(saved_)); }
  SchemaSwap(const SchemaSwap&) = delete;
  SchemaSwap& operator=(const SchemaSwap&) = delete;

 private:
  Session& s_;
  std::string saved_;
};

int Filter(sqlite3_vtab_cursor* cur, int idx_num, const char*, int argc, sqlite3_value** argv) {
  auto* c = static_cast<Cursor*>(cur);
  auto* v = static_cast<Vtab*>(cur->pVtab);
  return GuardVtab(v, v->aux->def->name.c_str(), [&] {
    Session& s = *v->aux->session;
    s.CheckFresh();
    s.ReadWindow();  // temp.llm_settings window_from_ns / window_to_ns / trace_schema
    c->src.reset();
    c->row = 0;
    const auto filter = static_cast<NullFilter>(idx_num & (kSchemaBit - 1));
    if (!(idx_num & kSchemaBit) || argc < 1) {
      c->schema = s.window().schema;
      c->src = v->aux->def->open(s, filter);
      return SQLITE_OK;
    }
    const unsigned char* t = sqlite3_value_text(argv[0]);
    c->schema = t ? reinterpret_cast<const char*>(t) : "";
    // NULL or no such schema: no rows (sql/diff.sql relies on it).
    if (!t || !s.IsTraceSchema(c->schema)) return SQLITE_OK;
    SchemaSwap swap(s, c->schema);
    c->src = v->aux->def->open(s, filter);
    return SQLITE_OK;
  });
}

int Next(sqlite3_vtab_cursor* cur) {
  ++static_cast<Cursor*>(cur)->row;
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* cur) {
  auto* c = static_cast<Cursor*>(cur);
  return !c->src || c->row >= c->src->size();
}

int Column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = static_cast<Cursor*>(cur);
  try {
    if (static_cast<size_t>(col) ==
        static_cast<Vtab*>(cur->pVtab)->aux->def->column_names.size()) {
      sqlite3_result_text(ctx, c->schema.data(), static_cast<int>(c->schema.size()),
                          SQLITE_TRANSIENT);
      return SQLITE_OK;
    }
    c->src->Write(c->row, col, ctx);
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(ctx);
  } catch (...) {
    sqlite3_result_error(ctx, "dataset cell error", -1);
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* cur, sqlite_int64* rowid) {
  *rowid = static_cast<sqlite_int64>(static_cast<Cursor*>(cur)->row);
  return SQLITE_OK;
}

sqlite3_module MakeModule() {
  sqlite3_module m{};
  m.iVersion = 0;
  m.xCreate = nullptr;  // eponymous-only
  m.xConnect = Connect;
  m.xBestIndex = BestIndex;
  m.xDisconnect = Disconnect;
  m.xDestroy = Disconnect;
  m.xOpen = Open;
  m.xClose = Close;
  m.xFilter = Filter;
  m.xNext = Next;
  m.xEof = Eof;
  m.xColumn = Column;
  m.xRowid = Rowid;
  return m;
}

const sqlite3_module kModule = MakeModule();

void DestroyAux(void* p) { delete static_cast<Aux*>(p); }

// Every dataset: the analyses' and _nsys_help.
std::vector<const DatasetDef*> AllDatasets() {
  std::vector<const DatasetDef*> out;
  for (const AnalysisModule* a : Analyses())
    for (const DatasetDef& def : a->datasets) out.push_back(&def);
  out.push_back(&HelpDataset());
  return out;
}

}  // namespace

int RegisterDatasets(sqlite3* db, const std::shared_ptr<Session>& session,
                     char** pzErrMsg) {
  for (const DatasetDef* def : AllDatasets()) {
    auto* aux = new (std::nothrow) Aux{session, def};
    if (!aux) return SQLITE_NOMEM;
    int rc = sqlite3_create_module_v2(db, def->name.c_str(), &kModule, aux, DestroyAux);
    if (rc != SQLITE_OK) {
      *pzErrMsg = sqlite3_mprintf("nsysexplain: cannot register %s: %s",
                                  def->name.c_str(), sqlite3_errmsg(db));
      return rc;
    }
  }
  return SQLITE_OK;
}

void UnregisterDatasets(sqlite3* db) {
  for (const DatasetDef* def : AllDatasets())
    sqlite3_create_module_v2(db, def->name.c_str(), nullptr, nullptr, nullptr);
}

}  // namespace nsysexplain
