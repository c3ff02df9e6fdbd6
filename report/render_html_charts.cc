// report.html's charts: inline SVG drawn from the report tables that
// report.json holds. Every mark that stands for a number carries it in
// data-value, as report.json prints it (Cell::AsText) or, for the step
// histogram, the count of its steps.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <set>

#include "core/kernel_name.h"
#include "render.h"
#include "render_html_parts.h"
#include "svg.h"
#include "text.h"

namespace nsysexplain::render::html {
namespace {

constexpr double kChartWidth = 1200;
constexpr size_t kTopKernelBars = 15;
constexpr size_t kMarkedGaps = 5;
constexpr size_t kHistogramBins = 30;

// A table of the report that is there and has rows, or why not.
struct Source {
  const Table* table = nullptr;
  std::string why;  // when table is null
};

Source Find(const Report& rep, const std::string& table_name, const std::string& view) {
  for (const Section& s : rep.sections)
    for (const NamedTable& t : s.tables)
      if (t.name == table_name) {
        if (!s.available)
          return {nullptr, s.reason.empty() ? "no data in this export" : s.reason};
        if (t.table.rows.empty()) return {nullptr, "`" + view + "` has no rows"};
        return {&t.table, ""};
      }
  return {nullptr, "this report has no `" + table_name + "` table (the view `" + view +
                       "` is not in this build)"};
}

double Ms(int64_t ns_from, int64_t t0) {
  return (static_cast<double>(ns_from) - static_cast<double>(t0)) / 1e6;  // no int64 overflow
}

class ChartSection {
 public:
  explicit ChartSection(const Report& rep) : rep_(rep) {}

  std::string Run() {
    out_ += "<section id=\"charts\"><h2>Charts</h2>\n";
    CategoryColors();
    Timeline();
    Categories();
    TopKernels();
    StepHistogram();
    Generic("idle_causes", "Idle time by cause", "gpu_idle_causes", "llm_gpu_idle_causes",
            {"cause", "reason", "kind", "category"},
            {"idle_ms", "total_ms", "gap_ms", "ms", "idle_ns", "total_ns"});
    Generic("memcpy", "Memcpy traffic by direction", "memcpy", "llm_memcpy",
            {"direction", "copy_kind", "kind"},
            {"total_mb", "mb", "total_bytes", "bytes", "total_ms", "ms"});
    out_ += "</section>\n";
    return out_;
  }

 private:
  void Figure(const std::string& id, const std::string& caption) {
    out_ += "<figure id=\"chart-" + id + "\" data-chart=\"" + id + "\"><figcaption>" +
            HtmlEscape(caption) + "</figcaption>\n";
  }

  // Category colours: categories by total kernel time (kernel_categories),
  // so the stacked bars and the top-kernel bars agree.
  void CategoryColors() {
    Source src = Find(rep_, "kernel_categories", "llm_kernel_categories");
    if (!src.table) return;
    std::map<std::string, double> total;
    for (size_t r = 0; r < src.table->rows.size(); ++r)
      total[src.table->At(r, "category").AsText()] += src.table->At(r, "total_ms").AsDouble();
    std::vector<std::pair<std::string, double>> v(total.begin(), total.end());
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [c, ms] : v) Color(c);
  }
  std::string Color(const std::string& category) {
    auto it = colors_.find(category);
    if (it != colors_.end()) return it->second;
    std::string c = PaletteColor(colors_.size());
    colors_.emplace(category, c);
    color_order_.push_back(category);
    return c;
  }

