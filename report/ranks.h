// Many ranks: nsys-explain-render R0.sqlite R1.sqlite ... --out DIR renders
// each trace as a normal report into DIR/ranks/<stem>/ and merges their
// report.json "rank" blocks into DIR/report.md, report.json and
// tables/ranks_*.csv (per-rank step time, kernel time, GPU busy; stragglers;
// the wait inside each collective). --merge A/report.json ... runs only the
// merge. Every number comes from the per-rank reports' views; rank identity
// is (file stem, PID, device), never the argument order.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "db.h"
#include "jobs.h"
#include "output_dir.h"
#include "report.h"

namespace nsysexplain::render {

inline constexpr const char* kRankFormat = "nsys-explain-rank";
inline constexpr int kRankFormatVersion = 1;
// At most this many instances per (rank, collective) go into the rank block.
inline constexpr int64_t kRankInstanceLimit = 4096;
// A rank is a straggler when its decode step p50 (else its kernel time) is
// at least this much above the median rank's.
inline constexpr double kStragglerPct = 10.0;
// A collective is a finding when its mean start spread reaches this (the
// default nccl_skew_warn_us of the single-trace report).
inline constexpr double kWaitFindingUs = 100.0;

// report.json's "rank" block of one trace (report/README-json.md): its ranks
// (PID, device) with step stats, kernel and category totals, GPU busy and
// the first kRankInstanceLimit instances of each collective.
nlohmann::ordered_json BuildRankBlock(Db& db, const std::string& trace_path);

// The traces TRACE... names: files as given, a directory's *.sqlite files
// (sorted), a quoted glob's matches (sorted). Throws FatalError.
std::vector<std::string> ExpandTraceArgs(const std::vector<std::string>& args);
// True when TRACE... is more than one trace (several, a directory, a glob).
bool IsMultiTrace(const std::vector<std::string>& args);

struct RankRenderOptions {
  Options opt;  // settings applied to every trace
  bool md = true, json = true, csv = true, html = true;
  int jobs = 2;  // traces rendered at once
};


// The per-rank report files (under ranks/<stem>/) and the merged report, for
// one atomic WriteOutDir. Throws FatalError about the first bad trace.
OutputFiles RenderRanks(const std::vector<std::string>& traces, const RankRenderOptions& o);

// --merge: the merged report of these report.json files. Throws
// FatalError(path, problem) for a file that is not a report.json of this
// format and version.
OutputFiles MergeRankReports(const std::vector<std::string>& json_paths);

}  // namespace nsysexplain::render
