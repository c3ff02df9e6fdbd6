// report.md: header, then every section of llm_report_sections in order.
// Numbers are rounded here only (ms 3, us 2, pct 1 decimals).
#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "md_writer.h"
#include "render.h"
#include "text.h"

namespace nsysexplain::render {
namespace {

constexpr size_t kPerPidKernels = 10;  // kernels per "### PID" block (max)
constexpr size_t kTinyRows = 10;       // tiny kernels (max)
constexpr size_t kGapRows = 20;        // largest gaps (max)
constexpr size_t kApiRows = 10;        // all API calls (max)

std::string Code(const std::string& s) { return MdCode(s); }

std::string Num(const Table& t, size_t r, const std::string& col) {
  return MdValue(col, t.At(r, col));
}

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
    for (const Section& s : rep_.sections) RenderSection(s);
    return md_.str();
  }

 private:
  size_t top() const { return static_cast<size_t>(rep_.settings.top_n); }

  void RenderSection(const Section& s) {
    md_.Blank();
    md_.Line("## " + MdInline(s.title));
    md_.Blank();
    md_.Bullet("Derived from", s.derived_from);
    md_.Bullet("Limitations", s.limitations);
    if (s.id == "pids" || s.id == "kernels_by_pid" || s.id == "launch_storm_by_pid")
      md_.Bullet("PID source", "`globalPid` (kernel rows)");
    if (s.id == "sync_by_pid" || s.id == "nvtx_by_pid")
      md_.Bullet("PID source", "`globalTid` (runtime/NVTX rows)");
    md_.Blank();
    if (!s.available) {
      md_.Line("_Not available: " +
               MdInline(s.reason.empty() ? "no data in this export" : s.reason) +
               "._");
      return;
    }
    if (s.id == "warnings") return Warnings(s);
    if (s.id == "findings") return Findings(s);
    if (s.id == "top_kernels")
      return Tab(s, "kernels", {"kernel_name", "device_id", "total_ms", "calls",
                                "avg_us", "p50_us", "p90_us", "pct_kernel_time"});
    if (s.id == "pids")
      return Tab(s, "pids", {"pid", "total_kernel_time_ms", "kernel_count",
                             "pct_of_total_kernel_time", "window_s"});
    if (s.id == "kernels_by_pid") return KernelsByPid(s);
    if (s.id == "launch_storm_by_pid")
      return Tab(s, "launch_storm_by_pid",
                 {"pid", "total_launches", "window_s", "launches_per_s",
                  "p50_kernel_us", "p90_kernel_us", "p99_kernel_us",
                  "pct_under_5us", "pct_under_10us", "pct_under_20us",
                  "launch_storm"});
    if (s.id == "sync_by_pid")
      return Tab(s, "sync_by_pid", {"pid", "api_name", "kind", "total_time_ms",
                                    "call_count", "avg_duration_us"});
    if (s.id == "launch_storm") return LaunchStorm(s);
    if (s.id == "sync") return Sync(s);
    if (s.id == "gpu_idle") return GpuIdle(s);
    if (s.id == "nvtx_ranges") return NvtxRanges(s);
    if (s.id == "nvtx_kernel_time") return NvtxKernelTime(s);
    if (s.id == "nvtx_by_pid") return NvtxByPid(s);
    if (s.id == "derivation") return Derivation();
    for (const NamedTable& t : s.tables) {  // a section this renderer predates
      md_.Line(Code(t.name) + ":");
      md_.Table(t.table, {}, top(), t.name);
    }
  }

  void Tab(const Section& s, const std::string& name,
           const std::vector<std::string>& cols, size_t limit = 0,
           const std::function<bool(size_t)>& keep = nullptr) {
    const Table* t = s.Find(name);
    if (!t) {
      md_.Line("_Not available: no `" + name + "` table._");
      return;
    }
    md_.Table(*t, cols, limit ? limit : top(), name, keep);
  }

  void Warnings(const Section& s) {
    const Table* t = s.Find("warnings");
    if (!t || t->rows.empty()) {
      md_.Line("- None.");
      return;
    }
    for (size_t r = 0; r < t->rows.size(); ++r) {
      std::string sev = t->At(r, "severity").AsText();
      md_.Line("- " + std::string(sev == "info" ? "(info) " : "") +
               MdInline(t->At(r, "message").AsText()));
    }
  }

  void Findings(const Section& s) {
    const Table* t = s.Find("findings");
    if (!t || t->rows.empty()) {
      md_.Line("- No rule fired: nothing in this trace crosses the "
               "thresholds above.");
      return;
    }
    for (size_t r = 0; r < t->rows.size(); ++r) {
      md_.Line("- **[" + MdInline(t->At(r, "severity").AsText()) + "] " +
               MdInline(t->At(r, "title").AsText()) + "**");
      for (const auto& [label, col] :
           {std::pair<const char*, const char*>{"Evidence", "evidence"},
            {"Recommendation", "recommendation"}}) {
        auto lines = SplitLines(t->At(r, col).AsText());
        if (lines.empty()) continue;
        md_.Line(std::string("  - **") + label + "**:");
        for (const std::string& l : lines) md_.Line("    - " + MdInline(l));
      }
    }
  }

