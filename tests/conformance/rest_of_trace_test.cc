// Memory operations, GPU busy with memory, idle causes, the CUDA API summary
// and NCCL on the real traces: each view against a plain-SQL or naive C++
// recomputation over the raw tables of the same file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "conformance.h"

namespace conformance {
namespace {

struct Iv {
  int64_t start, end;
};

// Naive union length of unsorted intervals.
int64_t Union(std::vector<Iv> v) {
  std::sort(v.begin(), v.end(), [](const Iv& a, const Iv& b) { return a.start < b.start; });
  int64_t total = 0, cs = 0, ce = 0;
  bool open = false;
  for (const Iv& x : v) {
    if (x.end <= x.start) continue;
    if (!open || x.start > ce) {
      if (open) total += ce - cs;
      cs = x.start;
      ce = x.end;
      open = true;
    } else {
      ce = std::max(ce, x.end);
    }
  }
  return open ? total + ce - cs : total;
}

std::vector<Iv> Intervals(const Db& db, const std::string& sql) {
  std::vector<Iv> v;
  for (const Row& r : db.Query(sql).rows) v.push_back({r[0].i, r[1].i});
  return v;
}

// Unified-memory migrations (copyKind 11/12) are their own directions, with
// the counts and bytes of the raw table.
TEST(RestOfTrace, UnifiedMemoryMigrationsKeptApart) {
  CONFORMANCE_REQUIRE_TRACE("clue_t4_um");
  auto db = OpenTrace("clue_t4_um", true);
  Result raw = db->Query("SELECT copyKind, count(*), sum(bytes), sum(\"end\" - start), max(bytes) "
                         "FROM CUPTI_ACTIVITY_KIND_MEMCPY GROUP BY copyKind ORDER BY copyKind");
  ASSERT_EQ(raw.rows.size(), 2u);
  Result v = db->Query("SELECT direction, unified, sum(calls), sum(bytes), sum(total_ns), "
                       "max(max_bytes) FROM _nsys_memcpy GROUP BY direction ORDER BY direction");
  ASSERT_EQ(v.rows.size(), 2u);
  // um_d2h (12) sorts before um_h2d (11).
  const Row* by_kind[2] = {&v.rows[1], &v.rows[0]};
  for (size_t i = 0; i < 2; ++i) {
    const Row& r = *by_kind[i];
    EXPECT_EQ(r[0].s, i == 0 ? "um_h2d" : "um_d2h");
    EXPECT_EQ(r[1].i, 1);
    EXPECT_EQ(r[2].i, raw.rows[i][1].i);
    EXPECT_EQ(r[3].i, raw.rows[i][2].i);
    EXPECT_EQ(r[4].i, raw.rows[i][3].i);
    EXPECT_EQ(r[5].i, raw.rows[i][4].i);
  }
  EXPECT_EQ(raw.rows[0][1].i, 445);
  EXPECT_EQ(db->Int("SELECT sum(memsets) FROM llm_memset"),
            db->Int("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMSET"));
  // No async copy call issued a migration (they come from prefetches and faults).
  EXPECT_EQ(db->Int("SELECT sum(async_copies) + sum(sync_copies) FROM llm_memcpy"), 0);
}

// Copy/compute overlap over 4 streams: busy with memory per device and per
// stream equals a naive union of the raw kernel and memcpy rows.
TEST(RestOfTrace, GpuBusyWithMemoryMatchesNaiveUnion) {
  CONFORMANCE_REQUIRE_TRACE("lian4_t4_4streams");
  auto db = OpenTrace("lian4_t4_4streams", true);
  const std::string k = "SELECT start, \"end\" FROM CUPTI_ACTIVITY_KIND_KERNEL",
                    m = "SELECT start, \"end\" FROM CUPTI_ACTIVITY_KIND_MEMCPY";
  std::vector<Iv> ker = Intervals(*db, k), all = ker, mem = Intervals(*db, m);
  all.insert(all.end(), mem.begin(), mem.end());
  ASSERT_GT(mem.size(), 0u);
  EXPECT_EQ(db->Int("SELECT kernel_busy_ns FROM _nsys_gpu_busy"), Union(ker));
  EXPECT_EQ(db->Int("SELECT busy_ns FROM _nsys_gpu_busy"), Union(all));
  EXPECT_EQ(db->Int("SELECT memory_busy_ns FROM _nsys_gpu_busy"), Union(mem));
  EXPECT_GT(Union(all), Union(ker));  // copies ran while no kernel did
  for (const Row& s : db->Query("SELECT stream_id, busy_ns, kernel_busy_ns FROM "
                                "_nsys_gpu_busy_by_stream").rows) {
    std::string w = " WHERE streamId = " + std::to_string(s[0].i);
    std::vector<Iv> sk = Intervals(*db, k + w), sa = sk, sm = Intervals(*db, m + w);
    sa.insert(sa.end(), sm.begin(), sm.end());
    EXPECT_EQ(s[1].i, Union(sa)) << "stream " << s[0].i;
    EXPECT_EQ(s[2].i, Union(sk)) << "stream " << s[0].i;
  }
}

// Idle causes split every idle gap of llm_gpu_idle exactly once.
TEST(RestOfTrace, IdleCausesPartitionTheIdleGaps) {
  for (const char* trace : {"nsysai_mfu_2gpu_before", "lian4_t4_4streams", "nvtxex_cudf_2020"}) {
    SCOPED_TRACE(trace);
    if (!std::filesystem::exists(TracePath(trace))) GTEST_SKIP() << "no " << trace;
    auto db = OpenTrace(trace, true);
    Result r = db->Query(
        "SELECT g.device_id, g.gaps, g.window_end_ns - g.window_start_ns - g.busy_ns, "
        "sum(c.gaps), sum(c.idle_ns) FROM _nsys_gpu_idle AS g JOIN _nsys_gpu_idle_causes "
        "AS c USING (device_id) GROUP BY g.device_id");
    ASSERT_FALSE(r.rows.empty());
    for (const Row& x : r.rows) {
      EXPECT_EQ(x[1].i, x[3].i) << "device " << x[0].i;
      EXPECT_EQ(x[2].i, x[4].i) << "device " << x[0].i;
    }
  }
}

// The API summary drops eventClass 67 backtrace duplicates and folds
// suffixes: pipit has 15 cudaMalloc_v3020 rows plus 15 duplicates.
TEST(RestOfTrace, CudaApiSummaryIgnoresBacktraceRows) {
  CONFORMANCE_REQUIRE_TRACE("pipit_saxpy_mpi");
  auto db = OpenTrace("pipit_saxpy_mpi", true);
  EXPECT_EQ(db->Int("SELECT calls FROM llm_cuda_api WHERE api_name = 'cudaMalloc'"),
            db->Int("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME AS r JOIN StringIds "
                    "AS s ON s.id = r.nameId WHERE s.value LIKE 'cudaMalloc%' AND "
                    "s.value NOT LIKE 'cudaMallocHost%' AND r.eventClass IN (0, 1)"));
  EXPECT_EQ(db->Int("SELECT calls FROM llm_cuda_api WHERE api_name = 'cudaMalloc'"), 15);
}

// The 2-GPU NCCL capture: 33 SendRecv kernels per rank; totals, hidden time
// and the n-th-instance start skew recomputed from the raw rows.
TEST(RestOfTrace, NcclPerRankAndSkew) {
  CONFORMANCE_REQUIRE_TRACE("nsysai_mfu_2gpu_before");
  auto db = OpenTrace("nsysai_mfu_2gpu_before", true);
  const std::string nccl =
      "SELECT k.start, k.\"end\", (k.globalPid >> 24) & 16777215, k.deviceId, s.value LIKE "
      "'%nccl%' FROM CUPTI_ACTIVITY_KIND_KERNEL AS k JOIN StringIds AS s ON s.id = "
      "k.demangledName";
  std::map<std::pair<int64_t, int64_t>, std::vector<Iv>> comm, compute;
  for (const Row& r : db->Query(nccl).rows)
    (r[4].i ? comm : compute)[{r[2].i, r[3].i}].push_back({r[0].i, r[1].i});
  ASSERT_EQ(comm.size(), 2u);
  Result v = db->Query("SELECT pid, device_id, collective, kernels, total_ns, busy_ns, hidden_ns "
                       "FROM _nsys_nccl ORDER BY pid");
  ASSERT_EQ(v.rows.size(), 2u);
  std::vector<std::vector<int64_t>> starts;
  for (const Row& r : v.rows) {
    const auto& c = comm.at({r[0].i, r[1].i});
    EXPECT_EQ(r[2].s, "SendRecv");
    EXPECT_EQ(r[3].i, 33);
    int64_t total = 0;
    for (const Iv& x : c) total += x.end - x.start;
    EXPECT_EQ(r[4].i, total);
    EXPECT_EQ(r[5].i, Union(c));
    // hidden = |comm| + |compute| - |comm ∪ compute|
    std::vector<Iv> both = c, cm = compute[{r[0].i, r[1].i}];
    both.insert(both.end(), cm.begin(), cm.end());
    EXPECT_EQ(r[6].i, Union(c) + Union(cm) - Union(both));
    std::vector<int64_t> st;
    for (const Iv& x : c) st.push_back(x.start);
    std::sort(st.begin(), st.end());
    starts.push_back(st);
  }
  int64_t total = 0, mx = 0;
  for (size_t n = 0; n < 33; ++n) {
    int64_t d = std::llabs(starts[0][n] - starts[1][n]);
    total += d;
    mx = std::max(mx, d);
  }
  Result s = db->Query("SELECT ranks, instances, total_ns, max_ns FROM _nsys_nccl_skew");
  ASSERT_EQ(s.rows.size(), 1u);
  EXPECT_EQ(s.rows[0][0].i, 2);
  EXPECT_EQ(s.rows[0][1].i, 33);
  EXPECT_EQ(s.rows[0][2].i, total);
  EXPECT_EQ(s.rows[0][3].i, mx);
}

// The same capture's NCCL NVTX ranges: NCCL's own (ncclSend/Recv/Group*/
// CommCount in undeclared domain 1) and PyTorch's "nccl:all_to_all, op_id =
// N" (default domain, one name per op_id, folded to one row per rank),
// recomputed from the raw NVTX_EVENTS rows.
TEST(RestOfTrace, NcclNvtxRanges) {
  CONFORMANCE_REQUIRE_TRACE("nsysai_mfu_2gpu_before");
  auto db = OpenTrace("nsysai_mfu_2gpu_before", true);
  const std::string raw =
      "SELECT (e.globalTid >> 24) & 16777215, coalesce(s.value, e.text), e.\"end\" - e.start, "
      "e.domainId FROM NVTX_EVENTS AS e LEFT JOIN StringIds AS s ON s.id = e.textId "
      "WHERE e.eventType = 59 AND e.\"end\" IS NOT NULL";
  std::map<std::tuple<int64_t, std::string, std::string>, std::pair<int64_t, int64_t>> want;
  for (const Row& r : db->Query(raw).rows) {
    std::string name = r[1].s;
    std::string source;
    if (name.rfind("nccl:", 0) == 0) {
      source = "framework";
      name = name.substr(0, name.find(", "));
    } else if (name.size() > 4 && name.rfind("nccl", 0) == 0 && std::isupper(name[4])) {
      source = "nccl_api";
      EXPECT_EQ(r[3].i, 1) << name;
    } else {
      continue;
    }
    auto& w = want[{r[0].i, source, name}];
    ++w.first;
    w.second += r[2].i;
  }
  ASSERT_EQ(want.size(), 12u);  // 2 ranks x (5 NCCL API names + nccl:all_to_all)
  Result v = db->Query("SELECT pid, source, range_name, count, total_ms, collective "
                       "FROM llm_nccl_nvtx");
  ASSERT_EQ(v.rows.size(), want.size());
  for (const Row& r : v.rows) {
    auto it = want.find({r[0].i, r[1].s, r[2].s});
    ASSERT_NE(it, want.end()) << r[2].s;
    EXPECT_EQ(r[3].i, it->second.first) << r[2].s;
    EXPECT_NEAR(r[4].num(), it->second.second / 1e6, 1e-6) << r[2].s;
  }
  EXPECT_EQ(db->Int("SELECT sum(count) FROM llm_nccl_nvtx WHERE pid = 144 AND "
                    "collective = 'AllToAll'"),
            32);
  Result c = db->Query("SELECT DISTINCT range_name, collective FROM llm_nccl_nvtx ORDER BY 1");
  std::string got;
  for (const Row& r : c.rows) got += r[0].s + "=" + r[1].s + " ";
  EXPECT_EQ(got, "nccl:all_to_all=AllToAll ncclCommCount=Other ncclGroupEnd=Other "
                 "ncclGroupStart=Other ncclRecv=Recv ncclSend=Send ");
}

}  // namespace
}  // namespace conformance
