#include "session.h"

#include "loaders.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>
#include <cctype>
#include <map>
#include <unordered_map>

#include "core/api_names.h"
#include "core/global_tid.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {
namespace {

using core::SatAdd;

}  // namespace

std::string Session::CaptureVersionHint() {
  LoadStrings();
  static const std::string kKey = "nsight-systems/";
  for (size_t i = 0; i < strings_.size(); ++i) {
    const std::string& v = strings_.Get(static_cast<uint32_t>(i));
    size_t at = v.find(kKey);
    if (at == std::string::npos) continue;
    size_t b = at + kKey.size(), e = b;
    while (e < v.size() && (std::isdigit(static_cast<unsigned char>(v[e])) || v[e] == '.')) ++e;
    if (e - b >= 6) return v.substr(b, e - b);
  }
  return "";
}

int64_t Session::DataVersion() {
  Stmt st(db_, "PRAGMA main.data_version");
  return st.Step() ? st.Int(0) : 0;
}

void Session::CheckFresh() {
  int64_t v = DataVersion();
  if (reset_pending_ || (data_version_ != -1 && v != data_version_)) Reset();
  data_version_ = v;
}

void Session::Reset() {
  if (readers_ > 0) {
    reset_pending_ = true;
    return;
  }
  reset_pending_ = false;
  schema_.reset();
  strings_ = core::StringTable();
  strings_loaded_ = false;
  string_ids_.clear();
  kernels_.reset();
  runtime_.reset();
  nvtx_.reset();
  kernel_groups_.reset();
  kernel_groups_pid_.reset();
  storm_.reset();
  tiny_.reset();
  devices_.reset();
  gaps_by_length_.reset();
  gaps_sorted_ = 0;
  api_groups_.reset();
  nvtx_groups_.reset();
  pids_.reset();
  kernel_launch_.reset();
  attribution_.reset();
  phases_.reset();
}

const Schema& Session::schema() {
  if (!schema_) schema_ = Schema::Probe(db_);
  return *schema_;
}

void Session::LoadStrings() {
  if (strings_loaded_) return;
  const Schema& s = schema();
  if (!s.string_table.empty()) {
    Stmt st(db_, "SELECT id, value FROM main." + QuoteIdent(s.string_table));
    while (st.Step()) {
      if (st.IsNull(0)) continue;
      const unsigned char* t = sqlite3_column_text(st.get(), 1);
      int n = sqlite3_column_bytes(st.get(), 1);
      std::string_view v =
          t ? std::string_view(reinterpret_cast<const char*>(t), n)
            : std::string_view();
      string_ids_[st.Int(0)] = strings_.Intern(v);
    }
  }
  strings_loaded_ = true;
}

// ------------------------------------------------------------------ loading
//
// Each big table is read once, by one sequential scan, into compact columns.
// When the trace is a file, each table is read on its own thread through a
// private read-only connection opened with SQLITE_OPEN_NOMUTEX: the user's
// connection is serialized (every sqlite3_column_* call takes its mutex), a
// private one is not, and the tables load in parallel. Strings new to a
// loader (inline NVTX text, unresolved ids) go to a loader-local table and are
// merged afterwards; ids from StringIds are shared read-only.


// Opens a private read-only, no-mutex connection to the same file, or returns
// nullptr when that is not possible or not safe (in-memory or temp database,
// an open write transaction on the user's connection, open failure).
sqlite3* Session::OpenPrivate() {
  const char* file = sqlite3_db_filename(db_, "main");
  if (!file || !*file) return nullptr;
  if (!sqlite3_get_autocommit(db_) && !sqlite3_db_readonly(db_, "main"))
    return nullptr;
  std::string uri = "file:";
  for (const char* c = file; *c; ++c) {
    unsigned char ch = static_cast<unsigned char>(*c);
    if (ch == '%' || ch == '?' || ch == '#' || ch < 0x20 || ch >= 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      uri += buf;
    } else {
      uri += static_cast<char>(ch);
    }
  }
  uri += "?mode=ro";
  // A read-only user connection on an export: nothing may write it, so skip
  // locking too (works on read-only media, as nsys's own scripts do).
  if (sqlite3_db_readonly(db_, "main") == 1) uri += "&immutable=1";
  sqlite3* conn = nullptr;
  int rc = sqlite3_open_v2(uri.c_str(), &conn,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
                               SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(conn);
    return nullptr;
  }
  // The private connection must see the same schema (same file).
  try {
    Stmt a(conn, "SELECT count(*) FROM main.sqlite_master");
    a.Step();
  } catch (const Error&) {
    sqlite3_close(conn);
    return nullptr;
  }
  return conn;
}

