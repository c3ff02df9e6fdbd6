// Text helpers shared by the renderers: UTF-8 repair, Markdown escaping,
// number formatting by column-name unit, CSV quoting.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "db.h"

namespace nsysexplain::render {

// Replaces every invalid UTF-8 sequence with U+FFFD.
std::string ValidUtf8(std::string_view s);

// Markdown table cell: valid UTF-8, one line (control characters become
// spaces), `|` -> `\|`, backslash, backtick and brackets backslash-escaped,
// `<` -> `&lt;`, `&` -> `&amp;` when it could start an entity. The result
// never opens HTML, a link, a code span or a new cell.
std::string MdCell(std::string_view s);

// Markdown code span holding `s` literally (enough backticks around it;
// newlines become spaces).
std::string MdCode(std::string_view s);

// A line of prose that may contain `code spans` (as the views write them):
// outside code spans `<` (and `&` that could start an entity) become
// entities; control characters become spaces. Code spans are kept (CommonMark backtick-run matching).
std::string MdInline(std::string_view s);

// Splits on '\n' (dropping '\r' and empty lines).
std::vector<std::string> SplitLines(std::string_view s);

// Fixed-point with `decimals` digits ("-0.000" printed as "0.000").
std::string Fixed(double v, int decimals);

// Markdown rendering of a view value by its column name's unit:
// *_ms and *_s: 3 decimals, *_us: 2, anything with "pct": 1, booleans
// (launch_storm, blocks_host): true/false, other integers as is, NULL empty.
// Text goes through MdCell.
std::string MdValue(const std::string& column, const Cell& c);

// RFC 4180 field: quoted when it holds a comma, quote, CR or LF (quotes
// doubled). Text is repaired to valid UTF-8 first. NULL is an empty field,
// empty text is "".
std::string CsvField(const Cell& c);

}  // namespace nsysexplain::render
