#include "diff.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "md_writer.h"
#include "render.h"
#include "text.h"

namespace nsysexplain::render {

std::optional<double> DiffMetric::Change() const {
  if (!before || !after) return std::nullopt;
  if (gate == "pp") return *after - *before;
  if (*before == 0) return *after == 0 ? std::optional<double>(0) : std::nullopt;
  return 100.0 * (*after - *before) / *before;
}

namespace {

std::optional<double> One(Db& db, const std::string& sql) {
  Table t = db.Query(sql);
  if (t.rows.empty() || t.rows[0].empty() || t.rows[0][0].is_null()) return std::nullopt;
  return t.rows[0][0].AsDouble();
}

std::string Info(Db& db, const std::string& key) {
  Table t = db.Query("SELECT value FROM llm_trace_info WHERE key = ?", {key});
  return t.rows.empty() ? "" : t.rows[0][0].AsText();
}

std::string Num(double v, int decimals) { return Fixed(v, decimals); }

std::string Signed(double v, int decimals) {
  return (v >= 0 ? "+" : "") + Fixed(v, decimals);
}

// Both traces' rows of `sql` (`keys` key columns, then numeric value
// columns), joined on the keys: per value column v, before_v and after_v;
// then delta and delta_pct of value column `impact`, and status (new,
// vanished, changed, same). Sorted by |delta| (largest first), then key.
Table Compare(Db& b, Db& a, const std::string& sql, size_t keys, const std::string& impact) {
  Table tb = b.Query(sql), ta = a.Query(sql);
  const std::vector<std::string>& cols = tb.columns;
  using Key = std::vector<std::string>;
  struct Both {
    Row key;
    std::optional<Row> before, after;
  };
  std::map<Key, Both> rows;
  auto add = [&](const Table& t, bool is_after) {
    for (const Row& r : t.rows) {
      Key k;
      for (size_t i = 0; i < keys; ++i) k.push_back(r[i].AsText());
      Both& x = rows[k];
      x.key.assign(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(keys));
      (is_after ? x.after : x.before) = Row(r.begin() + static_cast<std::ptrdiff_t>(keys), r.end());
    }
  };
  add(tb, false);
  add(ta, true);
  const int impact_col = tb.Col(impact) - static_cast<int>(keys);
  Table out;
  for (size_t i = 0; i < keys; ++i) out.columns.push_back(cols[i]);
  for (size_t i = keys; i < cols.size(); ++i) {
    out.columns.push_back("before_" + cols[i]);
    out.columns.push_back("after_" + cols[i]);
  }
  out.columns.insert(out.columns.end(), {"delta_" + impact, "delta_pct", "status"});
  std::vector<std::pair<double, Row>> sorted;
  for (auto& [k, x] : rows) {
    Row r = x.key;
    for (size_t i = 0; i + keys < cols.size(); ++i) {
      r.push_back(x.before ? (*x.before)[i] : Cell::Null());
      r.push_back(x.after ? (*x.after)[i] : Cell::Null());
    }
    const double vb = x.before ? (*x.before)[size_t(impact_col)].AsDouble() : 0;
    const double va = x.after ? (*x.after)[size_t(impact_col)].AsDouble() : 0;
    const double delta = va - vb;
    r.push_back(Cell::Real(std::round(delta * 1e6) / 1e6));
    r.push_back(x.before && x.after && vb != 0
                    ? Cell::Real(std::round(1000.0 * delta / vb) / 10.0)
                    : Cell::Null());
    r.push_back(Cell::Text(!x.before ? "new" : !x.after ? "vanished"
                                               : delta == 0 ? "same" : "changed"));
    sorted.emplace_back(std::fabs(delta), std::move(r));
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& p, const auto& q) { return p.first > q.first; });
  for (auto& [d, r] : sorted) out.rows.push_back(std::move(r));
  return out;
}

size_t Count(const Table& t, const std::string& status) {
  size_t n = 0;
  const int c = t.Col("status");
  for (const Row& r : t.rows) n += r[size_t(c)].AsText() == status;
  return n;
}

}  // namespace

