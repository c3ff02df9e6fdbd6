// Session::Load: the big tables read into compact columns, once per
// connection and trace, in parallel.
//
// Every big table is read as disjoint rowid ranges ("parts"), each part one
// sequential scan. When the trace is a file, the parts run as jobs on a few
// worker threads, each with its own private read-only connection opened with
// SQLITE_OPEN_NOMUTEX: the user's connection is serialized (every
// sqlite3_column_* call takes its mutex), a private one is not. Kernel parts
// go first; the job that finishes the last one merges them and builds the
// kernels' launch keys, then queues the runtime parts (launch rows are
// matched against those keys while reading) ahead of the NVTX parts, which
// fill whatever time is left, so both cores are busy from the start. The job
// that finishes a table's last part merges that table, in rowid order, so
// the result is exactly that of one sequential scan. Without a private
// connection (in-memory or temp database, open write transaction) everything
// runs on the calling thread through the user's connection, one part per
// table. Strings new to a loader (inline NVTX text, unresolved ids) go to a
// part-local table and are merged with the part; ids from StringIds are
// shared read-only.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "core/api_names.h"
#include "core/progress.h"
#include "core/timing.h"
#include "loaders.h"
#include "session.h"

namespace nsysexplain {
namespace {

// Parts per table once it spans kMinSpan rowids (below, one scan is cheaper
// than the bookkeeping), read by at most kMaxLoadThreads threads.
constexpr int kKernelParts = 8;
constexpr int kRuntimeParts = 8;
constexpr int kNvtxParts = 16;
constexpr int kMemoryParts = 4;
constexpr uint64_t kMinSpan = uint64_t{1} << 18;
constexpr size_t kMaxLoadThreads = 8;

// NSYSEXPLAIN_LOAD_PARTS=N reads every table as N parts at any size;
// NSYSEXPLAIN_NVTX_PARTS=N does that for NVTX_EVENTS only (tests, tuning).
struct PartCount {
  int parts;
  uint64_t min_span;
};
PartCount PartsFor(int default_parts, bool nvtx) {
  const char* env = nvtx ? std::getenv("NSYSEXPLAIN_NVTX_PARTS") : nullptr;
  if (!env) env = std::getenv("NSYSEXPLAIN_LOAD_PARTS");
  if (env) return {std::clamp(std::atoi(env), 1, 1024), 0};
  return {default_parts, kMinSpan};
}

// Jobs run by a few workers; a running job may queue more.
class JobQueue {
 public:
  using Job = std::function<void(sqlite3*)>;
  void Push(Job job, bool front = false) {
    std::lock_guard<std::mutex> lk(mu_);
    if (front) jobs_.push_front(std::move(job));
    else jobs_.push_back(std::move(job));
    cv_.notify_all();
  }
  // Runs jobs on `conn` until none is queued and none is running.
  void Work(sqlite3* conn) {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      cv_.wait(lk, [&] { return !jobs_.empty() || running_ == 0; });
      if (jobs_.empty()) return;
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
      lk.unlock();
      try {
        job(conn);
      } catch (...) {
        std::lock_guard<std::mutex> elk(error_mu_);
        if (!error_) error_ = std::current_exception();
      }
      lk.lock();
      --running_;
      cv_.notify_all();
    }
  }
  void RethrowError() {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mu_, error_mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  size_t running_ = 0;
  std::exception_ptr error_;
};

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
  bool want_memory = wants(Table::kMemory) && !Cached<MemoryTable>(kMemoryKey, whole);
  if (!want_kernels && !want_runtime && !want_nvtx && !want_memory) return;
  std::shared_ptr<Trace> tr = trace(whole);
  const Schema& s = tr->schema;
  core::ScopedTimer total_tm("load (all requested tables)");