// Loading runs as jobs on a few worker threads, each with its own private
// read-only no-mutex connection (the calling thread is one of them): job 0 is
// the kernels and then the runtime table (runtime launch rows are matched
// against the kernels while reading, so they go in order on one thread); the
// other jobs are rowid ranges of NVTX_EVENTS, usually the largest table.
// Workers take the next job when they finish one, so the NVTX parts fill
// whatever time the kernel/runtime chain leaves. Without a private connection
// (in-memory or temp database, open write transaction) everything runs on the
// calling thread through the user's connection, NVTX in one part.
void Session::EnsureLoaded(bool want_kernels, bool want_runtime,
                           bool want_nvtx) {
  want_runtime = want_runtime && !runtime_;
  want_kernels = (want_kernels || want_runtime) && !kernels_;
  want_nvtx = want_nvtx && !nvtx_;
  if (!want_kernels && !want_runtime && !want_nvtx) return;
  const Schema& s = schema();
  LoadStrings();
  core::ScopedTimer total_tm("load (all requested tables)");
  LoaderStrings kstr, rstr;
  kstr.shared = rstr.shared = &string_ids_;
  auto k = std::make_unique<core::Kernels>();
  auto r = std::make_unique<core::RuntimeCalls>();
  std::vector<int32_t> launch;

  std::vector<sqlite3*> conns;
  if (sqlite3* first = OpenPrivate()) conns.push_back(first);
  const bool chain = want_kernels || want_runtime;
  std::vector<RowidRange> ranges;
  if (want_nvtx) {
    // Below ~256k rowids one scan is cheaper than the bookkeeping.
    // NSYSEXPLAIN_NVTX_PARTS=N forces N parts at any size (tests, tuning).
    int nparts = kNvtxParts;
    uint64_t min_span = uint64_t{1} << 18;
    if (const char* env = std::getenv("NSYSEXPLAIN_NVTX_PARTS")) {
      nparts = std::clamp(std::atoi(env), 1, 1024);
      min_span = 0;
    }
    ranges = SplitNvtx(conns.empty() ? db_ : conns[0], s,
                       conns.empty() ? 1 : nparts, min_span);
  }
  std::vector<NvtxPart> parts(ranges.size());
  for (NvtxPart& p : parts) p.str.shared = &string_ids_;
  const size_t njobs = (chain ? 1 : 0) + parts.size();
  std::vector<std::exception_ptr> errors(njobs);
  std::atomic<size_t> next{0};

  auto run_job = [&](size_t j, sqlite3* conn) {
    bool priv = conn != db_;
    try {
      if (chain && j == 0) {
        if (want_kernels) {
          core::ScopedTimer tm("load kernels");
          LoadKernels(conn, priv, s, kstr, *k);
        }
        if (want_runtime) {
          core::ScopedTimer tm("load runtime");
          LoadRuntime(conn, priv, s, rstr, want_kernels ? *k : *kernels_, *r,
                      launch);
        }
        return;
      }
      size_t p = j - (chain ? 1 : 0);
      core::ScopedTimer tm("load nvtx part " + std::to_string(p + 1) + "/" +
                           std::to_string(parts.size()));
      LoadNvtxPart(conn, priv, s, ranges[p], parts[p]);
    } catch (...) {
      errors[j] = std::current_exception();
    }
  };
  auto worker = [&](sqlite3* conn) {
    for (size_t j; (j = next.fetch_add(1)) < njobs;) run_job(j, conn);
  };

  std::vector<std::thread> threads;
  if (conns.empty()) {
    worker(db_);
  } else {
    unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    size_t nworkers = std::min<size_t>({njobs, hw, kMaxLoadThreads});
    while (conns.size() < nworkers) {
      sqlite3* c = OpenPrivate();
      if (!c) break;
      conns.push_back(c);
    }
    for (size_t i = 1; i < conns.size(); ++i) {
      try {
        threads.emplace_back(worker, conns[i]);
      } catch (...) {  // no more threads: the others take the jobs
        break;
      }
    }
    worker(conns[0]);
  }
  for (std::thread& t : threads) t.join();
  for (sqlite3* c : conns) sqlite3_close(c);
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);

  // Merge loader-local strings into the session's table.
  if (want_kernels) {
    auto map = MergeStrings(kstr, strings_);
    Remap(k->name, map);
    Remap(k->short_name, map);
    kernels_ = std::move(k);
  }
  if (want_runtime) {
    auto map = MergeStrings(rstr, strings_);
    Remap(r->name, map);
    for (auto& g : r->groups) RemapId(g.name, map);
    runtime_ = std::move(r);
    kernel_launch_ = std::make_unique<std::vector<int32_t>>(std::move(launch));
  }
  if (want_nvtx) {
    core::ScopedTimer tm("merge nvtx parts");
    auto n = std::make_unique<core::NvtxRanges>();
    MergeNvtxParts(parts, strings_, *n);
    nvtx_ = std::move(n);
  }
}

