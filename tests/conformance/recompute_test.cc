// Independent recomputation on EVERY trace (parameterized over TraceNames()).
//
// Each test reads the trace twice: through the extension's views/datasets,
// and with plain SQL on a second connection that has NOT loaded the
// extension. The plain rows feed the naive references of reference.h
// (quadratic scans written from docs/SEMANTICS.md), and the two must agree:
//
//   KernelTotals       GROUP BY (name, device) in SQL + naive percentiles
//                      vs llm_top_kernels / _nsys_kernel_stats
//   LaunchStorm        launches, window, <5/10/20 us shares
//   GpuBusyIdle        brute-force union over elementary segments
//                      vs llm_gpu_idle / _nsys_gpu_idle / nsys_gpu_gaps
//   SyncAndApiCalls    eventClass 0/1 rows grouped by name in SQL, classified
//                      by base name vs llm_sync_calls(_by_pid), llm_api_calls
//   NvtxRangeTotals    closed/open ranges per (domain, name) vs
//                      llm_nvtx_ranges(_by_pid)
//   NvtxAttribution    O(kernels x ranges) enclosure, innermost and inclusive,
//                      per kernel (nsys_kernels, nsys_nvtx_kernel_ranges) and
//                      aggregated (_nsys_nvtx_attr, llm_nvtx_kernel_time,
//                      llm_nvtx_coverage)
//   PerPidAddsUpToGlobal  every *_by_pid view sums to its global view
//   CoverageBounded    coverage <= 100%, innermost shares add up to coverage
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "conformance.h"
#include "reference.h"

namespace conformance {
namespace {

namespace fs = std::filesystem;

TEST(TraceList, MatchesFolder) {
  if (!TraceDirPresent())
    GTEST_SKIP() << "trace folder " << TraceDir() << " not found";
  std::set<std::string> found;
  for (const auto& e : fs::directory_iterator(TraceDir()))
    if (e.path().extension() == ".sqlite") found.insert(e.path().stem().string());
  std::set<std::string> listed(TraceNames().begin(), TraceNames().end());
  EXPECT_EQ(found, listed)
      << "update TraceNames() in conformance.cc (and the goldens) when the "
         "corpus changes";
}

class Recompute : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    CONFORMANCE_REQUIRE_TRACE(GetParam());
    ext_ = OpenTrace(GetParam(), true);
    plain_ = OpenTrace(GetParam(), false);
    ref_ = LoadReference(*plain_);
  }
  std::unique_ptr<Db> ext_, plain_;
  RefTrace ref_;
};

std::string Key(const std::string& a, int64_t b) {
  return a + "\x1f" + std::to_string(b);
}

