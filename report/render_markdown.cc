// report.md: header, then every section of the report plan in order, each
// with the tables the view pack declares for it (sql/_report.sql): a plain
// table of the declared Markdown columns, or one of the few bespoke layouts
// of kLayouts below. Numbers are rounded here only (ms 3, us 2, pct 1
// decimals).
#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <stdexcept>

#include "md_writer.h"
#include "render.h"
#include "summary.h"
#include "text.h"

namespace nsysexplain::render {
namespace {

std::string Code(const std::string& s) { return MdCode(s); }

std::string Num(const Table& t, size_t r, const std::string& col) {
  return MdValue(col, t.At(r, col));
}

// "a, b?, c" -> {"a", "b?", "c"}.
std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : list + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  return out;
}

// A cell that makes an optional ("name?") column worth showing.
bool Shows(const Cell& c) {
  switch (c.type) {
    case Cell::Type::kText: return !c.s.empty();
    case Cell::Type::kInt: return c.i != 0;
    case Cell::Type::kReal: return c.d != 0;
    default: return false;
  }
}

}  // namespace

// The declared Markdown columns of `t`; "name?" is kept only when some row
// shows a value in it; "a|b" (a, or b where a collides: MdWriter::Table) is
// kept as it is. A declared column the view lacks is an error.
std::vector<std::string> MdColumns(const NamedTable& t) {
  std::vector<std::string> out;
  for (std::string c : SplitList(t.md_columns)) {
    bool optional = c.back() == '?';
    if (optional) c.pop_back();
    size_t bar = c.find('|');
    for (const std::string& name :
         {c.substr(0, bar), bar == std::string::npos ? c : c.substr(bar + 1)})
      if (t.table.Col(name) < 0)
        throw std::out_of_range("Markdown table " + t.name + ": view " + t.view +
                                " has no column '" + name + "'");
    bool any = !optional;
    for (size_t r = 0; r < t.table.rows.size() && !any; ++r)
      any = Shows(t.table.At(r, c.substr(0, bar)));
    if (any) out.push_back(c);
  }
  return out;
}

namespace {

class Renderer {
 public:
  explicit Renderer(const Report& rep) : rep_(rep), md_(rep.writes_csv) {}

  std::string Run() {
    md_.Line("# Nsight Systems LLM Hotspot Report");
    md_.Blank();
    md_.Line("- Generated at (UTC): " + Code(rep_.generated_at));
    md_.Line("- Trace: " + Code(rep_.trace_path));
    md_.Line("- Tool: " + Code(std::string(kToolName) + " " + rep_.tool_version));
    std::string gpu = rep_.Info("gpu_name");
    if (!gpu.empty()) md_.Line("- GPU: " + Code(gpu));
    std::string ver = rep_.Info("EXPORT_PRODUCT_VERSION");
    if (!ver.empty()) md_.Line("- Nsight Systems export: " + Code(ver));
    RenderSummary();
    for (const Section& s : rep_.sections) RenderSection(s);
    return md_.str();
  }

 private:
  using Layout = void (Renderer::*)(const Section&, const NamedTable&);
  // The bespoke layouts a table may name (md_layout): what a plain table of
  // columns cannot show.
  static const std::map<std::string, Layout>& Layouts() {
    static const std::map<std::string, Layout> kLayouts = {
        {"warning_list", &Renderer::Warnings},
        {"finding_list", &Renderer::Findings},
        {"pid_blocks", &Renderer::PidBlocks},
        {"storm_bullets", &Renderer::StormBullets},
        {"phases", &Renderer::Phases},
        {"coverage_line", &Renderer::CoverageLine},
        {"pid_coverage", &Renderer::PidCoverage},
        {"derivation", &Renderer::Derivation},
    };
    return kLayouts;
  }

  // The one-screen summary (report/summary.h), before the sections.
  void RenderSummary() {
    Summary sm = MakeSummary(rep_);
    md_.Blank();
    md_.Line("## Summary");
    md_.Blank();
    for (const Summary::Item& it : sm.items)
      md_.Line("- **" + it.label + "**: " + MdInline(it.text));
    if (sm.findings.empty()) {
      md_.Line("- **Top findings**: none (no rule fired).");
      return;
    }
    md_.Line("- **Top findings**:");
    for (size_t i = 0; i < sm.findings.size(); ++i)
      md_.Line(fmt::format("  {}. {}", i + 1, MdInline(sm.findings[i])));
  }

