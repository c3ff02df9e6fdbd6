// Helpers of the report.html suite: render a trace once, and read the marks
// of report.html's charts back (a small attribute scanner, enough for the
// markup render_html.cc writes).
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e_util.h"

namespace html {

// One SVG mark: its element name and attributes.
struct Mark {
  std::string tag;
  std::map<std::string, std::string> attrs;
  std::string Attr(const std::string& k) const {
    auto it = attrs.find(k);
    return it == attrs.end() ? "" : it->second;
  }
  double Value() const { return std::stod(Attr("data-value")); }
};

// The markup of <figure id="chart-<id>" ...> ... </figure> ("" if absent).
std::string Figure(const std::string& page, const std::string& id);

// Every element with class="cls" inside `markup`, in document order.
std::vector<Mark> Marks(const std::string& markup, const std::string& cls);

// A column's values of a report.json table, in row order.
std::vector<nlohmann::json> Column(const nlohmann::json& table, const std::string& col);

// The example trace rendered with --out (every format), once per process.
struct Rendered {
  std::string dir, html, md;
  nlohmann::json json;
};
const Rendered& Example();

}  // namespace html