TEST_P(Recompute, KernelTotals) {
  // Plain SQL: the aggregate part of the check.
  std::map<std::string, Row> sql;
  if (ref_.has_kernel_table) {
    std::string kt = plain_->HasTable("CUPTI_ACTIVITY_KIND_KERNEL")
                         ? "CUPTI_ACTIVITY_KIND_KERNEL"
                         : "CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL";
    Result r = plain_->Query(
        "SELECT coalesce(d.value, s.value, '<unresolved name id ' || "
        "k.demangledName || '>') AS name, k.deviceId, count(*), "
        "sum(k.\"end\" - k.start), min(k.\"end\" - k.start), "
        "max(k.\"end\" - k.start) FROM " + kt + " AS k "
        "LEFT JOIN StringIds AS d ON d.id = k.demangledName "
        "LEFT JOIN StringIds AS s ON s.id = k.shortName "
        "WHERE k.start IS NOT NULL AND k.\"end\" IS NOT NULL AND "
        "k.\"end\" >= k.start GROUP BY 1, 2");
    for (Row& row : r.rows) sql[Key(row[0].s, row[1].i)] = row;
  }
  // Durations per group for the naive percentiles.
  std::map<std::string, std::vector<int64_t>> durs;
  std::map<std::string, std::string> short_of;
  int64_t all_ns = 0;
  for (const RefKernel& k : ref_.kernels) {
    durs[Key(k.name, k.device)].push_back(k.dur());
    short_of[Key(k.name, k.device)] = k.short_name;
    all_ns += k.dur();
  }
  ASSERT_EQ(durs.size(), sql.size());

  Result v = ext_->Query(
      "SELECT kernel_name, device_id, total_ms, calls, avg_us, p50_us, p90_us, "
      "pct_kernel_time, min_us, max_us, p99_us, stdev_us, kernel_short_name "
      "FROM llm_top_kernels");
  ASSERT_EQ(v.size(), sql.size());
  Result exact = ext_->Query(
      "SELECT kernel_name, device_id, calls, total_ns, min_ns, max_ns FROM "
      "_nsys_kernel_stats WHERE pid IS NULL");
  ASSERT_EQ(exact.size(), sql.size());
  for (const Row& e : exact.rows) {
    auto it = sql.find(Key(e[0].s, e[1].i));
    ASSERT_NE(it, sql.end()) << e[0].s;
    EXPECT_EQ(e[2].i, it->second[2].i) << e[0].s;
    EXPECT_EQ(e[3].i, it->second[3].i) << e[0].s;
    EXPECT_EQ(e[4].i, it->second[4].i) << e[0].s;
    EXPECT_EQ(e[5].i, it->second[5].i) << e[0].s;
  }
  int64_t prev_total = INT64_MAX;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string key = Key(v.At(i, "kernel_name").s, v.At(i, "device_id").i);
    SCOPED_TRACE(v.At(i, "kernel_name").s.substr(0, 120));
    auto it = sql.find(key);
    ASSERT_NE(it, sql.end());
    const Row& s = it->second;
    const std::vector<int64_t>& d = durs[key];
    int64_t total = MsToNs(v.At(i, "total_ms").num());
    EXPECT_LE(total, prev_total) << "ordered by total";
    prev_total = total;
    EXPECT_EQ(v.At(i, "calls").i, s[2].i);
    EXPECT_EQ(total, s[3].i);
    EXPECT_EQ(UsToNs(v.At(i, "min_us").num()), s[4].i);
    EXPECT_EQ(UsToNs(v.At(i, "max_us").num()), s[5].i);
    EXPECT_TRUE(NearRounded(v.At(i, "avg_us").num(),
                            double(s[3].i) / double(s[2].i) / 1e3, 3));
    EXPECT_TRUE(NearRounded(v.At(i, "p50_us").num(), NaivePercentile(d, 50) / 1e3, 3))
        << v.At(i, "p50_us").num() << " vs " << NaivePercentile(d, 50);
    EXPECT_TRUE(NearRounded(v.At(i, "p90_us").num(), NaivePercentile(d, 90) / 1e3, 3));
    EXPECT_TRUE(NearRounded(v.At(i, "p99_us").num(), NaivePercentile(d, 99) / 1e3, 3));
    EXPECT_TRUE(NearRounded(v.At(i, "stdev_us").num(), NaiveStdev(d) / 1e3, 3))
        << v.At(i, "stdev_us").num() << " vs " << NaiveStdev(d) / 1e3;
    EXPECT_TRUE(NearRounded(v.At(i, "pct_kernel_time").num(),
                            100.0 * double(s[3].i) / double(all_ns), 3));
    EXPECT_EQ(v.At(i, "kernel_short_name").s, short_of[key]);
  }
}

TEST_P(Recompute, LaunchStorm) {
  Result v = ext_->Query("SELECT * FROM llm_launch_storm");
  if (ref_.kernels.empty()) {
    EXPECT_EQ(v.size(), 0u);
    return;
  }
  ASSERT_EQ(v.size(), 1u);
  int64_t first = INT64_MAX, last = INT64_MIN, u5 = 0, u10 = 0, u20 = 0;
  for (const RefKernel& k : ref_.kernels) {
    first = std::min(first, k.start);
    last = std::max(last, k.end);
    u5 += k.dur() < 5000;
    u10 += k.dur() < 10000;
    u20 += k.dur() < 20000;
  }
  double n = double(ref_.kernels.size());
  EXPECT_EQ(v.At(0, "total_launches").i, int64_t(ref_.kernels.size()));
  EXPECT_TRUE(NearRounded(v.At(0, "window_s").num(), double(last - first) / 1e9, 6));
  EXPECT_TRUE(NearRounded(v.At(0, "pct_under_5us").num(), 100.0 * u5 / n, 3));
  EXPECT_TRUE(NearRounded(v.At(0, "pct_under_10us").num(), 100.0 * u10 / n, 3));
  EXPECT_TRUE(NearRounded(v.At(0, "pct_under_20us").num(), 100.0 * u20 / n, 3));
  Result info = ext_->Query(
      "SELECT key, value FROM llm_trace_info WHERE key LIKE 'kernel_window_%_ns'");
  std::map<std::string, std::string> kv;
  for (const Row& r : info.rows) kv[r[0].s] = r[1].s;
  EXPECT_EQ(kv["kernel_window_start_ns"], std::to_string(first));
  EXPECT_EQ(kv["kernel_window_end_ns"], std::to_string(last));
}

