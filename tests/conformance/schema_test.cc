// One named test per schema variant of the corpus (MANIFEST.md), each
// asserting what the extension must do with that variant specifically.
#include <map>
#include <set>

#include "conformance.h"

namespace conformance {
namespace {

std::multimap<std::string, std::string> TraceInfo(const Db& db) {
  std::multimap<std::string, std::string> kv;
  for (const Row& r : db.Query("SELECT key, value FROM llm_trace_info").rows)
    kv.emplace(r[0].s, r[1].s);
  return kv;
}

std::string Info(const Db& db, const std::string& key) {
  auto kv = TraceInfo(db);
  auto it = kv.find(key);
  return it == kv.end() ? "<absent>" : it->second;
}

std::set<std::string> WarningCodes(const Db& db) {
  std::set<std::string> out;
  for (const Row& r : db.Query("SELECT code FROM llm_warnings").rows) out.insert(r[0].s);
  return out;
}

struct Section { int64_t available; std::string reason; };
std::map<std::string, Section> Sections(const Db& db) {
  std::map<std::string, Section> out;
  for (const Row& r :
       db.Query("SELECT section_id, available, reason FROM llm_report_sections").rows)
    out[r[0].s] = {r[1].i, r[2].null() ? "" : r[2].s};
  return out;
}

// Every view and dataset answers without error.
void ExpectEverythingQueries(const Db& db) {
  std::vector<std::string> errors;
  auto counts = QueryEverything(db, &errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_GE(counts.size(), 30u);
}

// ------------------------------------------------ 2020 schema, no metadata

TEST(SchemaVariant, Schema2020WithoutMetadata_nvtxex) {
  CONFORMANCE_REQUIRE_TRACE("nvtxex_cudf_2020");
  auto db = OpenTrace("nvtxex_cudf_2020", true);
  EXPECT_FALSE(db->HasTable("META_DATA_EXPORT"));
  EXPECT_FALSE(db->HasTable("EXPORT_META_DATA"));
  EXPECT_FALSE(db->HasColumn("CUPTI_ACTIVITY_KIND_KERNEL", "mangledName"));
  EXPECT_EQ(Info(*db, "meta_table"), "");
  EXPECT_EQ(Info(*db, "EXPORT_PRODUCT_VERSION"), "<absent>");
  // Version recovered from install paths in StringIds.
  EXPECT_EQ(Info(*db, "capture_version_hint"), "2020.3.2");
  EXPECT_EQ(Info(*db, "kernel_table"), "CUPTI_ACTIVITY_KIND_KERNEL");
  EXPECT_EQ(Info(*db, "gpu_name"), "Quadro RTX 8000");
  EXPECT_EQ(db->Int("SELECT sum(calls) FROM llm_top_kernels"), 268);
  // nsys's own stats tables written into the file are just extra tables.
  EXPECT_TRUE(db->HasTable("cudaKernelStats"));
  ExpectEverythingQueries(*db);
}

TEST(SchemaVariant, Schema2020WithoutMetadata_openacc) {
  CONFORMANCE_REQUIRE_TRACE("openacc_polpuig_2020");
  auto db = OpenTrace("openacc_polpuig_2020", true);
  EXPECT_FALSE(db->HasTable("META_DATA_EXPORT"));
  EXPECT_FALSE(db->HasTable("EXPORT_META_DATA"));
  EXPECT_FALSE(db->HasTable("TARGET_INFO_SYSTEM_ENV"));
  EXPECT_EQ(Info(*db, "meta_table"), "");
  EXPECT_EQ(Info(*db, "EXPORT_PRODUCT_VERSION"), "<absent>");
  // The version lives only in the sibling .qdrep: nothing to guess here.
  EXPECT_EQ(Info(*db, "capture_version_hint"), "<absent>");
  // GPU name from the short-form TARGET_INFO tables.
  EXPECT_EQ(Info(*db, "gpu_name"), "NVIDIA GeForce RTX 3080");
  EXPECT_EQ(db->Int("SELECT sum(calls) FROM llm_top_kernels"), 1935);
  ExpectEverythingQueries(*db);
}

// ------------------------------------------------ driver-API-only launches

TEST(SchemaVariant, DriverApiOnlyLaunches_openacc) {
  CONFORMANCE_REQUIRE_TRACE("openacc_polpuig_2020");
  auto db = OpenTrace("openacc_polpuig_2020", true);
  EXPECT_EQ(db->Int("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE "
                    "eventClass <> 1"),
            0)
      << "all driver API";
  // Every kernel's launch is found, through cuLaunchKernel.
  Result l = db->Query("SELECT launch_api, count(*) FROM nsys_kernels GROUP BY 1");
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l.rows[0][0].s, "cuLaunchKernel");
  EXPECT_EQ(l.rows[0][1].i, 1935);
  Result c = db->Query(
      "SELECT kernel_count, launched_kernel_count, unlaunched_kernel_time_ms "
      "FROM llm_nvtx_coverage WHERE pid IS NULL");
  EXPECT_EQ(c.rows[0][0].i, 1935);
  EXPECT_EQ(c.rows[0][1].i, 1935) << "launch coverage must be 100%";
  EXPECT_EQ(c.rows[0][2].num(), 0.0);
  EXPECT_EQ(WarningCodes(*db).count("kernels_without_launch"), 0u);
  // Driver calls are classified like their runtime counterparts.
  Result s = db->Query("SELECT api_name, kind, call_count FROM llm_sync_calls "
                       "ORDER BY api_name");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.rows[0][0].s, "cuEventSynchronize");
  EXPECT_EQ(s.rows[1][0].s, "cuStreamSynchronize");
  EXPECT_EQ(s.rows[1][1].s, "host_sync");
  EXPECT_EQ(s.rows[1][2].i, 1943);
  EXPECT_EQ(db->Query("SELECT kind FROM llm_api_calls WHERE api_name = "
                      "'cuLaunchKernel'").rows.at(0)[0].s,
            "launch");
  // Async copies are not sync_copy.
  EXPECT_EQ(db->Query("SELECT kind FROM llm_api_calls WHERE api_name = "
                      "'cuMemcpyHtoDAsync_v2'").rows.at(0)[0].s,
            "other");
}

// ------------------------------------------------ eventClass 67 duplicates

TEST(SchemaVariant, EventClass67Duplicates_pipit) {
  CONFORMANCE_REQUIRE_TRACE("pipit_saxpy_mpi");
  auto db = OpenTrace("pipit_saxpy_mpi", true);
  EXPECT_EQ(db->Int("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE "
                    "eventClass = 67"),
            38);
  EXPECT_EQ(db->Int("SELECT value FROM _nsys_data_quality WHERE key = "
                    "'runtime_skipped_rows'"),
            38);
  EXPECT_EQ(db->Int("SELECT value FROM _nsys_data_quality WHERE key = "
                    "'runtime_rows'"),
            57);
  EXPECT_EQ(WarningCodes(*db).count("runtime_rows_skipped"), 1u);
  // Sync totals are not doubled: 15 blocking cudaMemcpy calls, not 30, and no
  // row for the suffix-less twin name.
  Result s = db->Query("SELECT api_name, kind, call_count, total_time_ms FROM "
                       "llm_sync_calls");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.rows[0][0].s, "cudaMemcpy_v3020");
  EXPECT_EQ(s.rows[0][1].s, "sync_copy");
  EXPECT_EQ(s.rows[0][2].i, 15);
  EXPECT_EQ(MsToNs(s.rows[0][3].num()), 374336827);
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_api_calls WHERE api_name IN "
                    "('cudaMemcpy', 'cudaMalloc', 'cudaFree', "
                    "'cudaLaunchKernel')"),
            0);
  // Kernels launch from the eventClass-0 row, one launch each.
  Result l = db->Query("SELECT launch_api, count(*) FROM nsys_kernels GROUP BY 1");
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l.rows[0][0].s, "cudaLaunchKernel_v7000");
  EXPECT_EQ(l.rows[0][1].i, 5);
  EXPECT_EQ(db->Int("SELECT count(*) FROM nsys_kernels AS n JOIN "
                    "main.CUPTI_ACTIVITY_KIND_RUNTIME AS r ON r.rowid = "
                    "n.launch_rowid WHERE r.eventClass <> 0"),
            0);
}

