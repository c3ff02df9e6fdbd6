#include "writer.h"

#include <fmt/format.h>

#include <stdexcept>

namespace nsysexplain::synth {
namespace {
#include "schema_ddl.inc"

// One row of each INSERT; "?" parameters are numbered in order, so row k of
// a multi-row statement starts at parameter 1 + k * params.
constexpr char kKernelTuple[] =
    "(?,?,?,?,0,?,?,?,?,?,?,1,1,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,NULL,NULL,NULL,"
    "?,?,?,?,?,?,?,NULL,'[]')";
constexpr int kKernelParams = 31;
constexpr char kRuntimeTuple[] = "(?,?,?,?,?,?,0,?)";
constexpr int kRuntimeParams = 7;
constexpr char kNvtxTuple[] =
    "(?,?,?,?,NULL,?,?,?,?,?,?,NULL,?,NULL,NULL,NULL,NULL,NULL,NULL,NULL)";
constexpr int kNvtxParams = 11;
constexpr char kMemcpyTuple[] =
    "(?,?,?,?,0,?,?,?,?,?,NULL,?,?,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1)";
constexpr int kMemcpyParams = 11;
constexpr char kMemsetTuple[] = "(?,?,?,?,0,?,?,?,?,?,NULL,2)";
constexpr int kMemsetParams = 9;
constexpr char kSyncTuple[] = "(?,?,?,?,NULL,?,?,?,NULL,?,?,?)";
constexpr int kSyncParams = 10;

void BindOptional(sqlite3_stmt* st, int i, int64_t v, bool present) {
  if (present) {
    sqlite3_bind_int64(st, i, v);
  } else {
    sqlite3_bind_null(st, i);
  }
}

}  // namespace

void Writer::ConfigureLibrary() {
  // One connection on one thread: no mutexes, no allocation statistics.
  sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

Writer::Writer(const std::string& path) {
  const int rc = sqlite3_open_v2(
      path.c_str(), &db_,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(fmt::format("cannot create {}: {}", path, msg));
  }
  Exec(
      "PRAGMA page_size=4096; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
      "PRAGMA locking_mode=EXCLUSIVE; PRAGMA temp_store=MEMORY;"
      "PRAGMA cache_size=-32768;");
}

Writer::~Writer() {
  Close(kernel_);
  Close(runtime_);
  Close(nvtx_);
  Close(memcpy_);
  Close(memset_);
  Close(sync_);
  Close(graph_exec_);
  if (db_) sqlite3_close(db_);
}

void Writer::Check(int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(
        fmt::format("sqlite error in {}: {}", what, sqlite3_errmsg(db_)));
  }
}

void Writer::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(
        fmt::format("sqlite error: {} (in: {:.80})", msg, sql));
  }
}

sqlite3_stmt* Writer::Prepare(const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  Check(sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st,
                           nullptr),
        "prepare");
  return st;
}

template <typename Row>
void Writer::Open(Table<Row>& t, const char* table, const char* tuple,
                  int params) {
  const std::string head = fmt::format("INSERT INTO {} VALUES", table);
  t.one = Prepare(head + tuple);
  std::string many = head;
  for (size_t i = 0; i < kBatchRows; ++i) {
    if (i) many += ',';
    many += tuple;
  }
  t.many = Prepare(many);
  t.params = params;
  t.rows.reserve(kBatchRows);
}

template <typename Row, typename BindFn>
void Writer::Add(Table<Row>& t, const Row& r, BindFn bind) {
  t.rows.push_back(r);
  if (t.rows.size() < kBatchRows) return;
  for (size_t k = 0; k < kBatchRows; ++k) {
    bind(t.many, 1 + static_cast<int>(k) * t.params, t.rows[k]);
  }
  Step(t.many);
  t.rows.clear();
  RowsDone(kBatchRows);
}

template <typename Row, typename BindFn>
void Writer::Drain(Table<Row>& t, BindFn bind) {
  for (const Row& r : t.rows) {
    bind(t.one, 1, r);
    Step(t.one);
  }
  t.rows.clear();
}

template <typename Row>
void Writer::Close(Table<Row>& t) {
  sqlite3_finalize(t.one);
  sqlite3_finalize(t.many);
  t.one = t.many = nullptr;
}

void Writer::CreateSchema() {
  Exec(kSchemaDdl);
  Exec("BEGIN");
  Exec(kEnumRows);
  Open(kernel_, "CUPTI_ACTIVITY_KIND_KERNEL", kKernelTuple, kKernelParams);
  Open(runtime_, "CUPTI_ACTIVITY_KIND_RUNTIME", kRuntimeTuple, kRuntimeParams);
  Open(nvtx_, "NVTX_EVENTS", kNvtxTuple, kNvtxParams);
  Open(memcpy_, "CUPTI_ACTIVITY_KIND_MEMCPY", kMemcpyTuple, kMemcpyParams);
  Open(memset_, "CUPTI_ACTIVITY_KIND_MEMSET", kMemsetTuple, kMemsetParams);
  Open(sync_, "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION", kSyncTuple, kSyncParams);
}