TEST_P(Recompute, GpuBusyIdle) {
  std::vector<RefBusy> ref = NaiveBusy(ref_);
  Result v = ext_->Query("SELECT * FROM llm_gpu_idle ORDER BY device_id");
  Result exact = ext_->Query("SELECT * FROM _nsys_gpu_idle ORDER BY device_id");
  ASSERT_EQ(v.size(), ref.size());
  ASSERT_EQ(exact.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    const RefBusy& b = ref[i];
    SCOPED_TRACE("device " + std::to_string(b.device));
    int64_t window = b.window_end - b.window_start;
    int64_t largest = 0;
    for (auto [a, z] : b.gaps) largest = std::max(largest, z - a);
    EXPECT_EQ(exact.At(i, "device_id").i, b.device);
    EXPECT_EQ(exact.At(i, "kernels").i, b.kernels);
    EXPECT_EQ(exact.At(i, "window_start_ns").i, b.window_start);
    EXPECT_EQ(exact.At(i, "window_end_ns").i, b.window_end);
    EXPECT_EQ(exact.At(i, "busy_ns").i, b.busy);
    EXPECT_EQ(exact.At(i, "gaps").i, int64_t(b.gaps.size()));
    EXPECT_EQ(v.At(i, "device_id").i, b.device);
    EXPECT_EQ(v.At(i, "kernel_count").i, b.kernels);
    EXPECT_EQ(MsToNs(v.At(i, "window_ms").num()), window);
    EXPECT_EQ(MsToNs(v.At(i, "busy_ms").num()), b.busy);
    EXPECT_EQ(MsToNs(v.At(i, "idle_ms").num()), window - b.busy);
    EXPECT_EQ(v.At(i, "gap_count").i, int64_t(b.gaps.size()));
    if (b.gaps.empty()) {
      EXPECT_TRUE(v.At(i, "largest_gap_ms").null());
    } else {
      EXPECT_EQ(MsToNs(v.At(i, "largest_gap_ms").num()), largest);
    }
    if (window > 0) {
      EXPECT_TRUE(NearRounded(v.At(i, "idle_pct_of_window").num(),
                              100.0 * double(window - b.busy) / double(window), 3));
    }
    EXPECT_LE(b.busy, window);
    // Gap list, exactly.
    Result g = ext_->Query(
        "SELECT gap_start_ns, gap_end_ns, gap_ns FROM nsys_gpu_gaps WHERE "
        "device_id = " + std::to_string(b.device) + " ORDER BY gap_start_ns");
    ASSERT_EQ(g.size(), b.gaps.size());
    for (size_t j = 0; j < g.size(); ++j) {
      EXPECT_EQ(g.rows[j][0].i, b.gaps[j].first);
      EXPECT_EQ(g.rows[j][1].i, b.gaps[j].second);
      EXPECT_EQ(g.rows[j][2].i, b.gaps[j].second - b.gaps[j].first);
    }
  }
}