// ------------------------------------------------ third-party added columns

TEST(SchemaVariant, ThirdPartyColumns_dlprof) {
  CONFORMANCE_REQUIRE_TRACE("dlprof_mlp_relu");
  auto db = OpenTrace("dlprof_mlp_relu", true);
  for (const char* c : {"kernel_name", "long_kernel_name"})
    EXPECT_TRUE(db->HasColumn("CUPTI_ACTIVITY_KIND_KERNEL", c)) << c;
  for (const char* c : {"cuda_name", "kernel_name"})
    EXPECT_TRUE(db->HasColumn("CUPTI_ACTIVITY_KIND_RUNTIME", c)) << c;
  EXPECT_EQ(db->Int("SELECT column_count FROM nsys_schema WHERE table_name = "
                    "'CUPTI_ACTIVITY_KIND_KERNEL'"),
            29);
  // Names still come from StringIds (demangledName/shortName ids), not from
  // DLProf's text columns: the view's names equal the StringIds values.
  EXPECT_EQ(db->Int("SELECT count(*) FROM nsys_kernels AS n JOIN "
                    "main.CUPTI_ACTIVITY_KIND_KERNEL AS k ON k.rowid = "
                    "n.kernel_rowid WHERE n.kernel_name <> (SELECT value FROM "
                    "StringIds WHERE id = k.demangledName) OR "
                    "n.kernel_short_name <> (SELECT value FROM StringIds WHERE "
                    "id = k.shortName)"),
            0);
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_top_kernels"), 34);
  EXPECT_EQ(db->Int("SELECT sum(calls) FROM llm_top_kernels"), 59);
  ExpectEverythingQueries(*db);
}