const core::Kernels& Session::kernels() {
  EnsureLoaded(true, false, false);
  return *kernels_;
}

const core::RuntimeCalls& Session::runtime() {
  EnsureLoaded(false, true, false);
  return *runtime_;
}

const core::NvtxRanges& Session::nvtx() {
  EnsureLoaded(false, false, true);
  return *nvtx_;
}

namespace {

// Kernel statistics per (name, device), or per (pid, name, device).
std::unique_ptr<std::vector<KernelGroup>> GroupKernels(const core::Kernels& k,
                                                       bool by_pid) {
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> ids;
  std::vector<uint32_t> group(k.size());
  std::vector<int64_t> dur(k.size());
  auto out = std::make_unique<std::vector<KernelGroup>>();
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = by_pid ? core::PidOf(k.global_pid[i]) : -1;
    // (pid + 1, device) packed beside the name: pid < 2^24, device 32 bits.
    std::pair<int64_t, int64_t> key{
        ((pid + 1) << 32) | static_cast<uint32_t>(k.device_id[i]), k.name[i]};
    auto [it, added] = ids.try_emplace(key, static_cast<uint32_t>(out->size()));
    if (added)
      out->push_back({pid, k.name[i], k.short_name[i], k.device_id[i], {}});
    group[i] = it->second;
    dur[i] = k.end[i] - k.start[i];
  }
  auto stats = core::ComputeGroupStats(group, out->size(), dur);
  for (size_t g = 0; g < out->size(); ++g) (*out)[g].stats = stats[g];
  return out;
}

}  // namespace

const std::vector<KernelGroup>& Session::kernel_groups() {
  if (!kernel_groups_) {
    const core::Kernels& k = kernels();
    core::ScopedTimer tm("kernel_groups");
    kernel_groups_ = GroupKernels(k, false);
  }
  return *kernel_groups_;
}

const std::vector<KernelGroup>& Session::kernel_groups_by_pid() {
  if (!kernel_groups_pid_) {
    const core::Kernels& k = kernels();
    core::ScopedTimer tm("kernel_groups_by_pid");
    kernel_groups_pid_ = GroupKernels(k, true);
  }
  return *kernel_groups_pid_;
}

const std::vector<StormRow>& Session::storm() {
  if (storm_) return *storm_;
  core::ScopedTimer tm("storm");
  const core::Kernels& k = kernels();
  auto out = std::make_unique<std::vector<StormRow>>();
  std::map<int64_t, uint32_t> pid_index;
  std::vector<uint32_t> group(k.size());
  std::vector<int64_t> dur(k.size());
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    auto [it, added] = pid_index.try_emplace(pid, 0);
    if (added) it->second = static_cast<uint32_t>(pid_index.size() - 1);
    group[i] = it->second;
    dur[i] = k.end[i] - k.start[i];
  }
  std::vector<StormRow> per(pid_index.size());
  for (auto& [pid, g] : pid_index) {
    per[g].pid = pid;
    per[g].first_start = INT64_MAX;
    per[g].last_end = INT64_MIN;
  }
  StormRow global{-1, INT64_MAX, INT64_MIN, {}};
  for (size_t i = 0; i < k.size(); ++i) {
    StormRow& r = per[group[i]];
    r.first_start = std::min(r.first_start, k.start[i]);
    r.last_end = std::max(r.last_end, k.end[i]);
    global.first_start = std::min(global.first_start, k.start[i]);
    global.last_end = std::max(global.last_end, k.end[i]);
  }
  auto stats = core::ComputeGroupStats(group, per.size(), dur);
  global.stats = core::ComputeStats(dur);
  if (k.size() == 0) global.first_start = global.last_end = 0;
  out->push_back(global);
  for (auto& [pid, g] : pid_index) {
    per[g].stats = stats[g];
    out->push_back(per[g]);
  }
  storm_ = std::move(out);
  return *storm_;
}