  size_t top() const { return static_cast<size_t>(rep_.settings.top_n); }
  size_t Limit(const NamedTable& t) const {
    return t.md_rows > 0 ? std::min(top(), static_cast<size_t>(t.md_rows)) : top();
  }

  void RenderSection(const Section& s) {
    md_.Blank();
    md_.Line("## " + MdInline(s.title));
    md_.Blank();
    md_.Bullet("Derived from", s.derived_from);
    md_.Bullet("Limitations", s.limitations);
    if (!s.pid_source.empty()) md_.Bullet("PID source", s.pid_source);
    for (const std::string& c : s.caveats) md_.Bullet("Not seen in this trace", c);
    md_.Blank();
    if (!s.available) {
      md_.Line("_Not available: " +
               MdInline(s.reason.empty() ? "no data in this export" : s.reason) +
               "._");
      return;
    }
    for (const NamedTable& t : s.tables) {
      if (t.md_layout.empty() && !t.md_table) continue;  // CSV/JSON only
      md_.Blank();
      if (!t.md_caption.empty()) md_.Line(t.md_caption);
      if (t.md_layout.empty()) {
        Tab(t);
      } else {
        auto it = Layouts().find(t.md_layout);
        if (it == Layouts().end())
          throw std::out_of_range("table " + t.name + ": unknown Markdown layout '" +
                                  t.md_layout + "'");
        (this->*it->second)(s, t);
      }
      if (!t.md_note.empty()) md_.Line(t.md_note);
    }
  }

  // The plain table: declared columns, at most Limit() rows.
  void Tab(const NamedTable& t) {
    md_.Table(t.table, MdColumns(t), Limit(t), t.name);
  }

  void Warnings(const Section&, const NamedTable& nt) {
    const Table& t = nt.table;
    if (t.rows.empty()) {
      md_.Line("- None.");
      return;
    }
    for (size_t r = 0; r < t.rows.size(); ++r) {
      std::string sev = t.At(r, "severity").AsText();
      md_.Line("- " + std::string(sev == "info" ? "(info) " : "") +
               MdInline(t.At(r, "message").AsText()));
    }
  }

  void Findings(const Section&, const NamedTable& nt) {
    const Table& t = nt.table;
    if (t.rows.empty()) {
      md_.Line("- No rule fired: nothing in this trace crosses the "
               "thresholds above.");
      return;
    }
    for (size_t r = 0; r < t.rows.size(); ++r) {
      md_.Line("- **[" + MdInline(t.At(r, "severity").AsText()) + "] " +
               MdInline(t.At(r, "title").AsText()) + "**");
      for (const auto& [label, col] :
           {std::pair<const char*, const char*>{"Evidence", "evidence"},
            {"Recommendation", "recommendation"}}) {
        auto lines = SplitLines(t.At(r, col).AsText());
        if (lines.empty()) continue;
        md_.Line(std::string("  - **") + label + "**:");
        for (const std::string& l : lines) md_.Line("    - " + MdInline(l));
      }
    }
  }

  // One "### PID" block per process (the --top first, in table order), each
  // a table of at most Limit() rows.
  void PidBlocks(const Section&, const NamedTable& nt) {
    const Table& t = nt.table;
    if (t.rows.empty()) {
      md_.Line("_No rows._");
      return;
    }
    std::vector<std::string> pids;  // in table order (largest PID first)
    for (size_t r = 0; r < t.rows.size(); ++r) {
      std::string p = t.At(r, "pid").AsText();
      if (std::find(pids.begin(), pids.end(), p) == pids.end()) pids.push_back(p);
    }
    size_t shown = std::min(pids.size(), top());
    for (size_t i = 0; i < shown; ++i) {
      const std::string& pid = pids[i];
      size_t first = 0;
      while (t.At(first, "pid").AsText() != pid) ++first;
      md_.Blank();
      md_.Line("### PID " + Code(pid));
      md_.Blank();
      md_.Line("- PID kernel time: " +
               Code(Num(t, first, "pid_total_kernel_time_ms") + " ms"));
      md_.Table(t, MdColumns(nt), Limit(nt), nt.name,
                [&](size_t r) { return t.At(r, "pid").AsText() == pid; });
    }
    if (shown < pids.size())
      md_.Line(fmt::format("_Showing {} of {} PIDs._", shown, pids.size()));
  }

