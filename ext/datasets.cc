// Dataset modules. Each has a fixed schema and a row source built from the
// per-connection Session. Rows are produced on demand from the cached
// columns; nothing is copied into SQLite tables.
//
//   SELECT * FROM nsys_kernels LIMIT 5;
//   SELECT * FROM nsys_gpu_gaps WHERE device_id = 0 ORDER BY gap_ns DESC;
//   SELECT * FROM nsys_nvtx_kernel_ranges WHERE is_innermost;
#include "datasets.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>
#include <functional>
#include <string>
#include <vector>

#include "core/api_names.h"
#include "core/global_tid.h"
#include "core/saturating.h"

namespace nsysexplain {
namespace {

using Cell = std::function<void(int64_t row, int col, sqlite3_context* ctx)>;

struct RowSource {
  int64_t rows = 0;
  Cell cell;
  std::shared_ptr<void> keep;  // owns data the cell function points into
};

// A column of the order rows come in: ORDER BY terms matching a prefix of
// a dataset's order are consumed (no sorter).
struct OrderTerm {
  int column;
  bool desc;
};

struct DatasetDef {
  const char* name;
  const char* schema;
  RowSource (*make)(Session&);
  std::vector<OrderTerm> order = {};  // empty: no defined order
};

inline void Int(sqlite3_context* c, int64_t v) { sqlite3_result_int64(c, v); }
inline void Real(sqlite3_context* c, double v) { sqlite3_result_double(c, v); }
inline void Null(sqlite3_context* c) { sqlite3_result_null(c); }
inline void Text(sqlite3_context* c, const std::string& s) {
  sqlite3_result_text(c, s.data(), static_cast<int>(s.size()), kTransient);
}
inline void PidOrNull(sqlite3_context* c, int64_t pid) {
  if (pid < 0) Null(c); else Int(c, pid);
}
inline void Stats(sqlite3_context* c, const core::DurationStats& s, int which) {
  switch (which) {
    case 0: Int(c, s.count); break;
    case 1: Int(c, s.total); break;
    case 2: Int(c, s.min); break;
    case 3: Int(c, s.max); break;
    case 4: s.count ? Real(c, double(s.total) / double(s.count)) : Null(c); break;
    case 5: s.count ? Real(c, s.p50) : Null(c); break;
    case 6: s.count ? Real(c, s.p90) : Null(c); break;
    case 7: s.count ? Real(c, s.p99) : Null(c); break;
    case 8: s.count ? Real(c, s.stdev) : Null(c); break;
  }
}
#define STATS_COLS                                                         \
  "calls INTEGER, total_ns INTEGER, min_ns INTEGER, max_ns INTEGER, "      \
  "avg_ns REAL, p50_ns REAL, p90_ns REAL, p99_ns REAL, stdev_ns REAL"

// ---------------------------------------------------------------- kernels
RowSource KernelStats(Session& s) {
  auto rows = std::make_shared<std::vector<const KernelGroup*>>();
  for (const auto& g : s.kernel_groups()) rows->push_back(&g);
  for (const auto& g : s.kernel_groups_by_pid()) rows->push_back(&g);
  Session* sp = &s;
  return {int64_t(rows->size()),
          [rows, sp](int64_t r, int col, sqlite3_context* c) {
            const KernelGroup& g = *(*rows)[r];
            switch (col) {
              case 0: PidOrNull(c, g.pid); break;
              case 1: Text(c, sp->strings().Get(g.name)); break;
              case 2: Text(c, sp->strings().Get(g.short_name)); break;
              case 3: Int(c, g.device); break;
              default: Stats(c, g.stats, col - 4);
            }
          },
          rows};
}

RowSource Storm(Session& s) {
  const auto* v = &s.storm();
  return {int64_t(v->size()), [v](int64_t r, int col, sqlite3_context* c) {
            const StormRow& x = (*v)[r];
            switch (col) {
              case 0: PidOrNull(c, x.pid); break;
              case 1: Int(c, x.stats.count); break;
              case 2: Int(c, x.first_start); break;
              case 3: Int(c, x.last_end); break;
              case 4: Int(c, core::SatSub(x.last_end, x.first_start)); break;
              case 5: Int(c, x.stats.total); break;
              case 6: Stats(c, x.stats, 5); break;
              case 7: Stats(c, x.stats, 6); break;
              case 8: Stats(c, x.stats, 7); break;
              case 9: Int(c, x.stats.under_5us); break;
              case 10: Int(c, x.stats.under_10us); break;
              case 11: Int(c, x.stats.under_20us); break;
            }
          }};
}

RowSource Tiny(Session& s) {
  const auto* v = &s.tiny_kernels();
  Session* sp = &s;
  return {int64_t(v->size()), [v, sp](int64_t r, int col, sqlite3_context* c) {
            const TinyKernel& x = (*v)[r];
            switch (col) {
              case 0: PidOrNull(c, x.pid); break;
              case 1: Text(c, sp->strings().Get(x.name)); break;
              case 2: Int(c, x.count); break;
              case 3: Int(c, x.total); break;
            }
          }};
}

RowSource Gpu(Session& s) {
  const auto* v = &s.devices();
  return {int64_t(v->size()), [v](int64_t r, int col, sqlite3_context* c) {
            const DeviceBusy& d = (*v)[r];
            switch (col) {
              case 0: Int(c, d.device); break;
              case 1: Int(c, d.kernels); break;
              case 2: Int(c, d.window_start); break;
              case 3: Int(c, d.window_end); break;
              case 4: Int(c, d.busy); break;
              case 5: Int(c, int64_t(d.gaps.size())); break;
              case 6: d.gaps.empty() ? Null(c) : Int(c, d.largest_gap); break;
            }
          }};
}

// Longest first (then device, start): the order declared for the dataset,
// so ORDER BY gap_ns DESC [, device_id [, gap_start_ns]] needs no sort and
// LIMIT N stops after N rows.
RowSource Gaps(Session& s) {
  const auto* v = &s.devices();
  Session* sp = &s;
  return {int64_t(s.gap_count()),
          [v, sp](int64_t r, int col, sqlite3_context* c) {
            const GapRef& ref = sp->gap_by_length(size_t(r));
            const core::Interval& iv = (*v)[ref.device].gaps[ref.gap];
            switch (col) {
              case 0: Int(c, (*v)[ref.device].device); break;
              case 1: Int(c, iv.start); break;
              case 2: Int(c, iv.end); break;
              case 3: Int(c, ref.length); break;
            }
          }};
}

RowSource Api(Session& s) {
  const auto* v = &s.api_groups();
  Session* sp = &s;
  return {int64_t(v->size()), [v, sp](int64_t r, int col, sqlite3_context* c) {
            const ApiGroup& g = (*v)[r];
            switch (col) {
              case 0: Int(c, g.pid); break;
              case 1: Text(c, sp->strings().Get(g.name)); break;
              case 2: Text(c, sp->strings().Get(g.base_name)); break;
              case 3: Text(c, g.kind); break;
              default: Stats(c, g.stats, col - 4);
            }
          }};
}

RowSource NvtxRangesDs(Session& s) {
  const auto* v = &s.nvtx_groups();
  Session* sp = &s;
  return {int64_t(v->size()), [v, sp](int64_t r, int col, sqlite3_context* c) {
            const NvtxGroup& g = (*v)[r];
            switch (col) {
              case 0: Int(c, g.pid); break;
              case 1: Text(c, sp->strings().Get(g.domain)); break;
              case 2: Text(c, sp->strings().Get(g.name)); break;
              case 3: Text(c, g.style); break;
              case 4: Int(c, g.count); break;
              case 5: Int(c, g.open_count); break;
              case 6: Int(c, g.total); break;
              case 7: Int(c, g.min); break;
              case 8: Int(c, g.max); break;
            }
          }};
}

RowSource NvtxAttr(Session& s) {
  const auto* a = &s.attribution();
  Session* sp = &s;
  return {int64_t(a->rows.size()),
          [a, sp](int64_t r, int col, sqlite3_context* c) {
            const AttributionRow& x = a->rows[r];
            switch (col) {
              case 0: PidOrNull(c, x.pid); break;
              case 1: Text(c, sp->strings().Get(x.domain)); break;
              case 2: Text(c, sp->strings().Get(x.name)); break;
              case 3: Int(c, x.inclusive_count); break;
              case 4: Int(c, x.inclusive_ns); break;
              case 5: Int(c, x.innermost_count); break;
              case 6: Int(c, x.innermost_ns); break;
            }
          }};
}

RowSource NvtxCoverage(Session& s) {
  const auto* a = &s.attribution();
  return {int64_t(a->coverage.size()),
          [a](int64_t r, int col, sqlite3_context* c) {
            const CoverageRow& x = a->coverage[r];
            switch (col) {
              case 0: PidOrNull(c, x.pid); break;
              case 1: Int(c, x.kernels); break;
              case 2: Int(c, x.kernel_ns); break;
              case 3: Int(c, x.launched); break;
              case 4: Int(c, x.launched_ns); break;
              case 5: Int(c, x.attributed); break;
              case 6: Int(c, x.attributed_ns); break;
              case 7: x.pid < 0 ? Int(c, x.truncated_launches) : Null(c); break;
            }
          }};
}

RowSource Pids(Session& s) {
  const auto* v = &s.pids();
  return {int64_t(v->size()), [v](int64_t r, int col, sqlite3_context* c) {
            const PidRow& x = (*v)[r];
            switch (col) {
              case 0: Int(c, x.pid); break;
              case 1: Int(c, x.kernels); break;
              case 2: Int(c, x.kernel_ns); break;
              case 3: Int(c, x.first_start); break;
              case 4: Int(c, x.last_end); break;
            }
          }};
}

RowSource KernelsDs(Session& s) {
  const core::Kernels* k = &s.kernels();
  const auto* launch = &s.kernel_launch();
  const core::RuntimeCalls* r = &s.runtime();
  const auto* a = &s.attribution();
  const core::NvtxRanges* n = &s.nvtx();
  Session* sp = &s;
  return {int64_t(k->size()), [=](int64_t i, int col, sqlite3_context* c) {
            int32_t l = (*launch)[i];
            int32_t slot = l;  // enclosure slots are launch (runtime) rows
            switch (col) {
              case 0: k->rowid[i] < 0 ? Null(c) : Int(c, k->rowid[i]); break;
              case 1: Int(c, k->start[i]); break;
              case 2: Int(c, k->end[i]); break;
              case 3: Int(c, k->end[i] - k->start[i]); break;
              case 4: Int(c, k->device_id[i]); break;
              case 5: Int(c, k->stream_id[i]); break;
              case 6: Int(c, core::PidOf(k->global_pid[i])); break;
              case 7: k->correlation_id[i] < 0 ? Null(c) : Int(c, k->correlation_id[i]); break;
              case 8: Text(c, sp->strings().Get(k->name[i])); break;
              case 9: Text(c, sp->strings().Get(k->short_name[i])); break;
              case 10: Int(c, k->graph_node[i]); break;
              case 11: l < 0 || r->rowid[l] < 0 ? Null(c) : Int(c, r->rowid[l]); break;
              case 12: l < 0 ? Null(c) : Text(c, sp->strings().Get(r->name[l])); break;
              case 13: l < 0 ? Null(c) : Int(c, core::TidOf(r->global_tid[l])); break;
              case 14: l < 0 ? Null(c) : Int(c, r->start[l]); break;
              case 15: l < 0 ? Null(c) : Int(c, r->end[l]); break;
              case 16: l < 0 ? Null(c) : Int(c, core::SatSub(k->start[i], r->end[l])); break;
              case 17: slot < 0 ? Null(c) : Int(c, int64_t(a->enclosure.Count(slot))); break;
              case 18: {
                int64_t inner = slot < 0 ? -1 : a->enclosure.Innermost(slot);
                inner < 0 ? Null(c) : Text(c, sp->strings().Get(n->Name(inner)));
                break;
              }
            }
          }};
}

RowSource KernelRanges(Session& s) {
  const core::Kernels* k = &s.kernels();
  const auto* a = &s.attribution();
  const auto* launch = &s.kernel_launch();  // kernel -> enclosure slot
  const core::NvtxRanges* n = &s.nvtx();
  Session* sp = &s;
  // Row r -> (kernel, position in its enclosure list) through a prefix sum
  // over kernels (8 bytes a kernel, not 8 bytes a row) and a cursor that
  // follows SQLite's sequential scan.
  struct Index {
    std::vector<uint64_t> first;  // first row of kernel i; size kernels + 1
    uint32_t kernel = 0;          // cursor
  };
  auto index = std::make_shared<Index>();
  index->first.resize(k->size() + 1, 0);
  for (uint32_t i = 0; i < k->size(); ++i) {
    int32_t slot = (*launch)[i];
    index->first[i + 1] = index->first[i] +
                          (slot < 0 ? 0 : a->enclosure.Count(slot));
  }
  int64_t rows = int64_t(index->first.back());
  return {rows,
          [=](int64_t row, int col, sqlite3_context* c) {
            auto& f = index->first;
            uint64_t r = uint64_t(row);
            uint32_t& i = index->kernel;
            if (!(f[i] <= r && r < f[i + 1])) {
              if (i + 1 < k->size() && f[i + 1] <= r && r < f[i + 2]) {
                ++i;
              } else {
                i = uint32_t(std::upper_bound(f.begin(), f.end(), r) -
                             f.begin() - 1);
              }
            }
            while (f[i + 1] <= r) ++i;  // skip kernels with no ranges
            uint32_t j = uint32_t(r - f[i]);
            int32_t slot = (*launch)[i];
            uint32_t cnt = uint32_t(a->enclosure.Count(slot));
            uint32_t rg = a->enclosure.range_index[a->enclosure.offsets[slot] + j];
            switch (col) {
              case 0: k->rowid[i] < 0 ? Null(c) : Int(c, k->rowid[i]); break;
              case 1: Text(c, sp->strings().Get(k->name[i])); break;
              case 2: Int(c, core::PidOf(k->global_pid[i])); break;
              case 3: Int(c, k->device_id[i]); break;
              case 4: Int(c, k->end[i] - k->start[i]); break;
              case 5: n->rowid[rg] < 0 ? Null(c) : Int(c, n->rowid[rg]); break;
              case 6: Text(c, sp->strings().Get(n->Name(rg))); break;
              case 7: Text(c, sp->strings().Get(n->Domain(rg))); break;
              case 8: Int(c, n->Type(rg)); break;
              case 9: Int(c, n->start[rg]); break;
              case 10: n->Open(rg) ? Null(c) : Int(c, n->end[rg]); break;
              case 11: Int(c, j); break;
              case 12: Int(c, j + 1 == cnt); break;
            }
          },
          index};
}

// GPU time per phase of temp.llm_phase_map (read on every query: the user may
// change the map; the session reuses the result while the map is the same).
RowSource PhaseAttr(Session& s) {
  PhaseMap map;  // phase, lower(pattern)
  {
    Stmt st(s.db(), "SELECT CAST(phase AS TEXT), lower(CAST(pattern AS TEXT)) "
                    "FROM temp.llm_phase_map WHERE phase IS NOT NULL AND "
                    "pattern IS NOT NULL AND pattern <> '' ORDER BY rowid");
    while (st.Step()) map.emplace_back(st.Text(0), st.Text(1));
  }
  if (map.empty()) return {0, [](int64_t, int, sqlite3_context* c) { Null(c); }};
  auto rows = s.phase_attribution(map);
  const std::vector<PhaseRow>* v = rows.get();
  return {int64_t(v->size()), [v](int64_t r, int col, sqlite3_context* c) {
            const PhaseRow& x = (*v)[size_t(r)];
            switch (col) {
              case 0: PidOrNull(c, x.pid); break;
              case 1: Text(c, x.phase); break;
              case 2: Int(c, x.kernels); break;
              case 3: Int(c, x.ns); break;
            }
          },
          std::const_pointer_cast<void>(
              std::static_pointer_cast<const void>(rows))};
}

// Key/value facts about the trace that need no big-table scan.
RowSource TraceInfo(Session& s) {
  auto kv = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
  const Schema& sc = s.schema();
  auto add = [&](const std::string& k, const std::string& v) { kv->push_back({k, v}); };
  add("kernel_table", sc.kernel_table);
  add("string_table", sc.string_table);
  add("meta_table", sc.meta_table);
  for (const char* key : {"EXPORT_PRODUCT_VERSION", "EXPORT_SCHEMA_VERSION",
                          "EXPORT_TIME_UTC", "EXPORT_PARAM_TIME_NORMALIZE",
                          "EXPORT_PARAM_TIME_SHIFT"}) {
    std::string v = sc.Meta(key);
    if (!v.empty()) add(key, v);
  }
  for (const auto& [k, v] : sc.capture) {
    if (k.find("CUDA_GRAPH_TRACE_OPTIONS:MODE") != std::string::npos)
      add("cuda_graph_trace_mode", v);
  }
  // GPU names: TARGET_INFO_GPU (2021.3+) or TARGET_INFO_CUDA_GPU (2021.1).
  for (const char* t : {"TARGET_INFO_GPU", "TARGET_INFO_CUDA_GPU"}) {
    if (!sc.HasColumn(t, "name")) continue;
    Stmt st(s.db(), std::string("SELECT DISTINCT CAST(name AS TEXT) FROM main.") +
                        QuoteIdent(t) + " WHERE name IS NOT NULL LIMIT 64");
    while (st.Step()) add("gpu_name", st.Text(0));
    break;
  }
  if (sc.HasColumn("TARGET_INFO_SESSION_START_TIME", "utcTime")) {
    Stmt st(s.db(), "SELECT CAST(utcTime AS TEXT) FROM "
                    "main.TARGET_INFO_SESSION_START_TIME LIMIT 1");
    if (st.Step()) add("session_start_utc", st.Text(0));
  }
  std::string cap = s.CaptureVersionHint();
  if (!cap.empty()) add("capture_version_hint", cap);
  return {int64_t(kv->size()), [kv](int64_t r, int col, sqlite3_context* c) {
            Text(c, col == 0 ? (*kv)[r].first : (*kv)[r].second);
          },
          kv};
}

// Data-quality counters (loads the big tables).
RowSource DataQuality(Session& s) {
  auto kv = std::make_shared<std::vector<std::pair<std::string, int64_t>>>();
  s.EnsureLoaded(true, true, true);  // all three tables, in parallel
  const core::Kernels& k = s.kernels();
  const core::RuntimeCalls& r = s.runtime();
  const core::NvtxRanges& n = s.nvtx();
  const auto& launch = s.kernel_launch();
  int64_t no_launch = 0, graph_nodes = 0;
  for (size_t i = 0; i < k.size(); ++i) {
    if (launch[i] < 0) ++no_launch;
    graph_nodes += k.graph_node[i];
  }
  int64_t open = n.open_rows, cross = n.cross_thread_rows;
  auto add = [&](const char* key, int64_t v) { kv->push_back({key, v}); };
  add("kernel_rows", int64_t(k.size()));
  add("kernel_invalid_rows", k.invalid_rows);
  add("kernel_unresolved_names", k.unresolved_names);
  add("kernel_null_correlation", k.null_correlation);
  add("kernel_without_launch", no_launch);
  add("kernel_graph_nodes", graph_nodes);
  add("runtime_rows", r.total_rows);
  add("runtime_launch_rows", int64_t(r.size()));
  add("runtime_skipped_rows", r.skipped_backtrace_rows);
  add("runtime_invalid_rows", r.invalid_rows);
  add("runtime_unresolved_names", r.unresolved_names);
  add("nvtx_range_rows", int64_t(n.size()));
  add("nvtx_other_rows", n.non_range_rows);
  add("nvtx_invalid_rows", n.invalid_rows);
  add("nvtx_open_ranges", open);
  add("nvtx_cross_thread_ranges", cross);
  return {int64_t(kv->size()), [kv](int64_t r2, int col, sqlite3_context* c) {
            if (col == 0) Text(c, (*kv)[r2].first);
            else Int(c, (*kv)[r2].second);
          },
          kv};
}

// Tables and columns the report reads, and whether each is present.
RowSource SchemaDs(Session& s) {
  struct Row { std::string table, role, columns; int present; int64_t ncols; };
  auto rows = std::make_shared<std::vector<Row>>();
  const Schema& sc = s.schema();
  static const std::pair<const char*, const char*> kKnown[] = {
      {"CUPTI_ACTIVITY_KIND_KERNEL", "kernels"},
      {"CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL", "kernels (fallback)"},
      {"CUPTI_ACTIVITY_KIND_RUNTIME", "runtime/driver API calls"},
      {"NVTX_EVENTS", "NVTX ranges"},
      {"StringIds", "names"},
      {"CUPTI_ACTIVITY_KIND_MEMCPY", "memory copies"},
      {"CUPTI_ACTIVITY_KIND_MEMSET", "memory sets"},
      {"CUPTI_ACTIVITY_KIND_SYNCHRONIZATION", "sync records"},
      {"CUPTI_ACTIVITY_KIND_GRAPH_TRACE", "CUDA graph (graph mode)"},
      {"CUDA_GRAPH_NODE_EVENTS", "CUDA graph nodes"},
      {"TARGET_INFO_GPU", "GPU names"},
      {"META_DATA_EXPORT", "export metadata"},
      {"EXPORT_META_DATA", "export metadata (2022-2023)"},
      {"META_DATA_CAPTURE", "capture settings"},
      {"ThreadNames", "thread names"},
  };
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) { if (!out.empty()) out += ","; out += x; }
    return out;
  };
  for (const auto& [t, role] : kKnown) {
    auto it = sc.tables.find(t);
    rows->push_back({t, role, it == sc.tables.end() ? "" : join(it->second),
                     it != sc.tables.end(),
                     it == sc.tables.end() ? 0 : int64_t(it->second.size())});
  }
  for (const auto& [t, cols] : sc.tables) {
    bool known = false;
    for (const auto& kn : kKnown) known |= t == kn.first;
    if (!known) rows->push_back({t, "", join(cols), 1, int64_t(cols.size())});
  }
  return {int64_t(rows->size()), [rows](int64_t r, int col, sqlite3_context* c) {
            const Row& x = (*rows)[r];
            switch (col) {
              case 0: Text(c, x.table); break;
              case 1: Int(c, x.present); break;
              case 2: Text(c, x.role); break;
              case 3: Int(c, x.ncols); break;
              case 4: Text(c, x.columns); break;
            }
          },
          rows};
}

