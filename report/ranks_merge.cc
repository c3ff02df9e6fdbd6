// The many-ranks mode's data: the report.json "rank" block of one trace
// (BuildRankBlock, from the views), reading the blocks back (ReadDoc), and
// the merge of their ranks (Merge): clocks, the per-rank table and its
// stragglers, collective wait per instance, kernel categories.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "core/percentile.h"
#include "errors.h"
#include "ranks.h"
#include "ranks_internal.h"
#include "render.h"
#include "text.h"

namespace nsysexplain::render {
namespace ranks_detail {
namespace {

json Num(const Cell& c) {
  if (c.is_null()) return nullptr;
  if (c.type == Cell::Type::kInt) return c.i;
  return c.AsDouble();
}

// One query of the rank block; a view the trace cannot serve (a section
// that is not available) gives no rows instead of failing the report.
Table TryQuery(Db& db, const std::string& sql, const std::vector<Param>& p, json* missing,
               const char* what) {
  try {
    return db.Query(sql, p);
  } catch (const DbError& e) {
    missing->push_back(std::string(what) + ": " + e.what());
    return {};
  }
}

[[noreturn]] void Bad(const std::string& source, const std::string& what) {
  throw FatalError(source, "not a report.json with a \"rank\" block of " +
                               std::string(kRankFormat) + " version " +
                               std::to_string(kRankFormatVersion) + " (" + what + ")");
}

const json& Get(const json& j, const char* key, const std::string& source) {
  if (!j.is_object() || !j.contains(key)) Bad(source, std::string("no \"") + key + "\"");
  return j[key];
}
int64_t GetInt(const json& j, const char* key, const std::string& source) {
  const json& v = Get(j, key, source);
  if (!v.is_number_integer()) Bad(source, std::string("\"") + key + "\" is not an integer");
  return v.get<int64_t>();
}
std::string GetText(const json& j, const char* key, const std::string& source) {
  const json& v = Get(j, key, source);
  if (!v.is_string()) Bad(source, std::string("\"") + key + "\" is not a string");
  return v.get<std::string>();
}
std::optional<double> GetOptNum(const json& j, const char* key, const std::string& source) {
  const json& v = Get(j, key, source);
  if (v.is_null()) return std::nullopt;
  if (!v.is_number()) Bad(source, std::string("\"") + key + "\" is not a number");
  return v.get<double>();
}
std::vector<int64_t> GetInts(const json& j, const char* key, const std::string& source) {
  const json& v = Get(j, key, source);
  if (!v.is_array()) Bad(source, std::string("\"") + key + "\" is not an array");
  std::vector<int64_t> out;
  out.reserve(v.size());
  for (const json& x : v) {
    if (!x.is_number_integer()) Bad(source, std::string("\"") + key + "\" holds a non-integer");
    out.push_back(x.get<int64_t>());
  }
  return out;
}

// Reads one report.json document (already parsed) into files and ranks.
void ReadDoc(const json& doc, const std::string& source, std::vector<FileIn>* files,
             std::vector<RankIn>* ranks) {
  if (!doc.is_object()) Bad(source, "not a JSON object");
  if (GetInt(doc, "schema_version", source) != kJsonSchemaVersion)
    Bad(source, "schema_version " + doc["schema_version"].dump() + ", expected " +
                    std::to_string(kJsonSchemaVersion));
  if (GetText(Get(doc, "tool", source), "name", source) != kToolName)
    Bad(source, "tool.name is not " + std::string(kToolName));
  const json& b = Get(doc, "rank", source);
  if (GetText(b, "format", source) != kRankFormat) Bad(source, "rank.format");
  if (GetInt(b, "version", source) != kRankFormatVersion)
    Bad(source, "rank.version " + b["version"].dump());
  FileIn f;
  f.file = GetText(b, "file", source);
  f.trace = GetText(b, "trace", source);
  f.source = source;
  const json& clock = Get(b, "clock", source);
  f.session_utc = GetText(clock, "session_start_utc", source);
  f.host = GetText(clock, "host", source);
  if (auto v = GetOptNum(clock, "kernel_window_start_ns", source)) f.win_start = int64_t(*v);
  if (auto v = GetOptNum(clock, "kernel_window_end_ns", source)) f.win_end = int64_t(*v);
  files->push_back(f);
  const json& rs = Get(b, "ranks", source);
  if (!rs.is_array()) Bad(source, "rank.ranks is not an array");
  for (const json& r : rs) {
    RankIn x;
    x.name = GetText(r, "name", source);
    x.file = f.file;
    x.trace = f.trace;
    x.source = source;
    x.pid = GetInt(r, "pid", source);
    x.device = GetInt(r, "device_id", source);
    x.kernels = GetInt(r, "kernels", source);
    x.kernel_ms = GetOptNum(r, "kernel_time_ms", source).value_or(0);
    x.busy_ms = GetOptNum(r, "gpu_busy_ms", source);
    const json& st = Get(r, "steps", source);
    if (!st.is_object()) Bad(source, "steps is not an object");
    for (const auto& [phase, s] : st.items())
      x.steps[phase] = {GetInt(s, "steps", source), GetOptNum(s, "p50_us", source),
                        GetOptNum(s, "p99_us", source)};
    const json& cats = Get(r, "categories", source);
    if (!cats.is_object()) Bad(source, "categories is not an object");
    for (const auto& [cat, ms] : cats.items()) {
      if (!ms.is_number()) Bad(source, "category " + cat + " is not a number");
      x.categories.emplace_back(cat, ms.get<double>());
    }
    const json& cs = Get(r, "collectives", source);
    if (!cs.is_object()) Bad(source, "collectives is not an object");
    for (const auto& [name, c] : cs.items()) {
      Coll& k = x.coll[name];
      k.instances = GetInt(c, "instances", source);
      k.start = GetInts(c, "start_ns", source);
      k.end = GetInts(c, "end_ns", source);
      if (k.start.size() != k.end.size())
        Bad(source, name + ": start_ns and end_ns differ in length");
    }
    ranks->push_back(std::move(x));
  }
}

// The mean of the two middle values for an even count, as nsys's median.
std::optional<double> Median(std::vector<double> v) { return core::PercentileInPlace(v, 50); }

Cell Opt(const std::optional<double>& v) { return v ? Cell::Real(*v) : Cell::Null(); }
Cell R3(double v) { return Cell::Real(std::round(v * 1000) / 1000); }
std::optional<double> PctOver(const std::optional<double>& v, const std::optional<double>& ref) {
  if (!v || !ref || *ref == 0) return std::nullopt;
  return std::round(1000.0 * (*v / *ref - 1)) / 10.0;
}

}  // namespace

Merged Merge(const std::vector<std::pair<std::string, json>>& docs) {
  Merged m;
  for (const auto& [src, doc] : docs) ReadDoc(doc, src, &m.files, &m.ranks);
  {
    std::map<std::string, std::string> seen;  // rank name -> source
    for (const RankIn& r : m.ranks)
      if (auto [it, fresh] = seen.emplace(r.name, r.source); !fresh)
        throw FatalError(r.source, "rank " + r.name + " is also in " + it->second +
                                       " (two traces with one file stem and PID?)");
  }
  std::sort(m.ranks.begin(), m.ranks.end(),
            [](const RankIn& a, const RankIn& b) { return a.name < b.name; });
  // Input order says nothing either: files by stem, then path.
  std::sort(m.files.begin(), m.files.end(), [](const FileIn& a, const FileIn& b) {
    return std::tie(a.file, a.trace) < std::tie(b.file, b.trace);
  });
  if (m.ranks.empty()) m.warnings.emplace_back("no_ranks", "No input has a rank with kernels.");

  // Clocks: one file is one clock; several files share a clock only when
  // nsys synchronised them (one host, or --capture-range on a common clock).
  if (m.files.size() > 1) {
    m.caveats.push_back(
        "Ranks from different files are compared on their exported timestamps. Ranks on "
        "different hosts have unrelated clocks unless nsys synchronised them (and an export "
        "with --ts-normalize or --ts-shift moves them): collective wait across files is only "
        "as good as that alignment.");
    std::optional<int64_t> lo, hi;
    bool known = true;
    for (const FileIn& f : m.files) {
      if (!f.win_start || !f.win_end) {
        known = false;
        continue;
      }
      lo = lo ? std::max(*lo, *f.win_start) : *f.win_start;
      hi = hi ? std::min(*hi, *f.win_end) : *f.win_end;
    }
    if (!known) {
      m.one_clock = false;
      m.warnings.emplace_back("clock_unknown",
                              "A file has no kernel window: the clocks of the files cannot be "
                              "checked; collective wait across files is not computed.");
    } else if (lo && hi && *lo > *hi) {
      m.one_clock = false;
      m.warnings.emplace_back(
          "clock_windows_disjoint",
          "The kernel windows of the files do not overlap (latest start " + Fixed(*lo / 1e9, 6) +
              " s > earliest end " + Fixed(*hi / 1e9, 6) +
              " s): the ranks were captured at different times or on unrelated clocks; "
              "collective wait across files is not computed.");
    }
    std::set<std::string> hosts;
    for (const FileIn& f : m.files)
      if (!f.host.empty()) hosts.insert(f.host);
    if (hosts.size() > 1) {
      std::string list;
      for (const std::string& h : hosts) list += (list.empty() ? "" : ", ") + h;
      m.warnings.emplace_back(
          "hosts_differ",
          "The traces come from " + std::to_string(hosts.size()) + " hosts (" + list +
              "; TARGET_INFO_SYSTEM_ENV Hostname): their clocks are unrelated unless nsys "
              "synchronised them; collective wait is not compared across hosts.");
      if (m.one_clock)
        for (FileIn& f : m.files) f.clock = f.host.empty() ? f.file : "host:" + f.host;
    }
    if (!m.one_clock)
      for (FileIn& f : m.files) f.clock = f.file;
    std::set<std::string> keys;
    for (const FileIn& f : m.files) keys.insert(f.clock);
    m.one_clock = keys.size() == 1;
    std::set<std::string> utc;
    for (const FileIn& f : m.files) utc.insert(f.session_utc);
    if (utc.size() > 1)
      m.warnings.emplace_back("session_start_differs",
                              "The files' sessions started at different times (" +
                                  std::to_string(utc.size()) +
                                  " distinct TARGET_INFO_SESSION_START_TIME.utcTime values): "
                                  "check that their timestamps share one time base.");
  }

  // Per-rank table.
  std::vector<double> p50s, kms;
  for (const RankIn& r : m.ranks) {
    auto it = r.steps.find("decode");
    if (it != r.steps.end() && it->second.p50) p50s.push_back(*it->second.p50);
    kms.push_back(r.kernel_ms);
  }
  std::optional<double> med_p50, med_k;
  if (p50s.size() >= 2) med_p50 = Median(p50s);
  if (kms.size() >= 2) med_k = Median(kms);
  m.ranks_t.columns = {"rank",
                       "file",
                       "pid",
                       "device_id",
                       "decode_steps",
                       "decode_p50_us",
                       "decode_p99_us",
                       "decode_p50_vs_median_pct",
                       "prefill_p50_us",
                       "kernels",
                       "kernel_time_ms",
                       "kernel_time_vs_median_pct",
                       "gpu_busy_ms",
                       "straggler"};
  // Why each rank is slow: step time, kernel time, then (below) the
  // collectives it starts last.
  std::vector<std::vector<std::string>> why(m.ranks.size());
  auto signed_pct = [](double v) { return (v >= 0 ? "+" : "") + Fixed(v, 1) + "%"; };
  for (size_t i = 0; i < m.ranks.size(); ++i) {
    const RankIn& r = m.ranks[i];
    auto get = [&](const char* ph) {
      auto it = r.steps.find(ph);
      return it == r.steps.end() ? Steps{} : it->second;
    };
    const Steps d = get("decode"), p = get("prefill");
    const std::optional<double> dp = PctOver(d.p50, med_p50), kp = PctOver(r.kernel_ms, med_k);
    if (dp && *dp >= kStragglerPct)
      why[i].push_back("decode step p50 " + signed_pct(*dp) + " vs the median rank (" +
                       Fixed(*d.p50, 1) + " us vs " + Fixed(*med_p50, 1) + " us)");
    if (kp && *kp >= kStragglerPct)
      why[i].push_back("GPU kernel time " + signed_pct(*kp) + " vs the median rank (" +
                       Fixed(r.kernel_ms, 3) + " ms vs " + Fixed(*med_k, 3) + " ms)");
    m.ranks_t.rows.push_back({Cell::Text(r.name), Cell::Text(r.file), Cell::Int(r.pid),
                              Cell::Int(r.device), Cell::Int(d.steps), Opt(d.p50), Opt(d.p99),
                              Opt(dp), Opt(p.p50), Cell::Int(r.kernels), R3(r.kernel_ms), Opt(kp),
                              Opt(r.busy_ms), Cell::Int(0)});
  }
  m.cats_t.columns = {"rank", "category", "total_ms"};
  for (const RankIn& r : m.ranks)
    for (const auto& [c, ms] : r.categories)
      m.cats_t.rows.push_back({Cell::Text(r.name), Cell::Text(c), Cell::Real(ms)});

  // Collective wait: the n-th instance of a collective on each rank.
  m.colls_t.columns = {"clock",
                       "collective",
                       "ranks",
                       "instances",
                       "start_spread_avg_us",
                       "start_spread_max_us",
                       "end_spread_avg_us",
                       "end_spread_max_us",
                       "late_rank",
                       "late_pct",
                       "truncated"};
  m.waits_t.columns = {"rank",        "collective",    "instances",
                       "wait_avg_us", "wait_total_ms", "last_pct"};
  std::set<std::string> names;
  for (const RankIn& r : m.ranks)
    for (const auto& [c, k] : r.coll) names.insert(c);
  std::vector<std::string> wait_findings;
  // Ranks on one clock: all of them, or (clocks not comparable) each file's.
  std::vector<std::pair<std::string, std::vector<const RankIn*>>> clocks;
  for (const FileIn& f : m.files) {
    auto it = std::find_if(clocks.begin(), clocks.end(),
                           [&](const auto& c) { return c.first == f.clock; });
    if (it == clocks.end()) it = clocks.insert(clocks.end(), {f.clock, {}});
    for (const RankIn& r : m.ranks)
      if (r.source == f.source) it->second.push_back(&r);
  }
  for (const auto& [clock, pool] : clocks) {
    for (const std::string& c : names) {
      std::vector<const RankIn*> on;
      for (const RankIn* r : pool)
        if (r->coll.count(c)) on.push_back(r);
      if (on.size() < 2) continue;
      size_t n = SIZE_MAX;
      int64_t lo_count = INT64_MAX, hi_count = 0;
      bool truncated = false;
      for (const RankIn* r : on) {
        const Coll& k = r->coll.at(c);
        n = std::min(n, k.start.size());
        lo_count = std::min(lo_count, k.instances);
        hi_count = std::max(hi_count, k.instances);
        truncated |= int64_t(k.start.size()) < k.instances;
      }
      if (lo_count != hi_count)
        m.warnings.emplace_back(
            "collective_counts_differ",
            c + ": the ranks ran " + std::to_string(lo_count) + " to " + std::to_string(hi_count) +
                " instances; instances are paired by their order on each rank, so a missing or "
                "extra one shifts the pairing after it.");
      if (truncated)
        m.warnings.emplace_back("collective_instances_truncated",
                                c + ": only the first " + std::to_string(n) +
                                    " instances per rank are compared (the rank block keeps at "
                                    "most " +
                                    std::to_string(kRankInstanceLimit) + ").");
      if (n == 0) continue;
      std::vector<double> wait(on.size(), 0);
      std::vector<int64_t> last(on.size(), 0);
      double s_sum = 0, s_max = 0, e_sum = 0, e_max = 0;
      for (size_t i = 0; i < n; ++i) {
        int64_t s_lo = INT64_MAX, s_hi = INT64_MIN, e_lo = INT64_MAX, e_hi = INT64_MIN;
        size_t late = 0;
        for (size_t r = 0; r < on.size(); ++r) {
          const Coll& k = on[r]->coll.at(c);
          s_lo = std::min(s_lo, k.start[i]);
          e_lo = std::min(e_lo, k.end[i]);
          e_hi = std::max(e_hi, k.end[i]);
          if (k.start[i] > s_hi) {
            s_hi = k.start[i];
            late = r;
          }
        }
        ++last[late];
        for (size_t r = 0; r < on.size(); ++r) wait[r] += double(s_hi - on[r]->coll.at(c).start[i]);
        s_sum += double(s_hi - s_lo);
        s_max = std::max(s_max, double(s_hi - s_lo));
        e_sum += double(e_hi - e_lo);
        e_max = std::max(e_max, double(e_hi - e_lo));
      }
      size_t late = size_t(std::max_element(last.begin(), last.end()) - last.begin());
      const double dn = double(n);
      const double late_pct = std::round(1000.0 * double(last[late]) / dn) / 10.0;
      m.colls_t.rows.push_back({Cell::Text(clock), Cell::Text(c), Cell::Int(int64_t(on.size())),
                                Cell::Int(int64_t(n)), R3(s_sum / dn / 1e3), R3(s_max / 1e3),
                                R3(e_sum / dn / 1e3), R3(e_max / 1e3), Cell::Text(on[late]->name),
                                Cell::Real(late_pct), Cell::Int(truncated)});
      for (size_t r = 0; r < on.size(); ++r)
        m.waits_t.rows.push_back({Cell::Text(on[r]->name), Cell::Text(c), Cell::Int(int64_t(n)),
                                  R3(wait[r] / dn / 1e3),
                                  Cell::Real(std::round(wait[r] / 1e3) / 1e3),
                                  Cell::Real(std::round(1000.0 * double(last[r]) / dn) / 10.0)});
      if (s_sum / dn >= kWaitFindingUs * 1e3 && 2 * size_t(last[late]) >= n)
        why[size_t(on[late] - m.ranks.data())].push_back("last to start " + Fixed(late_pct, 1) +
                                                         "% of the " + c +
                                                         " instances (mean start "
                                                         "spread " +
                                                         Fixed(s_sum / dn / 1e3, 1) + " us)");
      if (s_sum / dn >= kWaitFindingUs * 1e3) {
        // The fastest rank waits the whole spread; the others less.
        double others = 0;
        for (size_t r = 0; r < on.size(); ++r)
          if (r != late) others += wait[r];
        others /= dn * double(on.size() - 1);
        wait_findings.push_back(
            c + ": ranks wait for " + on[late]->name + " (last to start in " + Fixed(late_pct, 1) +
            "% of " + std::to_string(n) + " instances): the other ranks wait " +
            Fixed(others / 1e3, 1) + " us per instance on average, the fastest " +
            Fixed(s_sum / dn / 1e3, 1) + " us (start spread; max " + Fixed(s_max / 1e3, 1) +
            " us; end spread " + Fixed(e_sum / dn / 1e3, 1) + " us).");
      }
    }
  }
  if (!m.one_clock && !names.empty())
    m.caveats.push_back(
        "Collective wait is compared only among the ranks on one clock (column clock: a "
        "file stem, or host:<name>): the files' clocks could not be matched.");
  const int slow_col = m.ranks_t.Col("straggler");
  for (size_t i = 0; i < m.ranks.size(); ++i) {
    if (why[i].empty()) continue;
    m.ranks_t.rows[i][size_t(slow_col)] = Cell::Int(1);
    std::string s;
    for (const std::string& w : why[i]) s += (s.empty() ? "" : "; ") + w;
    m.findings.push_back("Rank " + m.ranks[i].name + " is a straggler: " + s + ".");
  }
  for (std::string& s : wait_findings) m.findings.push_back(std::move(s));
  return m;
}

}  // namespace ranks_detail

using namespace ranks_detail;

json BuildRankBlock(Db& db, const std::string& trace_path) {
  json missing = json::array();
  auto info = [&](const char* key) {
    Table t = TryQuery(db, "SELECT value FROM llm_trace_info WHERE key = ?", {std::string(key)},
                       &missing, "llm_trace_info");
    return t.rows.empty() ? Cell::Null() : t.rows[0][0];
  };
  auto ns = [&](const char* key) {
    Cell c = info(key);
    return c.is_null() || c.AsText().empty() ? json(nullptr) : json(c.AsInt());
  };
  json clock = {{"session_start_utc", info("session_start_utc").AsText()},
                {"host", info("host_name").AsText()},
                {"kernel_window_start_ns", ns("kernel_window_start_ns")},
                {"kernel_window_end_ns", ns("kernel_window_end_ns")}};
  Table ranks = TryQuery(db,
                         "SELECT pid, device_id, sum(calls), total(total_ms) FROM "
                         "llm_kernel_categories_by_pid GROUP BY pid, device_id ORDER BY pid, "
                         "device_id",
                         {}, &missing, "llm_kernel_categories_by_pid");
  Table cats = TryQuery(db,
                        "SELECT pid, device_id, category, total(total_ms) FROM "
                        "llm_kernel_categories_by_pid GROUP BY pid, device_id, category "
                        "ORDER BY pid, device_id, 4 DESC, category",
                        {}, &missing, "llm_kernel_categories_by_pid");
  Table busy =
      TryQuery(db, "SELECT device_id, busy_ms FROM llm_gpu_idle", {}, &missing, "llm_gpu_idle");
  Table steps = TryQuery(db,
                         "SELECT pid, device_id, CASE WHEN warmup THEN 'warmup' ELSE phase END "
                         "AS ph, count(*), round(nsys_percentile(duration_us, 50), 3), "
                         "round(nsys_percentile(duration_us, 99), 3) FROM llm_steps "
                         "GROUP BY pid, device_id, ph ORDER BY pid, device_id, ph",
                         {}, &missing, "llm_steps");
  Table counts = TryQuery(db, "SELECT pid, device_id, collective, kernels FROM llm_nccl", {},
                          &missing, "llm_nccl");
  Table inst = TryQuery(db,
                        "SELECT pid, device_id, collective, start_ns, end_ns FROM "
                        "llm_nccl_instances WHERE instance < ? ORDER BY pid, device_id, "
                        "collective, instance",
                        {kRankInstanceLimit}, &missing, "llm_nccl_instances");
  // Processes with one device: steps without a device belong to it.
  std::map<int64_t, int> devices_of;
  for (const Row& r : ranks.rows) ++devices_of[r[0].AsInt()];
  const std::string stem = Stem(trace_path);
  json out = json::array();
  for (const Row& r : ranks.rows) {
    const int64_t pid = r[0].AsInt(), dev = r[1].AsInt();
    auto mine = [&](const Row& x) {
      return x[0].AsInt() == pid &&
             (x[1].AsInt() == dev || (x[1].is_null() && devices_of[pid] == 1));
    };
    json c = json::object();
    for (const Row& x : cats.rows)
      if (mine(x)) c[x[2].AsText()] = x[3].AsDouble();
    json st = json::object();
    for (const Row& x : steps.rows)
      if (mine(x))
        st[x[2].AsText()] = {{"steps", x[3].AsInt()}, {"p50_us", Num(x[4])}, {"p99_us", Num(x[5])}};
    json b = nullptr;
    for (const Row& x : busy.rows)
      if (x[0].AsInt() == dev) b = Num(x[1]);
    json coll = json::object();
    for (const Row& x : counts.rows)
      if (mine(x))
        coll[x[2].AsText()] = {
            {"instances", x[3].AsInt()}, {"start_ns", json::array()}, {"end_ns", json::array()}};
    for (const Row& x : inst.rows)
      if (mine(x) && coll.contains(x[2].AsText())) {
        json& k = coll[x[2].AsText()];
        k["start_ns"].push_back(x[3].AsInt());
        k["end_ns"].push_back(x[4].AsInt());
      }
    out.push_back({{"name", stem + ":pid" + std::to_string(pid) + ":gpu" + std::to_string(dev)},
                   {"pid", pid},
                   {"device_id", dev},
                   {"kernels", r[2].AsInt()},
                   {"kernel_time_ms", r[3].AsDouble()},
                   {"gpu_busy_ms", b},
                   {"steps", st},
                   {"categories", c},
                   {"collectives", coll}});
  }
  return {{"format", kRankFormat},  {"version", kRankFormatVersion},
          {"file", stem},           {"trace", trace_path},
          {"clock", clock},         {"instance_limit", kRankInstanceLimit},
          {"unavailable", missing}, {"ranks", out}};
}

}  // namespace nsysexplain::render
