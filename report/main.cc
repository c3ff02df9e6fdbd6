// nsys-explain-render: Nsight Systems SQLite export -> report.md (+ report.json
// and tables/*.csv with --out). The nsysexplain extension is linked in and
// registered with sqlite3_auto_extension, so no .so path is needed.
//
// Exit codes: 0 success (even with unavailable sections), 2 fatal error about
// a named file or directory (one stderr line, nothing written), 3/4 the
// --diff regression gate (regression / no comparison possible), 64 usage.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <new>

#include "core/timing.h"

#include "db.h"
#include "diff.h"
#include "errors.h"
#include "output_dir.h"
#include "phase_map.h"
#include "progress.h"
#include "ranks.h"
#include "render.h"
#include "report.h"
#include "trace_input.h"
#include "window.h"

namespace nsysexplain::render {
namespace {

constexpr const char* kFooter = R"(Outputs:
  without --out   report.md on stdout
  --out DIR       DIR/report.md, DIR/report.json (see report/README-json.md),
                  DIR/report.html (one self-contained page: summary, SVG
                  charts, sortable tables; opens from file://) and
                  DIR/tables/<table>.csv (all rows; RFC 4180, LF line ends)
  --format LIST   only these of them: a comma list of md, json, csv, html
                  (default all; without --out only md, on stdout)
  --diff B A      diff.md on stdout, or with --out DIR/diff.md, DIR/diff.json
                  and DIR/tables/diff_<table>.csv
  TRACE TRACE...  (several files, a directory, a glob) with --out: every
                  trace's report in DIR/ranks/<stem>/ and the cross-rank
                  report DIR/report.md, report.json, tables/ranks_*.csv
  --merge JSON... only that cross-rank report, from per-rank report.json

Progress: while it reads the trace, a progress line on stderr (the table
being read, percent, elapsed time) when stderr is a terminal; none when it
is not, or with --quiet or --verbose.

Markdown tables show --top rows (default 30); per-PID kernel blocks, tiny
kernels and API calls show at most 10, idle gaps at most 20. CSV and JSON hold
every row (gpu_idle_gaps: the 50 largest gaps).

Exit codes:
  0   report written (sections without data say "Not available"); with
      --diff --fail-on-regression: no gated metric got worse by more than PCT
  2   fatal problem with the trace, the phase map, the categories file,
      the output directory or the --format list:
      one line "nsys-explain-render: <path or flag>: <problem>" on stderr,
      nothing written
  3   --fail-on-regression: a gated metric got worse by more than PCT (the
      stderr line names each one; the diff is still written)
  4   --fail-on-regression: no comparison was possible (the stderr line says
      why); the gate fails closed
  64  usage error (unknown flag, bad value, missing TRACE))";

// One line, printable: stderr must never get more than one line per error.
std::string OneLine(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return s;
}

void PrintError(const std::string& subject, const std::string& problem) {
  std::string line = std::string(kToolName) + ": ";
  if (!subject.empty()) line += OneLine(subject) + ": ";
  line += OneLine(problem) + "\n";
  std::fputs(line.c_str(), stderr);
}

// What --format chose.
struct Formats {
  bool md = true, json = true, csv = true, html = true;
};

constexpr const char* kFormatList = "md, json, csv, html";

// "md,html" -> {md, html}. A bad list is a FatalError about --format.
Formats ParseFormats(const std::string& list, bool has_out) {
  Formats f{false, false, false, false};
  std::string item;
  for (size_t i = 0; i <= list.size(); ++i) {
    if (i < list.size() && list[i] != ',') {
      item += list[i];
      continue;
    }
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    std::string name = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    item.clear();
    bool* slot = name == "md" ? &f.md : name == "json" ? &f.json
               : name == "csv" ? &f.csv : name == "html" ? &f.html : nullptr;
    if (name.empty())
      throw FatalError("--format", std::string("empty format name in '") + list +
                                       "' (expected a comma list of " + kFormatList + ")");
    if (!slot)
      throw FatalError("--format", "unknown format '" + name + "' (expected a comma list of " +
                                       kFormatList + ")");
    if (*slot) throw FatalError("--format", "format '" + name + "' given twice");
    *slot = true;
  }
  if (!has_out && (f.json || f.csv || f.html))
    throw FatalError("--format", "json, csv and html need --out DIR (without --out only md "
                                 "is written, on stdout)");
  return f;
}

struct Args {
  Options opt;
  Formats formats;
  std::string format;
  std::string out;
  std::string phase_map;
  std::string categories;
  double threshold = 0.7;
  bool force = false;
  bool version = false;
  bool quiet = false;
  bool verbose = false;
  std::vector<std::string> traces;  // TRACE...
  std::vector<std::string> merge;   // --merge REPORT.json...
  int jobs = 2;                     // --jobs
  std::vector<std::string> diff;  // --diff BEFORE AFTER
  double fail_pct = -1;           // --fail-on-regression PCT (-1: off)
  WindowArgs window;              // --from, --to, --nvtx-range, --trim
};

// Parses argv; returns -1 to continue, else an exit code (help, errors).
int ParseArgs(int argc, char** argv, Args* a) {
  CLI::App app("Render an LLM-inference hotspot report (Markdown, JSON, CSV, HTML) "
               "from an Nsight Systems SQLite export.",
               kToolName);
  app.footer(kFooter);
  app.add_option("TRACE", a->traces,
                 "Nsight Systems SQLite export (nsys export --type sqlite); several "
                 "(files, a directory, a glob): one report per rank and a cross-rank report")
      ->type_name("FILE...");
  app.add_option("--merge", a->merge,
                 "Only the cross-rank report, from per-rank report.json files")
      ->type_name("JSON...");
  app.add_option("--jobs", a->jobs, "Traces rendered at once with several TRACEs (default 2)")
      ->type_name("N");
  app.add_option("--out", a->out,
                 "Write report.md, report.json, report.html and tables/*.csv "
                 "into DIR (atomically; DIR must be new or empty unless --force)")
      ->type_name("DIR");
  app.add_option("--format", a->format,
                 "What --out writes: a comma list of md, json, csv, html "
                 "(default all)")
      ->type_name("LIST");
  app.add_option("--phase-map,--phases-json", a->phase_map,
                 "JSON {\"phase\": [\"pattern\", ...]}: NVTX range names "
                 "containing a pattern (case-insensitive, first match wins) "
                 "belong to the phase")
      ->type_name("FILE");
  app.add_option("--categories", a->categories,
                 "Kernel category rules, one \"<category> <pattern>\" per "
                 "line, tried before the defaults (pattern: terms joined by "
                 "'+', all contained, case-insensitive; '!no-defaults' drops "
                 "the defaults)")
      ->type_name("FILE");
  auto* thr = app.add_option("--nvtx-coverage-warn-threshold", a->threshold,
                             "Warn when NVTX->kernel attribution coverage is "
                             "below this fraction (0..1, default 0.7)")
                 ->type_name("F");
  app.add_flag("--no-nvtx-kernel-map", "Skip the NVTX-attributed GPU time sections");
  app.add_option("--top", a->opt.top, "Rows per Markdown table (1..100000, default 30)")
      ->type_name("N");
  app.add_flag("--force", a->force,
               "Allow a non-empty --out DIR (replaces only report.md, "
               "report.json, report.html and tables/*.csv)");
  auto* quiet = app.add_flag("-q,--quiet", a->quiet,
                             "No progress line on stderr and no \"wrote ...\" line "
                             "on stdout (errors still print)");
  app.add_flag("-v,--verbose", a->verbose,
               "Print the time and memory of every load and analysis step on "
               "stderr (what NSYSEXPLAIN_TIMING=1 prints)")
      ->excludes(quiet);
  app.add_option("--diff", a->diff,
                 "Compare two traces instead of reporting one: kernels, categories, "
                 "steps per phase, GPU idle, API calls and NVTX ranges side by side, "
                 "with a comparability verdict (diff.md, diff.json, tables/diff_*.csv "
                 "with --out)")
      ->expected(2)
      ->type_name("BEFORE AFTER");
  auto* gate = app.add_option("--fail-on-regression", a->fail_pct,
                              "With --diff: exit 3 when total GPU kernel time or decode "
                              "step p50/p99 grows by more than PCT percent, or GPU idle "
                              "by more than PCT points; exit 4 when no comparison is "
                              "possible")
                   ->type_name("PCT");
  AddWindowOptions(app, &a->window);
  app.add_flag("--version", a->version, "Print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    throw UsageError(e.what());
  }
  a->opt.nvtx_kernel_map = app.count("--no-nvtx-kernel-map") == 0;
  if (!a->traces.empty()) a->opt.trace_path = a->traces[0];
  if (a->jobs < 1 || a->jobs > 64) throw UsageError("--jobs: must be between 1 and 64");
  if (!a->merge.empty() && (!a->traces.empty() || !a->diff.empty()))
    throw UsageError("--merge takes no TRACE and no --diff");
  if ((!a->merge.empty() || IsMultiTrace(a->traces)) && a->out.empty()) {
    if (a->traces.size() == 1)  // a directory or a pattern: about that path
      throw FatalError(a->traces[0], "is a directory or pattern of traces: that needs --out DIR");
    throw UsageError("several traces and --merge need --out DIR");
  }
  if (a->opt.top < 1 || a->opt.top > 100000)
    throw UsageError("--top: must be between 1 and 100000");
  if (thr->count() > 0) {
    if (!std::isfinite(a->threshold) || a->threshold < 0 || a->threshold > 1)
      throw UsageError("--nvtx-coverage-warn-threshold: must be between 0 and 1");
    a->opt.has_cov_threshold = true;
    a->opt.cov_threshold = a->threshold;
  }
  if (app.count("--out") > 0 && a->out.empty())
    throw UsageError("--out: empty directory name");
  if (app.count("--phase-map") > 0 && a->phase_map.empty())
    throw UsageError("--phase-map: empty file name");
  if (app.count("--categories") > 0 && a->categories.empty())
    throw UsageError("--categories: empty file name");
  if (gate->count() > 0 && a->diff.empty())
    throw UsageError("--fail-on-regression: needs --diff BEFORE AFTER");
  if (gate->count() > 0 && !(a->fail_pct >= 0 && a->fail_pct <= 1e6))
    throw UsageError("--fail-on-regression: must be a percentage >= 0");
  if (!a->diff.empty() && app.count("--format") > 0)
    throw UsageError("--format: not with --diff (a diff writes diff.md, diff.json and CSV)");
  if (!a->diff.empty() && a->window.any())
    throw UsageError("--from, --to, --nvtx-range and --trim: not with --diff");
  if (!a->diff.empty() && app.count("TRACE") > 0)
    throw UsageError("--diff BEFORE AFTER takes no TRACE");
  if (!a->version && a->diff.empty() && a->merge.empty() && app.count("TRACE") == 0)
    throw UsageError("missing TRACE (an nsys SQLite export); see --help");
  if (app.count("--format") > 0) a->formats = ParseFormats(a->format, !a->out.empty());
  return -1;
}

// --diff BEFORE AFTER: both traces opened (and checked) before anything is
// written; the gate's verdict after the files are.
int RunDiff(const Args& a) {
  Db before = OpenTrace(a.diff[0]);
  Db after = OpenTrace(a.diff[1]);
  Diff d;
  std::string current = a.diff[0];
  try {
    ApplySettings(before, a.opt);
    current = a.diff[1];
    ApplySettings(after, a.opt);
    d = BuildDiff(before, after, a.diff[0], a.diff[1]);
  } catch (const DbError& e) {
    throw FatalError(current, std::string("query failed: ") + e.what());
  }
  std::string md = RenderDiffMarkdown(d);
  if (a.out.empty()) {
    if (std::fwrite(md.data(), 1, md.size(), stdout) != md.size() || std::fflush(stdout) != 0)
      throw FatalError("<stdout>", "write error");
  } else {
    OutputFiles files = {{"diff.md", md}, {"diff.json", RenderDiffJson(d)}};
    for (auto& f : RenderDiffCsvFiles(d)) files.push_back(std::move(f));
    WriteOutDir(a.out, files, a.force);
    if (!a.quiet)
      std::printf("%s: wrote diff.md, diff.json and %zu tables/diff_*.csv to %s (%s)\n",
                  kToolName, files.size() - 2, a.out.c_str(), d.verdict.c_str());
  }
  if (a.fail_pct < 0) return kExitOk;
  bool comparable = true;
  std::string why;
  std::vector<std::string> fails = GateFailures(d, a.fail_pct, &comparable, &why);
  if (!comparable) {
    PrintError("", "regression gate: " + why);
    return kExitNotComparable;
  }
  if (fails.empty()) return kExitOk;
  std::string msg;
  for (const std::string& f : fails) msg += (msg.empty() ? "" : "; ") + f;
  PrintError("", "regression: " + msg);
  return kExitRegression;
}

// Several traces (or --merge): per-rank reports and the cross-rank report,
// all checked and rendered before anything is written.
int RunRanks(const Args& a) {
  OutputFiles files =
      !a.merge.empty()
          ? MergeRankReports(a.merge)
          : RenderRanks(ExpandTraceArgs(a.traces),
                        {a.opt, a.formats.md, a.formats.json, a.formats.csv, a.formats.html, a.jobs});
  WriteOutDir(a.out, files, a.force);
  if (!a.quiet)
    std::printf("%s: wrote the cross-rank report.md, report.json and tables/ranks*.csv%s to %s\n",
                kToolName, a.merge.empty() ? " (and ranks/<stem>/ per trace)" : "", a.out.c_str());
  return kExitOk;
}

int Run(int argc, char** argv) {
  Args a;
  if (int rc = ParseArgs(argc, argv, &a); rc >= 0) return rc;
  RegisterNsysExplain();
  if (a.version) {
    std::printf("%s %s\n", kToolName, ExtensionVersion().c_str());
    return kExitOk;
  }
  Options& opt = a.opt;
  if (!a.phase_map.empty()) {
    opt.phase_map = LoadPhaseMap(a.phase_map);
    opt.has_phase_map = true;
    opt.phase_map_path = a.phase_map;
  }
  if (!a.categories.empty()) {
    opt.categories = LoadCategories(a.categories);
    opt.has_categories = true;
    opt.categories_path = a.categories;
  }
  opt.writes_csv = !a.out.empty() && a.formats.csv;
  if (!a.out.empty()) PrecheckOutDir(a.out, a.force);
  if (!a.diff.empty()) return RunDiff(a);
  if (!a.merge.empty() || IsMultiTrace(a.traces)) return RunRanks(a);

  if (a.verbose) core::SetTimingEnabled(true);
  core::ScopedTimer total_tm("nsys-explain-render (total)");
  ProgressLine progress(!a.quiet && !a.verbose && ::isatty(STDERR_FILENO) == 1);
  progress.Phase("opening the trace");
  Db db = OpenTrace(opt.trace_path);
  Report rep;
  try {
    progress.Phase("computing the analyses");
    ApplySettings(db, opt);
    ApplyWindow(db, a.window, opt.trace_path);
    core::ScopedTimer tm("report: nsys_prepare and every section's query");
    rep = BuildReport(db, opt);
  } catch (const DbError& e) {
    throw FatalError(opt.trace_path, std::string("query failed: ") + e.what());
  }

  progress.Phase("writing the report");
  core::ScopedTimer write_tm("report: render and write");
  std::string md = a.formats.md ? RenderMarkdown(rep) : std::string();
  if (a.out.empty()) {
    if (std::fwrite(md.data(), 1, md.size(), stdout) != md.size() ||
        std::fflush(stdout) != 0)
      throw FatalError("<stdout>", "write error");
    progress.Done();
    return kExitOk;
  }
  const Formats& f = a.formats;
  OutputFiles files;
  std::string wrote;
  auto add = [&](const char* name, std::string data) {
    files.emplace_back(name, std::move(data));
    wrote += std::string(wrote.empty() ? "" : ", ") + name;
  };
  if (f.md) add("report.md", std::move(md));
  if (f.json) add("report.json", RenderJson(rep));
  if (f.html) add("report.html", RenderHtml(rep));
  size_t csv = 0;
  if (f.csv)
    for (auto& file : RenderCsvFiles(rep)) {
      files.push_back(std::move(file));
      ++csv;
    }
  if (f.csv) wrote += (wrote.empty() ? "" : ", ") + std::to_string(csv) + " tables/*.csv";
  WriteOutDir(a.out, files, a.force);
  progress.Done();
  if (!a.quiet) std::printf("%s: wrote %s to %s\n", kToolName, wrote.c_str(), a.out.c_str());
  return kExitOk;
}

}  // namespace
}  // namespace nsysexplain::render

int main(int argc, char** argv) {
  using namespace nsysexplain::render;
  try {
    return Run(argc, argv);
  } catch (const FatalError& e) {
    PrintError(e.subject(), e.what());
    return kExitFatal;
  } catch (const UsageError& e) {
    PrintError("", e.what());
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    PrintError("", "out of memory");
    return kExitFatal;
  } catch (const std::exception& e) {
    PrintError("", std::string("internal error: ") + e.what());
    return kExitFatal;
  } catch (...) {
    PrintError("", "internal error");
    return kExitFatal;
  }
}