// clang-format off
const DatasetDef kDatasets[] = {
  {"_nsys_kernel_stats",
   "CREATE TABLE x(pid INTEGER, kernel_name TEXT, kernel_short_name TEXT, "
   "device_id INTEGER, " STATS_COLS ")", KernelStats},
  {"_nsys_launch_storm",
   "CREATE TABLE x(pid INTEGER, launches INTEGER, first_start_ns INTEGER, "
   "last_end_ns INTEGER, window_ns INTEGER, total_ns INTEGER, p50_ns REAL, "
   "p90_ns REAL, p99_ns REAL, under_5us INTEGER, under_10us INTEGER, "
   "under_20us INTEGER)", Storm},
  {"_nsys_tiny_kernels",
   "CREATE TABLE x(pid INTEGER, kernel_name TEXT, calls INTEGER, "
   "total_ns INTEGER)", Tiny},
  {"_nsys_gpu_idle",
   "CREATE TABLE x(device_id INTEGER, kernels INTEGER, window_start_ns "
   "INTEGER, window_end_ns INTEGER, busy_ns INTEGER, gaps INTEGER, "
   "largest_gap_ns INTEGER)", Gpu},
  {"nsys_gpu_gaps",
   "CREATE TABLE x(device_id INTEGER, gap_start_ns INTEGER, gap_end_ns "
   "INTEGER, gap_ns INTEGER)", Gaps, {{3, true}, {0, false}, {1, false}}},
  {"_nsys_api_calls",
   "CREATE TABLE x(pid INTEGER, api_name TEXT, base_name TEXT, kind TEXT, "
   STATS_COLS ")", Api},
  {"_nsys_nvtx_ranges",
   "CREATE TABLE x(pid INTEGER, domain TEXT, range_name TEXT, style TEXT, "
   "count INTEGER, open_count INTEGER, total_ns INTEGER, min_ns INTEGER, "
   "max_ns INTEGER)", NvtxRangesDs},
  {"_nsys_nvtx_attr",
   "CREATE TABLE x(pid INTEGER, domain TEXT, range_name TEXT, "
   "inclusive_kernels INTEGER, inclusive_ns INTEGER, innermost_kernels "
   "INTEGER, innermost_ns INTEGER)", NvtxAttr},
  {"_nsys_nvtx_coverage",
   "CREATE TABLE x(pid INTEGER, kernels INTEGER, kernel_ns INTEGER, "
   "launched_kernels INTEGER, launched_ns INTEGER, attributed_kernels "
   "INTEGER, attributed_ns INTEGER, truncated_launches INTEGER)",
   NvtxCoverage},
  {"_nsys_phase_attr",
   "CREATE TABLE x(pid INTEGER, phase TEXT, kernels INTEGER, "
   "kernel_ns INTEGER)", PhaseAttr},
  {"_nsys_pids",
   "CREATE TABLE x(pid INTEGER, kernels INTEGER, kernel_ns INTEGER, "
   "first_start_ns INTEGER, last_end_ns INTEGER)", Pids},
  {"nsys_kernels",
   "CREATE TABLE x(kernel_rowid INTEGER, start_ns INTEGER, end_ns INTEGER, "
   "dur_ns INTEGER, device_id INTEGER, stream_id INTEGER, pid INTEGER, "
   "correlation_id INTEGER, kernel_name TEXT, kernel_short_name TEXT, "
   "graph_node INTEGER, launch_rowid INTEGER, launch_api TEXT, launch_tid "
   "INTEGER, launch_start_ns INTEGER, launch_end_ns INTEGER, queue_ns "
   "INTEGER, nvtx_depth INTEGER, nvtx_innermost TEXT)", KernelsDs},
  {"nsys_nvtx_kernel_ranges",
   "CREATE TABLE x(kernel_rowid INTEGER, kernel_name TEXT, pid INTEGER, "
   "device_id INTEGER, dur_ns INTEGER, range_rowid INTEGER, range_name TEXT, "
   "domain TEXT, event_type INTEGER, range_start_ns INTEGER, range_end_ns "
   "INTEGER, depth INTEGER, is_innermost INTEGER)", KernelRanges},
  {"_nsys_trace_info", "CREATE TABLE x(key TEXT, value TEXT)", TraceInfo},
  {"_nsys_data_quality", "CREATE TABLE x(key TEXT, value INTEGER)", DataQuality},
  {"nsys_schema",
   "CREATE TABLE x(table_name TEXT, present INTEGER, role TEXT, "
   "column_count INTEGER, columns TEXT)", SchemaDs},
};
// clang-format on