  void StormBullets(const Section&, const NamedTable& nt) {
    const Table& t = nt.table;
    if (t.rows.empty()) {
      md_.Line("_No kernels._");
      return;
    }
    md_.Line("- launches: " + Code(Num(t, 0, "total_launches")) + " over " +
             Code(Num(t, 0, "window_s") + "s") + " = " +
             Code(Fixed(t.At(0, "launches_per_s").AsDouble(), 1) + "/s"));
    md_.Line("- duration p50/p90/p99 (us): " + Code(Num(t, 0, "p50_kernel_us")) +
             " / " + Code(Num(t, 0, "p90_kernel_us")) + " / " +
             Code(Num(t, 0, "p99_kernel_us")));
    md_.Line("- % kernels under 5/10/20 us: " +
             Code(Num(t, 0, "pct_under_5us") + "%") + " / " +
             Code(Num(t, 0, "pct_under_10us") + "%") + " / " +
             Code(Num(t, 0, "pct_under_20us") + "%"));
    md_.Line("- launch_storm = " + Code(Num(t, 0, "launch_storm")) +
             " (rule: at least 50000 launches/s with p50 at most 10 us, or "
             "at least 100000 launches/s with p50 at most 20 us)");
  }

  // The phase table with the phase map it came from, or what to do when no
  // range name matched.
  void Phases(const Section&, const NamedTable& nt) {
    const Settings& st = rep_.settings;
    std::string source = st.phase_map_source == "default"
                             ? "the default phase map"
                             : "the phase map " + Code(st.phase_map_source);
    if (!nt.table.rows.empty()) {
      md_.Line("Phases (NVTX range names mapped by " + source + "):");
      Tab(nt);
      return;
    }
    std::string pats;
    std::map<std::string, std::vector<std::string>> by_phase;
    std::vector<std::string> order;
    for (const auto& [phase, pattern] : st.phase_map) {
      if (!by_phase.count(phase)) order.push_back(phase);
      by_phase[phase].push_back(pattern);
    }
    for (const std::string& p : order) {
      std::string list;
      for (const std::string& x : by_phase[p]) list += (list.empty() ? "" : ", ") + Code(x);
      pats += (pats.empty() ? "" : "; ") + Code(p) + ": " + list;
    }
    md_.Line("Phases: no NVTX range name matched " + source +
             (pats.empty() ? std::string() : " (" + pats + ")") +
             "; use `--phase-map FILE` to map your range names.");
  }

  // The overall coverage (the pid NULL row of the section's nvtx_coverage
  // table) above the table.
  void CoverageLine(const Section& s, const NamedTable& nt) {
    const Table* cov = s.Find("nvtx_coverage");
    size_t all = SIZE_MAX;
    if (cov)
      for (size_t r = 0; r < cov->rows.size(); ++r)
        if (cov->At(r, "pid").is_null()) all = r;
    if (all != SIZE_MAX) {
      md_.Line("Coverage: " + Code(Num(*cov, all, "coverage_pct") + "%") +
               " (attributed kernel time / total kernel time) = " +
               Code(Num(*cov, all, "attributed_kernel_time_ms") + " ms / " +
                    Num(*cov, all, "total_kernel_time_ms") + " ms") +
               " across " + Code(Num(*cov, all, "attributed_kernel_count")) +
               " kernels.");
      md_.Blank();
    }
    Tab(nt);
  }

  // The table, then the per-PID rows of the nvtx_kernel_time section's
  // coverage table when that section is available.
  void PidCoverage(const Section&, const NamedTable& nt) {
    Tab(nt);
    const Section* kt = rep_.FindSection("nvtx_kernel_time");
    const Table* cov = kt ? kt->Find("nvtx_coverage") : nullptr;
    if (!cov || !kt->available) return;
    md_.Line("### NVTX→kernel attribution coverage by PID");
    md_.Table(*cov, {"pid", "total_kernel_time_ms", "attributed_kernel_time_ms",
                     "coverage_pct"},
              top(), "nvtx_coverage",
              [&](size_t r) { return !cov->At(r, "pid").is_null(); });
  }

