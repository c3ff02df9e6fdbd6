#include "session.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>

#include "core/api_names.h"
#include "core/global_tid.h"

namespace nsysexplain {
namespace {

using core::kOpenEnd;

std::string ColOrNull(const Schema& s, const std::string& table,
                      const std::string& col) {
  return s.HasColumn(table, col) ? QuoteIdent(col) : std::string("NULL");
}

struct PairHash {
  size_t operator()(const std::pair<int64_t, int64_t>& p) const {
    uint64_t h = static_cast<uint64_t>(p.first) * 0x9E3779B97F4A7C15ull;
    h ^= static_cast<uint64_t>(p.second) + 0x7F4A7C159E3779B9ull + (h << 6) +
         (h >> 2);
    return static_cast<size_t>(h);
  }
};

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
  if (data_version_ != -1 && v != data_version_) Reset();
  data_version_ = v;
}

void Session::Reset() {
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
  api_groups_.reset();
  nvtx_groups_.reset();
  pids_.reset();
  kernel_launch_.reset();
  attribution_.reset();
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

uint32_t Session::ResolveString(sqlite3_stmt* st, int col,
                                int64_t* unresolved) {
  switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL:
      return strings_.Intern("<unnamed>");
    case SQLITE_TEXT: {
      const unsigned char* t = sqlite3_column_text(st, col);
      int n = sqlite3_column_bytes(st, col);
      return strings_.Intern(
          std::string_view(reinterpret_cast<const char*>(t), n));
    }
    default: {
      int64_t id = sqlite3_column_int64(st, col);
      auto it = string_ids_.find(id);
      if (it != string_ids_.end()) return it->second;
      if (unresolved) ++*unresolved;
      return strings_.Intern("<unresolved name id " + std::to_string(id) +
                             ">");
    }
  }
}

const core::Kernels& Session::kernels() {
  if (kernels_) return *kernels_;
  auto k = std::make_unique<core::Kernels>();
  const Schema& s = schema();
  LoadStrings();
  if (!s.kernel_table.empty()) {
    const std::string& t = s.kernel_table;
    k->table = t;
    bool has_dem = s.HasColumn(t, "demangledName");
    std::string name_col = has_dem ? "demangledName" : "shortName";
    std::string sql =
        "SELECT rowid, start, \"end\", " + ColOrNull(s, t, "deviceId") + ", " +
        ColOrNull(s, t, "streamId") + ", " + ColOrNull(s, t, "correlationId") +
        ", " + ColOrNull(s, t, "globalPid") + ", " +
        ColOrNull(s, t, name_col) + ", " + ColOrNull(s, t, "shortName") +
        ", " + ColOrNull(s, t, "graphNodeId") + " FROM main." + QuoteIdent(t);
    Stmt st(db_, sql);
    sqlite3_stmt* p = st.get();
    while (st.Step()) {
      if (sqlite3_column_type(p, 1) == SQLITE_NULL ||
          sqlite3_column_type(p, 2) == SQLITE_NULL) {
        ++k->invalid_rows;
        continue;
      }
      int64_t b = sqlite3_column_int64(p, 1), e = sqlite3_column_int64(p, 2);
      if (e < b) {
        ++k->invalid_rows;
        continue;
      }
      k->rowid.push_back(sqlite3_column_int64(p, 0));
      k->start.push_back(b);
      k->end.push_back(e);
      k->device_id.push_back(static_cast<int32_t>(sqlite3_column_int64(p, 3)));
      k->stream_id.push_back(static_cast<int32_t>(sqlite3_column_int64(p, 4)));
      if (sqlite3_column_type(p, 5) == SQLITE_NULL) {
        ++k->null_correlation;
        k->correlation_id.push_back(-1);
      } else {
        k->correlation_id.push_back(sqlite3_column_int64(p, 5));
      }
      k->global_pid.push_back(sqlite3_column_int64(p, 6));
      uint32_t name = ResolveString(p, 7, &k->unresolved_names);
      uint32_t shortn = sqlite3_column_type(p, 8) == SQLITE_NULL
                            ? name
                            : ResolveString(p, 8, nullptr);
      k->name.push_back(name);
      k->short_name.push_back(shortn);
      k->graph_node.push_back(sqlite3_column_type(p, 9) != SQLITE_NULL);
    }
  }
  kernels_ = std::move(k);
  return *kernels_;
}

const core::RuntimeCalls& Session::runtime() {
  if (runtime_) return *runtime_;
  auto r = std::make_unique<core::RuntimeCalls>();
  const Schema& s = schema();
  LoadStrings();
  const std::string t = "CUPTI_ACTIVITY_KIND_RUNTIME";
  if (s.Has(t) && s.HasColumn(t, "start") && s.HasColumn(t, "end")) {
    std::string sql = "SELECT rowid, start, \"end\", " +
                      ColOrNull(s, t, "globalTid") + ", " +
                      ColOrNull(s, t, "correlationId") + ", " +
                      ColOrNull(s, t, "nameId") + ", " +
                      ColOrNull(s, t, "eventClass") + " FROM main." +
                      QuoteIdent(t);
    Stmt st(db_, sql);
    sqlite3_stmt* p = st.get();
    while (st.Step()) {
      int8_t cls = -1;
      if (sqlite3_column_type(p, 6) != SQLITE_NULL) {
        int64_t c = sqlite3_column_int64(p, 6);
        if (c != 0 && c != 1) {
          ++r->skipped_backtrace_rows;
          continue;
        }
        cls = static_cast<int8_t>(c);
      }
      if (sqlite3_column_type(p, 1) == SQLITE_NULL ||
          sqlite3_column_type(p, 2) == SQLITE_NULL) {
        ++r->invalid_rows;
        continue;
      }
      int64_t b = sqlite3_column_int64(p, 1), e = sqlite3_column_int64(p, 2);
      if (e < b) {
        ++r->invalid_rows;
        continue;
      }
      r->rowid.push_back(sqlite3_column_int64(p, 0));
      r->start.push_back(b);
      r->end.push_back(e);
      r->global_tid.push_back(sqlite3_column_int64(p, 3));
      r->correlation_id.push_back(sqlite3_column_type(p, 4) == SQLITE_NULL
                                      ? -1
                                      : sqlite3_column_int64(p, 4));
      r->name.push_back(ResolveString(p, 5, &r->unresolved_names));
      r->event_class.push_back(cls);
    }
  }
  runtime_ = std::move(r);
  return *runtime_;
}

const core::NvtxRanges& Session::nvtx() {
  if (nvtx_) return *nvtx_;
  auto n = std::make_unique<core::NvtxRanges>();
  const Schema& s = schema();
  LoadStrings();
  const std::string t = "NVTX_EVENTS";
  if (s.Has(t) && s.HasColumn(t, "start") && s.HasColumn(t, "eventType")) {
    std::string sql = "SELECT rowid, start, " + ColOrNull(s, t, "end") +
                      ", eventType, " + ColOrNull(s, t, "globalTid") + ", " +
                      ColOrNull(s, t, "endGlobalTid") + ", " +
                      ColOrNull(s, t, "text") + ", " +
                      ColOrNull(s, t, "textId") + ", " +
                      ColOrNull(s, t, "domainId") + " FROM main." +
                      QuoteIdent(t);
    Stmt st(db_, sql);
    sqlite3_stmt* p = st.get();
    // (process key, domainId) -> domain name; filled from eventType 75 rows.
    std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash>
        domains;
    std::vector<int64_t> raw_domain;
    uint32_t unnamed = strings_.Intern("<unnamed>");
    while (st.Step()) {
      int64_t type = sqlite3_column_int64(p, 3);
      int64_t gtid = sqlite3_column_int64(p, 4);
      auto name_of = [&]() -> uint32_t {
        if (sqlite3_column_type(p, 7) != SQLITE_NULL) {
          auto it = string_ids_.find(sqlite3_column_int64(p, 7));
          if (it != string_ids_.end()) return it->second;
        }
        if (sqlite3_column_type(p, 6) == SQLITE_TEXT) {
          const unsigned char* tx = sqlite3_column_text(p, 6);
          int len = sqlite3_column_bytes(p, 6);
          return strings_.Intern(
              std::string_view(reinterpret_cast<const char*>(tx), len));
        }
        if (sqlite3_column_type(p, 7) != SQLITE_NULL)
          return strings_.Intern("<unresolved text id " +
                                 std::to_string(sqlite3_column_int64(p, 7)) +
                                 ">");
        return unnamed;
      };
      if (type == 75) {
        domains[{core::ProcessKey(gtid), sqlite3_column_int64(p, 8)}] =
            name_of();
        ++n->non_range_rows;
        continue;
      }
      if (type != 59 && type != 60 && type != 70 && type != 71) {
        ++n->non_range_rows;
        continue;
      }
      if (sqlite3_column_type(p, 1) == SQLITE_NULL) {
        ++n->invalid_rows;
        continue;
      }
      int64_t b = sqlite3_column_int64(p, 1);
      bool open = sqlite3_column_type(p, 2) == SQLITE_NULL;
      int64_t e = open ? kOpenEnd : sqlite3_column_int64(p, 2);
      if (e < b) {
        ++n->invalid_rows;
        continue;
      }
      bool cross = false;
      if ((type == 60 || type == 71) &&
          sqlite3_column_type(p, 5) != SQLITE_NULL &&
          sqlite3_column_int64(p, 5) != gtid)
        cross = true;
      n->rowid.push_back(sqlite3_column_int64(p, 0));
      n->start.push_back(b);
      n->end.push_back(e);
      n->global_tid.push_back(gtid);
      n->name.push_back(name_of());
      n->event_type.push_back(static_cast<uint8_t>(type));
      n->cross_thread.push_back(cross);
      n->open.push_back(open);
      raw_domain.push_back(sqlite3_column_type(p, 8) == SQLITE_NULL
                               ? 0
                               : sqlite3_column_int64(p, 8));
    }
    n->domain.resize(n->size());
    uint32_t empty = strings_.Intern("");
    for (size_t i = 0; i < n->size(); ++i) {
      auto it = domains.find({core::ProcessKey(n->global_tid[i]),
                              raw_domain[i]});
      n->domain[i] = it != domains.end() ? it->second : empty;
    }
  }
  nvtx_ = std::move(n);
  return *nvtx_;
}

const std::vector<KernelGroup>& Session::kernel_groups() {
  if (kernel_groups_) return *kernel_groups_;
  const core::Kernels& k = kernels();
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> ids;
  std::vector<uint32_t> group(k.size());
  std::vector<int64_t> dur(k.size());
  auto out = std::make_unique<std::vector<KernelGroup>>();
  for (size_t i = 0; i < k.size(); ++i) {
    auto [it, added] = ids.try_emplace({k.name[i], k.device_id[i]},
                                       static_cast<uint32_t>(ids.size()));
    if (added)
      out->push_back({-1, k.name[i], k.short_name[i], k.device_id[i], {}});
    group[i] = it->second;
    dur[i] = k.end[i] - k.start[i];
  }
  auto stats = core::ComputeGroupStats(group, out->size(), dur);
  for (size_t g = 0; g < out->size(); ++g) (*out)[g].stats = stats[g];
  kernel_groups_ = std::move(out);
  return *kernel_groups_;
}

const std::vector<KernelGroup>& Session::kernel_groups_by_pid() {
  if (kernel_groups_pid_) return *kernel_groups_pid_;
  const core::Kernels& k = kernels();
  std::vector<uint32_t> group(k.size());
  std::vector<int64_t> dur(k.size());
  auto out = std::make_unique<std::vector<KernelGroup>>();
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> fast;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    // (pid, device) packed with the name: pid < 2^24, device fits 32 bits.
    std::pair<int64_t, int64_t> key{
        (pid << 32) | static_cast<uint32_t>(k.device_id[i]), k.name[i]};
    auto [it, added] =
        fast.try_emplace(key, static_cast<uint32_t>(out->size()));
    if (added)
      out->push_back({pid, k.name[i], k.short_name[i], k.device_id[i], {}});
    group[i] = it->second;
    dur[i] = k.end[i] - k.start[i];
  }
  auto stats = core::ComputeGroupStats(group, out->size(), dur);
  for (size_t g = 0; g < out->size(); ++g) (*out)[g].stats = stats[g];
  kernel_groups_pid_ = std::move(out);
  return *kernel_groups_pid_;
}