Diff BuildDiff(Db& before, Db& after, const std::string& before_path,
               const std::string& after_path) {
  Diff d;
  d.before_path = before_path;
  d.after_path = after_path;
  auto metric = [&](const std::string& id, const std::string& label, const std::string& unit,
                    const std::string& sql, const std::string& gate) {
    d.metrics.push_back({id, label, unit, One(before, sql), One(after, sql), gate});
  };
  metric("total_kernel_time_ms", "total GPU kernel time", "ms",
         "SELECT total(total_ms) FROM llm_kernel_categories", "pct");
  metric("kernels", "kernels", "", "SELECT total(calls) FROM llm_kernel_categories", "");
  metric("gpus", "GPUs with kernels", "", "SELECT count(*) FROM llm_gpu_idle", "");
  metric("gpu_idle_pct", "GPU idle (share of the kernel windows)", "%",
         "SELECT round(100.0 * total(idle_ms) / nullif(total(window_ms), 0), 3) FROM llm_gpu_idle",
         "pp");
  for (const char* ph : {"decode", "prefill"}) {
    const std::string p = ph;
    const std::string from = " FROM llm_step_summary WHERE phase = '" + p + "'";
    metric(p + "_step_p50_us", p + " step p50", "us", "SELECT step_p50_us" + from,
           p == "decode" ? "pct" : "");
    metric(p + "_step_p99_us", p + " step p99", "us", "SELECT step_p99_us" + from,
           p == "decode" ? "pct" : "");
    metric(p + "_steps", p + " steps", "", "SELECT steps" + from, "");
  }
  metric("sync_time_ms", "host-blocking sync time", "ms",
         "SELECT total(total_time_ms) FROM llm_sync_calls WHERE blocks_host", "");
  metric("api_time_ms", "CUDA API time", "ms", "SELECT total(total_time_ms) FROM llm_api_calls",
         "");
  metric("window_s", "kernel window", "s",
         "SELECT CAST(value AS REAL) FROM llm_trace_info WHERE key = 'kernel_window_s'", "");

  // Per decode step where the trace has decode steps (else NULL).
  const std::string per_step =
      "(SELECT nullif(steps, 0) FROM llm_step_summary WHERE phase = 'decode')";
  d.tables.push_back(
      {"kernels", "Kernels (by impact)",
       "llm_top_kernels summed over devices; avg_us = per call, so traces with different "
       "call counts compare per call.",
       Compare(before, after,
               "SELECT kernel_name, min(kernel) AS kernel, min(category) AS category, "
               "sum(calls) AS calls, round(total(total_ms), 6) AS total_ms, "
               "round(1000.0 * total(total_ms) / sum(calls), 3) AS avg_us "
               "FROM llm_top_kernels GROUP BY kernel_name",
               3, "total_ms"),
       {"kernel|kernel_name", "category", "before_total_ms", "after_total_ms", "delta_total_ms",
        "delta_pct", "before_avg_us", "after_avg_us", "status"}});
  d.tables.push_back(
      {"categories", "Kernel categories",
       "llm_kernel_categories summed over devices; per_decode_step_us = total / decode steps.",
       Compare(before, after,
               "SELECT category, sum(calls) AS calls, round(total(total_ms), 6) AS total_ms, "
               "round(1000.0 * total(total_ms) / " + per_step + ", 3) AS per_decode_step_us "
               "FROM llm_kernel_categories GROUP BY category",
               1, "total_ms"),
       {"category", "before_total_ms", "after_total_ms", "delta_total_ms", "delta_pct",
        "before_per_decode_step_us", "after_per_decode_step_us", "status"}});
  d.tables.push_back(
      {"steps", "Steps per phase", "llm_step_summary (warm-up steps in their own row).",
       Compare(before, after,
               "SELECT phase, steps, step_p50_us, step_p99_us, kernels_per_step, idle_pct "
               "FROM llm_step_summary",
               1, "step_p50_us"),
       {"phase", "before_steps", "after_steps", "before_step_p50_us", "after_step_p50_us",
        "delta_step_p50_us", "delta_pct", "before_step_p99_us", "after_step_p99_us",
        "before_idle_pct", "after_idle_pct"}});
  d.tables.push_back(
      {"gpu_idle", "GPU idle per device", "llm_gpu_idle.",
       Compare(before, after,
               "SELECT device_id, busy_ms, idle_ms, idle_pct_of_window FROM llm_gpu_idle", 1,
               "idle_ms"),
       {"device_id", "before_busy_ms", "after_busy_ms", "before_idle_ms", "after_idle_ms",
        "delta_idle_ms", "before_idle_pct_of_window", "after_idle_pct_of_window"}});
  d.tables.push_back(
      {"sync", "Synchronization calls",
       "llm_sync_calls by API name (host-blocking or not), summed over processes.",
       Compare(before, after,
               "SELECT api_name, min(kind) AS kind, sum(call_count) AS calls, "
               "round(total(total_time_ms), 6) AS total_ms FROM llm_sync_calls GROUP BY api_name",
               2, "total_ms"),
       {"api_name", "kind", "before_calls", "after_calls", "before_total_ms", "after_total_ms",
        "delta_total_ms", "delta_pct", "status"}});
  d.tables.push_back(
      {"memcpy", "Memory copies by direction",
       "llm_memcpy by direction, summed over processes and devices (GPU time of the copies).",
       Compare(before, after,
               "SELECT direction, sum(copies) AS copies, round(total(total_mb), 6) AS total_mb, "
               "round(total(total_time_ms), 6) AS total_ms FROM llm_memcpy GROUP BY direction",
               1, "total_ms"),
       {"direction", "before_copies", "after_copies", "before_total_mb", "after_total_mb",
        "before_total_ms", "after_total_ms", "delta_total_ms", "delta_pct", "status"}});
  d.tables.push_back(
      {"api", "CUDA API calls", "llm_api_calls by base name, summed over processes.",
       Compare(before, after,
               "SELECT base_name, min(kind) AS kind, sum(call_count) AS calls, "
               "round(total(total_time_ms), 6) AS total_ms FROM llm_api_calls GROUP BY base_name",
               2, "total_ms"),
       {"base_name", "kind", "before_calls", "after_calls", "before_total_ms", "after_total_ms",
        "delta_total_ms", "delta_pct", "status"}});
  d.tables.push_back(
      {"nvtx", "NVTX ranges", "llm_nvtx_ranges by (name, domain), summed over processes.",
       Compare(before, after,
               "SELECT range_name, domain, sum(count) AS count, "
               "round(total(total_time_ms), 6) AS total_ms FROM llm_nvtx_ranges "
               "GROUP BY range_name, domain",
               2, "total_ms"),
       {"range_name", "domain", "before_count", "after_count", "before_total_ms",
        "after_total_ms", "delta_total_ms", "delta_pct", "status"}});

  // Comparability.
  const Table& k = d.tables[0].table;
  const DiffMetric& total = d.metrics[0];
  if (!total.before || *total.before <= 0) d.blockers.push_back(before_path + " has no kernels");
  if (!total.after || *total.after <= 0) d.blockers.push_back(after_path + " has no kernels");
  if (d.blockers.empty() && Count(k, "new") + Count(k, "vanished") == k.rows.size())
    d.blockers.push_back("no kernel name is in both traces");
  const std::string gb = Info(before, "gpu_name"), ga = Info(after, "gpu_name");
  if (!gb.empty() && !ga.empty() && gb != ga)
    d.blockers.push_back("different GPU models (" + gb + " vs " + ga + ")");
  const DiffMetric& gpus = d.metrics[2];
  if (gpus.before && gpus.after && *gpus.before != *gpus.after)
    d.blockers.push_back("different GPU counts (" + Num(*gpus.before, 0) + " vs " +
                         Num(*gpus.after, 0) + ")");
  char* rb = realpath(before_path.c_str(), nullptr);
  char* ra = realpath(after_path.c_str(), nullptr);
  const bool same_file = rb && ra && std::string(rb) == ra;
  std::free(rb);
  std::free(ra);
  bool identical = !k.rows.empty();
  for (const DiffMetric& m : d.metrics) identical &= m.before == m.after;
  identical &= Count(k, "same") == k.rows.size();
  if (same_file || identical)
    d.blockers.push_back(same_file ? "the same file twice"
                                   : "the traces are identical in every compared number "
                                     "(the same trace twice?)");
  const std::string mb = Info(before, "cuda_graph_mode_detected"),
                    ma = Info(after, "cuda_graph_mode_detected");
  if (mb != ma)
    d.caveats.push_back("different CUDA-graph trace modes (" + mb + " vs " + ma +
                        "): in graph mode the graphs' kernels are not in the kernel table");
  const bool graphs_b = std::atof(Info(before, "cuda_graph_launch_calls").c_str()) > 0,
             graphs_a = std::atof(Info(after, "cuda_graph_launch_calls").c_str()) > 0;
  if (graphs_b != graphs_a)
    d.caveats.push_back(std::string("CUDA graphs in ") + (graphs_b ? "before" : "after") +
                        " only: launch overhead and step times change with them");
  const DiffMetric& w = d.metrics.back();
  if (w.before && w.after && *w.before > 0 && *w.after > 0 &&
      std::max(*w.before / *w.after, *w.after / *w.before) > 2)
    d.caveats.push_back("kernel windows of very different length (" + Num(*w.before, 3) +
                        " s vs " + Num(*w.after, 3) +
                        " s): compare per call (avg_us) and per step, not totals");
  d.verdict = !d.blockers.empty()   ? "not comparable"
              : !d.caveats.empty() ? "comparable with caveats"
                                   : "comparable";

  // Findings: the headline changes, then the largest kernel and category
  // moves, new and vanished kernels.
  for (const DiffMetric& m : d.metrics) {
    std::optional<double> c = m.Change();
    if (m.gate.empty() || !c || *c == 0) continue;
    d.findings.push_back(m.label + " " + Signed(*c, 1) + (m.gate == "pp" ? " points" : "%") +
                         " (" + Num(*m.before, 3) + " -> " + Num(*m.after, 3) +
                         (m.unit.empty() ? "" : " " + m.unit) + ")");
  }
  const Table& cats = d.tables[1].table;
  for (size_t r = 0; r < cats.rows.size() && r < 3; ++r) {
    const double dm = cats.At(r, "delta_total_ms").AsDouble();
    if (dm == 0) break;
    std::string s = cats.At(r, "category").AsText() + " " + Signed(dm, 3) + " ms";
    const Cell& pb = cats.At(r, "before_per_decode_step_us");
    const Cell& pa = cats.At(r, "after_per_decode_step_us");
    if (!pb.is_null() && !pa.is_null())
      s += " (" + Signed(pa.AsDouble() - pb.AsDouble(), 1) + " us per decode step)";
    d.findings.push_back(s);
  }
  for (size_t r = 0; r < k.rows.size() && r < 3; ++r) {
    const double dm = k.At(r, "delta_total_ms").AsDouble();
    if (dm == 0) break;
    std::string s = "kernel " + k.At(r, "kernel").AsText() + " " + Signed(dm, 3) + " ms (" +
                    k.At(r, "status").AsText();
    const Cell& ab = k.At(r, "before_avg_us");
    const Cell& aa = k.At(r, "after_avg_us");
    if (!ab.is_null() && !aa.is_null())
      s += ", per call " + Num(ab.AsDouble(), 3) + " -> " + Num(aa.AsDouble(), 3) + " us";
    d.findings.push_back(s + ")");
  }
  const size_t added = Count(k, "new"), gone = Count(k, "vanished");
  if (added + gone > 0)
    d.findings.push_back(std::to_string(added) + " kernels new, " + std::to_string(gone) +
                         " vanished (see the kernels table, status)");
  return d;
}

