// report.html of the bundled example trace: every chart has one mark per
// row it draws, and the numbers in the marks are report.json's.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "html_util.h"

namespace html {
namespace {

using nlohmann::json;

const json& Table(const std::string& section, const std::string& table) {
  return e2e::TableOf(Example().json, section, table);
}

TEST(Charts, TimelineHasOneBarPerBucketWithTheJsonFraction) {
  const json& t = Table("gpu_timeline", "gpu_timeline");
  ASSERT_FALSE(t["rows"].empty());
  auto bars = Marks(Figure(Example().html, "gpu_timeline"), "bar");
  auto frac = Column(t, "busy_fraction");
  auto pid = Column(t, "pid"), dev = Column(t, "device_id");
  ASSERT_EQ(bars.size(), frac.size());
  std::set<std::pair<int64_t, int64_t>> series;
  for (size_t i = 0; i < bars.size(); ++i) {
    EXPECT_EQ(bars[i].Value(), frac[i].get<double>()) << i;
    EXPECT_EQ(bars[i].Attr("data-pid"), pid[i].dump());
    EXPECT_EQ(bars[i].Attr("data-device"), dev[i].dump());
    series.insert({pid[i].get<int64_t>(), dev[i].get<int64_t>()});
  }
  EXPECT_EQ(frac.size(), 100 * series.size());  // 100 buckets per device
  // Two tensor-parallel workers, one GPU each (examples/...truth.json).
  EXPECT_EQ(series.size(), 2u);
}

TEST(Charts, TimelineBusyAddsUpToTheIdleSection) {
  // One process per device here: its buckets' busy time is the device's
  // union of kernel intervals.
  const json& t = Table("gpu_timeline", "gpu_timeline");
  std::map<int64_t, int64_t> busy;
  std::map<int64_t, std::set<int64_t>> pids;
  auto dev = Column(t, "device_id"), ns = Column(t, "busy_ns"), pid = Column(t, "pid");
  for (size_t i = 0; i < dev.size(); ++i) {
    busy[dev[i].get<int64_t>()] += ns[i].get<int64_t>();
    pids[dev[i].get<int64_t>()].insert(pid[i].get<int64_t>());
  }
  const json& idle = Table("gpu_idle", "gpu_idle");
  auto idev = Column(idle, "device_id"), ims = Column(idle, "busy_ms");
  ASSERT_EQ(idev.size(), busy.size());
  for (size_t i = 0; i < idev.size(); ++i) {
    int64_t d = idev[i].get<int64_t>();
    ASSERT_EQ(pids[d].size(), 1u);
    EXPECT_EQ(static_cast<double>(busy[d]), std::round(ims[i].get<double>() * 1e6)) << d;
  }
}

TEST(Charts, TimelineMarksTheLargestGapsOfEachDevice) {
  const json& gaps = Table("gpu_idle", "gpu_idle_gaps");
  std::map<std::string, std::vector<double>> want;  // device -> largest 5, in order
  auto dev = Column(gaps, "device_id"), ms = Column(gaps, "gap_ms");
  for (size_t i = 0; i < dev.size(); ++i)
    if (want[dev[i].dump()].size() < 5) want[dev[i].dump()].push_back(ms[i].get<double>());
  std::map<std::string, std::vector<double>> got;
  for (const Mark& m : Marks(Figure(Example().html, "gpu_timeline"), "gap"))
    got[m.Attr("data-device")].push_back(m.Value());
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(got, want);
}

TEST(Charts, TimelineStepStripCoversEveryStep) {
  const json& steps = Table("steps", "steps");
  std::map<std::string, double> want;
  auto pid = Column(steps, "pid"), dev = Column(steps, "device_id");
  for (size_t i = 0; i < pid.size(); ++i) want[pid[i].dump() + "/" + dev[i].dump()] += 1;
  std::map<std::string, double> got;
  auto runs = Marks(Figure(Example().html, "gpu_timeline"), "phase-run");
  for (const Mark& m : runs) got[m.Attr("data-pid") + "/" + m.Attr("data-device")] += m.Value();
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(got, want);
  EXPECT_LT(runs.size(), pid.size());  // consecutive steps of a phase are one run
}

TEST(Charts, CategorySegmentsAreTheCategoryRows) {
  const json& t = Table("kernel_categories", "kernel_categories");
  auto segs = Marks(Figure(Example().html, "kernel_categories"), "seg");
  auto ms = Column(t, "total_ms"), cat = Column(t, "category"), dev = Column(t, "device_id");
  ASSERT_EQ(segs.size(), ms.size());
  ASSERT_GT(segs.size(), 2u);
  // One segment per (device, category) row, with the row's total_ms (drawn
  // device by device).
  std::map<std::pair<std::string, std::string>, double> want, got;
  for (size_t i = 0; i < ms.size(); ++i)
    want[{dev[i].dump(), cat[i].get<std::string>()}] = ms[i].get<double>();
  for (const Mark& m : segs) got[{m.Attr("data-device"), m.Attr("data-category")}] = m.Value();
  EXPECT_EQ(got, want);
  // One colour per category, the same in the top-kernels chart.
  std::map<std::string, std::string> color;
  for (const Mark& m : segs) {
    auto [it, fresh] = color.emplace(m.Attr("data-category"), m.Attr("fill"));
    EXPECT_EQ(it->second, m.Attr("fill"));
  }
  for (const Mark& m : Marks(Figure(Example().html, "top_kernels"), "bar"))
    EXPECT_EQ(color.at(m.Attr("data-category")), m.Attr("fill"));
}

TEST(Charts, TopKernelBarsAreTheFirstKernelRows) {
  const json& t = Table("top_kernels", "kernels");
  auto bars = Marks(Figure(Example().html, "top_kernels"), "bar");
  auto ms = Column(t, "total_ms"), cat = Column(t, "category");
  ASSERT_EQ(bars.size(), std::min<size_t>(15, ms.size()));
  for (size_t i = 0; i < bars.size(); ++i) {
    EXPECT_EQ(bars[i].Value(), ms[i].get<double>());
    EXPECT_EQ(bars[i].Attr("data-category"), cat[i].get<std::string>());
  }
}

TEST(Charts, StepHistogramsCountEveryStepOfTheirPhase) {
  const json& sum = Table("steps", "step_summary");
  const json& steps = Table("steps", "steps");
  std::map<std::string, double> per_phase;
  auto phase = Column(steps, "phase"), warm = Column(steps, "warmup");
  for (size_t i = 0; i < phase.size(); ++i)
    per_phase[warm[i].get<int64_t>() ? "warmup" : phase[i].get<std::string>()] += 1;
  std::string fig = Figure(Example().html, "step_histogram");
  std::map<std::string, double> got;
  std::map<std::string, size_t> bins;
  for (const Mark& m : Marks(fig, "bin")) {
    got[m.Attr("data-phase")] += m.Value();
    ++bins[m.Attr("data-phase")];
  }
  auto p = Column(sum, "phase"), n = Column(sum, "steps"), p50 = Column(sum, "step_p50_us"),
       p99 = Column(sum, "step_p99_us");
  auto m50 = Marks(fig, "p50"), m99 = Marks(fig, "p99");
  size_t shown = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (n[i].get<int64_t>() == 0) continue;
    std::string ph = p[i].get<std::string>();
    EXPECT_EQ(got[ph], n[i].get<double>()) << ph;
    EXPECT_EQ(got[ph], per_phase[ph]) << ph;
    EXPECT_EQ(bins[ph], 30u) << ph;
    ASSERT_LT(shown, m50.size());
    EXPECT_EQ(m50[shown].Attr("data-phase"), ph);
    EXPECT_EQ(m50[shown].Value(), p50[i].get<double>());
    EXPECT_EQ(m99[shown].Value(), p99[i].get<double>());
    ++shown;
  }
  EXPECT_GE(shown, 2u);  // prefill and decode at least
  EXPECT_EQ(m50.size(), shown);
}

// Idle causes and memcpy come from views other analyses add: drawn when
// report.json has their table, else a "Not available" box.
void ExpectGenericChart(const std::string& fig_id, const std::string& table) {
  std::string fig = Figure(Example().html, fig_id);
  ASSERT_FALSE(fig.empty()) << fig_id;
  bool has = false;
  for (const json& s : Example().json["sections"])
    if (s["tables"].contains(table) && s["available"].get<bool>() &&
        !s["tables"][table]["rows"].empty())
      has = true;
  if (has) {
    EXPECT_FALSE(Marks(fig, "bar").empty()) << fig;
  } else {
    EXPECT_NE(fig.find("<p class=\"na\">Not available: "), std::string::npos) << fig;
    EXPECT_TRUE(Marks(fig, "bar").empty());
  }
}

TEST(Charts, IdleCausesAndMemcpyAreDrawnOrSayWhyNot) {
  ExpectGenericChart("idle_causes", "gpu_idle_causes");
  ExpectGenericChart("memcpy", "memcpy");
}

TEST(Page, IsSelfContained) {
  const std::string& h = Example().html;
  ASSERT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* bad : {"http://", "https://", "<script src", "<link", "@import", "url(",
                          "<img", "<iframe", "src="})
    EXPECT_EQ(h.find(bad), std::string::npos) << bad;
  EXPECT_TRUE(e2e::IsValidUtf8(h));
  EXPECT_NE(h.find("</html>"), std::string::npos);
}