  // (a) Busy fraction per bucket, one panel per (pid, device), the largest
  // idle gaps outlined, the steps (by phase) as a strip under each panel.
  void Timeline() {
    Figure("gpu_timeline", "GPU utilisation over time (busy fraction per bucket)");
    Source src = Find(rep_, "gpu_timeline", "llm_gpu_timeline");
    if (!src.table) {
      out_ += NotAvailable(src.why) + "</figure>\n";
      return;
    }
    const Table& t = *src.table;
    std::vector<std::pair<int64_t, int64_t>> series;  // (pid, device) in table order
    int64_t t0 = INT64_MAX, t1 = INT64_MIN;
    for (size_t r = 0; r < t.rows.size(); ++r) {
      std::pair<int64_t, int64_t> k{t.At(r, "pid").AsInt(), t.At(r, "device_id").AsInt()};
      if (std::find(series.begin(), series.end(), k) == series.end()) series.push_back(k);
      t0 = std::min(t0, t.At(r, "bucket_start_ns").AsInt());
      t1 = std::max(t1, t.At(r, "bucket_end_ns").AsInt());
    }
    Source gaps = Find(rep_, "gpu_idle_gaps", "llm_gpu_idle_gaps");
    Source steps = Find(rep_, "steps", "llm_steps");
    const double left = 90, right = 20, panel = 70, strip = steps.table ? 10 : 0,
                 pad = 26, top = 30;
    const double w = kChartWidth - left - right;
    double height = top + static_cast<double>(series.size()) * (panel + strip + pad) + 40;
    Svg svg(kChartWidth, height, "GPU busy fraction over time per process and device");
    auto X = [&](int64_t ns) {
      // In doubles: extreme timestamps must not overflow int64.
      const double span = std::max(1.0, static_cast<double>(t1) - static_cast<double>(t0));
      return left + w * (static_cast<double>(ns) - static_cast<double>(t0)) / span;
    };
    std::vector<std::pair<std::string, std::string>> legend;
    std::set<std::string> phases;
    for (size_t i = 0; i < series.size(); ++i) {
      auto [pid, dev] = series[i];
      double y0 = top + static_cast<double>(i) * (panel + strip + pad);
      std::string name = fmt::format("PID {} GPU {}", pid, dev);
      // Series colours avoid the phase colours (orange, sky blue) and the
      // vermillion of the gap outlines.
      static const char* kSeries[] = {"#0072B2", "#009E73", "#CC79A7", "#000000", "#999999"};
      std::string color = kSeries[i % (sizeof kSeries / sizeof kSeries[0])];
      legend.emplace_back(color, name);
      svg.YAxis(left, y0 + panel, y0, left + w, {0, 0.5, 1}, "busy");
      svg.Text(left - 50, y0 + panel / 2 + 4, "GPU " + std::to_string(dev), "end", "",
               name);
      for (size_t r = 0; r < t.rows.size(); ++r) {
        if (t.At(r, "pid").AsInt() != pid || t.At(r, "device_id").AsInt() != dev) continue;
        int64_t s = t.At(r, "bucket_start_ns").AsInt(), e = t.At(r, "bucket_end_ns").AsInt();
        const Cell& f = t.At(r, "busy_fraction");
        double h = panel * std::clamp(f.AsDouble(), 0.0, 1.0);
        svg.Bar(X(s), y0 + panel - h, X(e) - X(s), h, color, "bar", f.AsText(),
                fmt::format("{}, bucket {}: {}-{} ms, busy {}%", name,
                            t.At(r, "bucket").AsText(), Fixed(Ms(s, t0), 3),
                            Fixed(Ms(e, t0), 3), Fixed(100 * f.AsDouble(), 1)),
                fmt::format("data-pid=\"{}\" data-device=\"{}\"", pid, dev));
      }
      if (gaps.table)  // the largest gaps of this device (table: largest first)
        for (size_t r = 0, n = 0; r < gaps.table->rows.size() && n < kMarkedGaps; ++r) {
          if (gaps.table->At(r, "device_id").AsInt() != dev) continue;
          ++n;
          int64_t s = std::max(t0, gaps.table->At(r, "gap_start_ns").AsInt());
          int64_t e = std::min(t1, gaps.table->At(r, "gap_end_ns").AsInt());
          double x = X(s), gw = std::max(2.0, X(e) - x);
          svg.Bar(x, y0, gw, panel, "none", "gap", gaps.table->At(r, "gap_ms").AsText(),
                  fmt::format("idle gap on GPU {}: {} ms at {} ms", dev,
                              MdValue("gap_ms", gaps.table->At(r, "gap_ms")),
                              Fixed(Ms(s, t0), 3)),
                  fmt::format("data-device=\"{}\"", dev));
        }
      if (steps.table) StepStrip(svg, *steps.table, pid, dev, y0 + panel + 2, strip - 2, X,
                                 t0, &phases);
    }
    double axis_y = top + static_cast<double>(series.size()) * (panel + strip + pad) - pad + 4;
    svg.XAxis(left, left + w, axis_y, axis_y, NiceTicksFor(Ms(t1, t0)),
              "time since the first kernel (ms)");
    std::vector<std::pair<std::string, std::string>> items = legend;
    for (const std::string& p : phases) items.emplace_back(PhaseColor(p), "step: " + p);
    items.emplace_back("#D55E00", "largest idle gaps (outlined)");
    svg.Legend(left, 16, items);
    out_ += svg.str();
    out_ += "<p class=\"note\">Bars: busy fraction (0..1) of each of the " +
            std::to_string(t.rows.size() / std::max<size_t>(1, series.size())) +
            " buckets; the five largest idle gaps of each device are outlined" +
            std::string(steps.table ? "; the strip under each panel shows the steps by phase"
                                    : "") +
            ".</p>\n</figure>\n";
  }