TEST(SchemaVariant, ThirdPartyColumns_pipit) {
  CONFORMANCE_REQUIRE_TRACE("pipit_saxpy_mpi");
  auto db = OpenTrace("pipit_saxpy_mpi", true);
  EXPECT_TRUE(db->HasColumn("CUPTI_ACTIVITY_KIND_RUNTIME", "name"));
  EXPECT_TRUE(db->HasColumn("CUPTI_ACTIVITY_KIND_MEMCPY", "name"));
  EXPECT_EQ(db->Int("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE "
                    "name IS NOT NULL"),
            0);
  // API names come from nameId -> StringIds, never from the NULL column.
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_api_calls WHERE api_name IS NULL "
                    "OR api_name = '' OR api_name LIKE '<%'"),
            0);
  EXPECT_EQ(db->Int("SELECT call_count FROM llm_api_calls WHERE api_name = "
                    "'cudaMalloc_v3020'"),
            15);
  ExpectEverythingQueries(*db);
}

// ------------------------------------------------ several streams

TEST(SchemaVariant, SeveralStreams_lian4) {
  CONFORMANCE_REQUIRE_TRACE("lian4_t4_4streams");
  auto db = OpenTrace("lian4_t4_4streams", true);
  EXPECT_EQ(db->Int("SELECT count(DISTINCT stream_id) FROM nsys_kernels"), 4);
  // The union, by brute force over all kernel pairs: how much do kernels of
  // different streams overlap? busy = sum of durations - overlap when no
  // three kernels overlap at once (checked), so assert exactly that.
  auto plain = OpenTrace("lian4_t4_4streams", false);
  Result k = plain->Query("SELECT start, \"end\" FROM CUPTI_ACTIVITY_KIND_KERNEL "
                          "ORDER BY start");
  int64_t sum = 0, overlap = 0, triple = 0;
  for (size_t i = 0; i < k.size(); ++i) {
    sum += k.rows[i][1].i - k.rows[i][0].i;
    for (size_t j = i + 1; j < k.size(); ++j) {
      int64_t a = std::max(k.rows[i][0].i, k.rows[j][0].i);
      int64_t z = std::min(k.rows[i][1].i, k.rows[j][1].i);
      if (z > a) {
        overlap += z - a;
        for (size_t m = j + 1; m < k.size(); ++m)
          triple += std::max(a, k.rows[m][0].i) < std::min(z, k.rows[m][1].i);
      }
    }
  }
  ASSERT_EQ(triple, 0);
  Result g = db->Query("SELECT busy_ms, kernel_count FROM llm_gpu_idle");
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g.rows[0][1].i, 200);
  EXPECT_EQ(MsToNs(g.rows[0][0].num()), sum - overlap);
  if (overlap > 0) {
    EXPECT_LT(MsToNs(g.rows[0][0].num()), sum);
  } else {
    // On this T4 the 4 streams overlap copies with kernels, never two
    // kernels: busy equals the sum of kernel durations (1.801798 ms).
    EXPECT_EQ(MsToNs(g.rows[0][0].num()), sum);
    EXPECT_EQ(sum, 1801798);
  }
  // Copies never count as busy (600 async memcpys overlap the kernels).
  EXPECT_EQ(db->Int("SELECT busy_ns FROM _nsys_gpu_idle"), sum - overlap);
}

