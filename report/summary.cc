#include "summary.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "text.h"

namespace nsysexplain::render {
namespace {

const Table* AvailableTable(const Report& rep, const std::string& section,
                            const std::string& table) {
  const Section* s = rep.FindSection(section);
  if (!s || !s->available) return nullptr;
  const Table* t = s->Find(table);
  return t && !t->rows.empty() ? t : nullptr;
}

std::string V(const Table& t, size_t r, const std::string& col) {
  return MdValue(col, t.At(r, col));
}

}  // namespace

Summary MakeSummary(const Report& rep) {
  Summary sm;
  auto add = [&](const std::string& label, const std::string& text) {
    if (!text.empty()) sm.items.push_back({label, text});
  };
  std::string w0 = rep.Info("kernel_window_start_ns"), w1 = rep.Info("kernel_window_end_ns");
  std::string ws = rep.Info("kernel_window_s");
  if (!ws.empty())
    add("Capture window",
        fmt::format("{} s of kernel activity (first kernel start {} ns to last kernel "
                    "end {} ns)",
                    ws, w0, w1));
  else
    add("Capture window", "no kernels in this export");

  std::string win = rep.Info("window");
  if (!win.empty() && win != "whole trace") {
    std::string how = rep.Info("window_source");
    add("Time window", "every section reports on " + win + (how.empty() ? "" : ", from " + how) +
                           " (kernels clipped to it; API call statistics and data-quality "
                           "counters are whole-trace)");
  }
  std::vector<std::string> gpus;
  for (size_t r = 0; r < rep.trace_info.rows.size(); ++r)
    if (rep.trace_info.At(r, "key").AsText() == "gpu_name")
      gpus.push_back(rep.trace_info.At(r, "value").AsText());
  const Table* idle = AvailableTable(rep, "gpu_idle", "gpu_idle");
  std::string gpu_text;
  if (idle) gpu_text = fmt::format("{} device(s) with kernels", idle->rows.size());
  if (!gpus.empty()) {
    std::string names;
    for (const std::string& g : gpus) names += (names.empty() ? "" : ", ") + g;
    gpu_text += (gpu_text.empty() ? "" : "; ") + names;
  }
  add("GPUs", gpu_text);

  if (idle) {
    // Busy share of each device's kernel window = 100 - idle_pct_of_window.
    std::string busy;
    for (size_t r = 0; r < idle->rows.size(); ++r) {
      const Cell& c = idle->At(r, "idle_pct_of_window");
      if (c.is_null()) continue;
      busy += fmt::format("{}GPU {}: {}% busy ({} of {} ms)", busy.empty() ? "" : "; ",
                          V(*idle, r, "device_id"), Fixed(100 - c.AsDouble(), 1),
                          V(*idle, r, "busy_ms"), V(*idle, r, "window_ms"));
    }
    add("GPU busy", busy);
  }

  if (const Table* cat = AvailableTable(rep, "kernel_categories", "kernel_categories")) {
    // Summed over devices: pct_kernel_time is the share of all kernel time.
    std::map<std::string, std::pair<double, double>> by;  // ms, pct
    for (size_t r = 0; r < cat->rows.size(); ++r) {
      auto& [ms, pct] = by[cat->At(r, "category").AsText()];
      ms += cat->At(r, "total_ms").AsDouble();
      pct += cat->At(r, "pct_kernel_time").AsDouble();
    }
    std::vector<std::pair<std::string, std::pair<double, double>>> v(by.begin(), by.end());
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    std::string text;
    for (size_t i = 0; i < v.size() && i < 4; ++i)
      text += fmt::format("{}{} {}% ({} ms)", i ? "; " : "", v[i].first,
                          Fixed(v[i].second.second, 1), Fixed(v[i].second.first, 3));
    if (v.size() > 4) text += fmt::format("; {} more in the table below", v.size() - 4);
    add("Time by category", text);
  }

  if (const Table* st = AvailableTable(rep, "steps", "step_summary")) {
    std::string text;
    for (const char* phase : {"decode", "prefill"})
      for (size_t r = 0; r < st->rows.size(); ++r)
        if (st->At(r, "phase").AsText() == phase)
          text += fmt::format("{}{}: p50 {} us, p99 {} us over {} steps",
                              text.empty() ? "" : "; ", phase, V(*st, r, "step_p50_us"),
                              V(*st, r, "step_p99_us"), V(*st, r, "steps"));
    add("Step time", text);
  }

  for (size_t r = 0; r < rep.findings.rows.size() && sm.findings.size() < 3; ++r)
    sm.findings.push_back("[" + rep.findings.At(r, "severity").AsText() + "] " +
                          rep.findings.At(r, "title").AsText());
  return sm;
}

}  // namespace nsysexplain::render
