// Internals of report.html shared by its two sources: render_html.cc (the
// page: header, summary, sections, sortable tables) and
// render_html_charts.cc (the inline SVG charts). Nothing else includes this.
#pragma once
#include <cstddef>
#include <string>

#include "report.h"

namespace nsysexplain::render::html {

// Prose of the view pack with `code spans`, as HTML.
std::string Prose(const std::string& s);
// "Not available: <reason>." as a paragraph.
std::string NotAvailable(const std::string& reason);
// A kernel name as shown: its base name, at most `max_chars` (the full name
// goes on hover).
std::string KernelLabel(const std::string& full, size_t max_chars = 60);
// The charts section (<section id="charts">), drawn from the report's tables.
std::string Charts(const Report& rep);

}  // namespace nsysexplain::render::html