const std::vector<TinyKernel>& Session::tiny_kernels() {
  if (tiny_) return *tiny_;
  core::ScopedTimer tm("tiny");
  const core::Kernels& k = kernels();
  std::map<std::pair<int64_t, uint32_t>, std::pair<int64_t, int64_t>> agg;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t d = k.end[i] - k.start[i];
    if (d >= 5000) continue;
    int64_t pid = core::PidOf(k.global_pid[i]);
    for (int64_t p : {int64_t{-1}, pid}) {
      auto& a = agg[{p, k.name[i]}];
      ++a.first;
      a.second = SatAdd(a.second, d);
    }
  }
  auto out = std::make_unique<std::vector<TinyKernel>>();
  for (auto& [key, v] : agg)
    out->push_back({key.first, key.second, v.first, v.second});
  tiny_ = std::move(out);
  return *tiny_;
}

const std::vector<DeviceBusy>& Session::devices() {
  if (devices_) return *devices_;
  core::ScopedTimer tm("devices");
  const core::Kernels& k = kernels();
  std::map<int32_t, std::vector<core::Interval>> by_dev;
  for (size_t i = 0; i < k.size(); ++i)
    by_dev[k.device_id[i]].push_back({k.start[i], k.end[i]});
  auto out = std::make_unique<std::vector<DeviceBusy>>();
  for (auto& [dev, iv] : by_dev) {
    DeviceBusy d;
    d.device = dev;
    d.kernels = static_cast<int64_t>(iv.size());
    d.window_start = INT64_MAX;
    d.window_end = INT64_MIN;
    for (const auto& x : iv) {
      d.window_start = std::min(d.window_start, x.start);
      d.window_end = std::max(d.window_end, x.end);
    }
    auto merged = core::MergeIntervals(std::move(iv));
    d.busy = core::UnionLength(merged);
    d.gaps = core::GapsInWindow(merged, d.window_start, d.window_end);
    for (const auto& g : d.gaps)
      d.largest_gap = std::max(d.largest_gap, core::SatSub(g.end, g.start));
    out->push_back(std::move(d));
  }
  devices_ = std::move(out);
  return *devices_;
}

size_t Session::gap_count() {
  if (!gaps_by_length_) {
    const std::vector<DeviceBusy>& v = devices();
    auto out = std::make_unique<std::vector<GapRef>>();
    for (uint32_t d = 0; d < v.size(); ++d)
      for (uint32_t g = 0; g < v[d].gaps.size(); ++g)
        out->push_back({core::SatSub(v[d].gaps[g].end, v[d].gaps[g].start), d, g});
    gaps_by_length_ = std::move(out);
    gaps_sorted_ = 0;
  }
  return gaps_by_length_->size();
}

const GapRef& Session::gap_by_length(size_t i) {
  size_t n = gap_count();
  std::vector<GapRef>& v = *gaps_by_length_;
  if (i >= gaps_sorted_) {
    // Devices are in device_id order and gaps in time order, so the index
    // pair breaks ties by (device_id, gap_start_ns).
    auto longer = [](const GapRef& a, const GapRef& b) {
      if (a.length != b.length) return a.length > b.length;
      return a.device != b.device ? a.device < b.device : a.gap < b.gap;
    };
    // Select the next chunk (doubling) from the unsorted rest, then sort it.
    size_t want = std::min(n, std::max({i + 1, size_t{64}, 2 * gaps_sorted_}));
    auto first = v.begin() + static_cast<std::ptrdiff_t>(gaps_sorted_);
    auto last = v.begin() + static_cast<std::ptrdiff_t>(want);
    if (want < n) std::nth_element(first, last - 1, v.end(), longer);
    std::sort(first, last, longer);
    gaps_sorted_ = want;
  }
  return v[i];
}

const std::vector<ApiGroup>& Session::api_groups() {
  if (api_groups_) return *api_groups_;
  core::ScopedTimer tm("api_groups");
  const core::RuntimeCalls& r = runtime();
  auto out = std::make_unique<std::vector<ApiGroup>>();
  out->reserve(r.groups.size());
  for (const auto& g : r.groups) {
    const std::string& nm = strings_.Get(g.name);
    uint32_t base = strings_.Intern(core::ApiBaseName(nm));
    out->push_back({g.pid, g.name, base,
                    core::ApiKindName(core::ClassifyApi(nm)), g.stats});
  }
  api_groups_ = std::move(out);
  return *api_groups_;
}

