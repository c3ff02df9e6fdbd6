// An analysis module: one file pair ext/analyses/<name>.{h,cc} holding its
// intermediate results (row types and how they are computed from the loaded
// columns; pure algorithms stay in ext/core/) and the datasets that serve
// them to sql/<name>.sql. The registry (generated from NSYSEXPLAIN_ANALYSES
// in ext/CMakeLists.txt) lists every module; docs/ARCHITECTURE.md has the
// checklist for adding one.
//
// A cached result is a struct with
//   static constexpr const char* kName;   // unique cache name
//   using Result = ...;                    // what Compute returns
//   static Result Compute(Session&, const Scope&);
// and is read with session.Get<Struct>(scope).
#pragma once
#include <functional>
#include <vector>

#include "dataset.h"
#include "session.h"

namespace nsysexplain {

// What nsys_prepare() passes to each module's prepare function (read on the
// connection's thread from temp.llm_settings).
struct PrepareOptions {
  bool nvtx_kernel_map = true;  // llm_settings nvtx_kernel_map
};

struct AnalysisModule {
  const char* name;  // = the file names ext/analyses/<name>.cc, sql/<name>.sql
  std::vector<DatasetDef> datasets;
  // Computes the module's cached results for the whole trace (Session::Get),
  // so that its views are served from the cache. Called by nsys_prepare() on
  // a worker thread, beside other modules, after every big table is loaded:
  // it may only use the Session (Get, the table accessors, Trace::Name and
  // Trace::Intern), never the user's connection (a result whose Compute reads
  // it, like GraphTrace, is computed by PrepareAll on the connection's thread
  // before the workers start: add it there). nullptr: nothing to do.
  void (*prepare)(Session& s, const PrepareOptions& opt) = nullptr;
  // For results that depend on the connection's settings tables (phase map,
  // category rules, llm_settings): called by nsys_prepare() on the
  // connection's thread before the workers start, reads those settings
  // exactly as the module's datasets do (same cache key) and returns the
  // work that computes the result on a worker, with the Session only; an
  // empty function: nothing to do. nullptr: the module has none.
  std::function<void()> (*plan)(Session& s) = nullptr;
};

// Every module, in NSYSEXPLAIN_ANALYSES order (generated registry.cc).
const std::vector<const AnalysisModule*>& Analyses();

// Defines the accessor the generated registry calls for module `name`:
//   NSYSEXPLAIN_ANALYSIS(gpu_idle) { return {"gpu_idle", {Datasets...}}; }
#define NSYSEXPLAIN_ANALYSIS(name)                              \
  static AnalysisModule MakeAnalysisModule_##name();            \
  const AnalysisModule& AnalysisModule_##name() {               \
    static const AnalysisModule m = MakeAnalysisModule_##name(); \
    return m;                                                   \
  }                                                             \
  static AnalysisModule MakeAnalysisModule_##name()

// The rows of a per-trace vector result, with the trace's strings.
template <class T>
Rows<T> RowsOfResult(Session& s, std::shared_ptr<const std::vector<T>> v,
                     const Scope& scope) {
  std::shared_ptr<Trace> t = s.trace(scope);
  return RowsOf<T>(std::move(v), &t->strings, {t});
}
// The same in the connection's window() (the strings of its trace).
template <class T>
Rows<T> RowsOfResult(Session& s, std::shared_ptr<const std::vector<T>> v) {
  return RowsOfResult(s, std::move(v), s.window());
}

// The rows of a dataset whose "all processes" rows (pid NULL) come first and
// the per-PID rows after them, each from its own cached result: only the
// parts a `pid IS [NOT] NULL` constraint asks for are computed.
template <class T, class Global, class ByPid>
Rows<T> GlobalThenPerPid(Session& s, NullFilter f, Global global_fn, ByPid by_pid_fn) {
  std::shared_ptr<const std::vector<T>> global, by_pid;
  if (f != NullFilter::kNotNull) global = global_fn();
  if (f != NullFilter::kNull) by_pid = by_pid_fn();
  if (!by_pid) return RowsOfResult(s, global);
  if (!global) return RowsOfResult(s, by_pid);
  std::shared_ptr<Trace> t = s.trace();
  Rows<T> rows;
  rows.count = global->size() + by_pid->size();
  rows.at = [g = global.get(), p = by_pid.get()](size_t i) {
    return i < g->size() ? (*g)[i] : (*p)[i - g->size()];
  };
  rows.strings = &t->strings;
  rows.keep = {global, by_pid, t};
  return rows;
}

}  // namespace nsysexplain
