// The many-ranks mode's output: the merged report.md, report.json and
// tables/ranks_*.csv of a Merged, and the two entry points: RenderRanks
// (each trace rendered as a normal report, then merged) and
// MergeRankReports (--merge of report.json files).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "errors.h"
#include "md_writer.h"
#include "ranks.h"
#include "ranks_internal.h"
#include "render.h"
#include "text.h"
#include "trace_input.h"

namespace nsysexplain::render {

using namespace ranks_detail;

namespace {

struct MergedTable {
  const char* name;
  const char* title;
  const char* note;
  const Table Merged::*table;
};

constexpr MergedTable kTables[] = {
    {"ranks", "Ranks",
     "Per rank (file stem, PID, device): decode/prefill step p50/p99 of llm_steps (warm-up "
     "steps excluded), kernel time and count of llm_kernel_categories_by_pid, GPU busy of "
     "llm_gpu_idle (the device's kernel union, every process on it). vs_median: percent above "
     "the median rank. straggler = 1 when decode p50 or kernel time is at least 10% above the "
     "median rank, or the rank starts last in at least half of the instances of a collective "
     "whose mean start spread is 100 us or more.",
     &Merged::ranks_t},
    {"ranks_collectives", "Collective wait",
     "llm_nccl_instances: the n-th instance of a collective on each rank (counted per rank in "
     "start order) is compared across ranks; start spread = latest - earliest start = how long "
     "the fastest rank waits for the slowest; end spread the same for the ends.",
     &Merged::colls_t},
    {"ranks_waits", "Wait per rank",
     "Per rank and collective: mean of (latest start of the instance - this rank's start); "
     "last_pct = share of the instances this rank started last.",
     &Merged::waits_t},
    {"ranks_categories", "Kernel categories per rank",
     "llm_kernel_categories_by_pid summed per rank.", &Merged::cats_t},
};

std::string RenderMergedMd(const Merged& m) {
  MdWriter md(true);
  md.Line("# nsys-explain ranks report");
  md.Blank();
  md.Bullet("Inputs", std::to_string(m.files.size()) + " traces, " +
                          std::to_string(m.ranks.size()) + " ranks");
  for (const FileIn& f : m.files)
    md.Bullet("Trace", MdCode(f.trace) + " (host " + (f.host.empty() ? "unknown" : f.host) +
                           ", session start " +
                           (f.session_utc.empty() ? std::string("unknown") : f.session_utc) + ")");
  md.Bullet("Rank names",
            "`<file stem>:pid<PID>:gpu<device>` (from the trace, not from the "
            "argument order)");
  for (const std::string& c : m.caveats) md.Bullet("Caveat", c);
  md.Blank();
  md.Line("## Findings");
  md.Blank();
  if (m.findings.empty())
    md.Line("_No straggler and no collective with a mean start spread of " +
            Fixed(kWaitFindingUs, 0) + " us or more._");
  for (const std::string& f : m.findings) md.Line("- " + MdInline(f));
  md.Blank();
  md.Line("## Warnings");
  md.Blank();
  if (m.warnings.empty()) md.Line("_None._");
  for (const auto& [code, msg] : m.warnings) md.Line("- `" + code + "`: " + MdInline(msg));
  for (const MergedTable& t : kTables) {
    md.Blank();
    md.Line(std::string("## ") + t.title);
    md.Blank();
    md.Line(t.note);
    md.Blank();
    const Table& tab = m.*t.table;
    if (tab.rows.empty())
      md.Line("_Not available: " +
              std::string(t.table == &Merged::ranks_t || t.table == &Merged::cats_t
                              ? "no ranks"
                              : "no collective ran on two or more ranks of one clock") +
              "._");
    else
      md.Table(tab, {}, 30, std::string(t.name) + ".csv");
  }
  return md.str();
}

std::string RenderMergedJson(const Merged& m) {
  json inputs = json::array();
  for (const FileIn& f : m.files) {
    json names = json::array();
    for (const RankIn& r : m.ranks)
      if (r.trace == f.trace && r.file == f.file) names.push_back(r.name);
    inputs.push_back({{"trace", f.trace},
                      {"file", f.file},
                      {"session_start_utc", f.session_utc},
                      {"host", f.host},
                      {"kernel_window_start_ns", f.win_start ? json(*f.win_start) : json(nullptr)},
                      {"kernel_window_end_ns", f.win_end ? json(*f.win_end) : json(nullptr)},
                      {"ranks", names}});
  }
  json warnings = json::array();
  for (const auto& [code, msg] : m.warnings) warnings.push_back({{"code", code}, {"message", msg}});
  json tables = json::object();
  for (const MergedTable& t : kTables) tables[t.name] = TableToJson(m.*t.table);
  json doc = {{"schema_version", kJsonSchemaVersion},
              {"kind", "ranks"},
              {"tool", {{"name", kToolName}, {"version", ExtensionVersion()}}},
              {"generated_at", UtcNow()},
              {"inputs", inputs},
              {"clocks_comparable", m.one_clock},
              {"caveats", m.caveats},
              {"warnings", warnings},
              {"findings", m.findings},
              {"tables", tables}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

OutputFiles RenderMerged(const std::vector<std::pair<std::string, json>>& docs) {
  Merged m = Merge(docs);
  OutputFiles out = {{"report.md", RenderMergedMd(m)}, {"report.json", RenderMergedJson(m)}};
  for (const MergedTable& t : kTables)
    out.emplace_back(std::string("tables/") + t.name + ".csv", RenderCsv(m.*t.table));
  return out;
}

}  // namespace

OutputFiles RenderRanks(const std::vector<std::string>& traces, const RankRenderOptions& o) {
  std::map<std::string, std::string> stems;
  for (const std::string& t : traces) {
    CheckTracePath(t);
    if (auto [it, fresh] = stems.emplace(Stem(t), t); !fresh)
      throw FatalError(t, "has the file stem of " + it->second +
                              " (rank names and ranks/<stem>/ would collide; rename one)");
  }
  struct Done {
    OutputFiles files;
    std::string json;
    std::exception_ptr error;
  };
  std::vector<Done> done(traces.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < traces.size();) {
      try {
        Options opt = o.opt;
        opt.trace_path = traces[i];
        Db db = OpenTrace(traces[i]);
        Report rep;
        try {
          ApplySettings(db, opt);
          rep = BuildReport(db, opt);
        } catch (const DbError& e) {
          throw FatalError(traces[i], std::string("query failed: ") + e.what());
        }
        const std::string dir = "ranks/" + Stem(traces[i]) + "/";
        done[i].json = RenderJson(rep);
        if (o.md) done[i].files.emplace_back(dir + "report.md", RenderMarkdown(rep));
        if (o.json) done[i].files.emplace_back(dir + "report.json", done[i].json);
        if (o.html) done[i].files.emplace_back(dir + "report.html", RenderHtml(rep));
        if (o.csv)
          for (auto& [name, data] : RenderCsvFiles(rep))
            done[i].files.emplace_back(dir + name, std::move(data));
      } catch (...) {
        done[i].error = std::current_exception();
      }
    }
  };
  uint64_t largest = 0;
  for (const std::string& t : traces) {
    std::error_code ec;
    uint64_t n = std::filesystem::file_size(t, ec);
    if (!ec) largest = std::max(largest, n);
  }
  const size_t jobs = JobsWithinMemory(
      std::min<size_t>(size_t(std::max(o.jobs, 1)), traces.size()), AvailableMemoryBytes(),
      largest);
  std::vector<std::thread> pool;
  for (size_t j = 1; j < jobs; ++j) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (const Done& d : done)
    if (d.error) std::rethrow_exception(d.error);
  std::vector<std::pair<std::string, json>> docs;
  for (size_t i = 0; i < traces.size(); ++i)
    docs.emplace_back(traces[i], json::parse(done[i].json));
  OutputFiles out = RenderMerged(docs);
  for (Done& d : done)
    for (auto& f : d.files) out.push_back(std::move(f));
  return out;
}

OutputFiles MergeRankReports(const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, json>> docs;
  for (const std::string& p : Expand(args, ".json")) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw FatalError(p, "cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    json doc = json::parse(ss.str(), nullptr, false);
    if (doc.is_discarded()) throw FatalError(p, "not valid JSON");
    docs.emplace_back(p, std::move(doc));
  }
  return RenderMerged(docs);
}

}  // namespace nsysexplain::render
