#include "report.h"

#include <cstdlib>
#include <ctime>
#include <fmt/format.h>
#include <set>

namespace nsysexplain::render {
namespace {

struct TableSpec {
  const char* name;  // CSV stem / JSON key
  const char* view;  // llm_* view
  const char* sql;   // query (nullptr: SELECT * FROM view)
};

// Tables of the known sections. A section missing here (a newer view pack)
// gets one table per view listed in llm_report_sections.views.
struct SectionSpec {
  const char* id;
  std::vector<TableSpec> tables;
  bool nvtx_attribution;  // skipped by --no-nvtx-kernel-map
};

const std::vector<SectionSpec>& Specs() {
  static const std::vector<SectionSpec> kSpecs = {
      {"warnings", {{"warnings", "llm_warnings", nullptr}}, false},
      {"findings", {{"findings", "llm_findings", nullptr}}, false},
      {"top_kernels", {{"kernels", "llm_top_kernels", nullptr}}, false},
      {"pids", {{"pids", "llm_pids", nullptr}}, false},
      {"kernels_by_pid", {{"kernels_by_pid", "llm_kernels_by_pid", nullptr}}, false},
      {"launch_storm_by_pid",
       {{"launch_storm_by_pid", "llm_launch_storm_by_pid", nullptr}}, false},
      {"sync_by_pid", {{"sync_by_pid", "llm_sync_calls_by_pid", nullptr}}, false},
      {"launch_storm",
       {{"launch_storm", "llm_launch_storm", nullptr},
        {"tiny_kernels", "llm_tiny_kernels", nullptr}}, false},
      {"sync",
       {{"sync", "llm_sync_calls", nullptr},
        {"api_calls", "llm_api_calls", nullptr}}, false},
      {"gpu_idle",
       {{"gpu_idle", "llm_gpu_idle", nullptr},
        {"gpu_idle_gaps", "llm_gpu_idle_gaps",
         "SELECT * FROM llm_gpu_idle_gaps LIMIT 50"}}, false},
      {"nvtx_ranges",
       {{"nvtx_ranges", "llm_nvtx_ranges", nullptr},
        {"phases", "llm_phases", nullptr}}, false},
      {"nvtx_kernel_time",
       {{"nvtx_kernel_time", "llm_nvtx_kernel_time", nullptr},
        {"nvtx_coverage", "llm_nvtx_coverage", nullptr}}, true},
      {"nvtx_by_pid", {{"nvtx_by_pid", "llm_nvtx_by_pid", nullptr}}, false},
      {"derivation", {{"trace_info", "llm_trace_info", nullptr}}, false},
  };
  return kSpecs;
}

const SectionSpec* FindSpec(const std::string& id) {
  for (const SectionSpec& s : Specs())
    if (id == s.id) return &s;
  return nullptr;
}

// Warning codes about NVTX->kernel attribution, hidden when it is disabled.
bool IsAttributionWarning(const std::string& code) {
  return code == "nvtx_coverage_low" || code == "nvtx_coverage_low_pid" ||
         code == "kernels_without_launch";
}

std::vector<std::string> SplitViews(const std::string& views) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : views + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  return out;
}

bool IsIdent(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

NamedTable Fetch(Db& db, const TableSpec& spec, bool run) {
  NamedTable t{spec.name, spec.view, {}};
  std::string sql = spec.sql ? spec.sql : std::string("SELECT * FROM ") + spec.view;
  if (run) {
    t.table = db.Query(sql);
  } else {
    t.table.columns = db.Columns(sql);  // header only, nothing computed
  }
  return t;
}

}  // namespace

const Table* Section::Find(const std::string& name) const {
  for (const NamedTable& t : tables)
    if (t.name == name) return &t.table;
  return nullptr;
}

const Section* Report::FindSection(const std::string& id) const {
  for (const Section& s : sections)
    if (s.id == id) return &s;
  return nullptr;
}

std::string Report::Info(const std::string& key) const {
  for (size_t r = 0; r < trace_info.rows.size(); ++r)
    if (trace_info.At(r, "key").AsText() == key)
      return trace_info.At(r, "value").AsText();
  return "";
}

std::string ExtensionVersion() {
  RegisterNsysExplain();
  Db db = Db::OpenMemory();
  Table t = db.Query("SELECT nsys_version()");
  return t.rows.empty() ? "unknown" : t.rows[0][0].AsText();
}

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH")) {
    char* end = nullptr;
    long long v = std::strtoll(sde, &end, 10);
    if (end != sde && *end == '\0' && v >= 0) now = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void ApplySettings(Db& db, const Options& opt) {
  db.Exec("INSERT OR REPLACE INTO temp.llm_settings(key, value) VALUES "
          "('top_n', ?)", {int64_t{opt.top}});
  if (!opt.nvtx_kernel_map)
    db.Exec("INSERT OR REPLACE INTO temp.llm_settings(key, value) VALUES "
            "('nvtx_kernel_map', 0)");
  if (opt.has_cov_threshold)
    db.Exec("INSERT OR REPLACE INTO temp.llm_settings(key, value) VALUES "
            "('nvtx_coverage_warn_threshold', ?)", {opt.cov_threshold});
  if (opt.has_phase_map) {
    db.Exec("BEGIN");
    db.Exec("DELETE FROM temp.llm_phase_map");
    for (const auto& [phase, pattern] : opt.phase_map)
      db.Exec("INSERT INTO temp.llm_phase_map(phase, pattern) VALUES (?, ?)",
              {phase, pattern});
    db.Exec("COMMIT");
  }
}

Report BuildReport(Db& db, const Options& opt) {
  Report rep;
  rep.tool_version = db.Query("SELECT nsys_version()").rows.at(0).at(0).AsText();
  rep.generated_at = UtcNow();
  rep.trace_path = opt.trace_path;
  rep.writes_csv = opt.writes_csv;

  Settings& st = rep.settings;
  st.top_n = opt.top;
  st.nvtx_kernel_map = opt.nvtx_kernel_map;
  Table thr = db.Query("SELECT value FROM temp.llm_settings WHERE key = "
                       "'nvtx_coverage_warn_threshold'");
  st.nvtx_coverage_warn_threshold =
      thr.rows.empty() ? opt.cov_threshold : thr.rows[0][0].AsDouble();
  st.phase_map_source = opt.has_phase_map ? opt.phase_map_path : "default";
  for (const Row& r : db.Query("SELECT phase, pattern FROM temp.llm_phase_map "
                               "ORDER BY rowid").rows)
    st.phase_map.emplace_back(r[0].AsText(), r[1].AsText());

  // The report needs every big table: load them now, in parallel, instead of
  // one by one as the sections ask (the data-quality dataset requests all
  // three at once).
  db.Query("SELECT count(*) FROM _nsys_data_quality");
  Table secs = db.Query(
      "SELECT ord, section_id, title, views, derived_from, limitations, "
      "available, reason FROM llm_report_sections ORDER BY ord");
  std::set<std::string> seen_tables;
  for (size_t r = 0; r < secs.rows.size(); ++r) {
    Section s;
    s.ord = static_cast<int>(secs.At(r, "ord").AsInt());
    s.id = secs.At(r, "section_id").AsText();
    s.title = secs.At(r, "title").AsText();
    s.views = secs.At(r, "views").AsText();
    s.derived_from = secs.At(r, "derived_from").AsText();
    s.limitations = secs.At(r, "limitations").AsText();
    s.available = secs.At(r, "available").AsInt() != 0;
    s.reason = secs.At(r, "reason").AsText();

    std::vector<TableSpec> tables;
    std::vector<std::string> owned;  // keeps generic names alive
    const SectionSpec* spec = FindSpec(s.id);
    bool attribution = spec && spec->nvtx_attribution;
    if (spec) {
      tables = spec->tables;
      if (s.id == "nvtx_by_pid" && !opt.nvtx_kernel_map)
        tables = {{"nvtx_by_pid", "llm_nvtx_ranges_by_pid", nullptr}};
    } else {
      for (const std::string& v : SplitViews(s.views))
        if (IsIdent(v)) owned.push_back(v);
      for (const std::string& v : owned)
        tables.push_back({v.c_str() + (v.rfind("llm_", 0) == 0 ? 4 : 0),
                          v.c_str(), nullptr});
    }
    if (attribution && !opt.nvtx_kernel_map) {
      s.disabled = true;
      s.available = false;
      s.reason = "disabled by --no-nvtx-kernel-map";
    }
    for (const TableSpec& t : tables) {
      if (!seen_tables.insert(t.name).second) continue;  // one CSV per name
      s.tables.push_back(Fetch(db, t, s.available));
    }
    rep.sections.push_back(std::move(s));
  }

  for (const Section& s : rep.sections) {
    if (const Table* t = s.Find("trace_info")) rep.trace_info = *t;
    if (const Table* t = s.Find("findings")) rep.findings = *t;
  }
  if (rep.trace_info.columns.empty())
    rep.trace_info = db.Query("SELECT * FROM llm_trace_info");
  if (rep.findings.columns.empty())
    rep.findings = db.Query("SELECT * FROM llm_findings");

  // Warnings: hide attribution warnings when attribution is disabled (the
  // section table is filtered too, so Markdown, JSON and CSV agree).
  for (Section& s : rep.sections) {
    for (NamedTable& nt : s.tables) {
      if (nt.name != "warnings") continue;
      if (!opt.nvtx_kernel_map) {
        std::vector<Row> kept;
        for (size_t r = 0; r < nt.table.rows.size(); ++r)
          if (!IsAttributionWarning(nt.table.At(r, "code").AsText()))
            kept.push_back(nt.table.rows[r]);
        nt.table.rows = std::move(kept);
      }
      rep.warnings = nt.table;
    }
  }
  if (rep.warnings.columns.empty())
    rep.warnings = db.Query("SELECT * FROM llm_warnings");
  return rep;
}

}  // namespace nsysexplain::render
