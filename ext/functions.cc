// Scalar functions and aggregates.
//
// Every function is registered variadic and checks its own argument count so
// that every error message starts with the function's name, e.g.
//   nsys_pid(): expected 1 argument, got 2
//
// Aggregates (numbered requirements, cited in the code):
//   nsys_percentile(x, p)  (1) p is a number in [0, 100], the same on every
//                          row; (2) NULL x are ignored; (3) non-numeric x is an
//                          error; (4) no non-NULL x -> NULL; (5) linear
//                          interpolation between closest ranks (numpy
//                          "linear"); (6) usable as a window function.
//   nsys_median(x)         = nsys_percentile(x, 50): the mean of the two
//                          middle values for an even count (nsys's median).
//   nsys_stdev(x)          sample standard deviation; 0 for one value, NULL
//                          for none.
//   nsys_union_ns(start, end)  length of the union of [start, end) intervals;
//                          rows with NULL or end <= start add nothing.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/api_names.h"
#include "core/global_tid.h"
#include "core/interval_union.h"
#include "core/kernel_name.h"
#include "core/nccl.h"
#include "core/percentile.h"
#include "analyses/kernel_categories.h"
#include "datasets.h"
#include "session.h"
#include "sqlite_api.h"

#ifndef NSYSEXPLAIN_VERSION
#define NSYSEXPLAIN_VERSION "0.0.0"
#endif
#ifndef NSYSEXPLAIN_BUILD_TYPE
#define NSYSEXPLAIN_BUILD_TYPE "unknown"
#endif

namespace nsysexplain {
namespace {

constexpr int kPure = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;

// A registered function with its documentation (llm_help): the call form,
// one line of description and an example query that runs on any trace.
struct FnInfo {
  const char* name;
  int min_args;
  int max_args;
  const char* call;
  const char* doc;
  const char* example;
};

bool CheckArgs(sqlite3_context* ctx, const FnInfo& f, int argc) {
  if (argc >= f.min_args && argc <= f.max_args) return true;
  std::string want =
      f.min_args == f.max_args
          ? fmt::format("{} argument{}", f.min_args, f.min_args == 1 ? "" : "s")
          : fmt::format("{} to {} arguments", f.min_args, f.max_args);
  ResultError(ctx, fmt::format("{}(): expected {}, got {}", f.name, want, argc));
  return false;
}

// Reads an integer id argument: NULL -> false without error; integral REAL
// accepted; anything else -> error.
bool IntArg(sqlite3_context* ctx, const char* fname, sqlite3_value* v,
            const char* what, int64_t* out, bool* is_null) {
  *is_null = false;
  switch (sqlite3_value_numeric_type(v)) {
    case SQLITE_NULL:
      *is_null = true;
      return true;
    case SQLITE_INTEGER:
      *out = sqlite3_value_int64(v);
      return true;
    case SQLITE_FLOAT: {
      double d = sqlite3_value_double(v);
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
        *out = static_cast<int64_t>(d);
        return true;
      }
      break;
    }
    default:
      break;
  }
  ResultError(ctx, fmt::format("{}(): {} must be an integer", fname, what));
  return false;
}

// ------------------------------------------------------------- id decoding
template <int64_t (*Decode)(int64_t)>
void IdFunc(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const FnInfo* f = static_cast<const FnInfo*>(sqlite3_user_data(ctx));
  if (!CheckArgs(ctx, *f, argc)) return;
  int64_t g;
  bool null;
  if (!IntArg(ctx, f->name, argv[0], "the global id", &g, &null) || null) return;
  sqlite3_result_int64(ctx, Decode(g));
}

// ----------------------------------------------------------- name helpers
template <int kMode>
void NameFunc(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const FnInfo* f = static_cast<const FnInfo*>(sqlite3_user_data(ctx));
  if (!CheckArgs(ctx, *f, argc)) return;
  Guard(ctx, f->name, [&] {
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL) return;
    if (t != SQLITE_TEXT) {
      ResultError(ctx, fmt::format("{}(): argument must be text", f->name));
      return;
    }
    const char* s = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    std::string_view in(s, static_cast<size_t>(sqlite3_value_bytes(argv[0])));
    std::string out;
    if (kMode == 0) out = std::string(core::ApiBaseName(in));
    else if (kMode == 1) out = core::ApiKindName(core::ClassifyApi(in));
    else if (kMode == 2) out = core::KernelBaseName(in);
    else {
      std::string_view c = core::NcclCollective(in);
      if (c.empty()) return;  // not an NCCL name: NULL
      out = std::string(c);
    }
    sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()),
                        kTransient);
  });
}

