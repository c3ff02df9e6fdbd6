// report.json: stable keys (report/README-json.md). Numbers stay as the views
// return them; NULL is null; text with invalid UTF-8 is replaced on dump.
#include <cmath>
#include <nlohmann/json.hpp>

#include "render.h"
#include "text.h"

namespace nsysexplain::render {
namespace {

using json = nlohmann::ordered_json;

json Value(const Cell& c) {
  switch (c.type) {
    case Cell::Type::kInt: return c.i;
    case Cell::Type::kReal: return std::isfinite(c.d) ? json(c.d) : json(nullptr);
    case Cell::Type::kText: return c.s;
    default: return nullptr;
  }
}

json Lines(const std::string& s) {
  json a = json::array();
  for (const std::string& l : SplitLines(s)) a.push_back(l);
  return a;
}

}  // namespace

nlohmann::ordered_json TableToJson(const Table& t) {
  json rows = json::array();
  for (const Row& r : t.rows) {
    json row = json::array();
    for (const Cell& c : r) row.push_back(Value(c));
    rows.push_back(std::move(row));
  }
  return {{"columns", t.columns}, {"rows", std::move(rows)}};
}

std::string RenderJson(const Report& rep) {
  json info = json::object();
  for (size_t r = 0; r < rep.trace_info.rows.size(); ++r)
    info[rep.trace_info.At(r, "key").AsText()] = Value(rep.trace_info.At(r, "value"));

  json phase_map = json::array();
  for (const auto& [phase, pattern] : rep.settings.phase_map)
    phase_map.push_back({{"phase", phase}, {"pattern", pattern}});

  json warnings = json::array();
  for (size_t r = 0; r < rep.warnings.rows.size(); ++r)
    warnings.push_back({{"severity", Value(rep.warnings.At(r, "severity"))},
                        {"code", Value(rep.warnings.At(r, "code"))},
                        {"message", Value(rep.warnings.At(r, "message"))}});

  json findings = json::array();
  for (size_t r = 0; r < rep.findings.rows.size(); ++r)
    findings.push_back(
        {{"severity", Value(rep.findings.At(r, "severity"))},
         {"title", Value(rep.findings.At(r, "title"))},
         {"evidence", Lines(rep.findings.At(r, "evidence").AsText())},
         {"recommendation", Lines(rep.findings.At(r, "recommendation").AsText())},
         {"rule", Value(rep.findings.At(r, "rule"))}});

  json sections = json::array();
  for (const Section& s : rep.sections) {
    json tables = json::object();
    for (const NamedTable& t : s.tables) tables[t.name] = TableToJson(t.table);
    sections.push_back({{"id", s.id},
                        {"ord", s.ord},
                        {"title", s.title},
                        {"views", s.views},
                        {"available", s.available},
                        {"reason", s.reason.empty() ? json(nullptr) : json(s.reason)},
                        {"derived_from", s.derived_from},
                        {"limitations", s.limitations},
                        {"caveats", s.caveats},
                        {"tables", std::move(tables)}});
  }

  json doc = {
      {"schema_version", kJsonSchemaVersion},
      {"tool", {{"name", kToolName}, {"version", rep.tool_version}}},
      {"generated_at", rep.generated_at},
      {"trace", {{"path", rep.trace_path}, {"info", std::move(info)}}},
      {"settings",
       {{"top_n", rep.settings.top_n},
        {"nvtx_coverage_warn_threshold", rep.settings.nvtx_coverage_warn_threshold},
        {"nvtx_kernel_map", rep.settings.nvtx_kernel_map},
        {"phase_map_source", rep.settings.phase_map_source},
        {"kernel_categories_source", rep.settings.categories_source},
        {"phase_map", std::move(phase_map)}}},
      {"warnings", std::move(warnings)},
      {"findings", std::move(findings)},
      {"sections", std::move(sections)},
  };
  if (!rep.rank.is_null()) doc["rank"] = rep.rank;
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace nsysexplain::render
