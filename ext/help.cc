// llm_help (sql/_report.sql) over _nsys_help: one row per public object the
// extension registers, built from the declarations that define them, so it
// cannot drift from them:
//   llm_* views and tables   the embedded view pack (sql/*.sql): the comment
//                            block above each CREATE (blank lines between
//                            allowed), its first sentence; a line
//                            "-- Example: <query>" in it is the example,
//                            else SELECT * FROM <name> LIMIT 5
//   nsys_* functions         the registration tables of functions.cc
//   nsys_* tables            the dataset declarations (DatasetDef::doc)
//   nsys_interval_gaps       its registration (interval_gaps_vtab.cc)
// Private helpers (_nsys_*) are not listed.
#include <regex>
#include <sstream>

#include "analyses/analysis.h"
#include "datasets.h"
#include "help.h"

namespace nsysexplain {

extern const char kViewPackSql[];

namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The first sentence of `text`: up to the first ". " (or the end).
std::string FirstSentence(const std::string& text) {
  size_t dot = text.find(". ");
  return dot == std::string::npos ? text : text.substr(0, dot + 1);
}

}  // namespace

std::vector<HelpEntry> ViewPackHelp(const std::string& pack) {
  static const std::regex kCreate(
      R"(^CREATE TEMP (VIEW|TABLE) IF NOT EXISTS (llm_[A-Za-z0-9_]+))");
  std::vector<HelpEntry> out;
  std::vector<std::string> comment;  // the comment block above this line
  std::string source;
  bool after_blank = false;
  std::istringstream in(pack);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("-- ---- ", 0) == 0) {  // the pack's file separator
      source = "sql/" + line.substr(8, line.find(' ', 8) - 8);
      comment.clear();
      continue;
    }
    if (line.rfind("--", 0) == 0) {
      if (after_blank) comment.clear();  // a new block
      after_blank = false;
      comment.push_back(Trim(line.substr(2)));
      continue;
    }
    std::smatch m;
    if (std::regex_search(line, m, kCreate)) {
      HelpEntry e;
      e.name = m[2];
      e.kind = m[1] == "VIEW" ? "view" : "table";
      e.call = e.name;
      std::string text;
      for (const std::string& c : comment) {
        if (c.rfind("Example:", 0) == 0) e.example = Trim(c.substr(8));
        else if (!c.empty()) text += (text.empty() ? "" : " ") + c;
      }
      e.description = FirstSentence(text);
      if (e.example.empty()) e.example = "SELECT * FROM " + e.name + " LIMIT 5";
      e.source = source;
      out.push_back(std::move(e));
    }
    // Blank lines keep the block (a file's header describes its first view)
    // until another comment starts a new one; any other line ends it.
    if (Trim(line).empty()) after_blank = true;
    else comment.clear();
  }
  return out;
}

const std::vector<HelpEntry>& AllHelp() {
  static const std::vector<HelpEntry> kAll = [] {
    std::vector<HelpEntry> out = ViewPackHelp(kViewPackSql);
    for (HelpEntry& f : FunctionHelp()) out.push_back(std::move(f));
    for (const AnalysisModule* a : Analyses())
      for (const DatasetDef& d : a->datasets) {
        if (d.name.rfind("nsys_", 0) != 0) continue;
        out.push_back({d.name, "table", d.name, d.doc, "SELECT * FROM " + d.name + " LIMIT 5",
                       std::string("ext/analyses/") + a->name + ".cc"});
      }
    out.push_back(IntervalGapsHelp());
    return out;
  }();
  return kAll;
}

const DatasetDef& HelpDataset() {
  using H = const HelpEntry*;
  static const DatasetDef def = MakeDataset<H>(
      "_nsys_help", "Every public object of the extension (llm_help).",
      {
          {"name", kText, [](const H& h, Cell& c) { c.Text(h->name); }, "object name"},
          {"kind", kText, [](const H& h, Cell& c) { c.Text(h->kind); },
           "view, table, function, aggregate or table-valued function"},
          {"call", kText, [](const H& h, Cell& c) { c.Text(h->call); },
           "how to call it (functions: the argument list)"},
          {"description", kText, [](const H& h, Cell& c) { c.Text(h->description); },
           "one line"},
          {"example", kText, [](const H& h, Cell& c) { c.Text(h->example); },
           "an example query"},
          {"source", kText, [](const H& h, Cell& c) { c.Text(h->source); },
           "where it is defined"},
      },
      [](Session&) {
        const std::vector<HelpEntry>& all = AllHelp();
        Rows<H> rows;
        rows.count = all.size();
        rows.at = [&all](size_t i) { return &all[i]; };
        return rows;
      });
  return def;
}

}  // namespace nsysexplain