TEST(SchemaVariant, OverlappingKernelsOnTwoStreams_dlprof) {
  // The overlapping counterpart: two streams whose kernels do overlap.
  CONFORMANCE_REQUIRE_TRACE("dlprof_mlp_relu");
  auto db = OpenTrace("dlprof_mlp_relu", true);
  EXPECT_EQ(db->Int("SELECT count(DISTINCT stream_id) FROM nsys_kernels"), 2);
  int64_t busy = db->Int("SELECT busy_ns FROM _nsys_gpu_idle");
  int64_t sum = db->Int("SELECT sum(dur_ns) FROM nsys_kernels");
  EXPECT_EQ(sum, 589147);
  EXPECT_EQ(busy, 578300);
  EXPECT_LT(busy, sum);
}

// ------------------------------------------------ NVTX only

TEST(SchemaVariant, NvtxOnly_centerformer) {
  CONFORMANCE_REQUIRE_TRACE("centerformer_poolformer_nvtx");
  auto db = OpenTrace("centerformer_poolformer_nvtx", true);
  EXPECT_FALSE(db->HasTable("CUPTI_ACTIVITY_KIND_KERNEL"));
  EXPECT_FALSE(db->HasTable("CUPTI_ACTIVITY_KIND_RUNTIME"));
  auto sec = Sections(*db);
  for (const char* id : {"top_kernels", "pids", "kernels_by_pid",
                         "launch_storm_by_pid", "launch_storm", "gpu_idle"}) {
    EXPECT_EQ(sec[id].available, 0) << id;
    EXPECT_EQ(sec[id].reason, "no CUPTI_ACTIVITY_KIND_KERNEL table in this export")
        << id;
  }
  for (const char* id : {"sync", "sync_by_pid"}) {
    EXPECT_EQ(sec[id].available, 0) << id;
    EXPECT_EQ(sec[id].reason, "no CUPTI_ACTIVITY_KIND_RUNTIME table in this export");
  }
  EXPECT_EQ(sec["nvtx_kernel_time"].available, 0);
  EXPECT_FALSE(sec["nvtx_kernel_time"].reason.empty());
  EXPECT_EQ(sec["nvtx_ranges"].available, 1);
  EXPECT_EQ(sec["nvtx_by_pid"].available, 1);
  auto w = WarningCodes(*db);
  EXPECT_EQ(w.count("no_kernel_table"), 1u);
  EXPECT_EQ(w.count("no_runtime"), 1u);
  EXPECT_EQ(w.count("no_nvtx"), 0u);
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_top_kernels"), 0);
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_gpu_idle"), 0);
  // NVTX views work: all 21,996 ranges, both styles; the 2,444 start/end
  // (eventType 60) ranges are counted, in 8 names of domain myelin-exec.
  EXPECT_EQ(db->Int("SELECT sum(count) + sum(open_count) FROM llm_nvtx_ranges"),
            21996);
  EXPECT_EQ(db->Int("SELECT sum(count) FROM _nsys_nvtx_ranges WHERE style = "
                    "'start_end'"),
            2444);
  EXPECT_EQ(db->Int("SELECT count(*) FROM _nsys_nvtx_ranges WHERE style = "
                    "'start_end'"),
            8);
  EXPECT_EQ(db->Int("SELECT count(*) FROM _nsys_nvtx_ranges WHERE style = "
                    "'start_end' AND domain <> 'myelin-exec'"),
            0);
  Result r = db->Query("SELECT count, styles FROM llm_nvtx_ranges WHERE "
                       "range_name = 'myelinGraphExecute ' AND domain = "
                       "'myelin-exec'");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.rows[0][0].i, 188);
  EXPECT_EQ(r.rows[0][1].s, "start_end");
  EXPECT_EQ(db->Int("SELECT sum(count) FROM llm_nvtx_ranges WHERE domain = "
                    "'TensorRT'"),
            db->Int("SELECT count(*) FROM NVTX_EVENTS WHERE eventType = 59 AND "
                    "domainId = 1"));
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_nvtx_kernel_time"), 0);
  ExpectEverythingQueries(*db);
}

