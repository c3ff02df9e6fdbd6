#include "analyses/trace_info.h"

#include <string>
#include <utility>
#include <vector>

#include "analyses/analysis.h"

namespace nsysexplain {
namespace {

using KeyText = std::pair<std::string, std::string>;
using KeyInt = std::pair<std::string, int64_t>;

// Key/value facts about the trace that need no big-table scan.
std::vector<KeyText> ComputeTraceFacts(Session& s) {
  std::vector<KeyText> kv;
  const Schema& sc = s.schema();
  auto add = [&](const std::string& k, const std::string& v) { kv.push_back({k, v}); };
  add("kernel_table", sc.kernel_table);
  for (const Schema::Variant& v : sc.variants)
    add(v.usable ? "table_variant" : "table_variant_unusable", v.base + " -> " + v.variant);
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
    Stmt st(s.db(), "SELECT DISTINCT CAST(name AS TEXT) FROM " + sc.Qualified(t) +
                        " WHERE name IS NOT NULL LIMIT 64");
    while (st.Step()) add("gpu_name", st.Text(0));
    break;
  }
  if (sc.HasColumn("TARGET_INFO_SESSION_START_TIME", "utcTime")) {
    Stmt st(s.db(), "SELECT CAST(utcTime AS TEXT) FROM " +
                        sc.Qualified("TARGET_INFO_SESSION_START_TIME") + " LIMIT 1");
    if (st.Step()) add("session_start_utc", st.Text(0));
  }
  if (sc.HasColumn("TARGET_INFO_SYSTEM_ENV", "value") &&
      sc.HasColumn("TARGET_INFO_SYSTEM_ENV", "name")) {
    Stmt st(s.db(), "SELECT CAST(value AS TEXT) FROM " + sc.Qualified("TARGET_INFO_SYSTEM_ENV") +
                        " WHERE name = 'Hostname' AND value IS NOT NULL LIMIT 1");
    if (st.Step()) add("host_name", st.Text(0));
  }
  std::string cap = s.CaptureVersionHint(s.window());
  if (!cap.empty()) add("capture_version_hint", cap);
  return kv;
}

// Data-quality counters of the loaders (loads the big tables), whole trace
// whatever the window.
std::vector<KeyInt> ComputeDataQuality(Session& s) {
  const Scope whole = s.window().Whole();
  s.Load(whole, {Table::kKernels, Table::kRuntime, Table::kNvtx, Table::kMemory});  // together
  auto kp = s.kernels(whole);
  auto mp = s.memory(whole);
  auto rp = s.runtime(whole);
  auto np = s.nvtx(whole);
  const core::Kernels& k = *kp;
  const core::RuntimeCalls& r = rp->calls;
  const core::NvtxRanges& n = *np;
  int64_t no_launch = 0, graph_nodes = 0;
  for (size_t i = 0; i < k.size(); ++i) {
    if (rp->kernel_launch[i] < 0) ++no_launch;
    graph_nodes += k.graph_node[i];
  }
  return {
      {"kernel_rows", int64_t(k.size())},
      {"kernel_invalid_rows", k.invalid_rows},
      {"kernel_unresolved_names", k.unresolved_names},
      {"kernel_null_correlation", k.null_correlation},
      {"kernel_without_launch", no_launch},
      {"kernel_graph_nodes", graph_nodes},
      {"runtime_rows", r.total_rows},
      {"runtime_launch_rows", int64_t(r.size())},
      {"runtime_skipped_rows", r.skipped_backtrace_rows},
      {"runtime_invalid_rows", r.invalid_rows},
      {"runtime_unresolved_names", r.unresolved_names},
      {"memcpy_rows", int64_t(mp->copies.size())},
      {"memcpy_invalid_rows", mp->copies.invalid_rows},
      {"memset_rows", int64_t(mp->sets.size())},
      {"memset_invalid_rows", mp->sets.invalid_rows},
      {"nvtx_range_rows", int64_t(n.size())},
      {"nvtx_other_rows", n.non_range_rows},
      {"nvtx_invalid_rows", n.invalid_rows},
      {"nvtx_open_ranges", n.open_rows},
      {"nvtx_cross_thread_ranges", n.cross_thread_rows},
  };
}

struct SchemaRow {
  std::string table, role, columns;
  int present;
  int64_t ncols;
};

// Tables and columns the report reads, and whether each is present; then
// every other table of the trace.
std::vector<SchemaRow> ComputeSchemaRows(Session& s) {
  std::vector<SchemaRow> rows;
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
    for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
    return out;
  };
  auto variant_of = [&](const std::string& t) -> const Schema::Variant* {
    for (const Schema::Variant& v : sc.variants)
      if (v.base == t || v.variant == t) return &v;
    return nullptr;
  };
  for (const auto& [t, role] : kKnown) {
    auto it = sc.tables.find(t);
    bool present = it != sc.tables.end();
    std::string r = role;
    const Schema::Variant* v = present ? nullptr : variant_of(t);
    if (v && v->usable) {
      // Missing under this name, read from its variant: the data is there.
      it = sc.tables.find(v->variant);
      present = true;
      r += " (read from " + v->variant + ")";
    } else if (v) {
      r += " (" + v->variant + " exists but lacks the columns the report needs)";
    }
    rows.push_back({t, r, present ? join(it->second) : "", present,
                    present ? int64_t(it->second.size()) : 0});
  }
  for (const auto& [t, cols] : sc.tables) {
    bool known = false;
    for (const auto& kn : kKnown) known |= t == kn.first;
    if (known) continue;
    const Schema::Variant* v = variant_of(t);
    rows.push_back({t, v ? "variant of " + v->base : "", join(cols), 1, int64_t(cols.size())});
  }
  return rows;
}