const std::vector<NvtxGroup>& Session::nvtx_groups() {
  if (nvtx_groups_) return *nvtx_groups_;
  core::ScopedTimer tm("nvtx_groups");
  const core::NvtxRanges& n = nvtx();
  // Labels -> groups of (pid, domain name, name, style).
  std::map<std::tuple<int64_t, uint32_t, uint32_t, bool>, uint32_t> ids;
  std::vector<uint32_t> group_of_label(n.labels.size());
  auto out = std::make_unique<std::vector<NvtxGroup>>();
  for (size_t l = 0; l < n.labels.size(); ++l) {
    const auto& L = n.labels[l];
    int64_t pid = core::PidOf(L.process_key);
    bool pushpop = L.event_type == 59 || L.event_type == 70;
    auto [it, added] = ids.try_emplace({pid, L.domain, L.name, pushpop},
                                       static_cast<uint32_t>(out->size()));
    if (added) {
      NvtxGroup g;
      g.pid = pid;
      g.domain = L.domain;
      g.name = L.name;
      g.style = pushpop ? "push_pop" : "start_end";
      g.min = INT64_MAX;
      g.max = INT64_MIN;
      out->push_back(g);
    }
    group_of_label[l] = it->second;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    NvtxGroup& g = (*out)[group_of_label[n.label[i]]];
    if (n.Open(i)) {
      ++g.open_count;
      continue;
    }
    int64_t d = n.end[i] - n.start[i];
    ++g.count;
    g.total = SatAdd(g.total, d);
    g.min = std::min(g.min, d);
    g.max = std::max(g.max, d);
  }
  for (auto& g : *out)
    if (g.count == 0) g.min = g.max = 0;
  nvtx_groups_ = std::move(out);
  return *nvtx_groups_;
}

const std::vector<PidRow>& Session::pids() {
  if (pids_) return *pids_;
  core::ScopedTimer tm("pids");
  const core::Kernels& k = kernels();
  std::map<int64_t, PidRow> agg;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    auto [it, added] = agg.try_emplace(pid);
    PidRow& r = it->second;
    if (added) {
      r.pid = pid;
      r.first_start = k.start[i];
      r.last_end = k.end[i];
    }
    ++r.kernels;
    r.kernel_ns = SatAdd(r.kernel_ns, k.end[i] - k.start[i]);
    r.first_start = std::min(r.first_start, k.start[i]);
    r.last_end = std::max(r.last_end, k.end[i]);
  }
  auto out = std::make_unique<std::vector<PidRow>>();
  for (auto& [pid, r] : agg) out->push_back(r);
  pids_ = std::move(out);
  return *pids_;
}

const std::vector<int32_t>& Session::kernel_launch() {
  if (!kernel_launch_) EnsureLoaded(true, true, false);  // LoadRuntime fills it
  return *kernel_launch_;
}

