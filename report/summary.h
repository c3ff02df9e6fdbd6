// The one-screen summary at the top of report.md and report.html, taken
// from the report's own tables (no number of its own): capture window, GPUs,
// busy share per device, time by kernel category, step time per phase, the
// top findings. Values are formatted the way report.md formats their
// columns (MdValue); report.html escapes them again.
#pragma once
#include <string>
#include <vector>

#include "report.h"

namespace nsysexplain::render {

struct Summary {
  struct Item {
    std::string label, text;  // text: plain (no Markdown), may be long
  };
  std::vector<Item> items;
  std::vector<std::string> findings;  // "[severity] title", at most 3
};

Summary MakeSummary(const Report& rep);

}  // namespace nsysexplain::render
