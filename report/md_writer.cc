#include "md_writer.h"

#include <fmt/format.h>
#include <stdexcept>

#include "text.h"

namespace nsysexplain::render {

void MdWriter::Blank() {
  if (out_.empty()) return;
  if (out_.back() != '\n') out_ += '\n';
  if (out_.size() >= 2 && out_[out_.size() - 2] == '\n') return;
  out_ += '\n';
}

void MdWriter::Bullet(const std::string& label, const std::string& text) {
  Line("- **" + label + "**: " + MdInline(text));
}

void MdWriter::Table(const nsysexplain::render::Table& t,
                     const std::vector<std::string>& columns, size_t limit,
                     const std::string& csv_name,
                     const std::function<bool(size_t)>& keep) {
  std::vector<int> idx;
  for (const std::string& c : columns) {
    if (t.Col(c) < 0)
      throw std::out_of_range("Markdown table " + csv_name + ": no column '" +
                              c + "'");
    idx.push_back(t.Col(c));
  }
  if (columns.empty())
    for (size_t c = 0; c < t.columns.size(); ++c) idx.push_back(static_cast<int>(c));

  std::vector<size_t> rows;
  for (size_t r = 0; r < t.rows.size(); ++r)
    if (!keep || keep(r)) rows.push_back(r);
  Blank();
  if (rows.empty()) {
    Line("_No rows._");
    Blank();
    return;
  }
  std::string head = "|", sep = "|";
  for (int c : idx) {
    head += " " + MdCell(t.columns[c]) + " |";
    sep += " --- |";
  }
  Line(head);
  Line(sep);
  size_t shown = std::min(rows.size(), limit);
  for (size_t k = 0; k < shown; ++k) {
    std::string line = "|";
    for (int c : idx) {
      const Cell& cell = t.rows[rows[k]][c];
      std::string v = MdValue(t.columns[c], cell);
      line += v.empty() ? " |" : " " + v + " |";
    }
    Line(line);
  }
  if (shown < rows.size()) {
    Blank();
    std::string where = "tables/" + csv_name + ".csv";
    Line(writes_csv_
             ? fmt::format("_Showing {} of {} rows; all rows in `{}`._", shown,
                           rows.size(), where)
             : fmt::format("_Showing {} of {} rows; `--out DIR` writes all "
                           "rows to `{}`._",
                           shown, rows.size(), where));
  }
  Blank();
}

}  // namespace nsysexplain::render
