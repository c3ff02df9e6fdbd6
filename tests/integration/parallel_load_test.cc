// "Parallel load gives exactly the results of one sequential scan": every
// big table (kernels, CUPTI_ACTIVITY_KIND_RUNTIME, NVTX_EVENTS) is read as
// disjoint rowid ranges on a worker pool and merged in rowid order
// (ext/table_load.cc, ext/loaders.cc, ext/nvtx_loader.cc).
// NSYSEXPLAIN_LOAD_PARTS=N forces N parts for every table at any size; here
// every dataset and every view of the pack, read after a load with N parts,
// must equal byte for byte (doubles to the last bit) the result of one scan
// (N = 1), on random traces built to hit the merge's corner cases:
//
//  * several processes whose correlationIds collide (restart per process),
//    dense, sparse (the FlatKeySet fallback of core::LaunchKeys) or huge;
//  * kernels without a launch row, several launch rows for one key (the
//    first in rowid order wins), eventClass-67 backtrace duplicates before
//    the launch, launch-like rows of another process, NULL correlationIds;
//  * kernel and API names from StringIds, inline text, unresolved ids, NULL;
//    the same API name both as a StringIds id and as inline text (two
//    part-local groups that merge into one (pid, name) group);
//  * holes in the rowids (ranges deleted after insert, one as wide as
//    several parts), rowids moved far apart (all rows in one part, empty
//    parts), negative and huge rowids, more parts than rows, empty tables,
//    and tables recreated WITHOUT ROWID.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "harness.h"
#include "sanitized.h"

namespace nsysexplain::testing {
namespace {

const char* const kParts[] = {"2", "3", "7", "16", "1000"};

// Saves and restores the load knobs, so a test leaves the environment of
// the process (and of the TSan job, which sets NSYSEXPLAIN_LOAD_PARTS) as
// it found it.
class EnvGuard {
 public:
  EnvGuard() {
    for (const char* n : {"NSYSEXPLAIN_LOAD_PARTS", "NSYSEXPLAIN_NVTX_PARTS"}) {
      const char* v = std::getenv(n);
      saved_.push_back({n, v ? std::optional<std::string>(v) : std::nullopt});
    }
    unsetenv("NSYSEXPLAIN_NVTX_PARTS");
  }
  ~EnvGuard() {
    for (auto& [n, v] : saved_) {
      if (v) setenv(n, v->c_str(), 1);
      else unsetenv(n);
    }
  }
  static void Parts(const std::string& n) { setenv("NSYSEXPLAIN_LOAD_PARTS", n.c_str(), 1); }

