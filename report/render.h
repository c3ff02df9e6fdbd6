// The renderers of a Report.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "report.h"

namespace nsysexplain::render {

// report.md (GitHub-flavoured Markdown).
std::string RenderMarkdown(const Report& rep);

// report.html: one self-contained page (inline CSS, SVG charts and a little
// JS; nothing is loaded from the network or other files).
std::string RenderHtml(const Report& rep);

// The columns report.md shows of a plain table (md_columns: "name?" kept
// only when some row has a value in it, "a|b" kept as it is). Throws
// std::out_of_range for a declared column the view lacks.
std::vector<std::string> MdColumns(const NamedTable& t);

// report.json (schema in report/README-json.md). Invalid UTF-8 is replaced.
std::string RenderJson(const Report& rep);

// tables/<name>.csv for every table of every section: (relative path,
// contents). Full rows; header-only for sections that are not available.
std::vector<std::pair<std::string, std::string>> RenderCsvFiles(const Report& rep);

// One table as report.json writes it: {"columns": [...], "rows": [[...]]}.
nlohmann::ordered_json TableToJson(const Table& t);

// One table as CSV (RFC 4180 quoting, LF line ends, header row first).
std::string RenderCsv(const Table& t);

}  // namespace nsysexplain::render
