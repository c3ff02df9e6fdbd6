// Per-connection cache. Every result the extension computes (the big tables
// read into compact columns, and every analysis's intermediate results) is
// one entry of a single map keyed by what it depends on:
//
//   (result name, Scope{schema, time window}, parameter key) -> result
//
// Entries are computed on first use and shared: dataset cursors hold a
// shared_ptr to what they read, so dropping the cache (Reset) while a scan
// is running frees nothing under it. Analyses ask for their inputs through
// Get<A>(scope) and tables through tables(scope, {...}); a new analysis adds
// no member here (docs/ARCHITECTURE.md).
//
// The cache is dropped when another connection changes the database
// (PRAGMA data_version moves) or when the user calls nsys_reset(). Writes made
// through this same connection are not detected (data_version ignores them,
// and total_changes would also move on every TEMP write such as an
// llm_phase_map edit): after editing the trace in place, call nsys_reset().
#pragma once
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/trace_model.h"
#include "core/window.h"
#include "schema.h"
#include "sqlite_api.h"

namespace nsysexplain {

// What a result depends on besides its own parameters: the schema the trace
// is in ("main", or an ATTACHed one) and the time window [from, to) in ns
// (trace timestamps; the limits = unbounded). The tables an analysis reads
// through a windowed scope hold only the window's rows (core/window.h), so a
// windowed or attached-trace result is cached beside the full one instead of
// replacing it.
struct Scope {
  std::string schema = "main";
  int64_t from = std::numeric_limits<int64_t>::min();
  int64_t to = std::numeric_limits<int64_t>::max();
  bool operator<(const Scope& o) const {
    return std::tie(schema, from, to) < std::tie(o.schema, o.from, o.to);
  }
  // The same trace, whole (tables are read whole and shared by windows).
  Scope Whole() const { return Scope{schema}; }
  bool whole() const { return time().whole(); }
  core::TimeWindow time() const { return {from, to}; }
  bool has_from() const { return from != std::numeric_limits<int64_t>::min(); }
  bool has_to() const { return to != std::numeric_limits<int64_t>::max(); }
};

// One trace's schema probe and names. Loaders and analyses intern strings
// here; every id in a result of this trace refers to it. Analyses computed
// on worker threads (nsys_prepare) use Name() and Intern(), which lock;
// dataset cells read `strings` directly (no computation runs then).
struct Trace {
  Schema schema;
  core::StringTable strings;
  std::unordered_map<int64_t, uint32_t> string_ids;  // StringIds id -> id

  std::string Name(uint32_t id) const {
    std::lock_guard<std::mutex> lk(mu);
    return strings.Get(id);
  }
  uint32_t Intern(std::string_view v) {
    std::lock_guard<std::mutex> lk(mu);
    return strings.Intern(v);
  }
  // The id of the kernel base name of name `id` (core::KernelBaseName),
  // computed once per distinct id and interned here; locks like Intern().
  uint32_t BaseName(uint32_t id);
  mutable std::mutex mu;
  std::unordered_map<uint32_t, uint32_t> base_names;  // name id -> base id
};

// The big tables, by name. Session::Load loads the requested ones that are
// not cached yet, together and in parallel (table_load.cc).
enum class Table { kKernels, kRuntime, kNvtx, kMemory };

// CUPTI_ACTIVITY_KIND_RUNTIME as loaded: the launch rows and API statistics,
// and kernel -> index of its launch row (or -1), matched PID-safely.
struct RuntimeTable {
  core::RuntimeCalls calls;
  std::vector<int32_t> kernel_launch;
};

// CUPTI_ACTIVITY_KIND_MEMCPY and _MEMSET as loaded, with the symbols of
// the export's ENUM_CUDA_MEMCPY_OPER / ENUM_CUDA_MEM_KIND tables by value
// (empty when a table is absent: core/memory.h then uses the documented
// constants).
struct MemoryTable {
  core::MemOps copies, sets;
  std::map<int64_t, std::string> copy_kind_symbols, mem_kind_symbols;
  std::string Symbol(const std::map<int64_t, std::string>& m, int64_t v) const {
    auto it = m.find(v);
    return it == m.end() ? std::string() : it->second;
  }
};

class Session {
 public:
  explicit Session(sqlite3* db) : db_(db) {}

  // Drops everything cached if the database changed since it was read.
  void CheckFresh();
  // Drops the cache (cursors keep what they hold until they close).
  void Reset();
  // Loads every big table and computes every analysis's results, the
  // independent ones in parallel (nsys_prepare(); analyses/analysis.h).
  void PrepareAll(bool nvtx_kernel_map);

  sqlite3* db() const { return db_; }

  // The window the connection's temp.llm_settings choose (window_from_ns,
  // window_to_ns; NULL or absent = unbounded; trace_schema: the trace, 'main'
  // or an ATTACHed schema, NULL = main), read on the connection's
  // thread by ReadWindow() whenever a dataset is opened and by nsys_prepare().
  // Datasets, and the no-argument Get<A>() and table accessors, use it.
  // Throws std::runtime_error on a value that is not an integer or from >= to,
  // or a trace_schema that names no attached database.
  void ReadWindow();
  const Scope& window() const { return window_; }
  // Whether `name` is a schema a trace can be read from: main or an
  // ATTACHed database (not temp).
  bool IsTraceSchema(const std::string& name);
  // Replaces the schema of window() (same from/to) and returns the previous
  // one: a dataset constrained by its hidden trace_schema column is opened
  // with it (dataset_vtab.cc restores it right after the open).
  std::string SwapWindowSchema(std::string schema) {
    std::swap(window_.schema, schema);
    return schema;
  }