const std::vector<StormRow>& Session::storm() {
  if (storm_) return *storm_;
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
  const core::Kernels& k = kernels();
  std::map<std::pair<int64_t, uint32_t>, std::pair<int64_t, int64_t>> agg;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t d = k.end[i] - k.start[i];
    if (d >= 5000) continue;
    int64_t pid = core::PidOf(k.global_pid[i]);
    for (int64_t p : {int64_t{-1}, pid}) {
      auto& a = agg[{p, k.name[i]}];
      ++a.first;
      a.second += d;
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
    out->push_back(std::move(d));
  }
  devices_ = std::move(out);
  return *devices_;
}

const std::vector<ApiGroup>& Session::api_groups() {
  if (api_groups_) return *api_groups_;
  const core::RuntimeCalls& r = runtime();
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> ids;
  std::vector<uint32_t> group(r.size());
  std::vector<int64_t> dur(r.size());
  auto out = std::make_unique<std::vector<ApiGroup>>();
  for (size_t i = 0; i < r.size(); ++i) {
    int64_t pid = core::PidOf(r.global_tid[i]);
    auto [it, added] = ids.try_emplace({pid, r.name[i]},
                                       static_cast<uint32_t>(out->size()));
    if (added) {
      const std::string& nm = strings_.Get(r.name[i]);
      uint32_t base = strings_.Intern(core::ApiBaseName(nm));
      out->push_back({pid, r.name[i], base,
                      core::ApiKindName(core::ClassifyApi(nm)), {}});
    }
    group[i] = it->second;
    dur[i] = r.end[i] - r.start[i];
  }
  auto stats = core::ComputeGroupStats(group, out->size(), dur);
  for (size_t g = 0; g < out->size(); ++g) (*out)[g].stats = stats[g];
  api_groups_ = std::move(out);
  return *api_groups_;
}

