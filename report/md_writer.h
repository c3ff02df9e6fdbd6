// Small Markdown builder: lines, bullets and tables of view rows with
// per-column number formatting, escaping and a truncation note.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "db.h"

namespace nsysexplain::render {

class MdWriter {
 public:
  explicit MdWriter(bool writes_csv) : writes_csv_(writes_csv) {}

  void Line(const std::string& s = "") { out_ += s; out_ += '\n'; }
  // Ensures exactly one blank line before the next block.
  void Blank();
  // "- **label**: text" (text is prose with code spans, see MdInline).
  void Bullet(const std::string& label, const std::string& text);

  // A table of `columns` (all columns when empty) over the rows accepted by
  // `keep`, at most `limit` rows; prints a note with the CSV name when rows
  // were cut. A column "a|b" is headed a and shows a, except in the shown
  // rows whose a is also that of another shown row with a different b, which
  // show b (`kernel|kernel_name`: base names, and the full name where two
  // kernels of the table share a base name). Throws std::out_of_range for a
  // column `t` does not have.
  void Table(const nsysexplain::render::Table& t,
             const std::vector<std::string>& columns, size_t limit,
             const std::string& csv_name,
             const std::function<bool(size_t)>& keep = nullptr);

  const std::string& str() const { return out_; }

 private:
  std::string out_;
  bool writes_csv_;
};

}  // namespace nsysexplain::render
