// The shape of the full report that several test suites check: kept in one
// place so that adding a section (docs/ARCHITECTURE.md, "how to add an
// analysis") changes one number, not five files.
#pragma once

#include <cstddef>

namespace nsysexplain::testing {

// Sections in _nsys_all_sections / report.json "sections" (available or not).
inline constexpr std::size_t kReportSections = 25;

}  // namespace nsysexplain::testing
