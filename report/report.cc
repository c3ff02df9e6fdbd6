#include "report.h"
#include "ranks.h"
#include "text.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fmt/format.h>
#include <set>

namespace nsysexplain::render {
namespace {

bool IsIdent(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

// A table of the report as the view pack declares it (a row of
// _nsys_all_tables), queried in full, or header only when `run` is false.
NamedTable Fetch(Db& db, const Table& decl, size_t r, bool run) {
  NamedTable t;
  t.name = decl.At(r, "table_name").AsText();
  t.view = decl.At(r, "view").AsText();
  if (!IsIdent(t.view) || !IsIdent(t.name))
    throw DbError(0, "report table '" + t.name + "': bad name or view '" +
                         t.view + "'");
  t.md_table = !decl.At(r, "md_columns").is_null();
  t.md_columns = decl.At(r, "md_columns").AsText();
  t.md_rows = static_cast<int>(decl.At(r, "md_rows").AsInt());
  t.md_caption = decl.At(r, "md_caption").AsText();
  t.md_note = decl.At(r, "md_note").AsText();
  t.md_layout = decl.At(r, "md_layout").AsText();
  std::string sql = "SELECT * FROM " + t.view;
  if (!decl.At(r, "row_limit").is_null())
    sql += " LIMIT " + std::to_string(decl.At(r, "row_limit").AsInt());
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
  if (opt.has_categories) {
    // The file's rules go before the defaults (priorities below 0, in file
    // order); !no-defaults drops the defaults.
    const auto& rules = opt.categories.rules;
    db.Exec("BEGIN");
    if (opt.categories.no_defaults) db.Exec("DELETE FROM temp.llm_kernel_category_rules");
    for (size_t i = 0; i < rules.size(); ++i)
      db.Exec("INSERT INTO temp.llm_kernel_category_rules(priority, category, pattern) "
              "VALUES (?, ?, ?)",
              {static_cast<int64_t>(i) - static_cast<int64_t>(rules.size()),
               rules[i].first, rules[i].second});
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
  st.categories_source = !opt.has_categories ? "default"
                         : opt.categories.no_defaults
                             ? opt.categories_path + " (no defaults)"
                             : opt.categories_path;
  for (const Row& r : db.Query("SELECT phase, pattern FROM temp.llm_phase_map "
                               "ORDER BY rowid").rows)
    st.phase_map.emplace_back(r[0].AsText(), r[1].AsText());

  // The report needs every big table and every analysis: load and compute
  // them now, in parallel, instead of one by one as the sections ask.
  db.Query("SELECT nsys_prepare()");
  Table secs = db.Query(
      "SELECT ord, section_id, title, views, derived_from, limitations, "
      "available, reason, md_pid_source, caveats FROM _nsys_report_plan ORDER BY ord");
  Table decl = db.Query(
      "SELECT section_id, ord, table_name, view, row_limit, md_columns, "
      "md_rows, md_caption, md_note, md_layout, nvtx_kernel_map "
      "FROM _nsys_all_tables ORDER BY section_id, ord");
  auto skipped = [&](size_t d) {  // not queried under --no-nvtx-kernel-map
    return decl.At(d, "nvtx_kernel_map").AsInt() != 0 && !opt.nvtx_kernel_map;
  };
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
    s.pid_source = secs.At(r, "md_pid_source").AsText();
    s.caveats = SplitLines(secs.At(r, "caveats").AsText());

    std::vector<size_t> tables;
    for (size_t d = 0; d < decl.rows.size(); ++d)
      if (decl.At(d, "section_id").AsText() == s.id) tables.push_back(d);
    if (!tables.empty() && std::all_of(tables.begin(), tables.end(), skipped)) {
      s.disabled = true;
      s.available = false;
      s.reason = "disabled by --no-nvtx-kernel-map";
    }
    for (size_t d : tables) {
      // One CSV per name: the first section to declare it owns it.
      if (!seen_tables.insert(decl.At(d, "table_name").AsText()).second) continue;
      s.tables.push_back(Fetch(db, decl, d, s.available && !skipped(d)));
    }
    rep.sections.push_back(std::move(s));
  }

  // (Warnings about the NVTX->kernel attribution are absent when it is
  // disabled: the view pack reads llm_settings.nvtx_kernel_map.)
  for (const Section& s : rep.sections) {
    if (const Table* t = s.Find("trace_info")) rep.trace_info = *t;
    if (const Table* t = s.Find("findings")) rep.findings = *t;
    if (const Table* t = s.Find("warnings")) rep.warnings = *t;
  }
  if (rep.trace_info.columns.empty())
    rep.trace_info = db.Query("SELECT * FROM llm_trace_info");
  if (rep.findings.columns.empty())
    rep.findings = db.Query("SELECT * FROM llm_findings");
  if (rep.warnings.columns.empty())
    rep.warnings = db.Query("SELECT * FROM llm_warnings");
  rep.rank = BuildRankBlock(db, opt.trace_path);
  return rep;
}

}  // namespace nsysexplain::render