// ------------------------------------------------------------ vtab glue
struct Aux {
  std::shared_ptr<Session> session;
  const DatasetDef* def;
};

struct Vtab : sqlite3_vtab {
  Aux* aux;
};

struct Cursor : sqlite3_vtab_cursor {
  RowSource src;
  int64_t row = 0;
  Session* reading = nullptr;  // set while src points into its cache
};

int Connect(sqlite3* db, void* paux, int, const char* const*,
            sqlite3_vtab** out, char** err) {
  Aux* aux = static_cast<Aux*>(paux);
  int rc = sqlite3_declare_vtab(db, aux->def->schema);
  if (rc != SQLITE_OK) {
    *err = sqlite3_mprintf("%s: bad schema", aux->def->name);
    return rc;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  auto* v = new (std::nothrow) Vtab();
  if (!v) return SQLITE_NOMEM;
  v->aux = aux;
  *out = v;
  return SQLITE_OK;
}

int Disconnect(sqlite3_vtab* v) {
  delete static_cast<Vtab*>(v);
  return SQLITE_OK;
}

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  info->estimatedCost = 1e6;
  info->estimatedRows = 100000;
  const auto& order = static_cast<Vtab*>(vtab)->aux->def->order;
  if (info->nOrderBy > 0 && size_t(info->nOrderBy) <= order.size()) {
    bool match = true;
    for (int i = 0; i < info->nOrderBy && match; ++i)
      match = info->aOrderBy[i].iColumn == order[size_t(i)].column &&
              bool(info->aOrderBy[i].desc) == order[size_t(i)].desc;
    info->orderByConsumed = match;
  }
  return SQLITE_OK;
}