  // Ticks of the time axis, in ms; the axis ends at the last tick, so the
  // ticks are scaled onto [0, span].
  static std::vector<double> NiceTicksFor(double span) {
    std::vector<double> ticks = NiceTicks(span, 8);
    while (ticks.size() > 2 && ticks.back() > span) ticks.pop_back();
    ticks.push_back(span);
    return ticks;
  }

  std::string PhaseColor(const std::string& phase) {
    static const std::map<std::string, std::string> kPhase = {
        {"prefill", "#E69F00"}, {"decode", "#56B4E9"}, {"mixed", "#CC79A7"},
        {"unknown", "#999999"}, {"warmup", "#F0E442"}};
    auto it = kPhase.find(phase);
    return it == kPhase.end() ? "#999999" : it->second;
  }

  static std::string StepPhase(const Table& st, size_t r) {
    return st.At(r, "warmup").AsInt() != 0 ? "warmup" : st.At(r, "phase").AsText();
  }

  // Runs of consecutive steps of one phase of (pid, device): one mark per
  // run, data-value = its step count.
  template <class XFn>
  void StepStrip(Svg& svg, const Table& st, int64_t pid, int64_t dev, double y, double h,
                 XFn X, int64_t t0, std::set<std::string>* phases) {
    size_t r = 0, n = st.rows.size();
    auto mine = [&](size_t i) {
      return st.At(i, "pid").AsInt() == pid && st.At(i, "device_id").AsInt() == dev;
    };
    while (r < n) {
      if (!mine(r)) {
        ++r;
        continue;
      }
      std::string phase = StepPhase(st, r);
      int64_t s = st.At(r, "start_ns").AsInt(), e = st.At(r, "end_ns").AsInt();
      size_t count = 0;
      while (r < n && mine(r) && StepPhase(st, r) == phase) {
        e = std::max(e, st.At(r, "end_ns").AsInt());
        ++count;
        ++r;
      }
      phases->insert(phase);
      svg.Bar(X(s), y, std::max(1.0, X(e) - X(s)), h, PhaseColor(phase), "phase-run",
              std::to_string(count),
              fmt::format("{} {} step(s), {}-{} ms", count, phase, Fixed(Ms(s, t0), 3),
                          Fixed(Ms(e, t0), 3)),
              fmt::format("data-pid=\"{}\" data-device=\"{}\" data-phase=\"{}\"", pid, dev,
                          HtmlEscape(phase)));
    }
  }