// ------------------------------------------------ text vs textId

void ExpectTextAndTextIdResolved(const std::string& trace,
                                 const std::string& inline_name,
                                 const std::string& inline_domain,
                                 const std::string& id_name,
                                 const std::string& id_domain) {
  auto db = OpenTrace(trace, true);
  int64_t inline_rows = db->Int(
      "SELECT count(*) FROM NVTX_EVENTS WHERE eventType IN (59, 60, 70, 71) AND "
      "text IS NOT NULL");
  int64_t id_rows = db->Int(
      "SELECT count(*) FROM NVTX_EVENTS WHERE eventType IN (59, 60, 70, 71) AND "
      "textId IS NOT NULL");
  EXPECT_GT(inline_rows, 0);
  EXPECT_GT(id_rows, 0);
  // Every range is counted and none is left unnamed or unresolved.
  EXPECT_EQ(db->Int("SELECT sum(count) + sum(open_count) FROM llm_nvtx_ranges"),
            db->Int("SELECT count(*) FROM NVTX_EVENTS WHERE eventType IN (59, "
                    "60, 70, 71)"));
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_nvtx_ranges WHERE range_name = "
                    "'<unnamed>' OR range_name LIKE '<unresolved%'"),
            0);
  // One name of each source, with its exact count.
  auto count_of = [&](const std::string& name, const std::string& dom) {
    return db->Int("SELECT count FROM llm_nvtx_ranges WHERE range_name = '" +
                   name + "' AND domain = '" + dom + "'");
  };
  EXPECT_EQ(count_of(inline_name, inline_domain),
            db->Int("SELECT count(*) FROM NVTX_EVENTS WHERE eventType IN (59, "
                    "60, 70, 71) AND text = '" + inline_name + "'"));
  EXPECT_EQ(count_of(id_name, id_domain),
            db->Int("SELECT count(*) FROM NVTX_EVENTS AS n JOIN StringIds AS s "
                    "ON s.id = n.textId WHERE n.eventType IN (59, 60, 70, 71) "
                    "AND s.value = '" + id_name + "'"));
  EXPECT_GT(count_of(inline_name, inline_domain), 0);
  EXPECT_GT(count_of(id_name, id_domain), 0);
}

TEST(SchemaVariant, TextVsTextId_pipit) {
  CONFORMANCE_REQUIRE_TRACE("pipit_saxpy_mpi");
  // 5 inline "saxpy" ranges (default domain), MPI_* via textId in domain MPI.
  ExpectTextAndTextIdResolved("pipit_saxpy_mpi", "saxpy", "", "MPI_Send", "MPI");
  auto db = OpenTrace("pipit_saxpy_mpi", true);
  EXPECT_EQ(db->Int("SELECT count FROM llm_nvtx_ranges WHERE range_name = "
                    "'MPI_Send'"),
            10);
  EXPECT_EQ(db->Int("SELECT count FROM llm_nvtx_ranges WHERE range_name = "
                    "'saxpy'"),
            5);
}