TEST_P(Recompute, SyncAndApiCalls) {
  // (pid, api name) -> count, total, min, max: plain SQL over eventClass 0/1.
  struct Api { int64_t n = 0, total = 0, min = 0, max = 0; };
  std::map<std::pair<int64_t, std::string>, Api> ref;
  if (ref_.has_runtime) {
    bool cls = plain_->HasColumn("CUPTI_ACTIVITY_KIND_RUNTIME", "eventClass");
    Result r = plain_->Query(
        "SELECT (r.globalTid >> 24) & 16777215, coalesce(s.value, "
        "'<unresolved name id ' || r.nameId || '>'), count(*), "
        "sum(r.\"end\" - r.start), min(r.\"end\" - r.start), "
        "max(r.\"end\" - r.start) FROM CUPTI_ACTIVITY_KIND_RUNTIME AS r "
        "LEFT JOIN StringIds AS s ON s.id = r.nameId WHERE " +
        std::string(cls ? "(r.eventClass IS NULL OR r.eventClass IN (0, 1))"
                        : "1") +
        " AND r.start IS NOT NULL AND r.\"end\" >= r.start GROUP BY 1, 2");
    for (const Row& row : r.rows)
      ref[{row[0].i, row[1].s}] = {row[2].i, row[3].i, row[4].i, row[5].i};
  }
  Result api = ext_->Query(
      "SELECT a.pid, a.api_name, a.base_name, a.kind, a.call_count, "
      "a.total_time_ms, a.max_us, d.min_ns FROM llm_api_calls AS a "
      "JOIN _nsys_api_calls AS d ON d.pid = a.pid AND d.api_name = a.api_name");
  ASSERT_EQ(api.size(), ref.size());
  for (const Row& r : api.rows) {
    SCOPED_TRACE(r[1].s);
    auto it = ref.find({r[0].i, r[1].s});
    ASSERT_NE(it, ref.end());
    EXPECT_EQ(r[2].s, ApiBaseName(r[1].s));
    std::string kind = SyncKind(r[1].s);
    if (kind.empty()) {
      EXPECT_TRUE(r[3].s == "launch" || r[3].s == "other") << r[3].s;
    } else {
      EXPECT_EQ(r[3].s, kind);
    }
    EXPECT_EQ(r[4].i, it->second.n);
    EXPECT_EQ(MsToNs(r[5].num()), it->second.total);
    EXPECT_EQ(UsToNs(r[6].num()), it->second.max);
    EXPECT_EQ(r[7].i, it->second.min);
  }

  // Sync calls over all processes, grouped by raw name.
  struct Sync { std::string kind; int64_t n = 0, total = 0, max = 0; std::set<int64_t> pids; };
  std::map<std::string, Sync> sync;
  for (const auto& [key, a] : ref) {
    std::string kind = SyncKind(key.second);
    if (kind.empty()) continue;
    Sync& s = sync[key.second];
    s.kind = kind;
    s.n += a.n;
    s.total += a.total;
    s.max = std::max(s.max, a.max);
    s.pids.insert(key.first);
  }
  Result v = ext_->Query("SELECT * FROM llm_sync_calls");
  ASSERT_EQ(v.size(), sync.size());
  for (size_t i = 0; i < v.size(); ++i) {
    std::string name = v.At(i, "api_name").s;
    SCOPED_TRACE(name);
    ASSERT_TRUE(sync.count(name));
    const Sync& s = sync[name];
    EXPECT_EQ(v.At(i, "kind").s, s.kind);
    EXPECT_EQ(v.At(i, "blocks_host").i,
              s.kind == "host_sync" || s.kind == "sync_copy");
    EXPECT_EQ(v.At(i, "call_count").i, s.n);
    EXPECT_EQ(MsToNs(v.At(i, "total_time_ms").num()), s.total);
    EXPECT_EQ(UsToNs(v.At(i, "max_us").num()), s.max);
    EXPECT_EQ(v.At(i, "pids").i, int64_t(s.pids.size()));
    EXPECT_TRUE(NearRounded(v.At(i, "avg_duration_us").num(),
                            double(s.total) / double(s.n) / 1e3, 3));
  }
  Result bp = ext_->Query("SELECT pid, api_name, call_count, total_time_ms FROM "
                          "llm_sync_calls_by_pid");
  size_t expect_rows = 0;
  for (const auto& [key, a] : ref) expect_rows += !SyncKind(key.second).empty();
  ASSERT_EQ(bp.size(), expect_rows);
  for (const Row& r : bp.rows) {
    auto it = ref.find({r[0].i, r[1].s});
    ASSERT_NE(it, ref.end()) << r[1].s;
    EXPECT_EQ(r[2].i, it->second.n);
    EXPECT_EQ(MsToNs(r[3].num()), it->second.total);
  }
}