const std::vector<NvtxGroup>& Session::nvtx_groups() {
  if (nvtx_groups_) return *nvtx_groups_;
  const core::NvtxRanges& n = nvtx();
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> ids;
  auto out = std::make_unique<std::vector<NvtxGroup>>();
  for (size_t i = 0; i < n.size(); ++i) {
    int64_t pid = core::PidOf(n.global_tid[i]);
    bool pushpop = n.event_type[i] == 59 || n.event_type[i] == 70;
    std::pair<int64_t, int64_t> key{
        (static_cast<int64_t>(n.domain[i]) << 32) | n.name[i],
        (pid << 1) | (pushpop ? 1 : 0)};
    auto [it, added] =
        ids.try_emplace(key, static_cast<uint32_t>(out->size()));
    if (added) {
      NvtxGroup g;
      g.pid = pid;
      g.domain = n.domain[i];
      g.name = n.name[i];
      g.style = pushpop ? "push_pop" : "start_end";
      g.min = INT64_MAX;
      g.max = INT64_MIN;
      out->push_back(g);
    }
    NvtxGroup& g = (*out)[it->second];
    if (n.open[i]) {
      ++g.open_count;
      continue;
    }
    int64_t d = n.end[i] - n.start[i];
    ++g.count;
    g.total += d;
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
    r.kernel_ns += k.end[i] - k.start[i];
    r.first_start = std::min(r.first_start, k.start[i]);
    r.last_end = std::max(r.last_end, k.end[i]);
  }
  auto out = std::make_unique<std::vector<PidRow>>();
  for (auto& [pid, r] : agg) out->push_back(r);
  pids_ = std::move(out);
  return *pids_;
}