TEST(SchemaVariant, TextVsTextId_centerformer) {
  CONFORMANCE_REQUIRE_TRACE("centerformer_poolformer_nvtx");
  ExpectTextAndTextIdResolved("centerformer_poolformer_nvtx",
                              "myelinTensorGetMemory", "myelin-exec",
                              "ExecutionContext::execute", "TensorRT");
}

TEST(SchemaVariant, TextVsTextId_nvtxex) {
  CONFORMANCE_REQUIRE_TRACE("nvtxex_cudf_2020");
  ExpectTextAndTextIdResolved("nvtxex_cudf_2020", "INSERT", "cudf_python",
                              "null_count", "libcudf");
}

// ------------------------------------------------ UVM memcpy

TEST(SchemaVariant, UnifiedMemoryCopies_clue) {
  CONFORMANCE_REQUIRE_TRACE("clue_t4_um");
  auto db = OpenTrace("clue_t4_um", true);
  EXPECT_EQ(db->Int("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE "
                    "copyKind IN (11, 12)"),
            735);
  ExpectEverythingQueries(*db);
  // What it can say: kernels, idle, sync; NVTX sections unavailable.
  auto sec = Sections(*db);
  for (const char* id : {"top_kernels", "pids", "launch_storm", "sync", "gpu_idle"})
    EXPECT_EQ(sec[id].available, 1) << id;
  for (const char* id : {"nvtx_ranges", "nvtx_kernel_time", "nvtx_by_pid"}) {
    EXPECT_EQ(sec[id].available, 0) << id;
    EXPECT_EQ(sec[id].reason, "no NVTX_EVENTS table in this export") << id;
  }
  EXPECT_EQ(db->Int("SELECT sum(calls) FROM llm_top_kernels"), 100);
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_top_kernels"), 7);
  // UVM migrations are not kernel time: busy is the kernel union only.
  EXPECT_EQ(db->Int("SELECT busy_ns FROM _nsys_gpu_idle"),
            db->Int("SELECT sum(dur_ns) FROM nsys_kernels"));  // no overlap
  // 180 cudaMemPrefetchAsync are neither launches nor sync calls.
  Result p = db->Query("SELECT kind, call_count FROM llm_api_calls WHERE "
                       "api_name = 'cudaMemPrefetchAsync_v8000'");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.rows[0][0].s, "other");
  EXPECT_EQ(p.rows[0][1].i, 180);
  EXPECT_EQ(WarningCodes(*db), std::set<std::string>{"no_nvtx"});
  EXPECT_GE(db->Int("SELECT count(*) FROM llm_findings"), 1);
}

// ------------------------------------------------ runtime only

TEST(SchemaVariant, RuntimeOnlyNoKernelTable_qcu) {
  CONFORMANCE_REQUIRE_TRACE("qcu_wsl2_runtime_only");
  auto db = OpenTrace("qcu_wsl2_runtime_only", true);
  EXPECT_FALSE(db->HasTable("CUPTI_ACTIVITY_KIND_KERNEL"));
  EXPECT_EQ(Info(*db, "kernel_table"), "");
  auto sec = Sections(*db);
  for (const char* id : {"top_kernels", "pids", "kernels_by_pid",
                         "launch_storm_by_pid", "launch_storm", "gpu_idle"}) {
    EXPECT_EQ(sec[id].available, 0) << id;
    EXPECT_EQ(sec[id].reason, "no CUPTI_ACTIVITY_KIND_KERNEL table in this export");
  }
  EXPECT_EQ(sec["sync"].available, 1);
  EXPECT_EQ(sec["sync_by_pid"].available, 1);
  EXPECT_EQ(WarningCodes(*db).count("no_kernel_table"), 1u);
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_top_kernels"), 0);
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_gpu_idle"), 0);
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_pids"), 0);
  // Sync views work.
  Result s = db->Query("SELECT api_name, kind, call_count FROM llm_sync_calls");
  std::map<std::string, std::pair<std::string, int64_t>> m;
  for (const Row& r : s.rows) m[r[0].s] = {r[1].s, r[2].i};
  EXPECT_EQ(m["cuCtxSynchronize"], std::make_pair(std::string("host_sync"), int64_t{6804}));
  EXPECT_EQ(m["cuEventSynchronize"], std::make_pair(std::string("host_sync"), int64_t{3354}));
  EXPECT_EQ(m["cudaDeviceSynchronize_v3020"],
            std::make_pair(std::string("host_sync"), int64_t{1293}));
  EXPECT_EQ(m["cudaMemset2D_v3020"].first, "sync_copy");
  EXPECT_EQ(db->Int("SELECT call_count FROM llm_api_calls WHERE api_name = "
                    "'cudaLaunchKernel_v7000'"),
            12870);
  // The host_sync finding is still produced.
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_findings WHERE rule = 'host_sync'"), 1);
  ExpectEverythingQueries(*db);
}

