// nsys-explain-render --diff BEFORE AFTER: two traces side by side (kernels,
// categories, steps per phase, GPU idle, API calls, NVTX ranges), a
// comparability verdict, findings sorted by impact, and the regression gate
// of --fail-on-regression. Every number comes from the llm_* views of each
// trace; nothing is written to either trace.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db.h"

namespace nsysexplain::render {

// One headline number of both traces.
struct DiffMetric {
  std::string id, label, unit;
  std::optional<double> before, after;
  // How the gate reads it: "pct" (relative change, worse when it grows),
  // "pp" (percentage points of a share, worse when it grows) or "" (not
  // gated).
  std::string gate;
  std::optional<double> Change() const;  // after - before (pp) or % (pct)
};

struct DiffTable {
  std::string name;     // diff.json key and tables/diff_<name>.csv
  std::string title;    // Markdown heading
  std::string note;     // what the table is derived from
  Table table;
  std::vector<std::string> md_columns;
};

struct Diff {
  std::string before_path, after_path;
  // "comparable", "comparable with caveats" or "not comparable".
  std::string verdict;
  std::vector<std::string> blockers;  // why no fair comparison is possible
  std::vector<std::string> caveats;   // what to keep in mind
  std::vector<DiffMetric> metrics;
  std::vector<DiffTable> tables;
  std::vector<std::string> findings;  // sentences, by impact
};

// Queries both traces (their extension connections, settings applied).
Diff BuildDiff(Db& before, Db& after, const std::string& before_path,
               const std::string& after_path);

std::string RenderDiffMarkdown(const Diff& d);
std::string RenderDiffJson(const Diff& d);
std::vector<std::pair<std::string, std::string>> RenderDiffCsvFiles(const Diff& d);

// The gate: the metrics whose change exceeds `pct` (as sentences). Sets
// `comparable` false when no gated metric could be compared (or the traces
// cannot be compared fairly): the gate then fails closed.
std::vector<std::string> GateFailures(const Diff& d, double pct, bool* comparable,
                                      std::string* why_not);

}  // namespace nsysexplain::render