const std::vector<int32_t>& Session::kernel_launch() {
  if (kernel_launch_) return *kernel_launch_;
  const core::Kernels& k = kernels();
  auto out = std::make_unique<std::vector<int32_t>>(k.size(), -1);
  // Index the kernels' (process, correlationId) keys, then stream the runtime
  // rows through it: memory is O(kernel keys), not O(runtime rows).
  std::unordered_map<std::pair<int64_t, int64_t>, int32_t, PairHash> want;
  want.reserve(k.size() / 2 + 16);
  for (size_t i = 0; i < k.size(); ++i) {
    if (k.correlation_id[i] < 0) continue;
    want.emplace(std::make_pair(core::ProcessKey(k.global_pid[i]),
                                k.correlation_id[i]),
                 -1);
  }
  if (!want.empty()) {
    const core::RuntimeCalls& r = runtime();
    for (size_t j = 0; j < r.size(); ++j) {
      auto it = want.find({core::ProcessKey(r.global_tid[j]),
                           r.correlation_id[j]});
      if (it != want.end() && it->second < 0)
        it->second = static_cast<int32_t>(j);
    }
    for (size_t i = 0; i < k.size(); ++i) {
      if (k.correlation_id[i] < 0) continue;
      auto it = want.find({core::ProcessKey(k.global_pid[i]),
                           k.correlation_id[i]});
      (*out)[i] = it->second;
    }
  }
  kernel_launch_ = std::move(out);
  return *kernel_launch_;
}