TEST(Page, TablesAreSortableAndShowBaseNamesWithTheFullNameOnHover) {
  const std::string& h = Example().html;
  size_t b = h.find("<table class=\"sortable\" data-table=\"kernels\">");
  ASSERT_NE(b, std::string::npos);
  std::string table = h.substr(b, h.find("</table>", b) - b);
  const json& t = Table("top_kernels", "kernels");
  auto full = Column(t, "kernel_name"), base = Column(t, "kernel");
  size_t hovered = 0;
  for (size_t i = 0; i < full.size() && i < 30; ++i)
    if (full[i] != base[i]) {
      // The base name is shown, the full name is the cell's title.
      std::string cell = ">" + base[i].get<std::string>() + "</td>";
      EXPECT_NE(table.find(cell), std::string::npos) << cell;
      ++hovered;
    }
  EXPECT_GT(hovered, 0u);
  EXPECT_NE(table.find(" title=\""), std::string::npos);
}

TEST(Summary, TopOfBothReportsFromTheReportTables) {
  const Rendered& r = Example();
  // report.md: the summary comes before the first section.
  size_t s = r.md.find("\n## Summary\n");
  ASSERT_NE(s, std::string::npos);
  EXPECT_LT(s, r.md.find("\n## Warnings\n"));
  size_t hs = r.html.find("<section id=\"summary\"");
  ASSERT_NE(hs, std::string::npos);
  EXPECT_LT(hs, r.html.find("<section id=\"charts\""));
  std::string md = r.md.substr(s, r.md.find("\n## ", s + 1) - s);
  std::string h = r.html.substr(hs, r.html.find("</section>", hs) - hs);
  // Top three findings, in report order.
  const json& f = r.json["findings"];
  ASSERT_GE(f.size(), 1u);
  for (size_t i = 0; i < f.size() && i < 3; ++i) {
    std::string title = f[i]["title"].get<std::string>();
    EXPECT_NE(md.find(std::to_string(i + 1) + ". [" + f[i]["severity"].get<std::string>() +
                      "] " + title),
              std::string::npos)
        << md;
    EXPECT_NE(h.find(title), std::string::npos) << title;
  }
  // GPU busy = 100 - idle % of each device's window.
  const json& idle = Table("gpu_idle", "gpu_idle");
  auto dev = Column(idle, "device_id"), ip = Column(idle, "idle_pct_of_window");
  for (size_t i = 0; i < dev.size(); ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "GPU %lld: %.1f%% busy",
                  static_cast<long long>(dev[i].get<int64_t>()), 100 - ip[i].get<double>());
    EXPECT_NE(md.find(buf), std::string::npos) << buf << "\n" << md;
    EXPECT_NE(h.find(buf), std::string::npos) << buf;
  }
  // Decode and prefill p50/p99 from llm_step_summary.
  const json& sum = Table("steps", "step_summary");
  auto p = Column(sum, "phase"), p50 = Column(sum, "step_p50_us");
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] == "decode" || p[i] == "prefill") {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s: p50 %.2f us", p[i].get<std::string>().c_str(),
                    p50[i].get<double>());
      EXPECT_NE(md.find(buf), std::string::npos) << buf << "\n" << md;
    }
  EXPECT_NE(md.find("- **Capture window**: "), std::string::npos);
  EXPECT_NE(md.find("- **Time by category**: "), std::string::npos);
}

}  // namespace
}  // namespace html