std::vector<std::string> GateFailures(const Diff& d, double pct, bool* comparable,
                                      std::string* why_not) {
  std::vector<std::string> out;
  *comparable = d.blockers.empty();
  if (!*comparable) {
    std::string s;
    for (const std::string& b : d.blockers) s += (s.empty() ? "" : "; ") + b;
    *why_not = "no fair comparison: " + s;
    return out;
  }
  size_t gated = 0;
  for (const DiffMetric& m : d.metrics) {
    if (m.gate.empty()) continue;
    std::optional<double> c = m.Change();
    if (!c) continue;
    ++gated;
    const std::string unit = m.gate == "pp" ? " points" : "%";
    if (*c > pct)
      out.push_back(m.label + " " + Signed(*c, 1) + unit + " (limit +" + Num(pct, 1) + unit +
                    ")");
  }
  if (gated == 0) {
    *comparable = false;
    *why_not = "no gated metric (total GPU kernel time, decode step p50/p99, GPU idle) is "
               "in both traces";
  }
  return out;
}

std::string RenderDiffMarkdown(const Diff& d) {
  MdWriter md(false);
  md.Line("# nsys-explain diff");
  md.Blank();
  md.Bullet("Before", MdCode(d.before_path));
  md.Bullet("After", MdCode(d.after_path));
  md.Bullet("Verdict", "**" + d.verdict + "**");
  for (const std::string& b : d.blockers) md.Bullet("Not comparable", b);
  for (const std::string& c : d.caveats) md.Bullet("Caveat", c);
  md.Blank();
  md.Line("## Changes (by impact)");
  md.Blank();
  if (d.findings.empty()) md.Line("_No change in the compared numbers._");
  for (const std::string& f : d.findings) md.Line("- " + MdInline(f));
  md.Blank();
  md.Line("## Headline numbers");
  md.Blank();
  Table m;
  m.columns = {"metric", "before", "after", "change", "gated"};
  for (const DiffMetric& x : d.metrics) {
    std::optional<double> c = x.Change();
    const std::string unit = x.unit.empty() ? "" : " " + x.unit;
    const int dec = x.unit.empty() ? 0 : 3;  // counts are whole numbers
    m.rows.push_back({Cell::Text(x.label),
                      x.before ? Cell::Text(Num(*x.before, dec) + unit) : Cell::Null(),
                      x.after ? Cell::Text(Num(*x.after, dec) + unit) : Cell::Null(),
                      c ? Cell::Text(Signed(*c, 1) + (x.gate == "pp" ? " pp" : "%"))
                        : Cell::Null(),
                      Cell::Text(x.gate.empty() ? "" : "yes")});
  }
  md.Table(m, {}, m.rows.size(), "");
  for (const DiffTable& t : d.tables) {
    md.Blank();
    md.Line("## " + t.title);
    md.Blank();
    md.Line(t.note);
    md.Blank();
    md.Table(t.table, t.md_columns, 30, "diff_" + t.name + ".csv");
  }
  return md.str();
}

