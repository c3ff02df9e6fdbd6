// Ground-truth tests: nsys-explain-synth writes a synthetic nsys export and
// FILE.truth.json, whose numbers are computed by construction (tools/synth/
// truth.h, docs/SEMANTICS.md). The extension is loaded into a read-only
// connection on the export and every truth number must match it EXACTLY.
//
//   synth.Configs/SynthTruthTest.DatasetsMatchTruth/<config>
//       the _nsys_* dataset tables (integer ns) against the truth file
//   synth.Configs/SynthTruthTest.ViewsMatchTruth/<config>
//       the llm_* views (ms rounded to 6 decimals = whole ns) against it
//   synth.Configs/SynthTruthTest.RowCountsMatchTruth/<config>
//       the generator's own row counts (plain SQL, no extension)
//   synth.Example.*
//       examples/vllm_tp2_small.sqlite against its committed truth file,
//       opened with ?immutable=1; the file must be byte-identical afterwards
//
// Generated traces go to $TMPDIR/nsysexplain-synth-XXXXXX and are removed
// unless the test failed or SYNTH_KEEP=1.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sha256.h"

#ifndef NSYSEXPLAIN_PATH
#error "NSYSEXPLAIN_PATH must point to libnsysexplain.so"
#endif
#ifndef NSYS_EXPLAIN_SYNTH
#error "NSYS_EXPLAIN_SYNTH must point to nsys-explain-synth"
#endif

extern char** environ;