// ------------------------------------------------ newest kernel columns

TEST(SchemaVariant, NewestKernelColumns_p4arth_2025_5) {
  CONFORMANCE_REQUIRE_TRACE("p4arth_rtx3060_2025_5");
  auto db = OpenTrace("p4arth_rtx3060_2025_5", true);
  for (const char* c : {"greenContextId", "qmdBulkReleaseDone", "graphId",
                        "clusterX", "maxActiveClusters"})
    EXPECT_TRUE(db->HasColumn("CUPTI_ACTIVITY_KIND_KERNEL", c)) << c;
  EXPECT_EQ(db->Int("SELECT column_count FROM nsys_schema WHERE table_name = "
                    "'CUPTI_ACTIVITY_KIND_KERNEL'"),
            38);
  EXPECT_EQ(Info(*db, "EXPORT_SCHEMA_VERSION"), "3.24.0");
  EXPECT_EQ(Info(*db, "EXPORT_PRODUCT_VERSION"), "2025.5.2.266");
  Result k = db->Query("SELECT kernel_short_name, calls, total_ms FROM llm_top_kernels");
  ASSERT_EQ(k.size(), 1u);
  EXPECT_EQ(k.rows[0][0].s, "kernVectorAdd");
  EXPECT_EQ(k.rows[0][1].i, 1);
  EXPECT_EQ(MsToNs(k.rows[0][2].num()), 38912);
  // A 39 us kernel window is too short to confirm the unit: it says so.
  EXPECT_EQ(WarningCodes(*db).count("timestamp_unit_unknown"), 1u);
  EXPECT_EQ(Info(*db, "timestamp_unit_guess"), "unknown");
  ExpectEverythingQueries(*db);
}

TEST(SchemaVariant, NewestKernelColumns_nsysai_2026_2) {
  CONFORMANCE_REQUIRE_TRACE("nsysai_mfu_2gpu_before");
  auto db = OpenTrace("nsysai_mfu_2gpu_before", true);
  for (const char* c : {"sharedMemoryRequestedPercentage",
                        "tensorSizeMinusOneElements", "greenContextId"})
    EXPECT_TRUE(db->HasColumn("CUPTI_ACTIVITY_KIND_KERNEL", c)) << c;
  EXPECT_EQ(db->Int("SELECT column_count FROM nsys_schema WHERE table_name = "
                    "'CUPTI_ACTIVITY_KIND_KERNEL'"),
            40);
  EXPECT_EQ(Info(*db, "EXPORT_SCHEMA_VERSION"), "3.25.0");
  EXPECT_EQ(db->Int("SELECT sum(calls) FROM llm_top_kernels"), 4010);
  Result top = db->Query("SELECT kernel_short_name FROM llm_top_kernels LIMIT 1");
  EXPECT_EQ(top.rows.at(0)[0].s, "flash_fwd_kernel");
  EXPECT_EQ(WarningCodes(*db).count("kernels_without_launch"), 1u);
  EXPECT_EQ(db->Int("SELECT value FROM _nsys_data_quality WHERE key = "
                    "'kernel_without_launch'"),
            24);
}

// ------------------------------------------------ NCCL

