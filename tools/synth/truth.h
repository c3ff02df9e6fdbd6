// nsys-explain-synth: ground truth computed by construction.
//
// The simulator reports every row it writes; Truth aggregates them exactly
// as docs/SEMANTICS.md defines the report's numbers, without reading the
// database back. NVTX attribution is fed the enclosing ranges the simulator
// knows to be open on the launching thread/process at each launch.
#ifndef NSYSEXPLAIN_TOOLS_SYNTH_TRUTH_H_
#define NSYSEXPLAIN_TOOLS_SYNTH_TRUTH_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "catalog.h"

namespace nsysexplain::synth {

// The NVTX ranges enclosing one launch.
struct Enclosing {
  int innermost = -1;      // NvtxName of the latest-starting range; -1: none
  std::vector<int> names;  // distinct NvtxNames of all enclosing ranges
};

struct RowCounts {
  int64_t kernel = 0;
  int64_t runtime = 0;  // all rows, including eventClass 67
  int64_t runtime_backtrace = 0;
  int64_t nvtx = 0;
  int64_t memcpy = 0;
  int64_t memset = 0;
  int64_t sync = 0;
};

class Truth {
 public:
  Truth(const Catalog& catalog, int processes);

  void SetPid(int proc, int64_t pid) { pids_[proc] = pid; }
  void AddKernel(int kernel, int device, int proc, int64_t start, int64_t end,
                 const Enclosing& enc);
  // A kernel's queue time: its start minus the end of its launch call (a
  // graph launch for replayed kernels).
  void AddQueue(int kernel, bool via_graph, int64_t queue_ns) {
    Acc& a = queue_[{kernel, via_graph}];
    ++a.count;
    a.ns += queue_ns;
  }
  // A RUNTIME row of eventClass 0/1 (eventClass-67 rows are only counted).
  void AddApi(int api, int64_t duration);
  void AddRangeClosed(int name, int64_t duration);
  void AddRangeOpen(int name);
  // One serving-loop step of process `proc`: its phase, how the extension
  // cuts it (nvtx: an execute_model range; sync: host events), and whether
  // it is start-up (before the last graph instantiation).
  void AddStep(int proc, const std::string& phase, const std::string& basis, bool warmup) {
    ++steps_[proc][phase];
    ++step_basis_[proc][basis];
    warmup_steps_[proc] += warmup;
  }
  // A graph-mode graph execution: GPU busy time without kernel rows.
  void AddGraphExec(int device, int64_t start, int64_t end) {
    intervals_[device].emplace_back(start, end);
    ++graph_execs_[device];
  }

  RowCounts& rows() { return rows_; }
  const RowCounts& rows() const { return rows_; }

  // `meta` is copied under the "generator" key.
  nlohmann::ordered_json ToJson(const nlohmann::ordered_json& meta) const;

 private:
  struct KernelStat {
    int64_t calls = 0;
    int64_t total = 0;
    int64_t min = 0;
    int64_t max = 0;
  };
  struct Acc {
    int64_t count = 0;
    int64_t ns = 0;
  };

  const Catalog& catalog_;
  int processes_;
  RowCounts rows_;
  std::vector<KernelStat> kernel_stats_;  // [kernel * processes + device]
  std::vector<std::vector<std::pair<int64_t, int64_t>>> intervals_;  // device
  std::vector<int64_t> pids_;
  std::vector<Acc> pid_kernels_;
  std::vector<int64_t> pid_attributed_;
  std::vector<Acc> api_;  // per Api
  std::vector<Acc> ranges_closed_;
  std::vector<int64_t> ranges_open_;
  std::vector<Acc> innermost_;
  std::vector<Acc> inclusive_;
  int64_t attributed_ns_ = 0;
  std::map<int, std::map<std::string, int64_t>> steps_;  // proc -> phase -> n
  std::map<int, std::map<std::string, int64_t>> step_basis_;  // proc -> basis -> n
  std::map<int, int64_t> warmup_steps_;
  std::map<int, int64_t> graph_execs_;  // device -> graph-mode executions
  std::map<std::pair<int, bool>, Acc> queue_;  // (kernel, via graph) -> queue time
  std::vector<std::vector<int64_t>> durations_;  // [kernel * processes + device]
};

}  // namespace nsysexplain::synth

#endif  // NSYSEXPLAIN_TOOLS_SYNTH_TRUTH_H_