const Session::Attribution& Session::attribution() {
  if (attribution_) return *attribution_;
  EnsureLoaded(true, true, true);
  core::ScopedTimer tm("attribution");
  const core::Kernels& k = kernels();
  const std::vector<int32_t>& launch = kernel_launch();
  const core::RuntimeCalls& r = runtime();
  const core::NvtxRanges& n = nvtx();
  auto a = std::make_unique<Attribution>();
  // Runtime rows are exactly the launch rows (LoadRuntime keeps no other),
  // so the enclosure slots are the runtime rows (kernel_launch() maps
  // kernels to them) and their columns are read in place.
  // Buckets are the ranges' scopes: one per thread with thread-scoped
  // ranges, one per process with process-scoped ones.
  std::unordered_map<int64_t, uint32_t> thread_bucket, process_bucket;
  for (uint32_t b = 0; b < n.scopes.size(); ++b)
    (n.scopes[b].process ? process_bucket : thread_bucket)[n.scopes[b].key] = b;
  uint32_t nbuckets = static_cast<uint32_t>(n.scopes.size());
  size_t nl = r.size();
  std::vector<uint32_t> lt(nl), lp(nl);
  for (size_t j = 0; j < nl; ++j) {
    auto t = thread_bucket.find(r.global_tid[j]);
    auto p = process_bucket.find(core::ProcessKey(r.global_tid[j]));
    lt[j] = t == thread_bucket.end() ? core::kNoBucket : t->second;
    lp[j] = p == process_bucket.end() ? core::kNoBucket : p->second;
  }
  {
    core::ScopedTimer tm_enc("attribution: enclosing-range join");
    a->enclosure = core::FindEnclosing(
        {n.start.data(), n.end.data(), n.scope.data(), n.size()},
        {r.start.data(), r.end.data(), lt.data(), lp.data(), nl}, nbuckets);
  }

  // Aggregate per (pid, domain, name) and globally (pid -1). Labels map to
  // dense (domain, name) ids and pids to dense slots (0 = all processes), so
  // a result row is found by array index, not by hashing, for each of the
  // millions of (kernel, enclosing range) pairs.
  std::vector<uint32_t> dn_of_label(n.labels.size());
  std::vector<std::pair<uint32_t, uint32_t>> dn_names;  // dn -> (domain, name)
  {
    std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> ids;
    for (size_t l = 0; l < n.labels.size(); ++l) {
      const auto& L = n.labels[l];
      auto [it, added] = ids.try_emplace({L.domain, L.name},
                                         static_cast<uint32_t>(dn_names.size()));
      if (added) dn_names.emplace_back(L.domain, L.name);
      dn_of_label[l] = it->second;
    }
  }
  const uint64_t ndn = dn_names.size();
  std::vector<int64_t> slot_pid{-1};  // slot -> pid
  std::unordered_map<int64_t, uint32_t> pid_slot;
  std::vector<CoverageRow> cov{CoverageRow{-1}};
  // (slot, dn) -> row in a->rows: a flat table when it is small enough,
  // else a hash map.
  const bool flat = ndn * 64 <= (uint64_t{1} << 22);  // grown per slot below
  std::vector<int32_t> flat_rows;
  std::unordered_map<uint64_t, int32_t> hashed_rows;
  auto row_for = [&](uint32_t slot, uint32_t dn) -> AttributionRow& {
    uint64_t key = uint64_t{slot} * ndn + dn;
    int32_t* row = nullptr;
    if (flat && key < (uint64_t{1} << 22)) {
      if (flat_rows.size() <= key) flat_rows.resize((slot + 1) * ndn, -1);
      row = &flat_rows[key];
    } else {
      row = &hashed_rows.try_emplace(key, -1).first->second;
    }
    if (*row < 0) {
      *row = static_cast<int32_t>(a->rows.size());
      a->rows.push_back({slot_pid[slot], dn_names[dn].first,
                         dn_names[dn].second});
    }
    return a->rows[static_cast<size_t>(*row)];
  };
  std::vector<uint32_t> seen;
  int64_t last_pid = INT64_MIN;
  uint32_t slot = 0;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    if (pid != last_pid) {
      auto [it, added] =
          pid_slot.try_emplace(pid, static_cast<uint32_t>(slot_pid.size()));
      if (added) {
        slot_pid.push_back(pid);
        cov.push_back(CoverageRow{pid});
      }
      slot = it->second;
      last_pid = pid;
    }
    int64_t d = k.end[i] - k.start[i];
    CoverageRow& c = cov[slot];
    CoverageRow& g = cov[0];
    ++c.kernels;
    c.kernel_ns = SatAdd(c.kernel_ns, d);
    ++g.kernels;
    g.kernel_ns = SatAdd(g.kernel_ns, d);
    int32_t lslot = launch[i];
    if (lslot < 0) continue;
    ++c.launched;
    c.launched_ns = SatAdd(c.launched_ns, d);
    ++g.launched;
    g.launched_ns = SatAdd(g.launched_ns, d);
    size_t cnt = a->enclosure.Count(lslot);
    if (cnt == 0) continue;
    ++c.attributed;
    c.attributed_ns = SatAdd(c.attributed_ns, d);
    ++g.attributed;
    g.attributed_ns = SatAdd(g.attributed_ns, d);
    seen.clear();
    const uint32_t* idx =
        a->enclosure.range_index.data() + a->enclosure.offsets[lslot];
    for (size_t j = 0; j < cnt; ++j) {
      uint32_t dn = dn_of_label[n.label[idx[j]]];
      if (std::find(seen.begin(), seen.end(), dn) != seen.end()) continue;
      seen.push_back(dn);
      for (uint32_t sl : {0u, slot}) {
        AttributionRow& ar = row_for(sl, dn);
        ++ar.inclusive_count;
        ar.inclusive_ns = SatAdd(ar.inclusive_ns, d);
      }
    }
    uint32_t inner = dn_of_label[n.label[idx[cnt - 1]]];
    for (uint32_t sl : {0u, slot}) {
      AttributionRow& ar = row_for(sl, inner);
      ++ar.innermost_count;
      ar.innermost_ns = SatAdd(ar.innermost_ns, d);
    }
  }
  CoverageRow global = cov[0];
  std::sort(cov.begin() + 1, cov.end(),
            [](const CoverageRow& x, const CoverageRow& y) { return x.pid < y.pid; });
  global.truncated_launches =
      static_cast<int64_t>(a->enclosure.truncated_launches);
  a->coverage.push_back(global);
  a->coverage.insert(a->coverage.end(), cov.begin() + 1, cov.end());
  attribution_ = std::move(a);
  return *attribution_;
}