  void KernelsByPid(const Section& s) {
    const Table* t = s.Find("kernels_by_pid");
    if (!t || t->rows.empty()) {
      md_.Line("_No rows._");
      return;
    }
    std::vector<std::string> pids;  // in table order (largest PID first)
    for (size_t r = 0; r < t->rows.size(); ++r) {
      std::string p = t->At(r, "pid").AsText();
      if (std::find(pids.begin(), pids.end(), p) == pids.end()) pids.push_back(p);
    }
    size_t shown = std::min(pids.size(), top());
    for (size_t i = 0; i < shown; ++i) {
      const std::string& pid = pids[i];
      size_t first = 0;
      while (t->At(first, "pid").AsText() != pid) ++first;
      md_.Blank();
      md_.Line("### PID " + Code(pid));
      md_.Blank();
      md_.Line("- PID kernel time: " +
               Code(Num(*t, first, "pid_total_kernel_time_ms") + " ms"));
      md_.Table(*t,
                {"kernel_name", "device_id", "total_time_ms", "call_count",
                 "avg_duration_us", "pct_of_pid_kernel_time"},
                std::min(top(), kPerPidKernels), "kernels_by_pid",
                [&](size_t r) { return t->At(r, "pid").AsText() == pid; });
    }
    if (shown < pids.size())
      md_.Line(fmt::format("_Showing {} of {} PIDs._", shown, pids.size()));
  }

  void LaunchStorm(const Section& s) {
    const Table* t = s.Find("launch_storm");
    if (!t || t->rows.empty()) {
      md_.Line("_No kernels._");
    } else {
      md_.Line("- launches: " + Code(Num(*t, 0, "total_launches")) + " over " +
               Code(Num(*t, 0, "window_s") + "s") + " = " +
               Code(Fixed(t->At(0, "launches_per_s").AsDouble(), 1) + "/s"));
      md_.Line("- duration p50/p90/p99 (us): " + Code(Num(*t, 0, "p50_kernel_us")) +
               " / " + Code(Num(*t, 0, "p90_kernel_us")) + " / " +
               Code(Num(*t, 0, "p99_kernel_us")));
      md_.Line("- % kernels under 5/10/20 us: " +
               Code(Num(*t, 0, "pct_under_5us") + "%") + " / " +
               Code(Num(*t, 0, "pct_under_10us") + "%") + " / " +
               Code(Num(*t, 0, "pct_under_20us") + "%"));
      md_.Line("- launch_storm = " + Code(Num(*t, 0, "launch_storm")) +
               " (rule: at least 50000 launches/s with p50 at most 10 us, or "
               "at least 100000 launches/s with p50 at most 20 us)");
    }
    md_.Blank();
    md_.Line("Top tiny kernels by call count (shorter than 5 us):");
    Tab(s, "tiny_kernels", {"kernel_name", "call_count", "avg_duration_us"},
        std::min(top(), kTinyRows));
  }

  void Sync(const Section& s) {
    Tab(s, "sync", {"api_name", "kind", "call_count", "total_time_ms",
                    "avg_duration_us", "max_us"});
    md_.Line("All CUDA runtime/driver API calls by total time:");
    Tab(s, "api_calls", {"pid", "api_name", "kind", "call_count",
                         "total_time_ms", "avg_duration_us"},
        std::min(top(), kApiRows));
  }

  void GpuIdle(const Section& s) {
    Tab(s, "gpu_idle", {"device_id", "window_ms", "busy_ms", "idle_ms",
                        "idle_pct_of_window", "largest_gap_ms"});
    md_.Line("Largest gaps:");
    Tab(s, "gpu_idle_gaps", {"device_id", "gap_start_ns", "gap_end_ns", "gap_ms"},
        std::min(top(), kGapRows));
  }

  void NvtxRanges(const Section& s) {
    const Table* t = s.Find("nvtx_ranges");
    std::vector<std::string> cols = {"range_name"};
    bool domains = false, open = false;
    if (t)
      for (size_t r = 0; r < t->rows.size(); ++r) {
        domains |= !t->At(r, "domain").AsText().empty();
        open |= t->At(r, "open_count").AsInt() != 0;
      }
    if (domains) cols.push_back("domain");
    for (const char* c : {"count", "total_time_ms", "avg_duration_us"})
      cols.push_back(c);
    if (open) cols.push_back("open_count");
    Tab(s, "nvtx_ranges", cols);

    const Table* ph = s.Find("phases");
    const Settings& st = rep_.settings;
    std::string source = st.phase_map_source == "default"
                             ? "the default phase map"
                             : "the phase map " + Code(st.phase_map_source);
    if (ph && !ph->rows.empty()) {
      md_.Line("Phases (NVTX range names mapped by " + source + "):");
      Tab(s, "phases", {"phase", "range_names", "nvtx_count", "nvtx_wall_time_ms",
                        "kernel_count", "kernel_time_ms", "pct_of_total_kernel_time"});
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

  void NvtxKernelTime(const Section& s) {
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
    Tab(s, "nvtx_kernel_time",
        {"range_name", "kernel_count", "total_kernel_time_ms",
         "avg_kernel_duration_us", "pct_of_total_kernel_time",
         "inclusive_kernel_time_ms"});
    md_.Line("- `kernel_count`/`total_kernel_time_ms` count each kernel once, "
             "for its innermost enclosing range (they add up to the coverage); "
             "`inclusive_kernel_time_ms` counts it for every enclosing range "
             "name (nested ranges overlap).");
  }

  void NvtxByPid(const Section& s) {
    if (!rep_.settings.nvtx_kernel_map) {
      md_.Line("NVTX-attributed GPU time columns: disabled by "
               "`--no-nvtx-kernel-map` (host wall time only).");
      Tab(s, "nvtx_by_pid", {"pid", "range_name", "count", "total_time_ms",
                             "avg_duration_us", "open_count"});
      return;
    }
    Tab(s, "nvtx_by_pid",
        {"pid", "range_name", "nvtx_total_time_ms", "nvtx_count",
         "attributed_kernel_time_ms", "attributed_kernel_count",
         "pid_attribution_coverage_pct"});
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

  void Derivation() {
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