 private:
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

// Exact rendering: doubles with 17 significant digits (Render's %.15g
// could hide a stdev that differs in the last bits).
std::string Exact(Conn& c, const std::string& sql) {
  std::string out;
  for (const Row& r : c.Query(sql)) {
    for (size_t i = 0; i < r.size(); ++i) {
      if (i) out += '|';
      if (r[i].type == SQLITE_FLOAT) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", r[i].d);
        out += buf;
      } else if (r[i].type == SQLITE_TEXT) {
        out += "'" + r[i].s + "'";
      } else {
        out += r[i].str();
      }
    }
    out += '\n';
  }
  return out;
}

// Every query whose result depends on the loaded tables: the explicitly
// ordered ones the issue names, every dataset of the extension as it
// streams its rows, and every view of the pack (llm_* and the _nsys_*
// helpers), as the view returns them.
std::vector<std::string> Queries(Conn& c) {
  std::vector<std::string> q = {
      "SELECT * FROM nsys_kernels ORDER BY kernel_rowid, start_ns, end_ns",
      "SELECT * FROM _nsys_api_calls ORDER BY pid, api_name",
      "SELECT * FROM _nsys_kernel_stats ORDER BY 1, 2, 3, 4",
      "SELECT * FROM _nsys_data_quality",
      "SELECT * FROM nsys_nvtx_kernel_ranges ORDER BY 1, 6",
      "SELECT * FROM _nsys_nvtx_attr ORDER BY 1, 2, 3",
      "SELECT * FROM _nsys_nvtx_coverage ORDER BY 1",
      "SELECT * FROM llm_sync_calls",
      "SELECT * FROM llm_top_kernels",
      "SELECT * FROM llm_launch_storm",
      "SELECT count(*), count(launch_api) FROM nsys_kernels",
  };
  for (const Row& r : c.Query("SELECT name FROM pragma_module_list WHERE name LIKE "
                              "'%nsys%' AND name <> 'nsys_interval_gaps' ORDER BY 1"))
    q.push_back("SELECT * FROM \"" + r[0].s + "\"");
  for (const Row& r : c.Query("SELECT name FROM sqlite_temp_master WHERE type = "
                              "'view' ORDER BY 1"))
    q.push_back("SELECT * FROM \"" + r[0].s + "\"");
  return q;
}

// The results of `queries` on `path` after a load with `parts` parts
// (nullptr: NSYSEXPLAIN_LOAD_PARTS unset, the default thresholds).
std::vector<std::string> Results(const std::string& path, const char* parts,
                                 std::vector<std::string>* queries) {
  if (parts) EnvGuard::Parts(parts);
  else unsetenv("NSYSEXPLAIN_LOAD_PARTS");
  Conn c(path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(c.Load(), "");
  if (queries->empty()) *queries = Queries(c);
  std::vector<std::string> out;
  for (const std::string& q : *queries) out.push_back(Exact(c, q));
  return out;
}

// Checks every part count against one scan; returns the one-scan results.
std::vector<std::string> ExpectPartsMatchOneScan(const std::string& path) {
  std::vector<std::string> queries;
  std::vector<std::string> one = Results(path, "1", &queries);
  EXPECT_GT(queries.size(), 40u);
  std::vector<const char*> counts(std::begin(kParts), std::end(kParts));
  counts.push_back(nullptr);
  for (const char* parts : counts) {
    SCOPED_TRACE(std::string("NSYSEXPLAIN_LOAD_PARTS=") + (parts ? parts : "(unset)"));
    std::vector<std::string> got = Results(path, parts, &queries);
    for (size_t i = 0; i < queries.size(); ++i)
      EXPECT_EQ(got[i], one[i]) << queries[i];
  }
  return one;
}

// ------------------------------------------------------------- traces

std::string Lit(std::optional<int64_t> v) { return v ? std::to_string(*v) : "NULL"; }
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("''") : std::string(1, ch);
  return out + "'";
}

struct Gen {
  std::mt19937_64& rng;
  TraceBuilder& b;
  std::string sql;  // the INSERTs, run in one transaction
  int64_t U(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
  template <class T>
  const T& Pick(const std::vector<T>& v) { return v[size_t(U(0, int64_t(v.size()) - 1))]; }

  // A name column value: StringIds id, inline text, unresolved id or NULL.
  std::string Name(const std::vector<std::string>& names, const char* inline_prefix) {
    switch (U(0, 11)) {
      case 0: return Quote(std::string(inline_prefix) + std::to_string(U(0, 3)));
      case 1: return std::to_string(900001 + 3 * U(0, 3));  // not in StringIds
      case 2: return "NULL";
      default: return std::to_string(b.Str(Pick(names)));
    }
  }
  void Kernel(const std::string& start, const std::string& end, int dev,
              int64_t stream, std::optional<int64_t> corr, int64_t gpid,
              const std::string& name, const std::string& short_name, bool graph) {
    sql += "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", deviceId, contextId, "
           "streamId, correlationId, globalPid, demangledName, shortName, gridX, blockX, "
           "graphNodeId) VALUES (" +
           start + ", " + end + ", " + std::to_string(dev) + ", 1, " +
           std::to_string(stream) + ", " + Lit(corr) + ", " + std::to_string(gpid) + ", " +
           name + ", " + short_name + ", 1, 128, " + (graph ? "1" : "NULL") + ");\n";
  }
  void Api(std::optional<int64_t> start, std::optional<int64_t> end,
           std::optional<int64_t> cls, int64_t gtid, std::optional<int64_t> corr,
           const std::string& name) {
    sql += "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME(start, \"end\", eventClass, globalTid, "
           "correlationId, nameId, returnValue) VALUES (" +
           Lit(start) + ", " + Lit(end) + ", " + Lit(cls) + ", " + std::to_string(gtid) +
           ", " + Lit(corr) + ", " + name + ", 0);\n";
  }
};

struct Api {
  std::optional<int64_t> start, end, cls;
  int64_t gtid;
  std::optional<int64_t> corr;
  std::string name;
};

void MakeLaunchTrace(std::mt19937_64& rng, TraceBuilder& b) {
  Gen g{rng, b, ""};
  const std::vector<std::string> kernels = {
      "ampere_sgemm_128x64_nn", "void flash_fwd_kernel<Flash_fwd_params>(Flash_fwd_params)",
      "ncclKernel_AllReduce_RING_LL_Sum_bfloat16", "void at::native::elementwise_kernel<128, 4>()",
      "rms_norm_kernel", "triton_poi_fused_add_0"};
  const std::vector<std::string> launches = {"cudaLaunchKernel_v7000", "cuLaunchKernel",
                                             "cudaGraphLaunch_v10000", "cudaLaunchKernelExC_v11060"};
  const std::vector<std::string> others = {
      "cudaStreamSynchronize_v3020", "cudaDeviceSynchronize_v3020", "cudaMemcpyAsync_v3020",
      "cudaEventSynchronize_v3020", "cudaMemcpy_v3020", "cudaMalloc_v3020", "cudaFree_v3020"};
  std::vector<Api> api;
  std::vector<TraceBuilder::Nvtx> nvtx;
  const int nproc = int(g.U(1, 4));
  for (int p = 0; p < nproc; ++p) {
    int64_t pid = 3000 + p;
    int64_t vm = g.U(0, 3) == 0 ? 1 : 0;
    int64_t hw = g.U(0, 5) == 0 ? 0x81 : 0;  // negative process keys
    std::vector<int64_t> threads;
    for (int t = int(g.U(1, 3)); t > 0; --t) threads.push_back(Gtid(pid, pid + t, vm, hw));
    int64_t gpid = Gpid(pid, vm, hw);
    // correlationIds restart per process (they collide across processes);
    // dense, strided far apart (LaunchKeys' FlatKeySet fallback) or huge.
    int scheme = int(g.U(0, 3));
    auto corr_of = [&](int64_t i) -> int64_t {
      if (scheme == 1) return 7 + i * 100003;
      if (scheme == 2) return INT64_MAX - 5000000 + i * 1237;
      return i + 1;
    };
    int64_t now = g.U(0, 1000);
    for (int64_t i = 0, n = g.U(5, 120); i < n; ++i) {
      int64_t tid = g.Pick(threads);
      int64_t ls = now, le = ls + g.U(1, 60);
      int64_t ks = le + g.U(0, 3000), ke = ks + g.U(0, 900);
      now += g.U(1, 400);
      std::optional<int64_t> corr = corr_of(i);
      if (g.U(0, 14) == 0) corr.reset();  // NULL correlationId
      std::string kstart = std::to_string(ks), kend = std::to_string(ke);
      if (g.U(0, 29) == 0) kend = std::to_string(ks - 1);  // invalid: end < start
      if (g.U(0, 39) == 0) kstart = "NULL";
      std::string name = g.Name(kernels, "inline_kernel_");
      std::string short_name = g.U(0, 5) ? name : g.Name(kernels, "inline_short_");
      g.Kernel(kstart, kend, int(g.U(0, 1)), g.U(7, 9), corr, gpid, name, short_name,
               g.U(0, 6) == 0);
      int kind = int(g.U(0, 11));
      std::string lname = g.U(0, 9) ? std::to_string(b.Str(g.Pick(launches)))
                                    : g.Name(launches, "inline_launch_");
      if (kind == 0) continue;  // no launch row
      if (kind == 1)            // a backtrace duplicate first, on another thread
        api.push_back({ls - 5, le + 5, 67, Gtid(pid, 4242, vm, hw), corr, lname});
      if (kind == 2)  // the same id in another process's launch-like row
        api.push_back({ls, le, 0, Gtid(pid + 77, 1, vm, hw), corr, lname});
      std::optional<int64_t> cls = g.U(0, 9) == 0 ? std::nullopt : std::optional<int64_t>(g.U(0, 1));
      api.push_back({ls, le, cls, tid, corr, lname});
      if (kind == 3 || kind == 4)  // a second row for the same key: the first wins
        api.push_back({ls + g.U(0, 50), le + g.U(0, 500), 0, g.Pick(threads), corr,
                       std::to_string(b.Str(g.Pick(launches)))});
      if (kind == 5) {  // CUDA graph: a second kernel sharing the launch
        int64_t s2 = ke + g.U(0, 100);
        g.Kernel(std::to_string(s2), std::to_string(s2 + g.U(0, 500)), 0, 7, corr, gpid, name, short_name, true);
      }
    }
    // Other API calls: syncs and copies (some with ids that collide with
    // kernels of other processes), NULL ids, invalid times, NULL
    // eventClass, the same name as a StringIds id and as inline text
    // (enough calls for the stats' unsorted path, > 64 per group).
    for (int i = int(g.U(0, 150)); i > 0; --i) {
      int64_t s = g.U(0, now), d = g.U(0, 200000);
      std::optional<int64_t> corr = g.U(0, 2) ? std::optional<int64_t>(corr_of(g.U(0, 150)))
                                              : std::nullopt;
      std::optional<int64_t> end = s + d;
      if (g.U(0, 40) == 0) end = s - 1;
      std::string nm = g.U(0, 3) ? std::to_string(b.Str(g.Pick(others)))
                                 : (g.U(0, 1) ? Quote(g.Pick(others)) : g.Name(others, "inline_api_"));
      api.push_back({s, end, g.U(0, 7) ? std::optional<int64_t>(0) : std::nullopt,
                     g.Pick(threads), corr, nm});
    }
    // A sync burst: one (pid, name) group of more than 64 calls (the stats'
    // unsorted path), its name half as a StringIds id, half inline, spread
    // over every part.
    if (g.U(0, 1)) {
      std::string sync_id = std::to_string(b.Str("cudaStreamSynchronize_v3020"));
      for (int i = int(g.U(65, 400)); i > 0; --i) {
        int64_t s = g.U(0, now);
        api.push_back({s, s + g.U(0, 1) * g.U(0, 3000000) + g.U(0, 999), 0, g.Pick(threads),
                       std::nullopt, g.U(0, 1) ? sync_id : Quote("cudaStreamSynchronize_v3020")});
      }
    }
    // NVTX around some launches, inline and StringIds names.
    for (int64_t t : threads) {
      int64_t at = 0;
      for (int i = int(g.U(0, 12)); i > 0; --i) {
        TraceBuilder::Nvtx x;
        x.type = g.U(0, 3) ? 59 : 60;
        x.start = at;
        x.end = at + g.U(0, 20000);
        at += g.U(0, 8000);
        x.global_tid = t;
        if (g.U(0, 1)) x.text = "step_" + std::to_string(g.U(0, 3));
        else x.text_id = "fwd_" + std::to_string(g.U(0, 3));
        nvtx.push_back(x);
      }
    }
  }
  // Runtime rows mostly in time order, with neighbours swapped (rowid order
  // is not time order in real exports either).
  std::stable_sort(api.begin(), api.end(), [](const Api& a, const Api& c) {
    return a.start.value_or(0) / 3000 < c.start.value_or(0) / 3000;
  });
  for (size_t i = 0; i + 1 < api.size(); ++i)
    if (g.U(0, 9) == 0) std::swap(api[i], api[i + 1]);
  for (const Api& a : api) g.Api(a.start, a.end, a.cls, a.gtid, a.corr, a.name);
  b.Begin();
  b.Exec(g.sql);
  for (const TraceBuilder::Nvtx& x : nvtx) b.AddNvtx(x);
  b.Commit();
}

const char* const kTables[] = {"CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_RUNTIME",
                               "NVTX_EVENTS"};

// Deletes rowid ranges: a few short ones, the first rows, and one wide
// range (a third to a half of the span: whole parts for 3 or more parts).
void PunchHoles(Conn& c, std::mt19937_64& rng, const std::string& t) {
  auto U = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int64_t lo = c.Int("SELECT ifnull(min(rowid), 0) FROM " + t);
  int64_t hi = c.Int("SELECT ifnull(max(rowid), 0) FROM " + t);
  if (hi - lo < 10) return;
  int64_t span = hi - lo;
  int64_t a = lo + U(span / 6, span / 3), w = U(span / 3, span / 2);
  c.Exec("DELETE FROM " + t + " WHERE rowid BETWEEN " + std::to_string(a) + " AND " +
         std::to_string(a + w));
  c.Exec("DELETE FROM " + t + " WHERE rowid < " + std::to_string(lo + U(0, 3)));
  for (int i = int(U(1, 4)); i > 0; --i) {
    int64_t x = U(lo, hi);
    c.Exec("DELETE FROM " + t + " WHERE rowid BETWEEN " + std::to_string(x) + " AND " +
           std::to_string(x + U(0, 5)));
  }
}

// Moves rows far apart, keeping their order: the last rows to a huge
// rowid (every row but those falls into the first part), the first to a
// negative one.
void SpreadRowids(Conn& c, std::mt19937_64& rng, const std::string& t) {
  int64_t n = c.Int("SELECT count(*) FROM " + t);
  if (n < 4) return;
  int64_t k = std::uniform_int_distribution<int64_t>(1, 3)(rng);
  // Highest first, so no new rowid collides with an existing one.
  for (const Row& r : c.Query("SELECT rowid FROM " + t + " ORDER BY rowid DESC LIMIT " +
                              std::to_string(k)))
    c.Exec("UPDATE " + t + " SET rowid = " + std::to_string(INT64_MAX / 2 + r[0].i) +
           " WHERE rowid = " + std::to_string(r[0].i));
  int64_t first = c.Int("SELECT min(rowid) FROM " + t);
  c.Exec("UPDATE " + t + " SET rowid = -1000000007 WHERE rowid = " + std::to_string(first));
}

// Recreates `t` as a WITHOUT ROWID table with the same columns and rows, in
// the same order (primary key: the old rowid).
void MakeWithoutRowid(Conn& c, const std::string& t) {
  std::string cols;
  for (const Row& r : c.Query("SELECT name, type FROM pragma_table_info('" + t + "')"))
    cols += ", \"" + r[0].s + "\" " + r[1].s;
  c.Exec("ALTER TABLE " + t + " RENAME TO old_" + t + ";"
         "CREATE TABLE " + t + "(nsx_pk INTEGER PRIMARY KEY" + cols + ") WITHOUT ROWID;"
         "INSERT INTO " + t + " SELECT rowid, * FROM old_" + t + " ORDER BY rowid;"
         "DROP TABLE old_" + t + ";");
}

// A trace where each table took one of the shapes above; `what` says which.
std::string Shape(const std::string& path, std::mt19937_64& rng, int iter) {
  Conn c(path);
  std::string what;
  for (const char* t : kTables) {
    int shape = (iter + int(std::uniform_int_distribution<int>(0, 5)(rng))) % 6;
    what += std::string(t) + ":";
    switch (shape) {
      case 0: what += "plain "; break;
      case 1: PunchHoles(c, rng, t); what += "holes "; break;
      case 2: SpreadRowids(c, rng, t); what += "spread "; break;
      case 3: PunchHoles(c, rng, t); SpreadRowids(c, rng, t); what += "holes+spread "; break;
      case 4: MakeWithoutRowid(c, t); what += "without-rowid "; break;
      default:
        if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
          c.Exec(std::string("DELETE FROM ") + t);
          what += "empty ";
        } else {
          PunchHoles(c, rng, t);
          what += "holes ";
        }
    }
  }
  return what;
}

// --------------------------------------------------------------- tests

TEST(ParallelLoad, RandomTracesMatchOneScan) {
  EnvGuard env;
  std::mt19937_64 rng(31337);
  int launched = 0, iters = RandomCases(30, 6, 3);
  for (int iter = 0; iter < iters; ++iter) {
    TempPath path;
    {
      TraceBuilder b(path.path());
      MakeLaunchTrace(rng, b);
    }
    std::string what = Shape(path.path(), rng, iter);
    SCOPED_TRACE(::testing::Message() << "iteration " << iter << ": " << what);
    std::vector<std::string> one = ExpectPartsMatchOneScan(path.path());
    if (HasFailure()) return;  // one trace's diff is enough to read
    // one[10]: "kernels|kernels with a launch row"
    launched += one[10].substr(one[10].find('|') + 1) != "0\n";
  }
  // Most traces have launch rows left after the holes and deletions.
  EXPECT_GT(launched, iters / 2);
}

// The plain trace (no holes, rowid tables) against its WITHOUT ROWID copy:
// the rowid-free results (aggregates; launch rows matched in primary-key
// order, which is the old rowid order) must be the same numbers.
TEST(ParallelLoad, WithoutRowidTablesMatchRowidTables) {
  EnvGuard env;
  std::mt19937_64 rng(99);
  const char* kNoRowid[] = {
      "SELECT * FROM _nsys_api_calls ORDER BY pid, api_name",
      "SELECT * FROM _nsys_kernel_stats ORDER BY 1, 2, 3, 4",
      "SELECT * FROM llm_sync_calls",
      "SELECT * FROM llm_top_kernels",
      "SELECT * FROM llm_launch_storm",
      "SELECT * FROM _nsys_nvtx_attr ORDER BY 1, 2, 3",
      "SELECT * FROM _nsys_nvtx_coverage ORDER BY 1",
      "SELECT start_ns, end_ns, pid, correlation_id, kernel_name, launch_api, launch_tid, "
      "launch_start_ns, launch_end_ns FROM nsys_kernels ORDER BY start_ns, end_ns, "
      "correlation_id, kernel_name",
  };
  for (int iter = 0, iters = RandomCases(6, 2, 2); iter < iters; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    TempPath path;
    {
      TraceBuilder b(path.path());
      MakeLaunchTrace(rng, b);
    }
    std::vector<std::string> with_rowid;
    {
      EnvGuard::Parts("4");
      Conn c(path.path(), SQLITE_OPEN_READONLY);
      ASSERT_EQ(c.Load(), "");
      for (const char* q : kNoRowid) with_rowid.push_back(Exact(c, q));
    }
    {
      Conn c(path.path());
      for (const char* t : kTables) MakeWithoutRowid(c, t);
    }
    ExpectPartsMatchOneScan(path.path());
    for (const char* parts : {"1", "5"}) {
      EnvGuard::Parts(parts);
      Conn c(path.path(), SQLITE_OPEN_READONLY);
      ASSERT_EQ(c.Load(), "");
      for (size_t q = 0; q < std::size(kNoRowid); ++q)
        EXPECT_EQ(Exact(c, kNoRowid[q]), with_rowid[q]) << kNoRowid[q];
      EXPECT_EQ(c.Int("SELECT count(*) FROM nsys_kernels WHERE kernel_rowid IS NOT NULL"), 0);
    }
  }
}

// Empty tables, one-row tables and more parts than rows.
TEST(ParallelLoad, EmptyAndTinyTables) {
  EnvGuard env;
  for (int rows = 0; rows <= 3; ++rows) {
    SCOPED_TRACE(::testing::Message() << rows << " rows per table");
    TempPath path;
    {
      TraceBuilder b(path.path());
      b.Begin();
      for (int i = 0; i < rows; ++i) {
        b.K(100 * i + 10, 100 * i + 50, "k" + std::to_string(i % 2), 0, Gpid(1), i + 1);
        b.R(100 * i, 100 * i + 5, "cudaLaunchKernel_v7000", Gtid(1, 2), i + 1);
        b.R(100 * i + 60, 100 * i + 90, "cudaDeviceSynchronize_v3020", Gtid(1, 2));
        b.N(59, 100 * i, 100 * i + 99, "step", Gtid(1, 2));
      }
      b.Commit();
    }
    std::vector<std::string> one = ExpectPartsMatchOneScan(path.path());
    // The launch rows were found under every part count (not only "equal").
    EnvGuard::Parts("1000");
    Conn c(path.path(), SQLITE_OPEN_READONLY);
    ASSERT_EQ(c.Load(), "");
    EXPECT_EQ(c.Int("SELECT count(launch_rowid) FROM nsys_kernels"), rows);
    EXPECT_EQ(c.Int("SELECT count(*) FROM nsys_nvtx_kernel_ranges"), rows);
  }
}

// Hand-made: a key whose launch rows sit in different parts. The earlier
// row (lower rowid) is the launch even when the later part finishes first.
TEST(ParallelLoad, FirstLaunchRowAcrossPartsWins) {
  EnvGuard env;
  TempPath path;
  {
    TraceBuilder b(path.path());
    b.Begin();
    for (int i = 0; i < 8; ++i) b.K(1000 + 10 * i, 1005 + 10 * i, "k", 0, Gpid(1), i + 1);
    // Rowids 1..8: the real launches; 9..16: later rows with the same keys
    // (other thread, other times); one more key whose only row is last.
    for (int i = 0; i < 8; ++i) b.R(10 * i, 10 * i + 3, "cudaLaunchKernel_v7000", Gtid(1, 2), i + 1);
    for (int i = 0; i < 8; ++i) b.R(500 + i, 600 + i, "cuLaunchKernel", Gtid(1, 3), i + 1);
    b.Commit();
  }
  ExpectPartsMatchOneScan(path.path());
  for (const char* parts : {"1", "2", "16"}) {
    SCOPED_TRACE(parts);
    EnvGuard::Parts(parts);
    Conn c(path.path(), SQLITE_OPEN_READONLY);
    ASSERT_EQ(c.Load(), "");
    EXPECT_EQ(Render(c.Query("SELECT DISTINCT launch_api, launch_tid FROM nsys_kernels")),
              "cudaLaunchKernel_v7000|2\n");
    EXPECT_EQ(c.Int("SELECT sum(launch_rowid) FROM nsys_kernels"), 36);
    // Every call is counted once in its group, whatever part it was in.
    EXPECT_EQ(Render(c.Query("SELECT api_name, calls FROM _nsys_api_calls ORDER BY 1")),
              "cuLaunchKernel|8\ncudaLaunchKernel_v7000|8\n");
  }
}

// Proof that the tests above do run parts on the pool: with
// NSYSEXPLAIN_TIMING=1 the loader reports every part it read.
TEST(ParallelLoad, PartsAreReallyRead) {
  EnvGuard env;
  TempPath path;
  {
    TraceBuilder b(path.path());
    b.Begin();
    for (int i = 0; i < 40; ++i) {
      b.K(100 * i + 10, 100 * i + 50, "k", 0, Gpid(1), i + 1);
      b.R(100 * i, 100 * i + 5, "cudaLaunchKernel_v7000", Gtid(1, 2), i + 1);
      b.N(59, 100 * i, 100 * i + 99, "step", Gtid(1, 2));
    }
    b.Commit();
  }
  TempPath log("nsx_timing");
  std::fflush(stderr);
  int saved = dup(2);
  int fd = open(log.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  dup2(fd, 2);
  close(fd);
  setenv("NSYSEXPLAIN_TIMING", "1", 1);
  EnvGuard::Parts("3");
  {
    Conn c(path.path(), SQLITE_OPEN_READONLY);
    EXPECT_EQ(c.Load(), "");
    EXPECT_EQ(c.Int("SELECT count(launch_rowid) FROM nsys_kernels"), 40);
    EXPECT_EQ(c.Int("SELECT count(*) FROM nsys_nvtx_kernel_ranges"), 40);
  }
  unsetenv("NSYSEXPLAIN_TIMING");
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::string text = ReadFileBytes(log.path());
  for (const char* want : {"load kernels part 3/3", "load runtime part 3/3", "load nvtx part 3/3",
                           "merge kernels parts", "merge runtime parts", "merge nvtx parts"})
    EXPECT_NE(text.find(want), std::string::npos) << want << " not in:\n" << text;
}

// Rowids spanning all of int64 (INT64_MIN, 0, INT64_MAX). Regression test
// for ext/scan.cc SplitRowids (fixed in 91e4ea8): with 3 parts, `a + step - 1`
// and `a += step` wrapped around uint64, so the split emitted inverted and
// overlapping ranges and looped until out of memory (3 GB after 9 s); 2
// parts happened not to wrap. The load runs in a child with a 5 s alarm and,
// in uninstrumented builds, a 12 GB address-space limit, so a regression
// fails quickly (no limit under ASan/TSan, whose runtimes reserve terabytes
// of shadow: there the alarm alone stops a runaway split).
TEST(ParallelLoad, RowidsSpanningAllOfInt64) {
  EnvGuard env;
  TempPath path;
  {
    TraceBuilder b(path.path());
    b.Begin();
    for (int64_t rowid : {INT64_MIN, int64_t{0}, INT64_MAX}) {
      int64_t r = b.K(10, 20, "k", 0, Gpid(1), 1);
      b.Exec("UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET rowid = " + std::to_string(rowid) +
             " WHERE rowid = " + std::to_string(r));
    }
    b.Commit();
  }
  for (const char* parts : {"2", "3"}) {
    SCOPED_TRACE(std::string("NSYSEXPLAIN_LOAD_PARTS=") + parts);
    EnvGuard::Parts(parts);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      if (!kSanitized) {
        rlimit lim{size_t{12} << 30, size_t{12} << 30};
        setrlimit(RLIMIT_AS, &lim);
      }
      alarm(5);
      sqlite3* db = nullptr;
      sqlite3_open_v2(path.path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
      sqlite3_enable_load_extension(db, 1);
      if (sqlite3_load_extension(db, NSYSEXPLAIN_PATH, nullptr, nullptr) != SQLITE_OK) _exit(2);
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(db, "SELECT count(*) FROM nsys_kernels", -1, &st, nullptr);
      int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
      _exit(n == 3 ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << (WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                : "exit status " + std::to_string(WEXITSTATUS(status)));
  }
}

}  // namespace
}  // namespace nsysexplain::testing