void VersionFunc(sqlite3_context* ctx, int argc, sqlite3_value**) {
  const FnInfo* f = static_cast<const FnInfo*>(sqlite3_user_data(ctx));
  if (!CheckArgs(ctx, *f, argc)) return;
  sqlite3_result_text(ctx, NSYSEXPLAIN_VERSION, -1, kTransient);
}

void BuildInfoFunc(sqlite3_context* ctx, int argc, sqlite3_value**) {
  const FnInfo* f = static_cast<const FnInfo*>(sqlite3_user_data(ctx));
  if (!CheckArgs(ctx, *f, argc)) return;
  std::string s = fmt::format(
      "nsysexplain {} ({}); compiled against SQLite {}; running on SQLite {}; "
      "{} {}",
      NSYSEXPLAIN_VERSION, NSYSEXPLAIN_BUILD_TYPE, SQLITE_VERSION,
      sqlite3_libversion(),
#if defined(__clang__)
      "clang", __clang_version__
#elif defined(__GNUC__)
      "gcc", __VERSION__
#else
      "cc", ""
#endif
  );
  sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), kTransient);
}

// ------------------------------------------------------- percentile family
struct PctState {
  std::vector<double> values;
  double p = -1;
  bool p_set = false;
};

struct AggInfo {
  const char* name;
  int nargs;       // exact count
  double fixed_p;  // < 0: p comes from argv[1]
  int kind;        // 0 percentile, 1 stdev
  const char* call;
  const char* doc;
  const char* example;
};

PctState* GetState(sqlite3_context* ctx, bool create) {
  void* mem = sqlite3_aggregate_context(ctx, create ? sizeof(PctState*) : 0);
  if (!mem) return nullptr;
  PctState** slot = static_cast<PctState**>(mem);
  if (!*slot && create) *slot = new (std::nothrow) PctState();
  return *slot;
}

void PctStep(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const AggInfo* a = static_cast<const AggInfo*>(sqlite3_user_data(ctx));
  if (argc != a->nargs) {
    ResultError(ctx, fmt::format("{}(): expected {} argument{}, got {}",
                                 a->name, a->nargs, a->nargs == 1 ? "" : "s",
                                 argc));
    return;
  }
  PctState* st = GetState(ctx, true);
  if (!st) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->kind == 0) {
    double p = a->fixed_p;
    if (p < 0) {
      int pt = sqlite3_value_numeric_type(argv[1]);
      if (pt != SQLITE_INTEGER && pt != SQLITE_FLOAT) {
        ResultError(ctx, fmt::format("{}(): p must be a number in [0, 100]",
                                     a->name));
        return;
      }
      p = sqlite3_value_double(argv[1]);
      if (!(p >= 0 && p <= 100)) {  // Requirement 1 (also rejects NaN)
        ResultError(ctx, fmt::format("{}(): p must be in [0, 100], got {}",
                                     a->name, p));
        return;
      }
      if (st->p_set && st->p != p) {  // Requirement 1: constant p
        ResultError(ctx, fmt::format("{}(): p must be the same on every row",
                                     a->name));
        return;
      }
    }
    st->p = p;
    st->p_set = true;
  }
  switch (sqlite3_value_numeric_type(argv[0])) {
    case SQLITE_NULL:
      return;  // Requirement 2
    case SQLITE_INTEGER:
    case SQLITE_FLOAT: {
      double x = sqlite3_value_double(argv[0]);
      if (std::isnan(x)) return;
      try {
        st->values.push_back(x);
      } catch (...) {
        sqlite3_result_error_nomem(ctx);
      }
      return;
    }
    default:  // Requirement 3
      ResultError(ctx, fmt::format("{}(): x must be numeric", a->name));
  }
}