void Writer::WriteStrings(const Catalog& catalog) {
  sqlite3_stmt* st = Prepare("INSERT INTO StringIds VALUES(?1,?2)");
  const auto& strings = catalog.strings();
  for (size_t i = 0; i < strings.size(); ++i) {
    sqlite3_bind_int64(st, 1, static_cast<int64_t>(i));
    sqlite3_bind_text(st, 2, strings[i].data(),
                      static_cast<int>(strings[i].size()), SQLITE_STATIC);
    Step(st);
  }
  sqlite3_finalize(st);
}

void Writer::Step(sqlite3_stmt* st) {
  const int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE) Check(rc, "insert");
  sqlite3_reset(st);
}

void Writer::RowsDone(int64_t n) {
  rows_in_txn_ += n;
  if (rows_in_txn_ >= kRowsPerTransaction) {
    Exec("COMMIT; BEGIN");
    rows_in_txn_ = 0;
  }
}

// The leading columns shared by KERNEL, MEMCPY, MEMSET and
// SYNCHRONIZATION: start, end, deviceId, contextId, streamId, correlationId,
// globalPid.
template <typename Row>
void BindGpuOp(sqlite3_stmt* st, int i, const Row& r) {
  sqlite3_bind_int64(st, i + 0, r.start);
  sqlite3_bind_int64(st, i + 1, r.end);
  sqlite3_bind_int(st, i + 2, r.device);
  sqlite3_bind_int(st, i + 3, r.context);
  sqlite3_bind_int64(st, i + 4, r.stream);
  sqlite3_bind_int64(st, i + 5, r.correlation_id);
  sqlite3_bind_int64(st, i + 6, r.global_pid);
}

void Writer::BindKernel(sqlite3_stmt* st, int i, const KernelEntry& e) {
  const KernelRow& r = e.row;
  const KernelSpec& k = *e.spec;
  BindGpuOp(st, i, r);
  sqlite3_bind_int64(st, i + 7, k.demangled_id);
  sqlite3_bind_int64(st, i + 8, k.short_id);
  sqlite3_bind_int64(st, i + 9, k.mangled_id);
  sqlite3_bind_int(st, i + 10, k.regs);
  sqlite3_bind_int(st, i + 11, k.grid[0]);
  sqlite3_bind_int(st, i + 12, k.grid[1]);
  sqlite3_bind_int(st, i + 13, k.grid[2]);
  sqlite3_bind_int(st, i + 14, k.block[0]);
  sqlite3_bind_int(st, i + 15, k.block[1]);
  sqlite3_bind_int(st, i + 16, k.block[2]);
  sqlite3_bind_int(st, i + 17, k.static_smem);
  sqlite3_bind_int(st, i + 18, k.dynamic_smem);
  sqlite3_bind_int64(st, i + 19, k.local_total);
  sqlite3_bind_int64(st, i + 20, r.grid_id);
  sqlite3_bind_int(st, i + 21, k.smem_executed);
  BindOptional(st, i + 22, r.graph_node_id, r.graph_node_id != 0);
  sqlite3_bind_int(st, i + 23, k.smem_limit_config);
  BindOptional(st, i + 24, r.graph_id, r.graph_id != 0);
  sqlite3_bind_int(st, i + 25, k.cluster[0]);
  sqlite3_bind_int(st, i + 26, k.cluster[1]);
  sqlite3_bind_int(st, i + 27, k.cluster[2]);
  sqlite3_bind_int(st, i + 28, k.cluster_policy);
  sqlite3_bind_int(st, i + 29, k.max_potential_cluster);
  sqlite3_bind_int(st, i + 30, k.max_active_clusters);
}

void Writer::BindRuntime(sqlite3_stmt* st, int i, const RuntimeRow& r) {
  sqlite3_bind_int64(st, i + 0, r.start);
  sqlite3_bind_int64(st, i + 1, r.end);
  sqlite3_bind_int(st, i + 2, r.event_class);
  sqlite3_bind_int64(st, i + 3, r.tid);
  sqlite3_bind_int64(st, i + 4, r.correlation_id);
  sqlite3_bind_int64(st, i + 5, r.name_id);
  BindOptional(st, i + 6, r.callchain_id, r.callchain_id != 0);
}