TEST(SchemaVariant, NcclKernelsAndNcclNvtxDomain_nsysai) {
  CONFORMANCE_REQUIRE_TRACE("nsysai_mfu_2gpu_before");
  auto db = OpenTrace("nsysai_mfu_2gpu_before", true);
  // ncclDevKernel_SendRecv on both devices, 33 launches each.
  Result k = db->Query("SELECT device_id, calls FROM llm_top_kernels WHERE "
                       "kernel_short_name LIKE 'ncclDevKernel%' ORDER BY device_id");
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k.rows[0][0].i, 0);
  EXPECT_EQ(k.rows[1][0].i, 1);
  EXPECT_EQ(k.rows[0][1].i + k.rows[1][1].i, 66);
  // The NCCL NVTX ranges (domainId 1: ncclSend/Recv/GroupStart/GroupEnd/
  // CommCount, 462 rows) are all counted.
  int64_t nccl_rows = db->Int("SELECT count(*) FROM NVTX_EVENTS WHERE domainId = 1");
  EXPECT_EQ(nccl_rows, 462);
  EXPECT_EQ(db->Int("SELECT sum(count) FROM llm_nvtx_ranges WHERE range_name IN "
                    "('ncclSend', 'ncclRecv', 'ncclGroupStart', 'ncclGroupEnd', "
                    "'ncclCommCount')"),
            nccl_rows);
  // Domain name: this file is a 0.3 s window cut out of a longer capture and
  // kept no eventType-75 (domain create) row, and "NCCL" is not in StringIds,
  // so the name is not in the trace. SEMANTICS: the domain is the name of the
  // eventType-75 row of the same process, '' for the default domain and
  // '<domain N>' for an undeclared one: the NCCL ranges stay apart from the
  // default-domain ranges without inventing a name.
  EXPECT_EQ(db->Int("SELECT count(*) FROM NVTX_EVENTS WHERE eventType = 75"), 0);
  EXPECT_EQ(db->Int("SELECT count(*) FROM StringIds WHERE value = 'NCCL'"), 0);
  Result d = db->Query("SELECT DISTINCT domain FROM llm_nvtx_ranges WHERE "
                       "range_name = 'ncclSend'");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.rows[0][0].s, "<domain 1>");
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_nvtx_ranges WHERE domain = '' "
                    "AND range_name = 'ncclSend'"),
            0);
  // The communication finding fires only at >= 10% of kernel time; here NCCL
  // kernels are ~4.8%.
  double pct = db->Query("SELECT sum(pct_kernel_time) FROM llm_top_kernels WHERE "
                         "kernel_short_name LIKE 'nccl%'").rows[0][0].num();
  EXPECT_NEAR(pct, 100.0 * (17.172652 + 8.2291) / 535.20065, 0.01);
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_findings WHERE rule = "
                    "'communication'"),
            pct >= 10 ? 1 : 0);
}

// Same NCCL domain logic on a trace where the domain IS declared: the
// declared names resolve (MPI domain of the 2022 MPI trace, per process).
TEST(SchemaVariant, DeclaredNvtxDomainResolves_pipit) {
  CONFORMANCE_REQUIRE_TRACE("pipit_saxpy_mpi");
  auto db = OpenTrace("pipit_saxpy_mpi", true);
  Result d = db->Query("SELECT DISTINCT domain FROM llm_nvtx_ranges WHERE "
                       "range_name LIKE 'MPI\\_%' ESCAPE '\\'");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.rows[0][0].s, "MPI");
}

// ------------------------------------------------ two runtime PIDs, one GPU PID

TEST(SchemaVariant, RuntimeRowsFromTwoPids_fuser) {
  CONFORMANCE_REQUIRE_TRACE("fuser_report1");
  auto db = OpenTrace("fuser_report1", true);
  EXPECT_EQ(db->Int("SELECT count(DISTINCT pid) FROM llm_api_calls"), 2);
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_pids"), 1);
  // Per-PID coverage rows exist only for the kernels' PID.
  EXPECT_EQ(db->Int("SELECT count(*) FROM llm_nvtx_coverage WHERE pid IS NOT NULL"), 1);
  EXPECT_EQ(db->Int("SELECT sum(count) FROM llm_nvtx_ranges"), 13513);
  EXPECT_EQ(db->Int("SELECT attributed_kernel_count FROM llm_nvtx_coverage WHERE "
                    "pid IS NULL"),
            8);
}

}  // namespace
}  // namespace conformance
