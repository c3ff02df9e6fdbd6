// Session::PrepareAll (nsys_prepare()): every big table loaded at once, in
// parallel, then every analysis module's cached results computed on the
// worker threads (modules are independent; an analysis that needs another's
// result gets it from the cache, or computes it first), so the views read
// afterwards are served from the cache.
#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "analyses/analysis.h"
#include "analyses/cuda_graphs.h"
#include "core/timing.h"
#include "session.h"

namespace nsysexplain {

void Session::PrepareAll(bool nvtx_kernel_map) {
  core::ScopedTimer total("prepare (all analyses)");
  trace(window_);  // probed here, on the connection's thread
  Load(window_, {Table::kKernels, Table::kRuntime, Table::kNvtx, Table::kMemory});
  // Results read through the user's connection are computed here, on its
  // thread: a worker that prepared a statement on it would wait for the
  // connection's mutex, which this thread holds while nsys_prepare() runs.
  Get<GraphTrace>(window_);
  PrepareOptions opt;
  opt.nvtx_kernel_map = nvtx_kernel_map;
  struct Job {
    std::string name;
    std::function<void()> run;
  };
  std::vector<Job> jobs;
  for (const AnalysisModule* m : Analyses())
    if (m->prepare) jobs.push_back({m->name, [this, m, &opt] { m->prepare(*this, opt); }});
  // The slowest first (nvtx_attribution), so the rest fill the other core.
  std::stable_sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) {
    return a.name == "nvtx_attribution" && b.name != "nvtx_attribution";
  });
  // Results that depend on the settings tables: the settings are read here,
  // on the connection's thread; the work runs on the workers right after the
  // slowest job has started (not last, where one core would wait for it).
  // A settings table that cannot be read (the user dropped it) is left to
  // the query that reads it, which reports the error.
  for (const AnalysisModule* m : Analyses()) {
    if (!m->plan) continue;
    std::function<void()> run;
    try {
      run = m->plan(*this);
    } catch (const Error&) {
      continue;
    }
    if (run)
      jobs.insert(jobs.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(1, jobs.size())),
                  Job{std::string(m->name) + " (settings)", std::move(run)});
  }
  std::atomic<size_t> next{0};
  std::vector<std::exception_ptr> errors(jobs.size());
  auto work = [&] {
    for (size_t j; (j = next.fetch_add(1)) < jobs.size();) {
      try {
        core::ScopedTimer tm("prepare " + jobs[j].name);
        jobs[j].run();
      } catch (...) {
        errors[j] = std::current_exception();
      }
    }
  };
  unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < std::min<unsigned>(hw, 4); ++i) {
    try {
      threads.emplace_back(work);
    } catch (...) {  // no more threads: this one does the rest
      break;
    }
  }
  work();
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace nsysexplain
