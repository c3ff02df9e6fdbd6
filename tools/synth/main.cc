// nsys-explain-synth: writes a synthetic but realistic Nsight Systems SQLite
// export of vLLM-style LLM serving (tensor-parallel workers, CUDA graphs,
// NCCL, NVTX) of any size, plus FILE.truth.json with the report's numbers
// computed by construction (docs/SEMANTICS.md).
//
//   nsys-explain-synth --kernels 2000000 --out big.sqlite
//
// Same arguments and seed => byte-identical database and truth file.
#include <fmt/format.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <system_error>

#include "catalog.h"
#include "metadata.h"
#include "simulator.h"
#include "truth.h"
#include "writer.h"

namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

void RenameOrThrow(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    throw std::runtime_error(
        fmt::format("cannot rename {} to {}: {}", from, to,
                    std::error_code(errno, std::generic_category()).message()));
  }
}

int Run(int argc, char** argv) {
  using namespace nsysexplain::synth;
  SimOptions opt;
  std::string out;
  bool force = false;
  bool quiet = false;
  int layers = 0;

  CLI::App app{
      "nsys-explain-synth: generate a synthetic Nsight Systems SQLite export "
      "of vLLM-style LLM serving, plus FILE.truth.json (ground truth)."};
  app.add_option("--out,-o", out,
                 "Output .sqlite file (FILE.truth.json is "
                 "written next to it)")
      ->required();
  app.add_option("--kernels,-n", opt.kernels, "Number of kernel rows")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_option("--runtime-per-kernel", opt.runtime_per_kernel,
                 "CUPTI_ACTIVITY_KIND_RUNTIME rows per kernel")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1000.0));
  app.add_option("--nvtx-per-kernel", opt.nvtx_per_kernel,
                 "NVTX_EVENTS rows per kernel")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1000.0));
  app.add_option("--seed", opt.seed, "Random seed")->capture_default_str();
  app.add_option("--processes,-p", opt.processes,
                 "Tensor-parallel worker processes (one GPU each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--layers", layers,
                 "Transformer layers (0: 4..32 chosen from --kernels)")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  std::string graph_trace = "node";
  app.add_option("--cuda-graph-trace", graph_trace,
                 "How graph replays are traced, as nsys's option: node (every "
                 "kernel a row) or graph (one CUPTI_ACTIVITY_KIND_GRAPH_TRACE row "
                 "per replay, its kernels absent)")
      ->capture_default_str()
      ->check(CLI::IsMember({"node", "graph"}));
  std::string kernel_scale;
  app.add_option("--kernel-scale", kernel_scale,
                 "SUBSTRING=FACTOR: kernels whose demangled name contains "
                 "SUBSTRING run FACTOR times as long, every other number of the "
                 "trace unchanged (a before/after pair for --diff)")
      ->type_name("SUBSTRING=FACTOR");
  app.add_option("--time-offset", opt.time_offset_ns,
                 "NS: shift every timestamp NS later (with the same --seed, a "
                 "rank of a multi-rank set whose collectives start NS late)")
      ->type_name("NS")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 50));
  app.add_option("--hostname", opt.hostname,
                 "TARGET_INFO_SYSTEM_ENV Hostname (a rank on another host)")
      ->capture_default_str();
  app.add_flag("--force,-f", force, "Overwrite an existing output");
  app.add_flag("--quiet,-q", quiet, "No summary on stderr");
  CLI11_PARSE(app, argc, argv);

  opt.layers = layers > 0 ? layers : AutoLayers(opt.kernels, opt.processes);
  opt.graph_mode = graph_trace == "graph";
  if (!kernel_scale.empty()) {
    const size_t eq = kernel_scale.rfind('=');
    char* end = nullptr;
    const double f = eq == std::string::npos ? 0 : std::strtod(kernel_scale.c_str() + eq + 1, &end);
    if (eq == std::string::npos || eq == 0 || !end || *end != '\0' || !(f > 0 && f < 1e6)) {
      fmt::print(stderr, "nsys-explain-synth: --kernel-scale: want SUBSTRING=FACTOR (FACTOR > 0), got {}\n",
                 kernel_scale);
      return 2;
    }
    opt.scale_pattern = kernel_scale.substr(0, eq);
    opt.scale_factor = f;
  }
  const std::string truth_path = out + ".truth.json";
  if (!force && (Exists(out) || Exists(truth_path))) {
    fmt::print(stderr,
               "nsys-explain-synth: {} exists (use --force to overwrite)\n",
               Exists(out) ? out : truth_path);
    return 1;
  }
  const std::string tmp = out + ".tmp";
  const std::string truth_tmp = truth_path + ".tmp";
  std::remove(tmp.c_str());
  std::remove(truth_tmp.c_str());

  const auto t0 = std::chrono::steady_clock::now();
  Writer::ConfigureLibrary();
  Catalog catalog(opt.layers);
  if (!opt.scale_pattern.empty() &&
      catalog.ScaleKernels(opt.scale_pattern, opt.scale_factor) == 0) {
    fmt::print(stderr, "nsys-explain-synth: --kernel-scale: no kernel name contains \"{}\"\n",
               opt.scale_pattern);
    return 2;
  }
  InternMetadataStrings(catalog, opt.processes);
  Truth truth(catalog, opt.processes);
  nlohmann::ordered_json meta;
  {
    Writer writer(tmp);
    writer.CreateSchema();
    writer.WriteStrings(catalog);
    Simulator sim(opt, catalog, writer, truth);
    sim.Run();
    WriteMetadata(writer, catalog, opt, sim);
    writer.Finish();
  }
  meta["name"] = "nsys-explain-synth";
  meta["version"] = kGeneratorVersion;
  meta["seed"] = opt.seed;
  meta["processes"] = opt.processes;
  meta["layers"] = opt.layers;
  meta["cuda_graph_trace"] = graph_trace;
  if (!kernel_scale.empty()) meta["kernel_scale"] = kernel_scale;
  if (opt.time_offset_ns != 0) meta["time_offset_ns"] = opt.time_offset_ns;
  if (opt.hostname != "synth") meta["hostname"] = opt.hostname;
  meta["kernels_requested"] = opt.kernels;
  meta["runtime_per_kernel"] = opt.runtime_per_kernel;
  meta["nvtx_per_kernel"] = opt.nvtx_per_kernel;
  {
    std::ofstream f(truth_tmp, std::ios::binary | std::ios::trunc);
    f << truth.ToJson(meta).dump(2) << '\n';
    f.close();
    if (!f) throw std::runtime_error("cannot write " + truth_tmp);
  }
  RenameOrThrow(tmp, out);
  RenameOrThrow(truth_tmp, truth_path);

  if (!quiet) {
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    const RowCounts& r = truth.rows();
    fmt::print(stderr,
               "nsys-explain-synth: wrote {} in {:.1f} s: {} kernels, {} "
               "runtime ({} backtrace), {} nvtx, {} memcpy, {} memset, {} "
               "sync rows\n",
               out, secs, r.kernel, r.runtime, r.runtime_backtrace, r.nvtx,
               r.memcpy, r.memset, r.sync);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "nsys-explain-synth: error: {}\n", e.what());
    return 1;
  }
}
