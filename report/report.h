// The report model: every section of the view pack's report plan
// (_nsys_report_plan = llm_report_sections) with the tables it declares
// (_nsys_all_tables; conventions in sql/_report.sql), full rows at view
// precision, built once and handed to the three renderers.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "db.h"
#include "categories.h"
#include "phase_map.h"

namespace nsysexplain::render {

inline constexpr const char* kToolName = "nsys-explain-render";
inline constexpr int kJsonSchemaVersion = 1;
inline constexpr int kDefaultTop = 30;

struct Options {
  std::string trace_path;
  int top = kDefaultTop;                 // Markdown rows per table
  bool has_cov_threshold = false;
  double cov_threshold = 0.7;            // --nvtx-coverage-warn-threshold
  bool nvtx_kernel_map = true;           // false: --no-nvtx-kernel-map
  bool has_phase_map = false;
  PhaseMap phase_map;                    // --phase-map contents
  std::string phase_map_path;
  bool has_categories = false;
  CategoryRulesFile categories;          // --categories contents
  std::string categories_path;
  bool writes_csv = false;               // --out given: tables/*.csv exist
};

struct NamedTable {
  std::string name;  // CSV file stem and report.json key
  std::string view;  // the llm_* view it comes from
  Table table;
  // How report.md shows it, as declared by the view pack.
  bool md_table = false;    // md_columns not NULL: shown as a table
  std::string md_columns;   // comma-separated; "name?" only when not all empty
  int md_rows = 0;          // at most this many rows (0: --top)
  std::string md_caption;   // line before the table
  std::string md_note;      // line after the table
  std::string md_layout;    // a bespoke layout of render_markdown.cc, or ""
};

struct Section {
  int ord = 0;
  std::string id, title, views, derived_from, limitations, reason;
  std::string pid_source;  // the "PID source" bullet, or ""
  std::vector<std::string> caveats;  // what this trace hides from the section
  bool available = false;
  bool disabled = false;  // turned off by a flag (reason says which)
  std::vector<NamedTable> tables;

  const Table* Find(const std::string& name) const;
};

struct Settings {
  int top_n = kDefaultTop;
  double nvtx_coverage_warn_threshold = 0.7;
  bool nvtx_kernel_map = true;
  std::string phase_map_source;  // "default" or the --phase-map path
  PhaseMap phase_map;            // effective temp.llm_phase_map, in order
  std::string categories_source;  // "default", the --categories path, or
                                  // "<path> (no defaults)" with !no-defaults
};

struct Report {
  std::string tool_version;   // nsys_version()
  std::string generated_at;   // ISO-8601 UTC
  std::string trace_path;     // as given on the command line
  Settings settings;
  Table trace_info;           // llm_trace_info
  Table warnings;             // llm_warnings (after flag filtering)
  Table findings;             // llm_findings
  std::vector<Section> sections;
  bool writes_csv = false;
  nlohmann::ordered_json rank;  // report.json "rank" block (report/ranks.h)

  const Section* FindSection(const std::string& id) const;
  // Value of a llm_trace_info key ("" if absent).
  std::string Info(const std::string& key) const;
};

// Version of the embedded extension (SELECT nsys_version() on :memory:).
std::string ExtensionVersion();

// Writes the settings into the connection's TEMP tables (never the trace).
void ApplySettings(Db& db, const Options& opt);

// Runs every query. Throws DbError on SQL failures.
Report BuildReport(Db& db, const Options& opt);

// Current UTC time as 2026-02-10T08:18:55Z (SOURCE_DATE_EPOCH if set).
std::string UtcNow();

}  // namespace nsysexplain::render
