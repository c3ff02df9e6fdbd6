// llm_help's rows (help.cc): every public object of the extension, from the
// declarations that define it.
#pragma once
#include <string>
#include <vector>

#include "dataset.h"
#include "datasets.h"

namespace nsysexplain {

// The llm_* views and tables of a view pack text, with their descriptions
// and examples (rules in help.cc).
std::vector<HelpEntry> ViewPackHelp(const std::string& pack);
// Every public object: views, tables, functions, table-valued functions.
const std::vector<HelpEntry>& AllHelp();
// The dataset _nsys_help serves them from (registered by RegisterDatasets).
const DatasetDef& HelpDataset();

}  // namespace nsysexplain
