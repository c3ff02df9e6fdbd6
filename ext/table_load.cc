// Session::Load: the big tables read into compact columns, once per
// connection and trace, in parallel.
//
// Each big table is read by one sequential scan (NVTX_EVENTS by several
// scans of disjoint rowid ranges). When the trace is a file, loading runs as
// jobs on a few worker threads, each with its own private read-only
// connection opened with SQLITE_OPEN_NOMUTEX: the user's connection is
// serialized (every sqlite3_column_* call takes its mutex), a private one is
// not. Job 0 is the kernels and then the runtime table (runtime launch rows
// are matched against the kernels while reading, so they go in order on one
// thread); the other jobs are rowid ranges of NVTX_EVENTS, usually the
// largest table. Workers take the next job when they finish one, so the NVTX
// parts fill whatever time the kernel/runtime chain leaves. Without a
// private connection (in-memory or temp database, open write transaction)
// everything runs on the calling thread through the user's connection, NVTX
// in one part. Strings new to a loader (inline NVTX text, unresolved ids) go
// to a loader-local table and are merged afterwards; ids from StringIds are
// shared read-only.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

#include "core/timing.h"
#include "loaders.h"
#include "session.h"

namespace nsysexplain {
namespace {

// NVTX_EVENTS is read as this many rowid ranges, by at most kMaxLoadThreads
// threads.
constexpr int kNvtxParts = 16;
constexpr size_t kMaxLoadThreads = 8;

// Opens a private read-only, no-mutex connection to the file of `schema`,
// or returns nullptr when that is not possible or not safe (in-memory or
// temp database, an open write transaction on the user's connection, open
// failure).
sqlite3* OpenPrivate(sqlite3* db, const std::string& schema) {
  const char* file = sqlite3_db_filename(db, schema.c_str());
  if (!file || !*file) return nullptr;
  if (!sqlite3_get_autocommit(db) && !sqlite3_db_readonly(db, schema.c_str()))
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
  if (sqlite3_db_readonly(db, schema.c_str()) == 1) uri += "&immutable=1";
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

}  // namespace

void Session::Load(const Scope& scope, std::initializer_list<Table> which) {
  const Scope whole = scope.Whole();
  auto wants = [&](Table t) {
    return std::find(which.begin(), which.end(), t) != which.end();
  };
  std::shared_ptr<const core::Kernels> have_kernels =
      Cached<core::Kernels>(kKernelsKey, whole);
  bool want_runtime = wants(Table::kRuntime) && !Cached<RuntimeTable>(kRuntimeKey, whole);
  // Runtime launch rows are matched against the kernels: load them first.
  bool want_kernels = (wants(Table::kKernels) || want_runtime) && !have_kernels;
  bool want_nvtx = wants(Table::kNvtx) && !Cached<core::NvtxRanges>(kNvtxKey, whole);
  if (!want_kernels && !want_runtime && !want_nvtx) return;
  std::shared_ptr<Trace> tr = trace(whole);
  const Schema& s = tr->schema;
  core::ScopedTimer total_tm("load (all requested tables)");
  LoaderStrings kstr, rstr;
  kstr.shared = rstr.shared = &tr->string_ids;
  auto k = std::make_shared<core::Kernels>();
  auto r = std::make_shared<RuntimeTable>();

  std::vector<sqlite3*> conns;
  if (sqlite3* first = OpenPrivate(db_, s.db)) conns.push_back(first);
  const bool chain = want_kernels || want_runtime;
  std::vector<RowidRange> ranges;
  if (want_nvtx) {
    // Below ~256k rowids one scan is cheaper than the bookkeeping.
    // NSYSEXPLAIN_NVTX_PARTS=N forces N parts at any size (tests, tuning).
    int nparts = kNvtxParts;
    uint64_t min_span = uint64_t{1} << 18;
    if (const char* env = std::getenv("NSYSEXPLAIN_NVTX_PARTS")) {
      nparts = std::clamp(std::atoi(env), 1, 1024);
      min_span = 0;
    }
    ranges = SplitNvtx(conns.empty() ? db_ : conns[0], !conns.empty(), s,
                       conns.empty() ? 1 : nparts, min_span);
  }
  std::vector<NvtxPart> parts(ranges.size());
  for (NvtxPart& p : parts) p.str.shared = &tr->string_ids;
  const size_t njobs = (chain ? 1 : 0) + parts.size();
  std::vector<std::exception_ptr> errors(njobs);
  std::atomic<size_t> next{0};

  auto run_job = [&](size_t j, sqlite3* conn) {
    bool priv = conn != db_;
    try {
      if (chain && j == 0) {
        if (want_kernels) {
          core::ScopedTimer tm("load kernels");
          LoadKernels(conn, priv, s, kstr, *k);
        }
        if (want_runtime) {
          core::ScopedTimer tm("load runtime");
          LoadRuntime(conn, priv, s, rstr, want_kernels ? *k : *have_kernels,
                      r->calls, r->kernel_launch);
        }
        return;
      }
      size_t p = j - (chain ? 1 : 0);
      core::ScopedTimer tm("load nvtx part " + std::to_string(p + 1) + "/" +
                           std::to_string(parts.size()));
      LoadNvtxPart(conn, priv, s, ranges[p], parts[p]);
    } catch (...) {
      errors[j] = std::current_exception();
    }
  };
  auto worker = [&](sqlite3* conn) {
    for (size_t j; (j = next.fetch_add(1)) < njobs;) run_job(j, conn);
  };

  std::vector<std::thread> threads;
  if (conns.empty()) {
    worker(db_);
  } else {
    unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    size_t nworkers = std::min<size_t>({njobs, hw, kMaxLoadThreads});
    while (conns.size() < nworkers) {
      sqlite3* c = OpenPrivate(db_, s.db);
      if (!c) break;
      conns.push_back(c);
    }
    for (size_t i = 1; i < conns.size(); ++i) {
      try {
        threads.emplace_back(worker, conns[i]);
      } catch (...) {  // no more threads: the others take the jobs
        break;
      }
    }
    worker(conns[0]);
  }
  for (std::thread& t : threads) t.join();
  for (sqlite3* c : conns) sqlite3_close(c);
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);

  // Merge loader-local strings into the trace's table.
  if (want_kernels) {
    auto map = MergeStrings(kstr, tr->strings);
    Remap(k->name, map);
    Remap(k->short_name, map);
    Store(kKernelsKey, whole, k);
  }
  if (want_runtime) {
    auto map = MergeStrings(rstr, tr->strings);
    Remap(r->calls.name, map);
    for (auto& g : r->calls.groups) RemapId(g.name, map);
    Store(kRuntimeKey, whole, r);
  }
  if (want_nvtx) {
    core::ScopedTimer tm("merge nvtx parts");
    auto n = std::make_shared<core::NvtxRanges>();
    MergeNvtxParts(parts, tr->strings, *n);
    Store(kNvtxKey, whole, n);
  }
}

}  // namespace nsysexplain