  std::string InfoOr(const std::string& key, const std::string& dflt) const {
    std::string v = rep_.Info(key);
    return v.empty() ? dflt : Code(v);
  }

  void Derivation(const Section&, const NamedTable&) {
    md_.Line("- **Timestamp units**: the report reads `start/end` as "
             "**nanoseconds** and converts to ms/us via `/1e6` and `/1e3`.");
    md_.Line("- **Timestamp sanity check**: " +
             Code("timestamp_unit_guess=" + rep_.Info("timestamp_unit_guess")) +
             " (basis " + Code(rep_.Info("timestamp_unit_basis")) +
             "). If `unknown`, treat time-derived numbers as suspect.");
    std::string exp = "Nsight Systems " + InfoOr("EXPORT_PRODUCT_VERSION", "not recorded") +
                      ", schema " + InfoOr("EXPORT_SCHEMA_VERSION", "not recorded") +
                      ", exported " + InfoOr("EXPORT_TIME_UTC", "(time not recorded)");
    if (!rep_.Info("capture_version_hint").empty())
      exp += "; capture version hint " + InfoOr("capture_version_hint", "");
    if (!rep_.Info("session_start_utc").empty())
      exp += "; session start " + InfoOr("session_start_utc", "") + " UTC";
    if (!rep_.Info("cuda_graph_trace_mode").empty())
      exp += "; CUDA graph trace mode " + InfoOr("cuda_graph_trace_mode", "");
    md_.Line("- **Export / capture**: " + exp + ".");
    md_.Line("- **Name sources**: kernel table " +
             InfoOr("kernel_table", "none") + ", string table " +
             InfoOr("string_table", "none") + ", metadata table " +
             InfoOr("meta_table", "none") +
             "; kernel names from `demangledName`, else `shortName`; NVTX "
             "names from `textId`, else `text`.");
    std::string dq;
    const Table& ti = rep_.trace_info;
    for (size_t r = 0; r < ti.rows.size(); ++r) {
      std::string k = ti.At(r, "key").AsText();
      bool counter = (k.rfind("kernel_", 0) == 0 || k.rfind("runtime_", 0) == 0 ||
                      k.rfind("nvtx_", 0) == 0) &&
                     k != "kernel_table" && k.rfind("kernel_window_", 0) != 0;
      if (counter)
        dq += (dq.empty() ? "" : ", ") + Code(k + "=" + ti.At(r, "value").AsText());
    }
    md_.Line("- **Data quality**: " + (dq.empty() ? std::string("no counters") : dq) + ".");
    md_.Line("- **Kernel durations**: `end-start` from the kernel table, summed "
             "over launches (no overlap correction); percentiles interpolate "
             "linearly (p50 = nsys median).");
    md_.Line("- **GPU idle estimate**: per-device union of kernel intervals "
             "within the device's first-kernel..last-kernel window; "
             "memcpy/memset are not counted as busy.");
    md_.Line("- **NVTX→kernel attribution**: kernel `correlationId` → runtime "
             "launch call in the same process → enclosing NVTX range on the "
             "launching thread. Coverage is reported; low coverage means "
             "per-range GPU time may not reflect total GPU time." +
             std::string(rep_.settings.nvtx_kernel_map
                             ? ""
                             : " Disabled for this report (`--no-nvtx-kernel-map`)."));
    md_.Line("- **Per-PID attribution**: PID = bits 24..47 of `globalPid` "
             "(kernels) or `globalTid` (runtime, NVTX).");
    md_.Line("- **Versions**: nsysexplain " + InfoOr("nsysexplain_version", "?") +
             ", SQLite " + InfoOr("sqlite_version", "?") + ".");
    md_.Line(fmt::format(
        "- **Settings**: top {} rows per table, NVTX coverage warning below "
        "{}%, NVTX kernel map {}, phase map: {}.",
        rep_.settings.top_n,
        Fixed(100 * rep_.settings.nvtx_coverage_warn_threshold, 1),
        rep_.settings.nvtx_kernel_map ? "on" : "off",
        rep_.settings.phase_map_source == "default"
            ? std::string("default")
            : Code(rep_.settings.phase_map_source)));
  }

  const Report& rep_;
  MdWriter md_;
};

}  // namespace

std::string RenderMarkdown(const Report& rep) { return Renderer(rep).Run(); }

}  // namespace nsysexplain::render
