#include "metadata.h"

#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

namespace nsysexplain::synth {
namespace {

constexpr int64_t kVm1 = int64_t{1} << 48;

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string ThreadName(int proc) { return fmt::format("VllmWorker-{}", proc); }

}  // namespace

void InternMetadataStrings(Catalog& catalog, int processes) {
  for (int i = 0; i < processes; ++i) catalog.Intern(ThreadName(i));
}

void WriteMetadata(Writer& w, const Catalog& catalog, const SimOptions& opt,
                   const Simulator& sim) {
  std::string sql;
  auto meta = [&](const char* table, const std::string& name,
                  const std::string& value) {
    sql += fmt::format("INSERT INTO {} VALUES({},{});\n", table, Quote(name),
                       Quote(value));
  };

  const std::vector<std::pair<std::string, std::string>> exp = {
      {"EXPORT_PRODUCT_NAME", "NVIDIA Nsight Systems"},
      {"EXPORT_PRODUCT_VERSION", kExportProductVersion},
      {"EXPORT_PRODUCT_DATE", "2026.2"},
      {"EXPORT_SCHEMA_VERSION", "3.25.0"},
      {"EXPORT_SCHEMA_VERSION_MAJOR", "3"},
      {"EXPORT_SCHEMA_VERSION_MINOR", "25"},
      {"EXPORT_SCHEMA_VERSION_MICRO", "0"},
      {"EXPORT_PLATFORM", "linux-desktop"},
      {"EXPORT_ARCH", "x64"},
      {"EXPORT_TIME_UTC", "2026-06-01T12:00:00"},
      {"EXPORT_TIME_LOCAL", "2026-06-01T12:00:00 +0000 UTC"},
      {"EXPORT_HOST", "synth"},
      {"EXPORT_USER", ""},
      {"EXPORT_PARAM_EXPORT_TYPE", "SQLite"},
      {"EXPORT_PARAM_INPUT_FILE", "vllm_serve_synth.nsys-rep"},
      {"EXPORT_PARAM_OUTPUT_FILE", "vllm_serve_synth.sqlite"},
      {"EXPORT_PARAM_OVERWRITE", "true"},
      {"EXPORT_PARAM_LAZY", "true"},
      {"EXPORT_PARAM_INCLUDE_JSON", "false"},
      {"EXPORT_PARAM_INCLUDE_BLOBS", "false"},
      {"EXPORT_PARAM_TIME_NORMALIZE", "false"},
      {"EXPORT_PARAM_TIME_SHIFT", "0"},
      {"EXPORT_CONFIG_TIME_SHIFT", "0"},
      {"SYNTH_GENERATOR",
       fmt::format("nsys-explain-synth {}", kGeneratorVersion)},
      {"SYNTH_ARGS",
       fmt::format("--kernels {} --runtime-per-kernel {} --nvtx-per-kernel {} "
                   "--seed {} --processes {} --layers {}",
                   opt.kernels, opt.runtime_per_kernel, opt.nvtx_per_kernel,
                   opt.seed, opt.processes, opt.layers)},
  };
  for (const auto& [k, v] : exp) meta("META_DATA_EXPORT", k, v);

  std::vector<std::pair<std::string, std::string>> cap = {
      {"DEVICE_ID", "Local (CLI)"},
      {"CAPTURE_EVENT_TYPE", "NvtxEvents"},
      {"CAPTURE_EVENT_TYPE", "Cuda"},
      {"START_TRIGGER", "Immediate"},
      {"STOP_TRIGGER", "Delayed"},
      {"DEVICE_TYPE", "Unix"},
      {"DEVICE_DISPLAY_NAME", "synth"},
      {"CUDA_GRAPH_TRACE_OPTIONS:MODE", opt.graph_mode ? "Graph" : "Node"},
      {"CUDA_GRAPH_TRACE_OPTIONS:TRACE_DEVICE_GRAPH_LAUNCH", "true"},
      {"CUDA_TRACE_SCOPE", "ProcessTree"},
      {"CUDA_BACKTRACE", "true"},
      {"PROCESS_0:HOW_TO_ATTACH", "LaunchAnother"},
      {"PROCESS_0:COMMAND", "vllm"},
      {"PROCESS_0:ARGUMENT_0", "serve"},
      {"PROCESS_0:ARGUMENT_1", "meta-llama/Llama-2-13b-hf"},
      {"PROCESS_0:ARGUMENT_2", "--tensor-parallel-size"},
      {"PROCESS_0:ARGUMENT_3", std::to_string(opt.processes)},
      {"PROCESS_0:ARGUMENT_4", "--dtype"},
      {"PROCESS_0:ARGUMENT_5", "float16"},
      {"PROCESS_0:WORKING_DIR", "/workspace"},
      {"PROCESS_0:COLLECT_NVTX_TRACE", "true"},
      {"PROCESS_0:COLLECT_CUDA_TRACE", "true"},
  };
  for (const auto& [k, v] : cap) meta("META_DATA_CAPTURE", k, v);

  const auto& procs = sim.processes();
  const int64_t parent_pid = procs.empty() ? 1 : procs[0].pid - 1;
  sql += fmt::format("INSERT INTO PROCESSES VALUES({},{},'vllm');\n",
                     kVm1 | (parent_pid << 24), parent_pid);
  const int64_t aux_name_id = catalog.Lookup("async_output");
  for (size_t i = 0; i < procs.size(); ++i) {
    const ProcessInfo& p = procs[i];
    const int np = static_cast<int>(procs.size());
    const int gpu_id = np - 1 - p.device;  // nsys GPU index != CUDA ordinal
    sql += fmt::format("INSERT INTO PROCESSES VALUES({},{},'python3');\n",
                       p.global_pid, p.pid);
    sql += fmt::format("INSERT INTO ThreadNames VALUES({},20,{});\n",
                       catalog.Lookup(ThreadName(static_cast<int>(i))),
                       p.main_tid);
    sql += fmt::format("INSERT INTO ThreadNames VALUES({},20,{});\n",
                       aux_name_id, p.aux_tid);
    sql += fmt::format(
        "INSERT INTO TARGET_INFO_GPU VALUES({vm},{id},'NVIDIA A100-SXM4-80GB',"
        "'0000:{bus:02x}:00.0',1,41943040,85899345920,2039040000000,"
        "1410000000,108,0,'{uuid}',0,'GA100',{cu},'','',161,0,65536,4,65536,"
        "49152,166912,167936,65536,32,5,64,32,1024,1024,1024,64,2147483647,"
        "65535,65535,8,0,8,0);\n",
        fmt::arg("vm", kVm1), fmt::arg("id", gpu_id),
        fmt::arg("bus", 7 + 8 * p.device),
        fmt::arg("uuid", fmt::format("5f0c{:04x}-1b2e-4c3d-9a8b-{:012x}",
                                     p.device, 0xa100u + p.device)),
        fmt::arg("cu", p.device));
    sql +=
        fmt::format("INSERT INTO TARGET_INFO_CUDA_DEVICE VALUES({},{},{});\n",
                    gpu_id, p.device, p.pid);
    sql += fmt::format(
        "INSERT INTO TARGET_INFO_CUDA_CONTEXT_INFO VALUES({},0,1,{},{},{},NULL,"
        "0);\n",
        Simulator::kComputeStream, p.pid, p.device, p.context);
    const std::pair<int, std::pair<int64_t, int>> streams[] = {
        {Simulator::kComputeStream, {0, 3}},
        {Simulator::kCopyStream, {0, 2}},
        {Simulator::kNcclStream, {4294967295LL, 2}},
        {Simulator::kSamplerStream, {0, 2}}};
    for (const auto& [sid, pf] : streams) {
      sql += fmt::format(
          "INSERT INTO TARGET_INFO_CUDA_STREAM VALUES({},0,1,{},{},{},{});\n",
          sid, p.pid, p.context, pf.first, pf.second);
    }
  }

  const std::pair<const char*, std::pair<int, std::string>> env[] = {
      {"CpuCores", {1, "64"}},
      {"CpuArchitecture", {3, "x86_64"}},
      {"NvDriverVersion", {205, "570.124.06"}},
      {"OsDescription", {605, "Ubuntu 22.04.4 LTS"}},
      {"CudaDriverVersion", {611, "12080"}},
      {"SoftwareReleaseVersion", {618, "5.15.0-119-generic"}},
      {"Hostname", {619, opt.hostname}},
      {"HasNvtxEvents", {809, "1"}},
      {"HasCudaEvents", {812, "1"}},
      {"SupportsNCCL", {925, "1"}},
  };
  for (const auto& [name, v] : env) {
    sql += fmt::format(
        "INSERT INTO TARGET_INFO_SYSTEM_ENV VALUES({},'Local "
        "(CLI)',{},{},{});\n",
        kVm1, Quote(name), v.first, Quote(v.second));
  }
  const int64_t start = sim.first_ns() - 1000000000LL;
  const int64_t stop = sim.last_ns() + 1000000LL;
  sql += fmt::format(
      "INSERT INTO TARGET_INFO_SESSION_START_TIME VALUES({},"
      "'2026-06-01T11:58:00','2026-06-01T11:58:00',{});\n",
      int64_t{1780315080000000000} + start, start);
  sql += fmt::format("INSERT INTO ANALYSIS_DETAILS VALUES({},{},{},{});\n",
                     kVm1, stop - start, start, stop);
  w.Exec(sql);
}

}  // namespace nsysexplain::synth