  // (b) Kernel time per device, stacked by category.
  void Categories() {
    Figure("kernel_categories", "Time by kernel category, per device");
    Source src = Find(rep_, "kernel_categories", "llm_kernel_categories");
    if (!src.table) {
      out_ += NotAvailable(src.why) + "</figure>\n";
      return;
    }
    const Table& t = *src.table;
    std::vector<int64_t> devices;
    std::map<int64_t, double> dev_total;
    for (size_t r = 0; r < t.rows.size(); ++r) {
      int64_t d = t.At(r, "device_id").AsInt();
      if (!dev_total.count(d)) devices.push_back(d);
      dev_total[d] += t.At(r, "total_ms").AsDouble();
    }
    double max = 0;
    for (const auto& [d, v] : dev_total) max = std::max(max, v);
    std::vector<double> ticks = NiceTicks(max, 6);
    const double left = 90, right = 30, bar = 28, gap = 14, top = 36;
    const double w = kChartWidth - left - right;
    double height = top + static_cast<double>(devices.size()) * (bar + gap) + 40;
    Svg svg(kChartWidth, height, "Kernel time per device by category");
    for (size_t i = 0; i < devices.size(); ++i) {
      double y = top + static_cast<double>(i) * (bar + gap), x = left;
      svg.Text(left - 8, y + bar / 2 + 4, "GPU " + std::to_string(devices[i]), "end");
      for (size_t r = 0; r < t.rows.size(); ++r) {
        if (t.At(r, "device_id").AsInt() != devices[i]) continue;
        const Cell& ms = t.At(r, "total_ms");
        std::string cat = t.At(r, "category").AsText();
        double bw = w * ms.AsDouble() / ticks.back();
        svg.Bar(x, y, bw, bar, Color(cat), "seg", ms.AsText(),
                fmt::format("GPU {} {}: {} ms ({}% of the device's kernel time)", devices[i],
                            cat, MdValue("total_ms", ms),
                            MdValue("pct_of_device_kernel_time",
                                    t.At(r, "pct_of_device_kernel_time"))),
                fmt::format("data-device=\"{}\" data-category=\"{}\"", devices[i],
                            HtmlEscape(cat)));
        x += bw;
      }
    }
    double axis_y = top + static_cast<double>(devices.size()) * (bar + gap);
    svg.XAxis(left, left + w, axis_y, top - 4, ticks, "kernel time (ms, summed over launches)");
    std::vector<std::pair<std::string, std::string>> items;
    for (const std::string& c : color_order_) items.emplace_back(colors_[c], c);
    svg.Legend(left, 18, items);
    out_ += svg.str() + "</figure>\n";
  }

  // (c) The top kernels by total time, coloured by category.
  void TopKernels() {
    size_t n_bars = std::min(kTopKernelBars, static_cast<size_t>(rep_.settings.top_n));
    Figure("top_kernels", fmt::format("Top {} kernels by total time", n_bars));
    Source src = Find(rep_, "kernels", "llm_top_kernels");
    if (!src.table) {
      out_ += NotAvailable(src.why) + "</figure>\n";
      return;
    }
    const Table& t = *src.table;
    size_t n = std::min(n_bars, t.rows.size());
    double max = 0;
    for (size_t r = 0; r < n; ++r) max = std::max(max, t.At(r, "total_ms").AsDouble());
    std::vector<double> ticks = NiceTicks(max, 6);
    const double left = 400, right = 90, bar = 18, gap = 6, top = 36;
    const double w = kChartWidth - left - right;
    Svg svg(kChartWidth, top + static_cast<double>(n) * (bar + gap) + 40,
            "Top kernels by total time");
    std::set<std::string> cats;
    for (size_t r = 0; r < n; ++r) {
      double y = top + static_cast<double>(r) * (bar + gap);
      std::string full = t.At(r, "kernel_name").AsText();
      std::string cat = t.At(r, "category").AsText();
      cats.insert(cat);
      const Cell& ms = t.At(r, "total_ms");
      double bw = w * ms.AsDouble() / ticks.back();
      svg.Text(left - 8, y + bar / 2 + 4,
               KernelLabel(full, 42) + " (GPU " + t.At(r, "device_id").AsText() + ")", "end",
               "", full);
      svg.Bar(left, y, bw, bar, Color(cat), "bar", ms.AsText(),
              fmt::format("{}\n{}: {} ms over {} calls ({}% of kernel time)", full, cat,
                          MdValue("total_ms", ms), t.At(r, "calls").AsText(),
                          MdValue("pct_kernel_time", t.At(r, "pct_kernel_time"))),
              fmt::format("data-category=\"{}\"", HtmlEscape(cat)));
      svg.Text(left + bw + 4, y + bar / 2 + 4, MdValue("total_ms", ms) + " ms");
    }
    double axis_y = top + static_cast<double>(n) * (bar + gap);
    svg.XAxis(left, left + w, axis_y, top - 4, ticks, "total kernel time (ms)");
    std::vector<std::pair<std::string, std::string>> items;
    for (const std::string& c : color_order_)
      if (cats.count(c)) items.emplace_back(colors_[c], c);
    svg.Legend(left, 18, items);
    out_ += svg.str() + "</figure>\n";
  }