TEST_P(Recompute, NvtxRangeTotals) {
  struct Agg {
    int64_t n = 0, open = 0, total = 0, min = INT64_MAX, max = INT64_MIN;
    std::set<std::string> styles;
  };
  std::map<std::pair<std::string, std::string>, Agg> all;
  std::map<std::tuple<int64_t, std::string, std::string>, Agg> by_pid;
  for (const RefNvtx& r : ref_.nvtx) {
    for (Agg* a : {&all[{r.domain, r.name}],
                   &by_pid[{PidOfGlobal(r.gtid), r.domain, r.name}]}) {
      a->styles.insert(r.type == 59 || r.type == 70 ? "push_pop" : "start_end");
      if (r.open) {
        ++a->open;
        continue;
      }
      ++a->n;
      a->total += r.end - r.start;
      a->min = std::min(a->min, r.end - r.start);
      a->max = std::max(a->max, r.end - r.start);
    }
  }
  // Cross-check of the reference loader with one plain aggregate.
  if (ref_.has_nvtx) {
    EXPECT_EQ(int64_t(ref_.nvtx.size()),
              plain_->Int("SELECT count(*) FROM NVTX_EVENTS WHERE eventType IN "
                          "(59, 60, 70, 71) AND (\"end\" IS NULL OR \"end\" >= "
                          "start)"));
  }
  Result v = ext_->Query("SELECT * FROM llm_nvtx_ranges");
  ASSERT_EQ(v.size(), all.size());
  for (size_t i = 0; i < v.size(); ++i) {
    auto key = std::make_pair(v.At(i, "domain").s, v.At(i, "range_name").s);
    SCOPED_TRACE(key.first + ":" + key.second);
    ASSERT_TRUE(all.count(key));
    const Agg& a = all[key];
    EXPECT_EQ(v.At(i, "count").i, a.n);
    EXPECT_EQ(v.At(i, "open_count").i, a.open);
    EXPECT_EQ(MsToNs(v.At(i, "total_time_ms").num()), a.total);
    if (a.n > 0) {
      EXPECT_EQ(UsToNs(v.At(i, "min_us").num()), a.min);
      EXPECT_EQ(UsToNs(v.At(i, "max_us").num()), a.max);
      EXPECT_TRUE(NearRounded(v.At(i, "avg_duration_us").num(),
                              double(a.total) / double(a.n) / 1e3, 3));
    }
    std::set<std::string> styles;
    std::string s = v.At(i, "styles").s;
    for (size_t p = 0, q; p <= s.size(); p = q + 1) {
      q = s.find(',', p);
      if (q == std::string::npos) q = s.size();
      styles.insert(s.substr(p, q - p));
    }
    EXPECT_EQ(styles, a.styles);
  }
  Result bp = ext_->Query("SELECT * FROM llm_nvtx_ranges_by_pid");
  ASSERT_EQ(bp.size(), by_pid.size());
  for (size_t i = 0; i < bp.size(); ++i) {
    auto key = std::make_tuple(bp.At(i, "pid").i, bp.At(i, "domain").s,
                               bp.At(i, "range_name").s);
    ASSERT_TRUE(by_pid.count(key)) << std::get<2>(key);
    EXPECT_EQ(bp.At(i, "count").i, by_pid[key].n);
    EXPECT_EQ(bp.At(i, "open_count").i, by_pid[key].open);
    EXPECT_EQ(MsToNs(bp.At(i, "total_time_ms").num()), by_pid[key].total);
  }
}