void PctInverse(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  PctState* st = GetState(ctx, false);
  if (!st || argc < 1) return;
  int t = sqlite3_value_numeric_type(argv[0]);
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) return;
  double x = sqlite3_value_double(argv[0]);
  for (size_t i = 0; i < st->values.size(); ++i) {
    if (st->values[i] == x) {
      st->values[i] = st->values.back();
      st->values.pop_back();
      return;
    }
  }
}

void PctCompute(sqlite3_context* ctx, bool final) {
  const AggInfo* a = static_cast<const AggInfo*>(sqlite3_user_data(ctx));
  PctState* st = GetState(ctx, false);
  if (st && !st->values.empty()) {  // Requirement 4 otherwise -> NULL
    if (a->kind == 0) {
      if (final) {
        auto r = core::PercentileInPlace(st->values, st->p);  // Requirement 5
        sqlite3_result_double(ctx, *r);
      } else {
        std::vector<double> copy(st->values);  // Requirement 6: keep state
        sqlite3_result_double(ctx, *core::PercentileInPlace(copy, st->p));
      }
    } else {
      sqlite3_result_double(
          ctx, *core::SampleStdev(st->values.data(), st->values.size()));
    }
  }
  if (final && st) {
    delete st;
    *static_cast<PctState**>(sqlite3_aggregate_context(ctx, 0)) = nullptr;
  }
}
void PctValue(sqlite3_context* ctx) { PctCompute(ctx, false); }
void PctFinal(sqlite3_context* ctx) { PctCompute(ctx, true); }

// ------------------------------------------------------------ union length
struct UnionState {
  core::UnionAccumulator acc;
};

void UnionStep(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 2) {
    ResultError(ctx, fmt::format("nsys_union_ns(): expected 2 arguments, got {}",
                                 argc));
    return;
  }
  void* mem = sqlite3_aggregate_context(ctx, sizeof(UnionState*));
  if (!mem) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  UnionState*& st = *static_cast<UnionState**>(mem);
  if (!st) st = new (std::nothrow) UnionState();
  if (!st) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  int64_t b, e;
  bool nb, ne;
  if (!IntArg(ctx, "nsys_union_ns", argv[0], "start", &b, &nb)) return;
  if (!IntArg(ctx, "nsys_union_ns", argv[1], "end", &e, &ne)) return;
  if (nb || ne) return;
  try {
    st->acc.Add(b, e);
  } catch (...) {
    sqlite3_result_error_nomem(ctx);
  }
}

void UnionFinal(sqlite3_context* ctx) {
  void* mem = sqlite3_aggregate_context(ctx, 0);
  UnionState* st = mem ? *static_cast<UnionState**>(mem) : nullptr;
  Guard(ctx, "nsys_union_ns",
        [&] { sqlite3_result_int64(ctx, st ? st->acc.Length() : 0); });
  delete st;
}

// ------------------------------------------------- nsys_reset, nsys_prepare
// Functions of the connection's Session (user data: a shared_ptr holder).
Session& SessionOf(sqlite3_context* ctx) {
  return **static_cast<std::shared_ptr<Session>*>(sqlite3_user_data(ctx));
}

bool NoArguments(sqlite3_context* ctx, const char* fname, int argc) {
  if (argc == 0) return true;
  ResultError(ctx, fmt::format("{}(): expected 0 arguments, got {}", fname, argc));
  return false;
}

void ResetFunc(sqlite3_context* ctx, int argc, sqlite3_value**) {
  if (!NoArguments(ctx, "nsys_reset", argc)) return;
  SessionOf(ctx).Reset();
  sqlite3_result_int(ctx, 1);
}

// Loads every big table and computes every analysis at once, in parallel;
// the views read afterwards come from the cache. Honours llm_settings
// nvtx_kernel_map (0: the NVTX attribution is not computed), read through
// the view pack's own definition of it.
void PrepareFunc(sqlite3_context* ctx, int argc, sqlite3_value**) {
  if (!NoArguments(ctx, "nsys_prepare", argc)) return;
  Guard(ctx, "nsys_prepare", [&] {
    Session& s = SessionOf(ctx);
    s.CheckFresh();
    s.ReadWindow();  // prepares the results of the window llm_settings choose
    bool nvtx_map = true;
    {
      Stmt st(sqlite3_context_db_handle(ctx),
              "SELECT enabled FROM temp._nsys_nvtx_kernel_map");
      if (st.Step()) nvtx_map = st.Int(0) != 0;
    }
    s.PrepareAll(nvtx_map);
    sqlite3_result_int(ctx, 1);
  });
}