  std::vector<sqlite3*> conns;
  if (sqlite3* first = OpenPrivate(db_, s.db)) conns.push_back(first);
  const bool priv = !conns.empty();
  sqlite3* probe = priv ? conns[0] : db_;
  auto split = [&](bool want, const std::string& table, int parts, bool nvtx) {
    std::vector<RowidRange> r;
    if (!want) return r;
    PartCount pc = PartsFor(parts, nvtx);
    return SplitRowids(probe, priv, s, table, priv ? pc.parts : 1, pc.min_span);
  };
  std::vector<RowidRange> kranges =
      split(want_kernels, s.kernel_table, kKernelParts, false);
  std::vector<RowidRange> rranges =
      split(want_runtime, s.runtime_table, kRuntimeParts, false);
  std::vector<RowidRange> nranges = split(want_nvtx, s.nvtx_table, kNvtxParts, true);
  std::vector<RowidRange> cranges =
      split(want_memory && !s.memcpy_table.empty(), s.memcpy_table, kMemoryParts, false);
  std::vector<RowidRange> sranges =
      split(want_memory && !s.memset_table.empty(), s.memset_table, kMemoryParts, false);
  // Progress for a listener (core/progress.h): one entry per table read,
  // the rowid span of each of its parts.
  using Progress = std::shared_ptr<core::LoadProgress::Table>;
  Progress kprog, rprog, nprog, cprog, sprog;
  if (core::LoadProgress::Listening()) {
    core::LoadProgress::BeginLoad();
    auto add = [&](const std::vector<RowidRange>& ranges, const std::string& table) {
      if (ranges.empty()) return Progress();
      std::vector<uint64_t> spans;
      for (const RowidRange& r : ranges)
        spans.push_back(r ? static_cast<uint64_t>(r->second) - static_cast<uint64_t>(r->first) + 1
                          : RowHint(probe, priv, s, table));
      return core::LoadProgress::AddTable(table, std::move(spans));
    };
    kprog = add(kranges, s.kernel_table);
    rprog = add(rranges, s.runtime_table);
    nprog = add(nranges, s.nvtx_table);
    cprog = add(cranges, s.memcpy_table);
    sprog = add(sranges, s.memset_table);
  }
  std::vector<KernelPart> kparts(kranges.size());
  std::vector<RuntimePart> rparts(rranges.size());
  std::vector<NvtxPart> nparts(nranges.size());
  for (KernelPart& p : kparts) p.str.shared = &tr->string_ids;
  // Marker calls are classified once per trace string, here, so that the
  // parts only look their kind up.
  std::vector<uint8_t> marker_kinds;
  if (want_runtime) {
    std::lock_guard<std::mutex> lk(tr->mu);
    marker_kinds.resize(tr->strings.size());
    for (uint32_t i = 0; i < marker_kinds.size(); ++i)
      marker_kinds[i] = static_cast<uint8_t>(core::ClassifyMarker(tr->strings.Get(i)));
  }
  for (RuntimePart& p : rparts) {
    p.str.shared = &tr->string_ids;
    p.marker_kinds = &marker_kinds;
  }
  for (NvtxPart& p : nparts) p.str.shared = &tr->string_ids;
  auto kernels = std::make_shared<core::Kernels>();
  auto runtime = std::make_shared<RuntimeTable>();
  auto nvtx = std::make_shared<core::NvtxRanges>();
  auto memory = std::make_shared<MemoryTable>();
  std::vector<core::MemOps> cparts(cranges.size()), sparts(sranges.size());
  if (want_memory) {
    // The enum tables are a few rows: read here, on the probe connection.
    auto read_enum = [&](const char* table, std::map<int64_t, std::string>& out) {
      if (!s.Has(table) || !s.HasColumn(table, "id") || !s.HasColumn(table, "name")) return;
      Stmt st(probe, "SELECT id, name FROM " + Select(s, table).From(priv) +
                         " WHERE typeof(id) = 'integer' LIMIT 1000");
      while (st.Step()) out[st.Int(0)] = st.Text(1);
    };
    read_enum("ENUM_CUDA_MEMCPY_OPER", memory->copy_kind_symbols);
    read_enum("ENUM_CUDA_MEM_KIND", memory->mem_kind_symbols);
  }
  core::LaunchKeys keys;
  std::mutex merge_mu;  // merges intern names in tr->strings
  std::atomic<size_t> kernels_left{kparts.size()}, runtime_left{rparts.size()},
      nvtx_left{nparts.size()}, memcpy_left{cparts.size()}, memset_left{sparts.size()};