TEST_P(Recompute, NvtxAttribution) {
  std::vector<int> launch = KernelLaunch(ref_, true);
  RefAttribution a = Attribute(ref_, launch);

  // Per kernel: launch row, enclosing ranges, innermost.
  Result k = ext_->Query(
      "SELECT kernel_rowid, launch_rowid, nvtx_depth, nvtx_innermost FROM "
      "nsys_kernels");
  ASSERT_EQ(k.size(), ref_.kernels.size());
  Result kr = ext_->Query(
      "SELECT kernel_rowid, range_rowid, depth, is_innermost, range_start_ns "
      "FROM nsys_nvtx_kernel_ranges ORDER BY kernel_rowid, depth");
  std::map<int64_t, std::vector<const Row*>> ranges_of;
  for (const Row& r : kr.rows) ranges_of[r[0].i].push_back(&r);
  size_t mismatches = 0;
  for (size_t i = 0; i < ref_.kernels.size(); ++i) {
    const RefKernel& rk = ref_.kernels[i];
    SCOPED_TRACE("kernel rowid " + std::to_string(rk.rowid));
    ASSERT_EQ(k.rows[i][0].i, rk.rowid);
    if (launch[i] < 0) {
      EXPECT_TRUE(k.rows[i][1].null());
    } else {
      EXPECT_EQ(k.rows[i][1].i, ref_.runtime[size_t(launch[i])].rowid);
    }
    std::set<int64_t> want, got;
    for (int r : a.enclosing[i]) want.insert(ref_.nvtx[size_t(r)].rowid);
    int64_t got_inner = -1;
    const auto& rows = ranges_of[rk.rowid];
    for (size_t j = 0; j < rows.size(); ++j) {
      got.insert((*rows[j])[1].i);
      EXPECT_EQ((*rows[j])[2].i, int64_t(j)) << "depth 0 = outermost";
      if (j > 0) {
        EXPECT_LE((*rows[j - 1])[4].i, (*rows[j])[4].i);
      }
      if ((*rows[j])[3].i) got_inner = (*rows[j])[1].i;
    }
    if (want != got) ++mismatches;
    EXPECT_EQ(got, want);
    int64_t want_inner =
        a.innermost[i] < 0 ? -1 : ref_.nvtx[size_t(a.innermost[i])].rowid;
    EXPECT_EQ(got_inner, want_inner);
    if (!rows.empty()) {
      EXPECT_TRUE((*rows.back())[3].i);
    }
    if (launch[i] >= 0) {
      EXPECT_EQ(k.rows[i][2].i, int64_t(a.enclosing[i].size()));
    }
    if (a.innermost[i] >= 0) {
      EXPECT_EQ(k.rows[i][3].s, ref_.nvtx[size_t(a.innermost[i])].name);
    } else {
      EXPECT_TRUE(k.rows[i][3].null());
    }
    if (mismatches > 20) FAIL() << "too many mismatches, stopping";
  }

  // Aggregates, exact (dataset) and rounded (view).
  Result d = ext_->Query("SELECT * FROM _nsys_nvtx_attr");
  std::map<std::tuple<int64_t, std::string, std::string>, RefAgg> got;
  for (size_t i = 0; i < d.size(); ++i) {
    int64_t pid = d.At(i, "pid").null() ? -1 : d.At(i, "pid").i;
    RefAgg& g = got[{pid, d.At(i, "domain").s, d.At(i, "range_name").s}];
    g.incl_n = d.At(i, "inclusive_kernels").i;
    g.incl_ns = d.At(i, "inclusive_ns").i;
    g.inner_n = d.At(i, "innermost_kernels").i;
    g.inner_ns = d.At(i, "innermost_ns").i;
  }
  ASSERT_EQ(got.size(), a.rows.size());
  for (const auto& [key, w] : a.rows) {
    SCOPED_TRACE(std::get<1>(key) + ":" + std::get<2>(key) + " pid " +
                 std::to_string(std::get<0>(key)));
    ASSERT_TRUE(got.count(key));
    EXPECT_EQ(got[key].incl_n, w.incl_n);
    EXPECT_EQ(got[key].incl_ns, w.incl_ns);
    EXPECT_EQ(got[key].inner_n, w.inner_n);
    EXPECT_EQ(got[key].inner_ns, w.inner_ns);
  }
  const RefCoverage& all = a.coverage[-1];
  Result v = ext_->Query("SELECT * FROM llm_nvtx_kernel_time");
  size_t global_rows = 0;
  for (const auto& [key, w] : a.rows) global_rows += std::get<0>(key) == -1;
  ASSERT_EQ(v.size(), global_rows);
  for (size_t i = 0; i < v.size(); ++i) {
    auto key = std::make_tuple(int64_t{-1}, v.At(i, "domain").s,
                               v.At(i, "range_name").s);
    ASSERT_TRUE(a.rows.count(key));
    const RefAgg& w = a.rows[key];
    EXPECT_EQ(v.At(i, "kernel_count").i, w.inner_n);
    EXPECT_EQ(MsToNs(v.At(i, "total_kernel_time_ms").num()), w.inner_ns);
    EXPECT_EQ(v.At(i, "inclusive_kernel_count").i, w.incl_n);
    EXPECT_EQ(MsToNs(v.At(i, "inclusive_kernel_time_ms").num()), w.incl_ns);
    EXPECT_TRUE(NearRounded(v.At(i, "pct_of_total_kernel_time").num(),
                            100.0 * double(w.inner_ns) / double(all.kernel_ns), 3));
    EXPECT_TRUE(NearRounded(v.At(i, "inclusive_pct_of_kernel_time").num(),
                            100.0 * double(w.incl_ns) / double(all.kernel_ns), 3));
  }
  Result c = ext_->Query("SELECT * FROM llm_nvtx_coverage");
  ASSERT_EQ(c.size(), a.coverage.size());
  for (size_t i = 0; i < c.size(); ++i) {
    int64_t pid = c.At(i, "pid").null() ? -1 : c.At(i, "pid").i;
    SCOPED_TRACE("coverage pid " + std::to_string(pid));
    ASSERT_TRUE(a.coverage.count(pid));
    const RefCoverage& w = a.coverage[pid];
    EXPECT_EQ(c.At(i, "kernel_count").i, w.kernels);
    EXPECT_EQ(c.At(i, "attributed_kernel_count").i, w.attributed);
    EXPECT_EQ(c.At(i, "launched_kernel_count").i, w.launched);
    EXPECT_EQ(MsToNs(c.At(i, "total_kernel_time_ms").num()), w.kernel_ns);
    EXPECT_EQ(MsToNs(c.At(i, "attributed_kernel_time_ms").num()), w.attributed_ns);
    EXPECT_EQ(MsToNs(c.At(i, "unlaunched_kernel_time_ms").num()),
              w.kernel_ns - w.launched_ns);
    if (w.kernel_ns > 0) {
      EXPECT_TRUE(NearRounded(c.At(i, "coverage_pct").num(),
                              100.0 * double(w.attributed_ns) / double(w.kernel_ns), 3));
    }
  }
}