// Cached once per connection like every other result: the views of the
// pack read these rows many times per report (_nsys_facts and the warnings
// refer to them), and the facts scan the string table, the counters every
// kernel.
struct TraceFacts {
  static constexpr const char* kName = "trace_facts";
  using Result = std::vector<KeyText>;
  static Result Compute(Session& s, const Scope&) { return ComputeTraceFacts(s); }
};
struct DataQuality {
  static constexpr const char* kName = "data_quality";
  using Result = std::vector<KeyInt>;
  static Result Compute(Session& s, const Scope&) { return ComputeDataQuality(s); }
};
struct SchemaRows {
  static constexpr const char* kName = "schema_rows";
  using Result = std::vector<SchemaRow>;
  static Result Compute(Session& s, const Scope&) { return ComputeSchemaRows(s); }
};

}  // namespace

NSYSEXPLAIN_ANALYSIS(trace_info) {
  return {
      "trace_info",
      {
          MakeDataset<KeyText>(
              "_nsys_trace_info", "Export metadata, name sources, GPUs, capture hints.",
              {
                  {"key", kText, [](const KeyText& x, Cell& c) { c.Text(x.first); }, "fact"},
                  {"value", kText, [](const KeyText& x, Cell& c) { c.Text(x.second); }, "value"},
              },
              [](Session& s) {
                return RowsOfResult(s, s.Get<TraceFacts>(s.window().Whole()));
              }),
          MakeDataset<KeyInt>(
              "_nsys_data_quality", "Loader counters: rows read, skipped, invalid, unresolved.",
              {
                  {"key", kText, [](const KeyInt& x, Cell& c) { c.Text(x.first); }, "counter"},
                  {"value", kInt, [](const KeyInt& x, Cell& c) { c.Int(x.second); }, "value"},
              },
              [](Session& s) {
                return RowsOfResult(s, s.Get<DataQuality>(s.window().Whole()));
              }),
          MakeDataset<SchemaRow>(
              "nsys_schema", "The tables the report reads (present or not) and every other table.",
              {
                  {"table_name", kText, [](const SchemaRow& x, Cell& c) { c.Text(x.table); },
                   "table"},
                  {"present", kInt, [](const SchemaRow& x, Cell& c) { c.Int(x.present); },
                   "1 if the trace has it"},
                  {"role", kText, [](const SchemaRow& x, Cell& c) { c.Text(x.role); },
                   "what the report reads it for ('' = not read)"},
                  {"column_count", kInt, [](const SchemaRow& x, Cell& c) { c.Int(x.ncols); },
                   "columns"},
                  {"columns", kText, [](const SchemaRow& x, Cell& c) { c.Text(x.columns); },
                   "column names, comma separated"},
              },
              [](Session& s) {
                return RowsOfResult(s, s.Get<SchemaRows>(s.window().Whole()));
              }),
      }};
}

}  // namespace nsysexplain