std::string RenderDiffJson(const Diff& d) {
  using json = nlohmann::ordered_json;
  json metrics = json::array();
  for (const DiffMetric& m : d.metrics) {
    std::optional<double> c = m.Change();
    metrics.push_back({{"id", m.id},
                       {"label", m.label},
                       {"unit", m.unit},
                       {"before", m.before ? json(*m.before) : json(nullptr)},
                       {"after", m.after ? json(*m.after) : json(nullptr)},
                       {"change", c ? json(*c) : json(nullptr)},
                       {"change_unit", m.gate == "pp" ? "points" : "percent"},
                       {"gated", !m.gate.empty()}});
  }
  json tables = json::object();
  for (const DiffTable& t : d.tables) tables[t.name] = TableToJson(t.table);
  json doc = {{"before", d.before_path}, {"after", d.after_path},
              {"verdict", d.verdict},    {"blockers", d.blockers},
              {"caveats", d.caveats},    {"findings", d.findings},
              {"metrics", metrics},      {"tables", tables}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::vector<std::pair<std::string, std::string>> RenderDiffCsvFiles(const Diff& d) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const DiffTable& t : d.tables)
    out.emplace_back("tables/diff_" + t.name + ".csv", RenderCsv(t.table));
  return out;
}

}  // namespace nsysexplain::render