// Sums of the per-PID rows of a query, keyed by the given columns.
std::map<std::string, std::vector<double>> SumBy(const Result& r,
                                                 const std::vector<std::string>& keys,
                                                 const std::vector<std::string>& vals) {
  std::map<std::string, std::vector<double>> out;
  for (size_t i = 0; i < r.size(); ++i) {
    std::string k;
    for (const auto& c : keys) {
      const Cell& cell = r.At(i, c);
      k += (cell.type == SQLITE_TEXT ? cell.s : std::to_string(cell.integer())) + "\x1f";
    }
    auto& v = out[k];
    v.resize(vals.size());
    for (size_t j = 0; j < vals.size(); ++j) v[j] += r.At(i, vals[j]).num();
  }
  return out;
}

void ExpectSameSums(const Db& db, const std::string& global_sql,
                    const std::string& pid_sql, const std::vector<std::string>& keys,
                    const std::vector<std::string>& vals) {
  SCOPED_TRACE(pid_sql);
  auto g = SumBy(db.Query(global_sql), keys, vals);
  auto p = SumBy(db.Query(pid_sql), keys, vals);
  ASSERT_EQ(g.size(), p.size());
  for (const auto& [k, gv] : g) {
    ASSERT_TRUE(p.count(k)) << k;
    for (size_t j = 0; j < vals.size(); ++j)
      EXPECT_DOUBLE_EQ(p[k][j], gv[j]) << vals[j] << " of " << k;
  }
}

TEST_P(Recompute, PerPidAddsUpToGlobal) {
  const Db& db = *ext_;
  // Exact (integer ns) datasets.
  ExpectSameSums(db, "SELECT * FROM _nsys_kernel_stats WHERE pid IS NULL",
                 "SELECT * FROM _nsys_kernel_stats WHERE pid IS NOT NULL",
                 {"kernel_name", "device_id"}, {"calls", "total_ns"});
  ExpectSameSums(db, "SELECT 1 AS k, * FROM _nsys_nvtx_coverage WHERE pid IS NULL "
                     "AND kernels > 0",
                 "SELECT 1 AS k, * FROM _nsys_nvtx_coverage WHERE pid IS NOT NULL",
                 {"k"},
                 {"kernels", "kernel_ns", "launched_kernels", "launched_ns",
                  "attributed_kernels", "attributed_ns"});
  ExpectSameSums(db, "SELECT * FROM _nsys_nvtx_attr WHERE pid IS NULL",
                 "SELECT * FROM _nsys_nvtx_attr WHERE pid IS NOT NULL",
                 {"domain", "range_name"},
                 {"inclusive_kernels", "inclusive_ns", "innermost_kernels",
                  "innermost_ns"});
  ExpectSameSums(db, "SELECT * FROM _nsys_tiny_kernels WHERE pid IS NULL",
                 "SELECT * FROM _nsys_tiny_kernels WHERE pid IS NOT NULL",
                 {"kernel_name"}, {"calls", "total_ns"});
  ExpectSameSums(db, "SELECT * FROM _nsys_phase_attr WHERE pid IS NULL",
                 "SELECT * FROM _nsys_phase_attr WHERE pid IS NOT NULL",
                 {"phase"}, {"kernels", "kernel_ns"});
  ExpectSameSums(db, "SELECT 1 AS k, launches, total_ns FROM _nsys_launch_storm "
                     "WHERE pid IS NULL AND launches > 0",
                 "SELECT 1 AS k, launches, total_ns FROM _nsys_launch_storm "
                 "WHERE pid IS NOT NULL",
                 {"k"}, {"launches", "total_ns"});
  // Views (counts exact; times compared in ns).
  ExpectSameSums(db, "SELECT kernel_name, device_id, calls AS n, "
                     "round(total_ms * 1e6) AS ns FROM llm_top_kernels",
                 "SELECT kernel_name, device_id, call_count AS n, "
                 "round(total_time_ms * 1e6) AS ns FROM llm_kernels_by_pid",
                 {"kernel_name", "device_id"}, {"n", "ns"});
  ExpectSameSums(db, "SELECT 1 AS k, total_launches AS n FROM llm_launch_storm",
                 "SELECT 1 AS k, total_launches AS n FROM llm_launch_storm_by_pid",
                 {"k"}, {"n"});
  ExpectSameSums(db, "SELECT 1 AS k, kernel_count AS n, round(total_kernel_time_ms "
                     "* 1e6) AS ns FROM llm_nvtx_coverage WHERE pid IS NULL AND "
                     "kernel_count > 0",
                 "SELECT 1 AS k, kernel_count AS n, round(total_kernel_time_ms * "
                 "1e6) AS ns FROM llm_pids",
                 {"k"}, {"n", "ns"});
  ExpectSameSums(db, "SELECT api_name, call_count AS n, round(total_time_ms * "
                     "1e6) AS ns FROM llm_sync_calls",
                 "SELECT api_name, call_count AS n, round(total_time_ms * 1e6) "
                 "AS ns FROM llm_sync_calls_by_pid",
                 {"api_name"}, {"n", "ns"});
  ExpectSameSums(db, "SELECT domain, range_name, count AS n, open_count AS o, "
                     "round(total_time_ms * 1e6) AS ns FROM llm_nvtx_ranges",
                 "SELECT domain, range_name, count AS n, open_count AS o, "
                 "round(total_time_ms * 1e6) AS ns FROM llm_nvtx_ranges_by_pid",
                 {"domain", "range_name"}, {"n", "o", "ns"});
  // llm_pids shares add up to 100 %.
  Result p = db.Query("SELECT sum(pct_of_total_kernel_time) FROM llm_pids");
  if (!p.rows[0][0].null()) {
    EXPECT_NEAR(p.rows[0][0].num(), 100.0, 0.01);
  }
}