int Open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* c = new (std::nothrow) Cursor();
  if (!c) return SQLITE_NOMEM;
  *out = c;
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* cur) {
  auto* c = static_cast<Cursor*>(cur);
  Session* s = c->reading;
  delete c;                        // drops src before the cache may go
  if (s) s->ReleaseReader();
  return SQLITE_OK;
}

int Filter(sqlite3_vtab_cursor* cur, int, const char*, int, sqlite3_value**) {
  auto* c = static_cast<Cursor*>(cur);
  auto* v = static_cast<Vtab*>(cur->pVtab);
  return GuardVtab(v, v->aux->def->name, [&] {
    Session& s = *v->aux->session;
    s.CheckFresh();
    c->src = RowSource();
    c->row = 0;
    if (!c->reading) {
      s.AcquireReader();
      c->reading = &s;
    }
    c->src = v->aux->def->make(s);
    return SQLITE_OK;
  });
}

int Next(sqlite3_vtab_cursor* cur) {
  ++static_cast<Cursor*>(cur)->row;
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* cur) {
  auto* c = static_cast<Cursor*>(cur);
  return c->row >= c->src.rows;
}

int Column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = static_cast<Cursor*>(cur);
  try {
    c->src.cell(c->row, col, ctx);
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(ctx);
  } catch (...) {
    sqlite3_result_error(ctx, "dataset cell error", -1);
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* cur, sqlite_int64* rowid) {
  *rowid = static_cast<Cursor*>(cur)->row;
  return SQLITE_OK;
}