const Session::Attribution& Session::attribution() {
  if (attribution_) return *attribution_;
  const core::Kernels& k = kernels();
  const std::vector<int32_t>& launch = kernel_launch();
  const core::RuntimeCalls& r = runtime();
  const core::NvtxRanges& n = nvtx();
  auto a = std::make_unique<Attribution>();
  a->kernel_slot.assign(k.size(), -1);
  std::unordered_map<int32_t, int32_t> slot_of;
  for (size_t i = 0; i < k.size(); ++i) {
    if (launch[i] < 0) continue;
    auto [it, added] = slot_of.try_emplace(
        launch[i], static_cast<int32_t>(a->launch_runtime_row.size()));
    if (added) a->launch_runtime_row.push_back(static_cast<uint32_t>(launch[i]));
    a->kernel_slot[i] = it->second;
  }
  std::vector<core::LaunchCall> calls;
  calls.reserve(a->launch_runtime_row.size());
  for (uint32_t row : a->launch_runtime_row) {
    calls.push_back({r.start[row], r.end[row], r.global_tid[row],
                     core::ProcessKey(r.global_tid[row])});
  }
  std::vector<core::NvtxRange> ranges;
  ranges.reserve(n.size());
  for (size_t i = 0; i < n.size(); ++i) {
    bool proc = n.cross_thread[i] != 0;
    ranges.push_back({n.start[i], n.end[i],
                      proc ? core::ProcessKey(n.global_tid[i])
                           : n.global_tid[i],
                      proc});
  }
  a->enclosure = core::FindEnclosingRanges(ranges, calls);

  // Aggregate per (pid, domain, name) and globally (pid -1).
  std::unordered_map<std::pair<int64_t, int64_t>, uint32_t, PairHash> ids;
  std::map<int64_t, CoverageRow> cov;
  CoverageRow global{-1};
  auto row_for = [&](int64_t pid, uint32_t dom, uint32_t name) -> AttributionRow& {
    std::pair<int64_t, int64_t> key{(static_cast<int64_t>(dom) << 32) | name,
                                    pid};
    auto [it, added] =
        ids.try_emplace(key, static_cast<uint32_t>(a->rows.size()));
    if (added) a->rows.push_back({pid, dom, name});
    return a->rows[it->second];
  };
  std::vector<std::pair<uint32_t, uint32_t>> seen;
  for (size_t i = 0; i < k.size(); ++i) {
    int64_t pid = core::PidOf(k.global_pid[i]);
    int64_t d = k.end[i] - k.start[i];
    CoverageRow& c = cov.try_emplace(pid, CoverageRow{pid}).first->second;
    ++c.kernels;
    c.kernel_ns += d;
    ++global.kernels;
    global.kernel_ns += d;
    int32_t slot = a->kernel_slot[i];
    if (slot < 0) continue;
    ++c.launched;
    c.launched_ns += d;
    ++global.launched;
    global.launched_ns += d;
    size_t cnt = a->enclosure.Count(slot);
    if (cnt == 0) continue;
    ++c.attributed;
    c.attributed_ns += d;
    ++global.attributed;
    global.attributed_ns += d;
    seen.clear();
    const uint32_t* idx =
        a->enclosure.range_index.data() + a->enclosure.offsets[slot];
    for (size_t j = 0; j < cnt; ++j) {
      std::pair<uint32_t, uint32_t> dn{n.domain[idx[j]], n.name[idx[j]]};
      if (std::find(seen.begin(), seen.end(), dn) != seen.end()) continue;
      seen.push_back(dn);
      for (int64_t p : {int64_t{-1}, pid}) {
        AttributionRow& ar = row_for(p, dn.first, dn.second);
        ++ar.inclusive_count;
        ar.inclusive_ns += d;
      }
    }
    uint32_t inner = idx[cnt - 1];
    for (int64_t p : {int64_t{-1}, pid}) {
      AttributionRow& ar = row_for(p, n.domain[inner], n.name[inner]);
      ++ar.innermost_count;
      ar.innermost_ns += d;
    }
  }
  a->coverage.push_back(global);
  for (auto& [pid, c] : cov) a->coverage.push_back(c);
  attribution_ = std::move(a);
  return *attribution_;
}

}  // namespace nsysexplain