TEST_P(Recompute, CoverageBounded) {
  Result c = ext_->Query("SELECT * FROM llm_nvtx_coverage");
  for (size_t i = 0; i < c.size(); ++i) {
    if (!c.At(i, "coverage_pct").null()) {
      EXPECT_GE(c.At(i, "coverage_pct").num(), 0.0);
      EXPECT_LE(c.At(i, "coverage_pct").num(), 100.0);
    }
    EXPECT_LE(c.At(i, "attributed_kernel_count").i, c.At(i, "launched_kernel_count").i);
    EXPECT_LE(c.At(i, "launched_kernel_count").i, c.At(i, "kernel_count").i);
    EXPECT_LE(c.At(i, "attributed_kernel_time_ms").num(),
              c.At(i, "total_kernel_time_ms").num());
  }
  // Innermost attribution counts each kernel once: it adds up to coverage
  // (exactly in ns; the view's per-row rounded shares within their rounding).
  Result e = ext_->Query(
      "SELECT sum(innermost_kernels), sum(innermost_ns), "
      "(SELECT attributed_kernels FROM _nsys_nvtx_coverage WHERE pid IS NULL), "
      "(SELECT attributed_ns FROM _nsys_nvtx_coverage WHERE pid IS NULL) "
      "FROM _nsys_nvtx_attr WHERE pid IS NULL");
  if (!e.rows[0][0].null()) {
    EXPECT_EQ(e.rows[0][0].i, e.rows[0][2].i);
    EXPECT_EQ(e.rows[0][1].i, e.rows[0][3].i);
  }
  Result s = ext_->Query(
      "SELECT sum(kernel_count), sum(pct_of_total_kernel_time), count(*), "
      "(SELECT attributed_kernel_count FROM llm_nvtx_coverage WHERE pid IS NULL), "
      "(SELECT coverage_pct FROM llm_nvtx_coverage WHERE pid IS NULL) "
      "FROM llm_nvtx_kernel_time");
  if (!s.rows[0][0].null()) {
    EXPECT_EQ(s.rows[0][0].i, s.rows[0][3].i);
    EXPECT_NEAR(s.rows[0][1].num(), s.rows[0][4].num(),
                0.0005 * double(s.rows[0][2].i + 1) + 1e-6);
  }
  // Phases never exceed 100 % either (a kernel counts once per phase).
  Result ph = ext_->Query("SELECT max(pct_of_total_kernel_time) FROM llm_phases");
  if (!ph.rows[0][0].null()) {
    EXPECT_LE(ph.rows[0][0].num(), 100.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Traces, Recompute, ::testing::ValuesIn(TraceNames()),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace conformance