sqlite3_module MakeModule() {
  sqlite3_module m{};
  m.iVersion = 0;
  m.xCreate = nullptr;  // eponymous-only
  m.xConnect = Connect;
  m.xBestIndex = BestIndex;
  m.xDisconnect = Disconnect;
  m.xDestroy = Disconnect;
  m.xOpen = Open;
  m.xClose = Close;
  m.xFilter = Filter;
  m.xNext = Next;
  m.xEof = Eof;
  m.xColumn = Column;
  m.xRowid = Rowid;
  return m;
}

const sqlite3_module kModule = MakeModule();

void DestroyAux(void* p) { delete static_cast<Aux*>(p); }

}  // namespace

int RegisterDatasets(sqlite3* db, const std::shared_ptr<Session>& session,
                     char** pzErrMsg) {
  for (const DatasetDef& def : kDatasets) {
    auto* aux = new (std::nothrow) Aux{session, &def};
    if (!aux) return SQLITE_NOMEM;
    int rc = sqlite3_create_module_v2(db, def.name, &kModule, aux, DestroyAux);
    if (rc != SQLITE_OK) {
      *pzErrMsg = sqlite3_mprintf("nsysexplain: cannot register %s: %s",
                                  def.name, sqlite3_errmsg(db));
      return rc;
    }
  }
  return SQLITE_OK;
}

void UnregisterDatasets(sqlite3* db) {
  for (const DatasetDef& def : kDatasets)
    sqlite3_create_module_v2(db, def.name, nullptr, nullptr, nullptr);
}

}  // namespace nsysexplain