void Writer::BindNvtx(sqlite3_stmt* st, int i, const NvtxRow& r) {
  sqlite3_bind_int64(st, i + 0, r.start);
  BindOptional(st, i + 1, r.end, r.has_end);
  sqlite3_bind_int(st, i + 2, r.event_type);
  BindOptional(st, i + 3, r.range_id, r.range_id != 0);
  BindOptional(st, i + 4, r.color, r.color != 0);
  if (r.text) {
    sqlite3_bind_text(st, i + 5, r.text, -1, SQLITE_STATIC);
  } else {
    sqlite3_bind_null(st, i + 5);
  }
  sqlite3_bind_int64(st, i + 6, r.global_tid);
  BindOptional(st, i + 7, r.end_global_tid, r.end_global_tid != 0);
  BindOptional(st, i + 8, r.text_id, r.text_id >= 0);
  sqlite3_bind_int(st, i + 9, r.domain_id);
  BindOptional(st, i + 10, r.int64_value, r.has_int64_value);
}

void Writer::BindMemcpy(sqlite3_stmt* st, int i, const CopyRow& r) {
  BindGpuOp(st, i, r);
  sqlite3_bind_int64(st, i + 7, r.bytes);
  sqlite3_bind_int(st, i + 8, r.copy_kind);
  sqlite3_bind_int(st, i + 9, r.src_kind);
  sqlite3_bind_int(st, i + 10, r.dst_kind);
}

void Writer::BindMemset(sqlite3_stmt* st, int i, const SetRow& r) {
  BindGpuOp(st, i, r);
  sqlite3_bind_int(st, i + 7, r.value);
  sqlite3_bind_int64(st, i + 8, r.bytes);
}

void Writer::BindSync(sqlite3_stmt* st, int i, const SyncRow& r) {
  BindGpuOp(st, i, r);
  sqlite3_bind_int(st, i + 7, r.sync_type);
  sqlite3_bind_int64(st, i + 8, r.event_id);
  sqlite3_bind_int64(st, i + 9, r.event_sync_id);
}

void Writer::Kernel(const KernelRow& r, const KernelSpec& spec) {
  Add(kernel_, KernelEntry{r, &spec}, BindKernel);
}

void Writer::Runtime(int64_t start, int64_t end, int event_class, int64_t tid,
                     int64_t correlation_id, int64_t name_id,
                     int64_t callchain_id) {
  Add(runtime_,
      RuntimeRow{start, end, event_class, tid, correlation_id, name_id,
                 callchain_id},
      BindRuntime);
}

void Writer::Nvtx(const NvtxRow& r) { Add(nvtx_, r, BindNvtx); }
void Writer::Memcpy(const CopyRow& r) { Add(memcpy_, r, BindMemcpy); }
void Writer::Memset(const SetRow& r) { Add(memset_, r, BindMemset); }
void Writer::Sync(const SyncRow& r) { Add(sync_, r, BindSync); }

void Writer::BindGraphExec(sqlite3_stmt* st, int i, const GraphExecRow& r) {
  sqlite3_bind_int64(st, i, r.start);
  sqlite3_bind_int64(st, i + 1, r.end);
  sqlite3_bind_int(st, i + 2, r.device);
  sqlite3_bind_int(st, i + 3, r.context);
  sqlite3_bind_null(st, i + 4);  // greenContextId
  sqlite3_bind_int64(st, i + 5, r.stream);
  sqlite3_bind_int64(st, i + 6, r.correlation_id);
  sqlite3_bind_int64(st, i + 7, r.global_pid);
  sqlite3_bind_int64(st, i + 8, r.graph_id);
  sqlite3_bind_int64(st, i + 9, r.graph_exec_id);
}

void Writer::GraphExec(const GraphExecRow& r) {
  if (!graph_exec_.one) {
    // As nsys 2026.2 exports it with --cuda-graph-trace=graph.
    Exec("CREATE TABLE CUPTI_ACTIVITY_KIND_GRAPH_TRACE (start INTEGER NOT NULL, "
         "\"end\" INTEGER NOT NULL, deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL, "
         "greenContextId INTEGER, streamId INTEGER NOT NULL, correlationId INTEGER, "
         "globalPid INTEGER, graphId INTEGER NOT NULL, graphExecId INTEGER NOT NULL)");
    Open(graph_exec_, "CUPTI_ACTIVITY_KIND_GRAPH_TRACE", "(?,?,?,?,?,?,?,?,?,?)", 10);
  }
  Add(graph_exec_, r, BindGraphExec);
}

void Writer::Finish() {
  Drain(kernel_, BindKernel);
  Drain(runtime_, BindRuntime);
  Drain(nvtx_, BindNvtx);
  Drain(memcpy_, BindMemcpy);
  Drain(memset_, BindMemset);
  Drain(sync_, BindSync);
  if (graph_exec_.one) Drain(graph_exec_, BindGraphExec);
  Exec("COMMIT");
  Close(kernel_);
  Close(runtime_);
  Close(nvtx_);
  Close(memcpy_);
  Close(memset_);
  Close(sync_);
  Close(graph_exec_);
  const int rc = sqlite3_close(db_);
  db_ = nullptr;
  if (rc != SQLITE_OK) throw std::runtime_error("sqlite3_close failed");
}

}  // namespace nsysexplain::synth