  // (d) Step durations per phase: a histogram of llm_steps with the
  // llm_step_summary p50 and p99 marked.
  void StepHistogram() {
    Figure("step_histogram", "Step time distribution per phase");
    Source sum = Find(rep_, "step_summary", "llm_step_summary");
    Source st = Find(rep_, "steps", "llm_steps");
    if (!sum.table || !st.table) {
      out_ += NotAvailable(sum.table ? st.why : sum.why) + "</figure>\n";
      return;
    }
    const Table& s = *sum.table;
    const Table& steps = *st.table;
    const double left = 80, right = 30, panel = 110, pad = 64, top = 20;
    const double w = kChartWidth - left - right;
    std::vector<size_t> shown;
    for (size_t r = 0; r < s.rows.size(); ++r)
      if (s.At(r, "steps").AsInt() > 0) shown.push_back(r);
    Svg svg(kChartWidth, top + static_cast<double>(shown.size()) * (panel + pad) + 10,
            "Step duration histograms per phase");
    size_t seen_total = 0;
    for (size_t i = 0; i < shown.size(); ++i) {
      size_t r = shown[i];
      std::string phase = s.At(r, "phase").AsText();
      std::vector<double> d;
      for (size_t k = 0; k < steps.rows.size(); ++k)
        if (StepPhase(steps, k) == phase) d.push_back(steps.At(k, "duration_us").AsDouble());
      seen_total += d.size();
      double y0 = top + static_cast<double>(i) * (panel + pad);
      double hi = std::max(s.At(r, "step_max_us").AsDouble(), s.At(r, "step_p99_us").AsDouble());
      for (double v : d) hi = std::max(hi, v);
      std::vector<double> xt = NiceTicks(hi, 8);
      std::vector<size_t> bins(kHistogramBins, 0);
      double bw_us = xt.back() / kHistogramBins;
      for (double v : d)
        ++bins[std::min(kHistogramBins - 1, static_cast<size_t>(std::max(0.0, v) / bw_us))];
      size_t peak = *std::max_element(bins.begin(), bins.end());
      std::vector<double> yt = NiceTicks(static_cast<double>(std::max<size_t>(1, peak)), 3);
      svg.YAxis(left, y0 + panel, y0, left + w, yt, "steps");
      double bw = w / kHistogramBins;
      for (size_t b = 0; b < kHistogramBins; ++b) {
        double h = panel * static_cast<double>(bins[b]) / yt.back();
        svg.Bar(left + static_cast<double>(b) * bw + 1, y0 + panel - h, bw - 2, h,
                PhaseColor(phase), "bin", std::to_string(bins[b]),
                fmt::format("{}: {} step(s) of {}-{} us", phase, bins[b],
                            Fixed(static_cast<double>(b) * bw_us, 1),
                            Fixed(static_cast<double>(b + 1) * bw_us, 1)),
                fmt::format("data-phase=\"{}\"", HtmlEscape(phase)));
      }
      for (const auto& [col, cls] : {std::pair<const char*, const char*>{"step_p50_us", "p50"},
                                     {"step_p99_us", "p99"}}) {
        const Cell& c = s.At(r, col);
        double x = left + w * c.AsDouble() / xt.back();
        svg.Raw(fmt::format(
            "<line class=\"{}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" data-value=\"{}\" "
            "data-phase=\"{}\"><title>{} {} {} us</title></line>\n",
            cls, Coord(x), Coord(y0 - 4), Coord(x), Coord(y0 + panel), HtmlEscape(c.AsText()),
            HtmlEscape(phase), HtmlEscape(phase), cls, MdValue(col, c)));
      }
      svg.XAxis(left, left + w, y0 + panel, y0 + panel, xt,
                fmt::format("{} step duration (us); {} steps; dashed: p50 {} us, dotted: p99 {} us",
                            phase, s.At(r, "steps").AsText(), MdValue("step_p50_us", s.At(r, "step_p50_us")),
                            MdValue("step_p99_us", s.At(r, "step_p99_us"))));
    }
    out_ += svg.str();
    if (seen_total < steps.rows.size() || steps.rows.size() >= 20000)
      out_ += "<p class=\"note\">Histograms of the steps in report.json (the first " +
              std::to_string(steps.rows.size()) + ").</p>\n";
    out_ += "</figure>\n";
  }

