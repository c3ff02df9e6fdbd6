// GPU time per phase (prefill, decode, ...): a kernel counts once per phase
// among the NVTX ranges enclosing its launch; a range's phase is the first
// temp.llm_phase_map row whose pattern its lower-cased name contains.
// Views: sql/phases.sql.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "session.h"

namespace nsysexplain {

// temp.llm_phase_map as (phase, lower-cased pattern), in rowid order.
using PhaseMap = std::vector<std::pair<std::string, std::string>>;

// The first row of `map` whose pattern `name` contains, case-insensitively
// (ASCII), or -1.
int MatchPhaseMap(const PhaseMap& map, std::string_view name);
// temp.llm_phase_map of the session's connection (read on its thread), in
// rowid order; `key` gets a string that identifies its content.
PhaseMap ReadPhaseMap(Session& s, std::string* key);

struct PhaseRow {
  int64_t pid;  // -1 = all processes
  std::string phase;
  int64_t kernels = 0, ns = 0;
};

// Cached per map content (the parameter key), so editing the map and back
// costs nothing, and an open cursor keeps the rows it reads.
struct PhaseAttribution {
  static constexpr const char* kName = "phases";
  using Result = std::vector<PhaseRow>;  // global rows first, then per PID
  static Result Compute(Session& s, const Scope& scope, const PhaseMap& map);
};

}  // namespace nsysexplain