namespace nsysexplain::synth_test {
namespace {

namespace fs = std::filesystem;
using test_common::Sha256Hex;
using json = nlohmann::json;

// ------------------------------------------------------------ utilities
std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

json LoadJson(const std::string& path) {
  std::ifstream f(path);
  if (!f) return json();
  try {
    return json::parse(f);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot parse " << path << ": " << e.what();
    return json();
  }
}

// Percent-encodes a path for an SQLite "file:" URI.
std::string FileUri(const std::string& path, const std::string& query) {
  std::string out = "file:";
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : path) {
    if (std::isalnum(c) || std::strchr("/-_.~", c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return query.empty() ? out : out + "?" + query;
}

// Runs argv[0] with argv; stdout+stderr go to `log`. Returns the exit status
// (or -1 when it could not be started / was killed).
int RunProcess(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A fresh directory $TMPDIR/nsysexplain-synth-XXXXXX ("" on failure).
std::string MakeTempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") +
                     "/nsysexplain-synth-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  return mkdtemp(buf.data()) ? std::string(buf.data()) : std::string();
}

// --------------------------------------------------------- SQLite access
class Db {
 public:
  // Opens `uri_or_path` read-only (URI filenames allowed) and loads the
  // extension. Check ok() / error().
  explicit Db(const std::string& uri_or_path) {
    int rc = sqlite3_open_v2(uri_or_path.c_str(), &db_,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
    if (rc != SQLITE_OK) {
      error_ = "open " + uri_or_path + ": " +
               (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    }
  }
  ~Db() {
    if (db_ && sqlite3_close(db_) != SQLITE_OK) {
      ADD_FAILURE() << "sqlite3_close: " << sqlite3_errmsg(db_);
    }
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  bool LoadExtension() {
    if (!error_.empty()) return false;
    if (sqlite3_enable_load_extension(db_, 1) != SQLITE_OK) {
      error_ = "sqlite3_enable_load_extension failed";
      return false;
    }
    char* err = nullptr;
    int rc = sqlite3_load_extension(db_, NSYSEXPLAIN_PATH, nullptr, &err);
    if (rc != SQLITE_OK) {
      error_ = std::string("load ") + NSYSEXPLAIN_PATH + ": " +
               (err ? err : sqlite3_errstr(rc));
    }
    sqlite3_free(err);
    sqlite3_enable_load_extension(db_, 0);
    return rc == SQLITE_OK;
  }

  const std::string& error() const { return error_; }

  // Runs `sql`; `row` is called once per result row. Adds a test failure on
  // any SQLite error.
  void Query(const std::string& sql,
             const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr);
    if (rc != SQLITE_OK) {
      ADD_FAILURE() << "prepare: " << sqlite3_errmsg(db_) << "\n  " << sql;
      return;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
    if (rc != SQLITE_DONE) {
      ADD_FAILURE() << "step: " << sqlite3_errmsg(db_) << "\n  " << sql;
    }
    sqlite3_finalize(st);
  }

  int64_t Int(const std::string& sql) {
    int64_t v = 0;
    int n = 0;
    Query(sql, [&](sqlite3_stmt* st) {
      v = sqlite3_column_int64(st, 0);
      ++n;
    });
    EXPECT_EQ(n, 1) << sql;
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

std::string Text(sqlite3_stmt* st, int col) {
  const unsigned char* t = sqlite3_column_text(st, col);
  return t ? reinterpret_cast<const char*>(t) : "<NULL>";
}
int64_t I64(sqlite3_stmt* st, int col) {
  EXPECT_EQ(sqlite3_column_type(st, col), SQLITE_INTEGER)
      << "column " << sqlite3_column_name(st, col) << " is not an integer";
  return sqlite3_column_int64(st, col);
}
// A view's *_ms column (rounded to 6 decimals) back to whole nanoseconds.
int64_t MsToNs(sqlite3_stmt* st, int col) {
  EXPECT_NE(sqlite3_column_type(st, col), SQLITE_NULL)
      << "column " << sqlite3_column_name(st, col) << " is NULL";
  return std::llround(sqlite3_column_double(st, col) * 1e6);
}

// ------------------------------------------------------- table compare
using Key = std::vector<std::string>;
using Vals = std::vector<int64_t>;
using Table = std::map<Key, Vals>;

std::string Show(const Key& k) {
  std::string out;
  for (size_t i = 0; i < k.size(); ++i) {
    out += (i ? " | \"" : "\"") + k[i] + "\"";
  }
  return "[" + out + "]";
}
std::string Show(const Vals& v, const std::vector<std::string>& cols) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    out += (i ? ", " : "") + (i < cols.size() ? cols[i] : "?") + "=" +
           std::to_string(v[i]);
  }
  return "{" + out + "}";
}

// Exact equality of two keyed tables; lists every difference (first 25).
void ExpectSame(const std::string& what, const Table& truth, const Table& ext,
                const std::vector<std::string>& cols) {
  std::vector<std::string> diffs;
  for (const auto& [k, v] : truth) {
    auto it = ext.find(k);
    if (it == ext.end()) {
      diffs.push_back("missing in extension: " + Show(k) + " truth " +
                      Show(v, cols));
    } else if (it->second != v) {
      diffs.push_back("differs: " + Show(k) + " truth " + Show(v, cols) +
                      " extension " + Show(it->second, cols));
    }
  }
  for (const auto& [k, v] : ext) {
    if (!truth.count(k)) {
      diffs.push_back("extra in extension: " + Show(k) + " " + Show(v, cols));
    }
  }
  if (diffs.empty()) return;
  std::string msg = what + ": " + std::to_string(diffs.size()) +
                    " difference(s) over " + std::to_string(truth.size()) +
                    " truth / " + std::to_string(ext.size()) +
                    " extension rows\n";
  for (size_t i = 0; i < diffs.size() && i < 25; ++i) {
    msg += "  " + diffs[i] + "\n";
  }
  if (diffs.size() > 25) msg += "  ...\n";
  ADD_FAILURE() << msg;
}

void AddInto(Table& t, const Key& k, const Vals& v) {
  auto [it, fresh] = t.emplace(k, v);
  if (fresh) return;
  for (size_t i = 0; i < v.size(); ++i) it->second[i] += v[i];
}

bool AllZero(const Vals& v) {
  for (int64_t x : v) {
    if (x != 0) return false;
  }
  return true;
}

int64_t J64(const json& row, const char* key) {
  if (!row.contains(key) || !row[key].is_number_integer()) {
    ADD_FAILURE() << "truth row has no integer '" << key << "': " << row.dump();
    return 0;
  }
  return row[key].get<int64_t>();
}
std::string JStr(const json& row, const char* key) {
  if (!row.contains(key) || !row[key].is_string()) {
    ADD_FAILURE() << "truth row has no string '" << key << "': " << row.dump();
    return "";
  }
  return row[key].get<std::string>();
}
const json& Section(const json& truth, const char* key) {
  static const json kEmpty = json::array();
  if (!truth.contains(key)) {
    ADD_FAILURE() << "truth file has no '" << key << "'";
    return kEmpty;
  }
  return truth[key];
}

// ---------------------------------------------------- truth-side tables
Table TruthKernels(const json& t) {
  Table out;
  for (const auto& r : Section(t, "kernels_by_name_device")) {
    out[{JStr(r, "name"), std::to_string(J64(r, "device_id"))}] = {
        J64(r, "calls"), J64(r, "total_ns"), J64(r, "min_ns"),
        J64(r, "max_ns")};
  }
  return out;
}

// device -> window_start, window_end, busy, idle, kernels (the kernel count
// per device is the sum of kernels_by_name_device calls on it).
Table TruthGpu(const json& t) {
  std::map<std::string, int64_t> kernels;
  for (const auto& r : Section(t, "kernels_by_name_device")) {
    kernels[std::to_string(J64(r, "device_id"))] += J64(r, "calls");
  }
  Table out;
  for (const auto& r : Section(t, "gpu")) {
    const std::string dev = std::to_string(J64(r, "device_id"));
    out[{dev}] = {J64(r, "window_start_ns"), J64(r, "window_end_ns"),
                  J64(r, "busy_ns"), J64(r, "idle_ns"), kernels[dev],
                  J64(r, "graph_executions")};
  }
  return out;
}
const std::vector<std::string> kGpuCols = {"window_start_ns", "window_end_ns", "busy_ns",
                                           "idle_ns", "kernels", "graph_executions"};

Table TruthPids(const json& t) {
  Table out;
  for (const auto& r : Section(t, "pids")) {
    out[{std::to_string(J64(r, "pid"))}] = {J64(r, "kernel_count"),
                                            J64(r, "kernel_time_ns"),
                                            J64(r, "nvtx_attributed_ns")};
  }
  return out;
}
const std::vector<std::string> kPidCols = {"kernel_count", "kernel_time_ns",
                                           "nvtx_attributed_ns"};

Table TruthSync(const json& t) {
  Table out;
  for (const auto& r : Section(t, "sync")) {
    out[{JStr(r, "api_name"), JStr(r, "kind")}] = {J64(r, "calls"),
                                                   J64(r, "total_ns")};
  }
  return out;
}

Table TruthRanges(const json& t) {
  Table out;
  for (const auto& r : Section(t, "nvtx_ranges")) {
    out[{JStr(r, "domain"), JStr(r, "name")}] = {
        J64(r, "count"), J64(r, "total_ns"), J64(r, "open_count")};
  }
  return out;
}
const std::vector<std::string> kRangeCols = {"count", "total_ns",
                                             "open_count"};

// nvtx_attr_innermost / nvtx_attr_inclusive. The truth has no domain: the
// extension's rows are then summed over domain (keyed by name only).
bool AttrHasDomain(const json& t, const char* section) {
  for (const auto& r : Section(t, section)) {
    if (r.contains("domain")) return true;
  }
  return false;
}
Table TruthAttr(const json& t, const char* section) {
  const bool dom = AttrHasDomain(t, section);
  Table out;
  for (const auto& r : Section(t, section)) {
    Key k = dom ? Key{JStr(r, "domain"), JStr(r, "name")}
                : Key{JStr(r, "name")};
    out[k] = {J64(r, "kernel_count"), J64(r, "kernel_time_ns")};
  }
  return out;
}
const std::vector<std::string> kAttrCols = {"kernel_count", "kernel_time_ns"};

const char* kSyncKinds = "('host_sync', 'sync_copy', 'device_wait', 'poll')";

// ------------------------------------------------------------ checks
// Every truth number against the _nsys_* dataset tables.
void CheckDatasets(Db& db, const json& t) {
  // --- kernels (global rows, pid IS NULL)
  {
    SCOPED_TRACE("kernels");
    Table ext;
    int64_t calls = 0, total = 0;
    db.Query(
        "SELECT kernel_name, device_id, calls, total_ns, min_ns, max_ns "
        "FROM _nsys_kernel_stats WHERE pid IS NULL",
        [&](sqlite3_stmt* st) {
          Key k{Text(st, 0), std::to_string(I64(st, 1))};
          EXPECT_FALSE(ext.count(k)) << "duplicate row " << Show(k);
          ext[k] = {I64(st, 2), I64(st, 3), I64(st, 4), I64(st, 5)};
          calls += I64(st, 2);
          total += I64(st, 3);
        });
    EXPECT_EQ(calls, J64(t, "kernels_total")) << "kernels_total";
    EXPECT_EQ(total, J64(t, "kernel_time_ns_total")) << "kernel_time_ns_total";
    const std::vector<std::string> cols = {"calls", "total_ns", "min_ns",
                                           "max_ns"};
    ExpectSame("kernels_by_name_device (_nsys_kernel_stats, pid IS NULL)",
               TruthKernels(t), ext, cols);

    // Per-PID rows add up to the same figures (SEMANTICS "Per process").
    Table by_pid;
    db.Query(
        "SELECT kernel_name, device_id, sum(calls), sum(total_ns), "
        "min(min_ns), max(max_ns) FROM _nsys_kernel_stats "
        "WHERE pid IS NOT NULL GROUP BY kernel_name, device_id",
        [&](sqlite3_stmt* st) {
          by_pid[{Text(st, 0), std::to_string(I64(st, 1))}] = {
              I64(st, 2), I64(st, 3), I64(st, 4), I64(st, 5)};
        });
    ExpectSame("kernels_by_name_device (_nsys_kernel_stats per PID, summed)",
               TruthKernels(t), by_pid, cols);
  }

  // --- GPU busy / window per device
  {
    SCOPED_TRACE("gpu");
    Table ext;
    db.Query(
        "SELECT device_id, window_start_ns, window_end_ns, busy_ns, kernels, "
        "graph_executions FROM _nsys_gpu_idle",
        [&](sqlite3_stmt* st) {
          const int64_t ws = I64(st, 1), we = I64(st, 2), busy = I64(st, 3);
          ext[{std::to_string(I64(st, 0))}] = {ws, we, busy, we - ws - busy,
                                               I64(st, 4), I64(st, 5)};
        });
    ExpectSame("gpu (_nsys_gpu_idle)", TruthGpu(t), ext, kGpuCols);
  }

  // --- per PID (kernels from _nsys_pids, attribution from coverage)
  {
    SCOPED_TRACE("pids");
    Table ext;
    db.Query(
        "SELECT p.pid, p.kernels, p.kernel_ns, "
        "       (SELECT c.attributed_ns FROM _nsys_nvtx_coverage AS c "
        "        WHERE c.pid = p.pid) "
        "FROM _nsys_pids AS p",
        [&](sqlite3_stmt* st) {
          ext[{std::to_string(I64(st, 0))}] = {I64(st, 1), I64(st, 2),
                                               I64(st, 3)};
        });
    ExpectSame("pids (_nsys_pids + _nsys_nvtx_coverage per pid)",
               TruthPids(t), ext, kPidCols);
  }

  // --- sync calls, summed over PID; the kind is part of the key
  {
    SCOPED_TRACE("sync");
    Table ext;
    db.Query(std::string("SELECT api_name, kind, calls, total_ns "
                         "FROM _nsys_api_calls WHERE kind IN ") +
                 kSyncKinds,
             [&](sqlite3_stmt* st) {
               AddInto(ext, {Text(st, 0), Text(st, 1)},
                       {I64(st, 2), I64(st, 3)});
             });
    ExpectSame("sync (_nsys_api_calls summed over pid)", TruthSync(t), ext,
               {"calls", "total_ns"});
  }

  // --- NVTX ranges, summed over PID and style
  {
    SCOPED_TRACE("nvtx_ranges");
    Table ext;
    db.Query(
        "SELECT domain, range_name, count, total_ns, open_count "
        "FROM _nsys_nvtx_ranges",
        [&](sqlite3_stmt* st) {
          AddInto(ext, {Text(st, 0), Text(st, 1)},
                  {I64(st, 2), I64(st, 3), I64(st, 4)});
        });
    ExpectSame("nvtx_ranges (_nsys_nvtx_ranges summed over pid, style)",
               TruthRanges(t), ext, kRangeCols);
  }

  // --- NVTX -> kernel attribution (global rows, and per-PID rows summed)
  for (const char* where : {"pid IS NULL", "pid IS NOT NULL"}) {
    SCOPED_TRACE(std::string("nvtx_attr WHERE ") + where);
    const bool dom_in = AttrHasDomain(t, "nvtx_attr_innermost");
    const bool dom_cl = AttrHasDomain(t, "nvtx_attr_inclusive");
    Table inner, incl;
    db.Query(std::string("SELECT domain, range_name, innermost_kernels, "
                         "innermost_ns, inclusive_kernels, inclusive_ns "
                         "FROM _nsys_nvtx_attr WHERE ") +
                 where,
             [&](sqlite3_stmt* st) {
               const std::string d = Text(st, 0), n = Text(st, 1);
               AddInto(inner, dom_in ? Key{d, n} : Key{n},
                       {I64(st, 2), I64(st, 3)});
               AddInto(incl, dom_cl ? Key{d, n} : Key{n},
                       {I64(st, 4), I64(st, 5)});
             });
    // The truth lists only names with attributed kernels.
    for (Table* tab : {&inner, &incl}) {
      for (auto it = tab->begin(); it != tab->end();) {
        it = AllZero(it->second) ? tab->erase(it) : std::next(it);
      }
    }
    ExpectSame(std::string("nvtx_attr_innermost (_nsys_nvtx_attr ") + where +
                   ")",
               TruthAttr(t, "nvtx_attr_innermost"), inner, kAttrCols);
    ExpectSame(std::string("nvtx_attr_inclusive (_nsys_nvtx_attr ") + where +
                   ")",
               TruthAttr(t, "nvtx_attr_inclusive"), incl, kAttrCols);
  }

  // --- NVTX coverage
  {
    SCOPED_TRACE("nvtx_coverage");
    const json& cov = Section(t, "nvtx_coverage");
    int rows = 0;
    db.Query(
        "SELECT kernels, kernel_ns, attributed_ns FROM _nsys_nvtx_coverage "
        "WHERE pid IS NULL",
        [&](sqlite3_stmt* st) {
          ++rows;
          EXPECT_EQ(I64(st, 0), J64(t, "kernels_total")) << "kernels";
          EXPECT_EQ(I64(st, 1), J64(cov, "total_ns")) << "total_ns";
          EXPECT_EQ(I64(st, 2), J64(cov, "attributed_ns")) << "attributed_ns";
        });
    EXPECT_EQ(rows, 1) << "_nsys_nvtx_coverage WHERE pid IS NULL";
    EXPECT_EQ(J64(cov, "total_ns"), J64(t, "kernel_time_ns_total"))
        << "truth file inconsistent";
  }
}

// The same numbers through the llm_* views (ms columns are rounded to 6
// decimals, i.e. whole nanoseconds).
void CheckViews(Db& db, const json& t) {
  {
    SCOPED_TRACE("llm_top_kernels");
    Table ext;
    db.Query("SELECT kernel_name, device_id, calls, total_ms "
             "FROM llm_top_kernels",
             [&](sqlite3_stmt* st) {
               ext[{Text(st, 0), std::to_string(I64(st, 1))}] = {
                   I64(st, 2), MsToNs(st, 3)};
             });
    Table truth;
    for (const auto& [k, v] : TruthKernels(t)) truth[k] = {v[0], v[1]};
    ExpectSame("llm_top_kernels", truth, ext, {"calls", "total_ns"});
    int64_t calls = 0, ns = 0;
    for (const auto& [k, v] : ext) calls += v[0], ns += v[1];
    EXPECT_EQ(calls, J64(t, "kernels_total"));
    EXPECT_EQ(ns, J64(t, "kernel_time_ns_total"));
  }
  {
    SCOPED_TRACE("llm_gpu_idle");
    Table ext;
    db.Query("SELECT device_id, window_ms, busy_ms, idle_ms, kernel_count "
             "FROM llm_gpu_idle",
             [&](sqlite3_stmt* st) {
               ext[{std::to_string(I64(st, 0))}] = {
                   MsToNs(st, 1), MsToNs(st, 2), MsToNs(st, 3), I64(st, 4)};
             });
    Table truth;
    for (const auto& [k, v] : TruthGpu(t)) {
      truth[k] = {v[1] - v[0], v[2], v[3], v[4]};
    }
    ExpectSame("llm_gpu_idle", truth, ext,
               {"window_ns", "busy_ns", "idle_ns", "kernels"});
  }
  {
    SCOPED_TRACE("llm_steps");
    Table ext;
    db.Query("SELECT pid, phase, count(*) FROM llm_steps GROUP BY pid, phase",
             [&](sqlite3_stmt* st) {
               ext[{std::to_string(I64(st, 0)), Text(st, 1)}] = {I64(st, 2)};
             });
    Table truth;
    for (const auto& row : t["steps"]) {
      for (const auto& [k, v] : row.items())
        if (k != "pid") truth[{std::to_string(row["pid"].get<int64_t>()), k}] = {v.get<int64_t>()};
    }
    ExpectSame("llm_steps", truth, ext, {"steps"});
  }
  {
    SCOPED_TRACE("llm_kernel_categories");
    Table ext;
    db.Query("SELECT category, device_id, calls, total_ms FROM llm_kernel_categories",
             [&](sqlite3_stmt* st) {
               ext[{Text(st, 0), std::to_string(I64(st, 1))}] = {I64(st, 2), MsToNs(st, 3)};
             });
    Table truth;
    for (const auto& r : Section(t, "categories"))
      truth[{r["category"].get<std::string>(), std::to_string(J64(r, "device_id"))}] = {
          J64(r, "calls"), J64(r, "total_ns")};
    ExpectSame("llm_kernel_categories", truth, ext, {"calls", "total_ns"});
  }
  {
    // Percentiles and mean queue times are fractional: within 1 ns.
    SCOPED_TRACE("llm_kernel_tails, llm_launch_latency");
    std::map<std::pair<std::string, int64_t>, std::vector<double>> tails;
    db.Query("SELECT kernel_name, device_id, p50_us, p90_us, p99_us FROM llm_kernel_tails",
             [&](sqlite3_stmt* st) {
               tails[{Text(st, 0), I64(st, 1)}] = {sqlite3_column_double(st, 2) * 1e3,
                                                  sqlite3_column_double(st, 3) * 1e3,
                                                  sqlite3_column_double(st, 4) * 1e3};
             });
    size_t n = 0;
    for (const auto& r : Section(t, "kernel_tails")) {
      auto it = tails.find({r["name"].get<std::string>(), J64(r, "device_id")});
      ASSERT_NE(it, tails.end()) << r.dump();
      const char* keys[] = {"p50_ns", "p90_ns", "p99_ns"};
      for (int i = 0; i < 3; ++i)
        EXPECT_NEAR(it->second[size_t(i)], r[keys[i]].get<double>(), 1.0) << r.dump();
      ++n;
    }
    EXPECT_EQ(n, tails.size());
    std::map<std::pair<std::string, int64_t>, std::pair<int64_t, double>> lat;
    db.Query("SELECT kernel_name, via_graph, kernels, queue_avg_us FROM llm_launch_latency",
             [&](sqlite3_stmt* st) {
               auto& v = lat[{Text(st, 0), I64(st, 1)}];
               v.first += I64(st, 2);
               v.second += sqlite3_column_double(st, 3) * 1e3 * double(I64(st, 2));
             });
    n = 0;
    for (const auto& r : Section(t, "queues")) {
      auto it = lat.find({r["name"].get<std::string>(), J64(r, "via_graph")});
      ASSERT_NE(it, lat.end()) << r.dump();
      EXPECT_EQ(it->second.first, J64(r, "kernels")) << r.dump();
      const double k = double(J64(r, "kernels"));
      EXPECT_NEAR(it->second.second / k, double(J64(r, "queue_ns_total")) / k, 1.0) << r.dump();
      ++n;
    }
    EXPECT_EQ(n, lat.size());
  }
  {
    SCOPED_TRACE("llm_steps basis and warm-up");
    Table ext;
    db.Query("SELECT pid, basis, count(*) FROM llm_steps GROUP BY pid, basis "
             "UNION ALL SELECT pid, 'warmup', count(*) FROM llm_steps WHERE warmup "
             "GROUP BY pid",
             [&](sqlite3_stmt* st) {
               ext[{std::to_string(I64(st, 0)), Text(st, 1)}] = {I64(st, 2)};
             });
    Table truth;
    for (const auto& row : Section(t, "step_basis")) {
      for (const auto& [k, v] : row.items())
        if (k != "pid" && (k != "warmup" || v.get<int64_t>() > 0))
          truth[{std::to_string(row["pid"].get<int64_t>()), k}] = {v.get<int64_t>()};
    }
    ExpectSame("llm_steps basis", truth, ext, {"steps"});
    // Every NVTX step matches its host-event step one to one.
    db.Query("SELECT printf('%.1f', coalesce(min(agreement_pct), 100.0)) "
             "FROM llm_step_agreement",
             [&](sqlite3_stmt* st) { EXPECT_EQ(Text(st, 0), "100.0"); });
  }
  {
    SCOPED_TRACE("llm_pids");
    Table ext;
    db.Query("SELECT pid, kernel_count, total_kernel_time_ms FROM llm_pids",
             [&](sqlite3_stmt* st) {
               ext[{std::to_string(I64(st, 0))}] = {I64(st, 1),
                                                    MsToNs(st, 2)};
             });
    Table truth;
    for (const auto& [k, v] : TruthPids(t)) truth[k] = {v[0], v[1]};
    ExpectSame("llm_pids", truth, ext, {"kernel_count", "kernel_time_ns"});
  }
  {
    SCOPED_TRACE("llm_sync_calls");
    Table ext;
    db.Query("SELECT api_name, kind, call_count, total_time_ms "
             "FROM llm_sync_calls",
             [&](sqlite3_stmt* st) {
               Key k{Text(st, 0), Text(st, 1)};
               EXPECT_FALSE(ext.count(k)) << "duplicate row " << Show(k);
               ext[k] = {I64(st, 2), MsToNs(st, 3)};
             });
    ExpectSame("llm_sync_calls", TruthSync(t), ext, {"calls", "total_ns"});
  }
  {
    SCOPED_TRACE("llm_nvtx_ranges");
    Table ext;
    db.Query("SELECT domain, range_name, count, total_time_ms, open_count "
             "FROM llm_nvtx_ranges",
             [&](sqlite3_stmt* st) {
               Key k{Text(st, 0), Text(st, 1)};
               EXPECT_FALSE(ext.count(k)) << "duplicate row " << Show(k);
               ext[k] = {I64(st, 2), MsToNs(st, 3), I64(st, 4)};
             });
    ExpectSame("llm_nvtx_ranges", TruthRanges(t), ext, kRangeCols);
  }
  {
    // The generator's NCCL ranges (domain NCCL: ncclAllReduce, ncclGroupEnd,
    // ...) are exactly llm_nccl_nvtx, summed over PIDs; nothing else is.
    SCOPED_TRACE("llm_nccl_nvtx");
    Table want, ext;
    for (const auto& [k, v] : TruthRanges(t))
      if (k[0] == "NCCL") want[k] = v;
    db.Query("SELECT domain, range_name, sum(count), sum(total_ms), sum(open_count), "
             "min(source), max(source) FROM llm_nccl_nvtx GROUP BY domain, range_name",
             [&](sqlite3_stmt* st) {
               ext[{Text(st, 0), Text(st, 1)}] = {I64(st, 2), MsToNs(st, 3), I64(st, 4)};
               EXPECT_EQ(Text(st, 5), "nccl_api");
               EXPECT_EQ(Text(st, 6), "nccl_api");
             });
    ExpectSame("llm_nccl_nvtx", want, ext, kRangeCols);
  }
  {
    SCOPED_TRACE("llm_nvtx_kernel_time");
    const bool dom_in = AttrHasDomain(t, "nvtx_attr_innermost");
    const bool dom_cl = AttrHasDomain(t, "nvtx_attr_inclusive");
    Table inner, incl;
    db.Query("SELECT domain, range_name, kernel_count, total_kernel_time_ms, "
             "inclusive_kernel_count, inclusive_kernel_time_ms "
             "FROM llm_nvtx_kernel_time",
             [&](sqlite3_stmt* st) {
               const std::string d = Text(st, 0), n = Text(st, 1);
               AddInto(inner, dom_in ? Key{d, n} : Key{n},
                       {I64(st, 2), MsToNs(st, 3)});
               AddInto(incl, dom_cl ? Key{d, n} : Key{n},
                       {I64(st, 4), MsToNs(st, 5)});
             });
    for (Table* tab : {&inner, &incl}) {
      for (auto it = tab->begin(); it != tab->end();) {
        it = AllZero(it->second) ? tab->erase(it) : std::next(it);
      }
    }
    ExpectSame("llm_nvtx_kernel_time (innermost)",
               TruthAttr(t, "nvtx_attr_innermost"), inner, kAttrCols);
    ExpectSame("llm_nvtx_kernel_time (inclusive)",
               TruthAttr(t, "nvtx_attr_inclusive"), incl, kAttrCols);
  }
  {
    SCOPED_TRACE("llm_nvtx_coverage");
    const json& cov = Section(t, "nvtx_coverage");
    int rows = 0;
    db.Query("SELECT total_kernel_time_ms, attributed_kernel_time_ms, "
             "kernel_count FROM llm_nvtx_coverage WHERE pid IS NULL",
             [&](sqlite3_stmt* st) {
               ++rows;
               EXPECT_EQ(MsToNs(st, 0), J64(cov, "total_ns"));
               EXPECT_EQ(MsToNs(st, 1), J64(cov, "attributed_ns"));
               EXPECT_EQ(I64(st, 2), J64(t, "kernels_total"));
             });
    EXPECT_EQ(rows, 1);
  }
}

// The generator's "rows" claims, by plain SQL (no extension involved).
void CheckRowCounts(Db& db, const json& t) {
  const json& rows = Section(t, "rows");
  const std::vector<std::pair<const char*, std::string>> q = {
      {"kernel", "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL"},
      {"runtime", "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME"},
      {"runtime_backtrace",
       "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME "
       "WHERE eventClass = 67"},
      {"nvtx", "SELECT count(*) FROM NVTX_EVENTS"},
      {"memcpy", "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY"},
      {"memset", "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMSET"},
      {"sync", "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_SYNCHRONIZATION"},
  };
  for (const auto& [key, sql] : q) {
    EXPECT_EQ(db.Int(sql), J64(rows, key)) << "rows." << key;
  }
  EXPECT_EQ(J64(rows, "kernel"), J64(t, "kernels_total"));
}

// -------------------------------------------------- generated configs
struct Config {
  std::string name;
  std::vector<std::string> args;  // after --out
};

std::ostream& operator<<(std::ostream& os, const Config& c) {
  os << c.name << ":";
  for (const auto& a : c.args) os << " " << a;
  return os;
}

const std::vector<Config>& Configs() {
  static const std::vector<Config> kConfigs = {
      {"k3000_p1_seed1", {"--kernels", "3000", "--processes", "1", "--seed", "1"}},
      {"k3000_p2_seed2", {"--kernels", "3000", "--processes", "2", "--seed", "2"}},
      {"k3000_p4_seed3", {"--kernels", "3000", "--processes", "4", "--seed", "3"}},
      {"k3000_p2_seed4_rt0_5",
       {"--kernels", "3000", "--processes", "2", "--seed", "4",
        "--runtime-per-kernel", "0.5"}},
      {"k3000_p4_seed5_rt0_5",
       {"--kernels", "3000", "--processes", "4", "--seed", "5",
        "--runtime-per-kernel", "0.5"}},
      {"k3000_p2_seed6_nvtx0",
       {"--kernels", "3000", "--processes", "2", "--seed", "6",
        "--nvtx-per-kernel", "0"}},
      {"k3000_p1_seed7_nvtx12",
       {"--kernels", "3000", "--processes", "1", "--seed", "7",
        "--nvtx-per-kernel", "12"}},
      {"k3000_p4_seed8_nvtx12",
       {"--kernels", "3000", "--processes", "4", "--seed", "8",
        "--nvtx-per-kernel", "12"}},
      {"k3000_p2_seed9_rt0_5_nvtx0",
       {"--kernels", "3000", "--processes", "2", "--seed", "9",
        "--runtime-per-kernel", "0.5", "--nvtx-per-kernel", "0"}},
      {"k3000_p2_seed10_layers2",
       {"--kernels", "3000", "--processes", "2", "--seed", "10",
        "--layers", "2"}},
      // Degenerate sizes: a single kernel; fewer kernels than processes.
      {"k1_p1_seed11", {"--kernels", "1", "--processes", "1", "--seed", "11"}},
      {"k3_p4_seed12", {"--kernels", "3", "--processes", "4", "--seed", "12"}},
      // One larger trace (still well under a second to generate).
      {"k40000_p4_seed13",
       {"--kernels", "40000", "--processes", "4", "--seed", "13"}},
      // Graph-mode captures: graph replays as graph-trace rows, no kernels.
      {"k3000_p2_seed14_graph",
       {"--kernels", "3000", "--processes", "2", "--seed", "14", "--cuda-graph-trace", "graph"}},
      {"k20000_p1_seed15_graph",
       {"--kernels", "20000", "--processes", "1", "--seed", "15", "--cuda-graph-trace",
        "graph"}},
  };
  return kConfigs;
}

class SynthTruthTest : public ::testing::TestWithParam<Config> {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty()) << "mkdtemp failed";
    trace_ = dir_ + "/trace.sqlite";
    std::vector<std::string> args = {NSYS_EXPLAIN_SYNTH, "--out", trace_,
                                     "--quiet"};
    for (const auto& a : GetParam().args) args.push_back(a);
    const std::string log = dir_ + "/synth.log";
    int rc = RunProcess(args, log);
    ASSERT_EQ(rc, 0) << "nsys-explain-synth failed (" << GetParam()
                     << "):\n" << ReadFile(log);
    truth_ = LoadJson(trace_ + ".truth.json");
    ASSERT_TRUE(truth_.is_object()) << "no truth file next to " << trace_;
  }

  void TearDown() override {
    if (dir_.empty()) return;
    const char* keep = std::getenv("SYNTH_KEEP");
    if (HasFailure() || (keep && *keep && std::strcmp(keep, "0") != 0)) {
      std::printf("[ synth    ] trace kept: %s\n", trace_.c_str());
      return;
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string dir_, trace_;
  json truth_;
};

TEST_P(SynthTruthTest, DatasetsMatchTruth) {
  Db db(trace_);
  ASSERT_TRUE(db.LoadExtension()) << db.error();
  CheckDatasets(db, truth_);
}

TEST_P(SynthTruthTest, ViewsMatchTruth) {
  Db db(trace_);
  ASSERT_TRUE(db.LoadExtension()) << db.error();
  CheckViews(db, truth_);
}

TEST_P(SynthTruthTest, RowCountsMatchTruth) {
  Db db(trace_);
  ASSERT_TRUE(db.error().empty()) << db.error();
  CheckRowCounts(db, truth_);
}

// Time windows (docs/SEMANTICS.md): kernels are clipped to the window, so
// the kernel time of windows that partition the trace sums to the truth's
// total, and every kernel is counted once plus once per cut it straddles;
// the window of the whole kernel extent gives the truth exactly.
TEST_P(SynthTruthTest, WindowPartitionMatchesTruth) {
  if (truth_["generator"].value("cuda_graph_trace", "node") == "graph")
    GTEST_SKIP() << "graph mode: the replayed kernels are not kernel rows";
  Db db(trace_);
  ASSERT_TRUE(db.LoadExtension()) << db.error();
  const int64_t total_ns = J64(truth_, "kernel_time_ns_total"), total = J64(truth_, "kernels_total");
  const std::string stats = "SELECT launches, total_ns FROM _nsys_launch_storm WHERE pid IS NULL";
  int64_t lo = db.Int("SELECT first_start_ns FROM _nsys_launch_storm WHERE pid IS NULL");
  int64_t hi = db.Int("SELECT last_end_ns FROM _nsys_launch_storm WHERE pid IS NULL");
  ASSERT_LT(lo, hi);
  auto set = [&](const std::string& from, const std::string& to) {
    db.Query("UPDATE temp.llm_settings SET value = " + from + " WHERE key = 'window_from_ns'",
             [](sqlite3_stmt*) {});
    db.Query("UPDATE temp.llm_settings SET value = " + to + " WHERE key = 'window_to_ns'",
             [](sqlite3_stmt*) {});
  };
  auto read = [&](int64_t* n, int64_t* ns) {
    *n = *ns = 0;
    db.Query(stats, [&](sqlite3_stmt* st) {
      *n = sqlite3_column_int64(st, 0);
      *ns = sqlite3_column_int64(st, 1);
    });
  };
  int64_t n = 0, ns = 0;
  set(std::to_string(lo), std::to_string(hi));
  read(&n, &ns);
  EXPECT_EQ(n, total);
  EXPECT_EQ(ns, total_ns);
  // Four windows; the cuts at the quarter points.
  std::vector<int64_t> cut = {lo, lo + (hi - lo) / 4, lo + (hi - lo) / 2, lo + 3 * (hi - lo) / 4,
                              hi};
  int64_t sum_n = 0, sum_ns = 0, straddle = 0;
  for (size_t i = 0; i + 1 < cut.size(); ++i) {
    set(std::to_string(cut[i]), std::to_string(cut[i + 1]));
    read(&n, &ns);
    sum_n += n;
    sum_ns += ns;
  }
  set("NULL", "NULL");
  for (size_t i = 1; i + 1 < cut.size(); ++i)
    straddle += db.Int("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE start < " +
                       std::to_string(cut[i]) + " AND \"end\" > " + std::to_string(cut[i]));
  EXPECT_EQ(sum_ns, total_ns);
  EXPECT_EQ(sum_n, total + straddle);
  read(&n, &ns);  // and back to the whole trace
  EXPECT_EQ(n, total);
  EXPECT_EQ(ns, total_ns);
}

INSTANTIATE_TEST_SUITE_P(Configs, SynthTruthTest,
                         ::testing::ValuesIn(Configs()),
                         [](const ::testing::TestParamInfo<Config>& i) {
                           return i.param.name;
                         });

// ------------------------------------------------ the committed example
#ifdef NSYSEXPLAIN_EXAMPLES_DIR
const std::string kExample =
    std::string(NSYSEXPLAIN_EXAMPLES_DIR) + "/vllm_tp2_small.sqlite";

struct FileState {
  std::string sha256;
  uintmax_t size = 0;
  fs::file_time_type mtime;
};
FileState State(const std::string& path) {
  FileState s;
  s.sha256 = Sha256Hex(ReadFile(path));
  s.size = fs::file_size(path);
  s.mtime = fs::last_write_time(path);
  return s;
}

class Example : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kExample)) GTEST_SKIP() << kExample << " not present";
    truth_ = LoadJson(kExample + ".truth.json");
    ASSERT_TRUE(truth_.is_object()) << "no truth file for " << kExample;
    before_ = State(kExample);
    ASSERT_GT(before_.size, 0u);
  }
  void TearDown() override {
    if (IsSkipped()) return;
    FileState after = State(kExample);
    EXPECT_EQ(after.sha256, before_.sha256) << kExample << " was modified";
    EXPECT_EQ(after.size, before_.size) << kExample << " changed size";
    EXPECT_TRUE(after.mtime == before_.mtime) << kExample << " was touched";
    for (const char* suffix : {"-journal", "-wal", "-shm"}) {
      EXPECT_FALSE(fs::exists(kExample + suffix))
          << kExample + suffix << " was created";
    }
  }
  // A read-only, immutable connection with the extension loaded.
  std::unique_ptr<Db> Open() {
    auto db = std::make_unique<Db>(FileUri(kExample, "immutable=1"));
    EXPECT_TRUE(db->LoadExtension()) << db->error();
    return db;
  }

  json truth_;
  FileState before_;
};

TEST_F(Example, DatasetsMatchTruth) {
  auto db = Open();
  if (!db->error().empty()) return;
  CheckDatasets(*db, truth_);
}

TEST_F(Example, ViewsMatchTruth) {
  auto db = Open();
  if (!db->error().empty()) return;
  CheckViews(*db, truth_);
}

TEST_F(Example, RowCountsMatchTruth) {
  Db db(FileUri(kExample, "immutable=1"));
  ASSERT_TRUE(db.error().empty()) << db.error();
  CheckRowCounts(db, truth_);
}

// The generator is deterministic: regenerating the example from the
// parameters recorded in its truth file should reproduce the truth file
// exactly. When it does not, the committed example predates the current
// generator and must be regenerated (the command is in the failure message),
// so the bundled example always comes from the generator in this tree.
TEST_F(Example, TruthReproducibleFromGenerator) {
  const json& g = truth_["generator"];
  ASSERT_TRUE(g.is_object());
  const std::string dir = MakeTempDir(), out = dir + "/ex.sqlite";
  ASSERT_FALSE(dir.empty()) << "mkdtemp failed";
  auto num = [](const json& v) {
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    std::ostringstream ss;
    ss << v.get<double>();
    return ss.str();
  };
  std::vector<std::string> args = {
      NSYS_EXPLAIN_SYNTH, "--out", out, "--quiet",
      "--kernels", num(g["kernels_requested"]),
      "--processes", num(g["processes"]),
      "--seed", num(g["seed"]),
      "--layers", num(g["layers"]),
      "--runtime-per-kernel", num(g["runtime_per_kernel"]),
      "--nvtx-per-kernel", num(g["nvtx_per_kernel"]),
      "--cuda-graph-trace", g.value("cuda_graph_trace", std::string("node"))};
  int rc = RunProcess(args, dir + "/synth.log");
  ASSERT_EQ(rc, 0) << ReadFile(dir + "/synth.log");
  json regenerated = LoadJson(out + ".truth.json");
  std::error_code ec;
  fs::remove_all(dir, ec);
  ASSERT_TRUE(regenerated.is_object());
  EXPECT_EQ(regenerated["generator"], g);
  if (regenerated != truth_) {
    // The committed pair is self-consistent (checked above) but was written
    // by another generator build.
    std::string diff;
    for (const auto& [key, value] : truth_.items()) {
      if (regenerated[key] != value) diff += " " + key;
    }
    ADD_FAILURE() << "examples/ was written by a different nsys-explain-synth "
                     "build; the current generator with the recorded "
                     "parameters gives different:"
                  << diff
                  << ". Regenerate: nsys-explain-synth --kernels 4000 --seed 7 "
                     "--processes 2 --layers 4 --force --out "
                     "examples/vllm_tp2_small.sqlite";
  }
}
#endif  // NSYSEXPLAIN_EXAMPLES_DIR

// Traces generated elsewhere, at any size (bench/run.sh checks its 100k, 1M
// and 2M traces this way): NSYSEXPLAIN_SYNTH_TRACES=a.sqlite:b.sqlite, each
// beside its .truth.json. Skipped when the variable is unset (as in CI).
TEST(External, MatchTruth) {
  const char* env = std::getenv("NSYSEXPLAIN_SYNTH_TRACES");
  if (!env || !*env) GTEST_SKIP() << "NSYSEXPLAIN_SYNTH_TRACES is not set";
  std::string list = env;
  size_t at = 0;
  while (at <= list.size()) {
    size_t end = list.find(':', at);
    if (end == std::string::npos) end = list.size();
    std::string path = list.substr(at, end - at);
    at = end + 1;
    if (path.empty()) continue;
    SCOPED_TRACE(path);
    json truth = LoadJson(path + ".truth.json");
    ASSERT_TRUE(truth.is_object()) << "no truth file next to " << path;
    Db db(FileUri(path, "immutable=1"));
    ASSERT_TRUE(db.LoadExtension()) << db.error();
    CheckDatasets(db, truth);
    CheckViews(db, truth);
    CheckRowCounts(db, truth);
  }
}

// SHA-256 known-answer tests (FIPS 180-4 examples).
TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace nsysexplain::synth_test