  // (e), (f): a table another analysis provides, drawn when it is there:
  // one bar per label (rows with the same label summed).
  void Generic(const std::string& id, const std::string& caption, const std::string& table,
               const std::string& view, const std::vector<std::string>& label_cols,
               const std::vector<std::string>& value_cols) {
    Figure(id, caption);
    Source src = Find(rep_, table, view);
    auto pick = [](const Table& t, const std::vector<std::string>& names) {
      for (const std::string& n : names)
        if (t.Col(n) >= 0) return n;
      return std::string();
    };
    std::string lc = src.table ? pick(*src.table, label_cols) : "";
    std::string vc = src.table ? pick(*src.table, value_cols) : "";
    if (src.table && (lc.empty() || vc.empty()))
      src.why = "`" + view + "` has none of the columns this chart reads (" +
                (lc.empty() ? label_cols.front() : vc.empty() ? value_cols.front() : "") + ")";
    if (!src.table || lc.empty() || vc.empty()) {
      out_ += NotAvailable(src.why) + "</figure>\n";
      return;
    }
    const Table& t = *src.table;
    std::vector<std::string> labels;
    std::map<std::string, double> sum;
    for (size_t r = 0; r < t.rows.size(); ++r) {
      std::string l = t.At(r, lc).AsText();
      if (!sum.count(l)) labels.push_back(l);
      sum[l] += t.At(r, vc).AsDouble();
    }
    std::stable_sort(labels.begin(), labels.end(),
                     [&](const std::string& a, const std::string& b) { return sum[a] > sum[b]; });
    double max = sum[labels.front()];
    std::vector<double> ticks = NiceTicks(max, 6);
    const double left = 260, right = 90, bar = 22, gap = 8, top = 16;
    const double w = kChartWidth - left - right;
    Svg svg(kChartWidth, top + static_cast<double>(labels.size()) * (bar + gap) + 40, caption);
    for (size_t i = 0; i < labels.size(); ++i) {
      double y = top + static_cast<double>(i) * (bar + gap);
      double v = sum[labels[i]];
      double bw = ticks.back() > 0 ? w * v / ticks.back() : 0;
      svg.Text(left - 8, y + bar / 2 + 4, labels[i], "end");
      std::string value = fmt::format("{}", v);
      svg.Bar(left, y, bw, bar, PaletteColor(i), "bar", value,
              fmt::format("{}: {} {}", labels[i], MdValue(vc, Cell::Real(v)), vc));
      svg.Text(left + bw + 4, y + bar / 2 + 4, MdValue(vc, Cell::Real(v)));
    }
    svg.XAxis(left, left + w, top + static_cast<double>(labels.size()) * (bar + gap), top - 4,
              ticks, vc + " (summed over rows of " + view + ")");
    out_ += svg.str() + "</figure>\n";
  }

  const Report& rep_;
  std::string out_;
  std::map<std::string, std::string> colors_;
  std::vector<std::string> color_order_;
};

}  // namespace

std::string Charts(const Report& rep) { return ChartSection(rep).Run(); }

}  // namespace nsysexplain::render::html