// The earliest closed NVTX range named `name` (in domain `domain`, '' = the
// default domain; any domain without it) of the whole trace, as JSON
// {"start": ns, "end": ns, "instances": n}; NULL when there is none. The
// renderer's --nvtx-range reads its window from it.
void NvtxRangeExtentFunc(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc < 1 || argc > 2) {
    ResultError(ctx, fmt::format("nsys_nvtx_range_extent(): expected 1 or 2 arguments "
                                 "(name [, domain]), got {}", argc));
    return;
  }
  Guard(ctx, "nsys_nvtx_range_extent", [&] {
    auto text = [](sqlite3_value* v) {
      const unsigned char* t = sqlite3_value_text(v);
      return std::string(t ? reinterpret_cast<const char*>(t) : "",
                         static_cast<size_t>(sqlite3_value_bytes(v)));
    };
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
    std::string name = text(argv[0]);
    bool any_domain = argc < 2 || sqlite3_value_type(argv[1]) == SQLITE_NULL;
    std::string domain = any_domain ? "" : text(argv[1]);
    Session& s = SessionOf(ctx);
    s.CheckFresh();
    s.ReadWindow();  // llm_settings trace_schema
    const Scope whole = s.window().Whole();
    auto t = s.trace(whole);
    auto n = s.nvtx(whole);
    std::vector<uint8_t> match(n->labels.size());
    for (size_t l = 0; l < match.size(); ++l) {
      const auto& lb = n->labels[l];
      match[l] = t->Name(lb.name) == name && (any_domain || t->Name(lb.domain) == domain);
    }
    int64_t count = 0, start = 0, end = 0;
    for (size_t i = 0; i < n->size(); ++i) {
      if (!match[n->label[i]] || n->Open(i)) continue;
      if (count++ == 0 || n->start[i] < start) {
        start = n->start[i];
        end = n->end[i];
      }
    }
    if (count == 0) return sqlite3_result_null(ctx);
    std::string json =
        fmt::format("{{\"start\":{},\"end\":{},\"instances\":{}}}", start, end, count);
    sqlite3_result_text(ctx, json.c_str(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
  });
}

struct SessionFnDef {
  const char* name;
  void (*fn)(sqlite3_context*, int, sqlite3_value**);
  const char* call;
  const char* doc;
  const char* example;
};
const SessionFnDef kSessionFns[] = {
    {"nsys_reset", ResetFunc, "nsys_reset()",
     "Drops the per-connection cache of loaded tables and results (returns 1).",
     "SELECT nsys_reset()"},
    {"nsys_prepare", PrepareFunc, "nsys_prepare()",
     "Loads every big table and computes every analysis at once, in parallel, so "
     "the views read afterwards come from the cache (returns 1).",
     "SELECT nsys_prepare()"},
    {"nsys_nvtx_range_extent", NvtxRangeExtentFunc, "nsys_nvtx_range_extent(name [, domain])",
     "The earliest closed NVTX range of that name (domain: '' = default; any domain "
     "without it) in the whole trace, as JSON {\"start\", \"end\", \"instances\"} "
     "(trace ns); NULL if none. Set llm_settings window_from_ns/window_to_ns from it "
     "to report on that range.",
     "SELECT nsys_nvtx_range_extent('decode')"}};

void DeleteSessionHolder(void* p) {
  delete static_cast<std::shared_ptr<Session>*>(p);
}

// clang-format off
const FnInfo kPid{"nsys_pid", 1, 1, "nsys_pid(global_id)",
    "OS process id of a globalTid or globalPid: (g >> 24) & 0xFFFFFF.",
    "SELECT nsys_pid(302119224788637)"},
  kTid{"nsys_tid", 1, 1, "nsys_tid(global_tid)", "OS thread id of a globalTid: g & 0xFFFFFF.",
    "SELECT nsys_tid(302119224788637)"},
  kVm{"nsys_vm_id", 1, 1, "nsys_vm_id(global_id)", "VM id of a global id: (g >> 48) & 0xFF.",
    "SELECT nsys_vm_id(302119224788637)"},
  kHw{"nsys_hw_id", 1, 1, "nsys_hw_id(global_id)",
    "Hardware id of a global id: (g >> 56) & 0xFF.", "SELECT nsys_hw_id(72057700439031808)"},
  kPkey{"nsys_process_key", 1, 1, "nsys_process_key(global_id)",
    "g & ~0xFFFFFF: hardware + VM + PID, the key to join processes on.",
    "SELECT nsys_process_key(302119224788637)"},
  kBase{"nsys_api_base_name", 1, 1, "nsys_api_base_name(name)",
    "CUDA API name without its _vNNNN, _ptsz and _ptds suffixes.",
    "SELECT nsys_api_base_name('cudaMemcpyAsync_ptsz_v7000')"},
  kKind{"nsys_api_kind", 1, 1, "nsys_api_kind(name)",
    "Kind of a CUDA API call: host_sync, sync_copy, device_wait, poll, launch or other.",
    "SELECT nsys_api_kind('cudaStreamSynchronize_v3020')"},
  kKbase{"nsys_kernel_base_name", 1, 1, "nsys_kernel_base_name(name)",
    "Kernel base name: the demangled name without return type, template arguments "
    "and parameters (namespaces kept; mangled _Z names unchanged).",
    "SELECT nsys_kernel_base_name('void flash::flash_fwd_kernel<Flash_fwd_kernel_traits<"
    "(int)128>, (bool)1>(flash::Flash_fwd_params)')"},
  kNccl{"nsys_nccl_collective", 1, 1, "nsys_nccl_collective(name)",
    "Collective of an NCCL kernel or NVTX range name (AllReduce, AllGather, ReduceScatter, "
    "Broadcast, Reduce, SendRecv, Send, Recv, AllToAll; Other), NULL when the name has no "
    "\"nccl\"; what llm_nccl and llm_nccl_nvtx group by.",
    "SELECT nsys_nccl_collective('nccl:all_reduce')"},
  kVersion{"nsys_version", 0, 0, "nsys_version()", "Version of the extension.",
    "SELECT nsys_version()"},
  kBuild{"nsys_build_info", 0, 0, "nsys_build_info()",
    "Version, build type, compiler and the SQLite versions it was built with and runs on.",
    "SELECT nsys_build_info()"},
  kUnion{"nsys_union_ns", 2, 2, "nsys_union_ns(start, end)",
    "Aggregate: length of the union of [start, end) intervals (GPU busy time).",
    "SELECT device_id, nsys_union_ns(start_ns, end_ns) / 1e6 AS busy_ms "
    "FROM nsys_kernels GROUP BY device_id"},
  kCategory{"nsys_kernel_category", 1, 1, "nsys_kernel_category(name)",
    "Category of a kernel name under the connection's llm_kernel_category_rules "
    "(the views agree with it).",
    "SELECT nsys_kernel_category('FusedAddRMSNormKernel')"};
const AggInfo kPercentile{"nsys_percentile", 2, -1, 0, "nsys_percentile(x, p)",
    "Aggregate/window: percentile p in [0, 100] of x, linear interpolation; NULLs ignored.",
    "SELECT nsys_percentile(dur_ns, 99) FROM nsys_kernels"},
  kMedian{"nsys_median", 1, 50, 0, "nsys_median(x)",
    "Aggregate/window: nsys_percentile(x, 50), nsys's median.",
    "SELECT device_id, nsys_median(dur_ns) FROM nsys_kernels GROUP BY device_id"},
  kStdev{"nsys_stdev", 1, -1, 1, "nsys_stdev(x)",
    "Aggregate/window: sample standard deviation (0 for one value, NULL for none).",
    "SELECT nsys_stdev(dur_ns) FROM nsys_kernels"};
// clang-format on

struct ScalarDef {
  const FnInfo* info;
  void (*fn)(sqlite3_context*, int, sqlite3_value**);
};
const ScalarDef kScalars[] = {
    {&kPid, IdFunc<core::PidOf>},       {&kTid, IdFunc<core::TidOf>},
    {&kVm, IdFunc<core::VmOf>},         {&kHw, IdFunc<core::HwOf>},
    {&kPkey, IdFunc<core::ProcessKey>}, {&kBase, NameFunc<0>},
    {&kKind, NameFunc<1>},              {&kKbase, NameFunc<2>},
    {&kNccl, NameFunc<3>},
    {&kVersion, VersionFunc},           {&kBuild, BuildInfoFunc},
};

}  // namespace