std::shared_ptr<const std::vector<PhaseRow>> Session::phase_attribution(
    const PhaseMap& map) {
  if (phases_ && phase_map_ == map) return phases_;
  const core::Kernels& k = kernels();
  const Attribution& a = attribution();
  const std::vector<int32_t>& launch = kernel_launch();
  const core::NvtxRanges& n = nvtx();
  core::ScopedTimer tm("phase attribution");
  std::vector<std::string> phases;
  std::vector<int> phase_of_map;
  for (const auto& [ph, pat] : map) {
    auto it = std::find(phases.begin(), phases.end(), ph);
    phase_of_map.push_back(static_cast<int>(it - phases.begin()));
    if (it == phases.end()) phases.push_back(ph);
  }
  // Phase of each label (labels are few; names repeat across labels).
  std::unordered_map<uint32_t, int> phase_of_name;
  std::vector<int> phase_of_label(n.labels.size());
  for (size_t l = 0; l < n.labels.size(); ++l) {
    uint32_t name = n.labels[l].name;
    auto it = phase_of_name.find(name);
    if (it == phase_of_name.end()) {
      std::string lower = strings_.Get(name);
      for (char& ch : lower)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      int ph = -1;
      for (size_t m = 0; m < map.size(); ++m)
        if (lower.find(map[m].second) != std::string::npos) {
          ph = phase_of_map[m];
          break;
        }
      it = phase_of_name.emplace(name, ph).first;
    }
    phase_of_label[l] = it->second;
  }
  // (pid, phase) -> (kernels, ns); pid -1 = all processes.
  std::map<std::pair<int64_t, int>, std::pair<int64_t, int64_t>> agg;
  std::vector<std::pair<int64_t, int64_t>> global(phases.size());
  std::vector<int> seen;
  for (size_t i = 0; i < k.size(); ++i) {
    int32_t slot = launch[i];
    if (slot < 0) continue;
    size_t cnt = a.enclosure.Count(slot);
    if (cnt == 0) continue;
    seen.clear();
    const uint32_t* idx =
        a.enclosure.range_index.data() + a.enclosure.offsets[slot];
    for (size_t j = 0; j < cnt; ++j) {
      int ph = phase_of_label[n.label[idx[j]]];
      if (ph < 0 || std::find(seen.begin(), seen.end(), ph) != seen.end())
        continue;
      seen.push_back(ph);
    }
    if (seen.empty()) continue;
    int64_t d = k.end[i] - k.start[i];
    int64_t pid = core::PidOf(k.global_pid[i]);
    for (int ph : seen) {
      auto& g = global[static_cast<size_t>(ph)];
      ++g.first;
      g.second = SatAdd(g.second, d);
      auto& v = agg[{pid, ph}];
      ++v.first;
      v.second = SatAdd(v.second, d);
    }
  }
  std::vector<PhaseRow> rows;
  // Global rows first (pid -1 sorts first), then per pid, phases in map order.
  for (size_t ph = 0; ph < phases.size(); ++ph)
    if (global[ph].first > 0)
      rows.push_back({-1, phases[ph], global[ph].first, global[ph].second});
  for (auto& [key, v] : agg)
    rows.push_back({key.first, phases[static_cast<size_t>(key.second)], v.first,
                    v.second});
  phase_map_ = map;
  phases_ = std::make_shared<const std::vector<PhaseRow>>(std::move(rows));
  return phases_;
}

}  // namespace nsysexplain
