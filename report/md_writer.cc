#include "md_writer.h"

#include <fmt/format.h>
#include <map>
#include <set>
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
  auto col = [&](const std::string& c) {
    if (t.Col(c) < 0)
      throw std::out_of_range("Markdown table " + csv_name + ": no column '" +
                              c + "'");
    return t.Col(c);
  };
  std::vector<int> idx, alt;  // alt: the "b" of "a|b", else -1
  for (const std::string& c : columns) {
    size_t bar = c.find('|');
    idx.push_back(col(c.substr(0, bar)));
    alt.push_back(bar == std::string::npos ? -1 : col(c.substr(bar + 1)));
  }
  if (columns.empty())
    for (size_t c = 0; c < t.columns.size(); ++c) {
      idx.push_back(static_cast<int>(c));
      alt.push_back(-1);
    }

  std::vector<size_t> rows;
  for (size_t r = 0; r < t.rows.size(); ++r)
    if (!keep || keep(r)) rows.push_back(r);
  const size_t shown = std::min(rows.size(), limit);
  // Per "a|b" column, the a values that several b share among the shown rows.
  std::vector<std::set<std::string>> collide(idx.size());
  for (size_t j = 0; j < idx.size(); ++j) {
    if (alt[j] < 0) continue;
    std::map<std::string, std::set<std::string>> bs;
    for (size_t k = 0; k < shown; ++k)
      bs[t.rows[rows[k]][idx[j]].AsText()].insert(t.rows[rows[k]][alt[j]].AsText());
    for (const auto& [a, b] : bs)
      if (b.size() > 1) collide[j].insert(a);
  }
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
  for (size_t k = 0; k < shown; ++k) {
    std::string line = "|";
    for (size_t j = 0; j < idx.size(); ++j) {
      int c = idx[j];
      if (alt[j] >= 0 && collide[j].count(t.rows[rows[k]][c].AsText())) c = alt[j];
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