  // The trace's schema probe and string table (probed on first use).
  std::shared_ptr<Trace> trace(const Scope& scope);
  const Schema& schema(const Scope& scope) { return trace(scope)->schema; }
  // The same for the connection's window() (its schema).
  std::shared_ptr<Trace> trace() { return trace(window_); }
  const Schema& schema() { return trace(window_)->schema; }

  // Loads `which` (those not cached yet) together, in parallel.
  void Load(const Scope& scope, std::initializer_list<Table> which);
  // A table: the whole one (loaded once) or, for a windowed scope, the rows
  // in the window (core/window.h), a filtered copy cached per scope.
  std::shared_ptr<const core::Kernels> kernels(const Scope& scope);
  std::shared_ptr<const RuntimeTable> runtime(const Scope& scope);
  std::shared_ptr<const core::NvtxRanges> nvtx(const Scope& scope);
  std::shared_ptr<const MemoryTable> memory(const Scope& scope);
  // The same, in the connection's window().
  std::shared_ptr<const core::Kernels> kernels() { return kernels(window_); }
  std::shared_ptr<const RuntimeTable> runtime() { return runtime(window_); }
  std::shared_ptr<const core::NvtxRanges> nvtx() { return nvtx(window_); }
  std::shared_ptr<const MemoryTable> memory() { return memory(window_); }

  // The cached result of analysis A (A::kName, A::Result,
  // A::Compute(Session&, const Scope&)), computed on first use; without a
  // scope, in the connection's window().
  template <class A>
  std::shared_ptr<const typename A::Result> Get(const Scope& scope) {
    return GetOrCompute<typename A::Result>(A::kName, scope, "",
                                            [&] { return A::Compute(*this, scope); });
  }
  template <class A>
  std::shared_ptr<const typename A::Result> Get() {
    return Get<A>(window_);
  }
  // The same with a parameter: `param_key` identifies `param` (results for
  // different keys are cached side by side).
  template <class A, class P>
  std::shared_ptr<const typename A::Result> Get(const Scope& scope, const P& param,
                                                const std::string& param_key) {
    return GetOrCompute<typename A::Result>(
        A::kName, scope, param_key, [&] { return A::Compute(*this, scope, param); });
  }

  // nsys version found in install paths inside StringIds
  // ("/opt/nvidia/nsight-systems/2020.3.2/..."), for exports that have no
  // metadata table. Empty if none.
  std::string CaptureVersionHint(const Scope& scope);

 private:
  struct Key {
    std::string name;
    Scope scope;
    std::string param;
    bool operator<(const Key& o) const {
      return std::tie(name, scope, param) < std::tie(o.name, o.scope, o.param);
    }
  };

  template <class R, class F>
  std::shared_ptr<const R> GetOrCompute(const char* name, const Scope& scope,
                                        const std::string& param, F&& compute) {
    Key key{name, scope, param};
    {
      std::lock_guard<std::mutex> lk(cache_mu_);
      auto it = cache_.find(key);
      if (it != cache_.end()) return std::static_pointer_cast<const R>(it->second);
    }
    // Computed unlocked: it may ask for its own inputs. Two threads asking
    // for the same missing result both compute it (equal results); the
    // first one stored is kept.
    std::shared_ptr<R> r = std::make_shared<R>(compute());
    std::lock_guard<std::mutex> lk(cache_mu_);
    auto [it, added] = cache_.try_emplace(std::move(key), r);
    return std::static_pointer_cast<const R>(it->second);
  }
  template <class R>
  std::shared_ptr<const R> Cached(const char* name, const Scope& scope) {
    std::lock_guard<std::mutex> lk(cache_mu_);
    auto it = cache_.find(Key{name, scope, ""});
    return it == cache_.end() ? nullptr
                              : std::static_pointer_cast<const R>(it->second);
  }
  void Store(const char* name, const Scope& scope, std::shared_ptr<void> v) {
    std::lock_guard<std::mutex> lk(cache_mu_);
    cache_[Key{name, scope, ""}] = std::move(v);
  }
  int64_t DataVersion();

  static constexpr const char* kTraceKey = "trace";
  static constexpr const char* kKernelsKey = "table:kernels";
  static constexpr const char* kRuntimeKey = "table:runtime";
  static constexpr const char* kNvtxKey = "table:nvtx";
  static constexpr const char* kMemoryKey = "table:memory";
  static constexpr const char* kKernelRowsKey = "window:kernel_rows";

  sqlite3* db_;
  int64_t data_version_ = -1;
  // Written only on the connection's thread (ReadWindow), never while
  // PrepareAll's workers run.
  Scope window_;
  int64_t window_changes_ = -1;  // sqlite3_total_changes64 when window_ was read
  // Results are immutable once stored, except the Trace entries, whose
  // string tables grow as names are interned.
  std::map<Key, std::shared_ptr<void>> cache_;
  // Guards cache_ (analyses may be computed on worker threads); results are
  // computed outside it.
  std::mutex cache_mu_;
};

}  // namespace nsysexplain