  JobQueue q;
  // One job per part of a table, in part order (`front`: ahead of the jobs
  // already queued); the job that finishes the last part merges the table
  // (merges intern names, one at a time) and then runs `then`.
  auto queue_parts = [&](const char* what, size_t n, std::atomic<size_t>& left,
                         std::function<void(sqlite3*, size_t)> load,
                         std::function<void()> merge, std::function<void()> then,
                         bool front, const Progress& prog) {
    for (size_t i = 0; i < n; ++i) {
      size_t p = front ? n - 1 - i : i;
      q.Push([&, what, n, p, load, merge, then, prog](sqlite3* c) {
        {
          core::ScopedTimer tm(std::string("load ") + what + " part " +
                               std::to_string(p + 1) + "/" + std::to_string(n));
          core::ProgressScope ps(prog ? prog->part(p) : nullptr);
          load(c, p);
          if (prog) prog->EndPart(p);
        }
        if (--left > 0) return;
        {
          core::ScopedTimer tm(std::string("merge ") + what + " parts");
          std::lock_guard<std::mutex> lk(merge_mu);
          merge();
        }
        if (prog) prog->finished = true;
        if (then) then();
      }, front);
    }
  };
  auto queue_runtime = [&] {
    const core::Kernels* k = want_kernels ? kernels.get() : have_kernels.get();
    {
      core::ScopedTimer tm("kernel launch keys");
      keys = KernelLaunchKeys(*k);
    }
    queue_parts(
        "runtime", rparts.size(), runtime_left,
        [&](sqlite3* c, size_t p) {
          LoadRuntimePart(c, c != db_, s, rranges[p], keys, rparts[p]);
        },
        [&, k] {
          MergeRuntimeParts(rparts, *k, keys, tr->strings, runtime->calls,
                            runtime->kernel_launch);
        },
        nullptr, /*front=*/true, rprog);
  };
  queue_parts(
      "kernels", kparts.size(), kernels_left,
      [&](sqlite3* c, size_t p) { LoadKernelPart(c, c != db_, s, kranges[p], kparts[p]); },
      [&] { MergeKernelParts(kparts, tr->strings, *kernels); },
      want_runtime ? std::function<void()>(queue_runtime) : nullptr, false, kprog);
  if (!want_kernels && want_runtime) queue_runtime();
  queue_parts(
      "memcpy", cparts.size(), memcpy_left,
      [&](sqlite3* c, size_t p) { LoadMemOpsPart(c, c != db_, s, false, cranges[p], cparts[p]); },
      [&] { MergeMemOpsParts(cparts, memory->copies); }, nullptr, false, cprog);
  queue_parts(
      "memset", sparts.size(), memset_left,
      [&](sqlite3* c, size_t p) { LoadMemOpsPart(c, c != db_, s, true, sranges[p], sparts[p]); },
      [&] { MergeMemOpsParts(sparts, memory->sets); }, nullptr, false, sprog);
  queue_parts(
      "nvtx", nparts.size(), nvtx_left,
      [&](sqlite3* c, size_t p) { LoadNvtxPart(c, c != db_, s, nranges[p], nparts[p]); },
      [&] { MergeNvtxParts(nparts, tr->strings, *nvtx); }, nullptr, false, nprog);

  std::vector<std::thread> threads;
  if (!priv) {
    q.Work(db_);
  } else {
    unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    size_t njobs = kparts.size() + rparts.size() + nparts.size() + cparts.size() + sparts.size();
    size_t nworkers = std::min<size_t>({njobs, hw, kMaxLoadThreads});
    while (conns.size() < nworkers) {
      sqlite3* c = OpenPrivate(db_, s.db);
      if (!c) break;
      conns.push_back(c);
    }
    for (size_t i = 1; i < conns.size(); ++i) {
      try {
        threads.emplace_back([&q, c = conns[i]] { q.Work(c); });
      } catch (...) {  // no more threads: the others take the jobs
        break;
      }
    }
    q.Work(conns[0]);
  }
  for (std::thread& t : threads) t.join();
  for (sqlite3* c : conns) sqlite3_close(c);
  q.RethrowError();

  if (want_kernels) Store(kKernelsKey, whole, kernels);
  if (want_runtime) Store(kRuntimeKey, whole, runtime);
  if (want_nvtx) Store(kNvtxKey, whole, nvtx);
  if (want_memory) Store(kMemoryKey, whole, memory);
}

}  // namespace nsysexplain
