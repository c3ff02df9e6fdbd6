// tables/*.csv: RFC 4180 quoting, LF line ends, header row, full rows.
#include "render.h"
#include "text.h"

namespace nsysexplain::render {

std::string RenderCsv(const Table& t) {
  std::string out;
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (c) out += ',';
    out += CsvField(Cell::Text(t.columns[c]));
  }
  out += '\n';
  for (const Row& r : t.rows) {
    for (size_t c = 0; c < r.size(); ++c) {
      if (c) out += ',';
      out += CsvField(r[c]);
    }
    out += '\n';
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> RenderCsvFiles(const Report& rep) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const Section& s : rep.sections)
    for (const NamedTable& t : s.tables)
      files.emplace_back("tables/" + t.name + ".csv", RenderCsv(t.table));
  return files;
}

}  // namespace nsysexplain::render