int RegisterFunctions(sqlite3* db, const std::shared_ptr<Session>& session,
                      char** pzErrMsg) {
  auto fail = [&](const char* name) {
    *pzErrMsg = sqlite3_mprintf("nsysexplain: cannot register %s: %s", name,
                                sqlite3_errmsg(db));
    return SQLITE_ERROR;
  };
  for (const ScalarDef& s : kScalars) {
    int flags = s.info == &kBuild || s.info == &kVersion
                    ? (SQLITE_UTF8 | SQLITE_INNOCUOUS)
                    : kPure;
    if (sqlite3_create_function_v2(db, s.info->name, -1, flags,
                                   const_cast<FnInfo*>(s.info), s.fn, nullptr,
                                   nullptr, nullptr) != SQLITE_OK)
      return fail(s.info->name);
  }
  for (const AggInfo* a : {&kPercentile, &kMedian, &kStdev}) {
    if (sqlite3_create_window_function(db, a->name, -1, kPure,
                                       const_cast<AggInfo*>(a), PctStep,
                                       PctFinal, PctValue, PctInverse,
                                       nullptr) != SQLITE_OK)
      return fail(a->name);
  }
  if (sqlite3_create_function_v2(db, kUnion.name, -1, kPure, nullptr,
                                 nullptr, UnionStep, UnionFinal,
                                 nullptr) != SQLITE_OK)
    return fail(kUnion.name);
  for (const SessionFnDef& f : kSessionFns) {
    auto* holder = new (std::nothrow) std::shared_ptr<Session>(session);
    if (!holder) return SQLITE_NOMEM;
    if (sqlite3_create_function_v2(db, f.name, -1, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                   holder, f.fn, nullptr, nullptr,
                                   DeleteSessionHolder) != SQLITE_OK)
      return fail(f.name);
  }
  // Reads temp.llm_kernel_category_rules of this connection: not
  // deterministic (the rules can change between statements).
  void* cat_state = NewKernelCategoryFuncState(db);
  if (sqlite3_create_function_v2(db, kCategory.name, -1,
                                 SQLITE_UTF8 | SQLITE_INNOCUOUS, cat_state,
                                 KernelCategoryFunc, nullptr, nullptr,
                                 DeleteKernelCategoryFuncState) != SQLITE_OK)
    return fail(kCategory.name);
  return SQLITE_OK;
}

