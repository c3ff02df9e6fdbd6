// Internals of the many-ranks mode shared by its three sources:
// ranks_inputs.cc (the files TRACE... and --merge name: as given, a
// directory's files, a glob's matches), ranks_merge.cc (the report.json
// "rank" block of one trace, reading the blocks back, and the merge: clocks,
// per-rank table, stragglers, collective wait) and ranks_render.cc (the
// merged report.md, report.json and CSV, and the entry points RenderRanks and
// MergeRankReports). Nothing else includes this.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db.h"

namespace nsysexplain::render::ranks_detail {

using json = nlohmann::ordered_json;

// A trace's file name without its extension: the first part of its rank
// names and its folder ranks/<stem>/.
std::string Stem(const std::string& path);

// Files named by arguments: as given, a directory's files ending in `ext`,
// or a glob's matches. Throws FatalError.
std::vector<std::string> Expand(const std::vector<std::string>& args, const std::string& ext);

// The merge model: what the merge reads of each report.json's "rank" block
// (one FileIn per file, one RankIn per rank) and what it makes of them.

struct Steps {
  int64_t steps = 0;
  std::optional<double> p50, p99;
};

struct Coll {
  int64_t instances = 0;            // on the rank (all of them)
  std::vector<int64_t> start, end;  // the first kRankInstanceLimit
};

struct RankIn {
  std::string name, file, trace, source;
  int64_t pid = 0;
  int64_t device = 0;
  int64_t kernels = 0;
  double kernel_ms = 0;
  std::optional<double> busy_ms;
  std::map<std::string, Steps> steps;  // phase ->
  std::vector<std::pair<std::string, double>> categories;
  std::map<std::string, Coll> coll;
};

struct FileIn {
  std::string file, trace, source, session_utc, host;
  std::string clock = "all";  // files with one clock key share a clock
  std::optional<int64_t> win_start, win_end;
};

struct Merged {
  std::vector<FileIn> files;
  std::vector<RankIn> ranks;
  std::vector<std::pair<std::string, std::string>> warnings;  // code, message
  std::vector<std::string> caveats, findings;
  bool one_clock = true;  // every rank from one file, or windows that overlap
  Table ranks_t, colls_t, waits_t, cats_t;
};

// The ranks of these report.json documents (source, parsed document),
// merged. Throws FatalError(source, problem) about the first document that
// is not a report.json with a "rank" block of this format and version, and
// about a rank name that two documents hold.
Merged Merge(const std::vector<std::pair<std::string, json>>& docs);

}  // namespace nsysexplain::render::ranks_detail
