// nsys-explain-synth: streaming SQLite writer for an nsys-shaped export.
//
// Prepared multi-row INSERTs per event table (see Table below), committed
// every kRowsPerTransaction rows with journal_mode=OFF and
// synchronous=OFF, so memory stays flat whatever the trace size. Errors
// throw std::runtime_error (caught in main).
#ifndef NSYSEXPLAIN_TOOLS_SYNTH_WRITER_H_
#define NSYSEXPLAIN_TOOLS_SYNTH_WRITER_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "catalog.h"

namespace nsysexplain::synth {

struct KernelRow {
  int64_t start;
  int64_t end;
  int device;
  int context;
  int stream;
  int64_t correlation_id;
  int64_t global_pid;
  int kernel;  // Kernel catalog index
  int64_t grid_id;
  int64_t graph_node_id;  // 0: NULL
  int64_t graph_id;       // 0: NULL
};

struct NvtxRow {
  int64_t start;
  int64_t end;  // ignored when !has_end
  bool has_end;
  int event_type;
  int64_t range_id;  // 0: NULL
  int64_t color;     // 0: NULL
  const char* text;  // nullptr: NULL (must outlive the call only)
  int64_t global_tid;
  int64_t end_global_tid;  // 0: NULL
  int64_t text_id;         // <0: NULL
  int domain_id;
  bool has_int64_value;
  int64_t int64_value;
};

struct CopyRow {
  int64_t start, end;
  int device, context, stream;
  int64_t correlation_id, global_pid;
  int64_t bytes;
  int copy_kind, src_kind, dst_kind;
};

struct SetRow {
  int64_t start, end;
  int device, context, stream;
  int64_t correlation_id, global_pid;
  int value;
  int64_t bytes;
};

// A graph-mode CUDA graph execution (CUPTI_ACTIVITY_KIND_GRAPH_TRACE).
struct GraphExecRow {
  int64_t start, end;
  int device, context;
  int64_t stream, correlation_id, global_pid, graph_id, graph_exec_id;
};

struct SyncRow {
  int64_t start, end;
  int device, context;
  int64_t stream;
  int64_t correlation_id, global_pid;
  int sync_type;
  int64_t event_id;
  int64_t event_sync_id;
};

class Writer {
 public:
  static constexpr int64_t kRowsPerTransaction = 250000;

  // Call once, before any other SQLite use in the process.
  static void ConfigureLibrary();

  explicit Writer(const std::string& path);  // creates the file
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Tables, ENUM rows and StringIds.
  void CreateSchema();
  void WriteStrings(const Catalog& catalog);
  // Runs SQL (metadata rows); no result rows expected.
  void Exec(const std::string& sql);

  void Kernel(const KernelRow& r, const KernelSpec& spec);
  void Runtime(int64_t start, int64_t end, int event_class, int64_t tid,
               int64_t correlation_id, int64_t name_id, int64_t callchain_id);
  // `r.text` must stay valid until Finish() (rows are buffered).
  void Nvtx(const NvtxRow& r);
  void Memcpy(const CopyRow& r);
  void Memset(const SetRow& r);
  void Sync(const SyncRow& r);
  // Creates CUPTI_ACTIVITY_KIND_GRAPH_TRACE on first use (graph-mode traces
  // only have it).
  void GraphExec(const GraphExecRow& r);

  // Commits and closes; the file is complete afterwards.
  void Finish();

 private:
  // Rows are buffered per table and inserted kBatchRows at a time through a
  // multi-row INSERT (SQLite's per-statement overhead dominates otherwise);
  // the remainder goes through the single-row statement in Finish().
  static constexpr size_t kBatchRows = 64;
  template <typename Row>
  struct Table {
    sqlite3_stmt* one = nullptr;
    sqlite3_stmt* many = nullptr;
    int params = 0;  // bound parameters per row
    std::vector<Row> rows;
  };
  struct KernelEntry {
    KernelRow row;
    const KernelSpec* spec;
  };
  struct RuntimeRow {
    int64_t start, end;
    int event_class;
    int64_t tid, correlation_id, name_id, callchain_id;
  };

  template <typename Row>
  void Open(Table<Row>& t, const char* table, const char* tuple, int params);
  template <typename Row, typename BindFn>
  void Add(Table<Row>& t, const Row& r, BindFn bind);
  template <typename Row, typename BindFn>
  void Drain(Table<Row>& t, BindFn bind);
  template <typename Row>
  void Close(Table<Row>& t);

  static void BindKernel(sqlite3_stmt* st, int i, const KernelEntry& e);
  static void BindRuntime(sqlite3_stmt* st, int i, const RuntimeRow& r);
  static void BindNvtx(sqlite3_stmt* st, int i, const NvtxRow& r);
  static void BindMemcpy(sqlite3_stmt* st, int i, const CopyRow& r);
  static void BindMemset(sqlite3_stmt* st, int i, const SetRow& r);
  static void BindSync(sqlite3_stmt* st, int i, const SyncRow& r);
  static void BindGraphExec(sqlite3_stmt* st, int i, const GraphExecRow& r);

  sqlite3_stmt* Prepare(const std::string& sql);
  void Step(sqlite3_stmt* st);
  void Check(int rc, const char* what);
  void RowsDone(int64_t n);

  sqlite3* db_ = nullptr;
  Table<KernelEntry> kernel_;
  Table<RuntimeRow> runtime_;
  Table<NvtxRow> nvtx_;
  Table<CopyRow> memcpy_;
  Table<SetRow> memset_;
  Table<SyncRow> sync_;
  Table<GraphExecRow> graph_exec_;
  int64_t rows_in_txn_ = 0;
};

}  // namespace nsysexplain::synth

#endif  // NSYSEXPLAIN_TOOLS_SYNTH_WRITER_H_