void UnregisterFunctions(sqlite3* db) {
  auto drop = [db](const char* name) {
    sqlite3_create_function_v2(db, name, -1, SQLITE_UTF8, nullptr, nullptr,
                               nullptr, nullptr, nullptr);
  };
  for (const ScalarDef& s : kScalars) drop(s.info->name);
  for (const AggInfo* a : {&kPercentile, &kMedian, &kStdev}) drop(a->name);
  drop(kUnion.name);
  for (const SessionFnDef& f : kSessionFns) drop(f.name);
  drop(kCategory.name);
}

std::vector<HelpEntry> FunctionHelp() {
  std::vector<HelpEntry> out;
  auto add = [&](const char* name, const char* kind, const char* call, const char* doc,
                 const char* example) {
    out.push_back({name, kind, call, doc, example, "ext/functions.cc"});
  };
  for (const ScalarDef& f : kScalars)
    add(f.info->name, "function", f.info->call, f.info->doc, f.info->example);
  for (const FnInfo* f : {&kCategory})
    add(f->name, "function", f->call, f->doc, f->example);
  for (const AggInfo* a : {&kPercentile, &kMedian, &kStdev})
    add(a->name, "aggregate", a->call, a->doc, a->example);
  add(kUnion.name, "aggregate", kUnion.call, kUnion.doc, kUnion.example);
  for (const SessionFnDef& f : kSessionFns) add(f.name, "function", f.call, f.doc, f.example);
  return out;
}

}  // namespace nsysexplain
