#include "reference.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace conformance {
namespace {

std::string ColOr(const Db& db, const std::string& table, const std::string& col,
                  const std::string& alias) {
  return db.HasColumn(table, col) ? alias + ".\"" + col + "\"" : "NULL";
}

}  // namespace

RefTrace LoadReference(const Db& db) {
  RefTrace t;
  const bool strings = db.HasTable("StringIds");
  auto lookup = [&](const std::string& idexpr) {
    // Name of a StringIds id, NULL if unresolved.
    return strings ? "(SELECT value FROM StringIds WHERE id = " + idexpr + ")"
                   : std::string("NULL");
  };

  // Kernels: CUPTI_ACTIVITY_KIND_KERNEL, else CONCURRENT_KERNEL.
  std::string kt;
  for (const char* cand : {"CUPTI_ACTIVITY_KIND_KERNEL",
                           "CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL"}) {
    if (db.HasTable(cand)) {
      kt = cand;
      break;
    }
  }
  if (!kt.empty()) {
    t.has_kernel_table = true;
    std::string dem = ColOr(db, kt, "demangledName", "k");
    std::string shrt = ColOr(db, kt, "shortName", "k");
    // SEMANTICS: StringIds[demangledName], else StringIds[shortName], else
    // "<unresolved name id N>".
    std::string name =
        "coalesce(" + lookup(dem) + ", " + lookup(shrt) +
        ", '<unresolved name id ' || coalesce(" + dem + ", " + shrt + ") || '>')";
    std::string sql =
        "SELECT k.rowid, k.start, k.\"end\", " + ColOr(db, kt, "deviceId", "k") +
        ", " + ColOr(db, kt, "globalPid", "k") + ", " +
        ColOr(db, kt, "correlationId", "k") + ", " + name + ", coalesce(" +
        lookup(shrt) + ", " + name + ") FROM \"" + kt +
        "\" AS k WHERE k.start IS NOT NULL AND k.\"end\" IS NOT NULL AND "
        "k.\"end\" >= k.start ORDER BY k.rowid";
    for (const Row& r : db.Query(sql).rows) {
      RefKernel k;
      k.rowid = r[0].i;
      k.start = r[1].i;
      k.end = r[2].i;
      k.device = r[3].i;
      k.global_pid = r[4].i;
      k.has_corr = !r[5].null();
      k.corr = r[5].i;
      k.name = r[6].s;
      k.short_name = r[7].s;
      t.kernels.push_back(std::move(k));
    }
  }

  const std::string rt = "CUPTI_ACTIVITY_KIND_RUNTIME";
  if (db.HasTable(rt)) {
    t.has_runtime = true;
    std::string cls = db.HasColumn(rt, "eventClass")
                          ? "(r.eventClass IS NULL OR r.eventClass IN (0, 1))"
                          : "1";
    std::string name_id = ColOr(db, rt, "nameId", "r");
    std::string sql =
        "SELECT r.rowid, r.start, r.\"end\", " + ColOr(db, rt, "globalTid", "r") +
        ", " + ColOr(db, rt, "correlationId", "r") + ", coalesce(" +
        lookup(name_id) + ", '<unresolved name id ' || " + name_id +
        " || '>', '<unnamed>') FROM " + rt + " AS r WHERE " + cls +
        " AND r.start IS NOT NULL AND r.\"end\" IS NOT NULL AND r.\"end\" >= "
        "r.start ORDER BY r.rowid";
    for (const Row& r : db.Query(sql).rows) {
      RefRuntime x;
      x.rowid = r[0].i;
      x.start = r[1].i;
      x.end = r[2].i;
      x.gtid = r[3].i;
      x.has_corr = !r[4].null();
      x.corr = r[4].i;
      x.name = r[5].s;
      t.runtime.push_back(std::move(x));
    }
    if (db.HasColumn(rt, "eventClass"))
      t.runtime_skipped = db.Int("SELECT count(*) FROM " + rt +
                                 " WHERE eventClass IS NOT NULL AND eventClass "
                                 "NOT IN (0, 1)");
  }

  const std::string nt = "NVTX_EVENTS";
  if (db.HasTable(nt)) {
    t.has_nvtx = true;
    std::string text = ColOr(db, nt, "text", "n");
    std::string tid = ColOr(db, nt, "textId", "n");
    std::string msg = "coalesce(" + lookup(tid) + ", " + text + ")";
    std::string dom_id = "coalesce(" + ColOr(db, nt, "domainId", "n") + ", 0)";
    // Domain names: eventType 75 rows, per (process, domainId).
    std::map<std::pair<int64_t, int64_t>, std::string> domains;
    for (const Row& r :
         db.Query("SELECT n.globalTid, " + dom_id + ", coalesce(" + msg +
                  ", '') FROM NVTX_EVENTS AS n WHERE n.eventType = 75 ORDER BY "
                  "n.rowid")
             .rows)
      domains[{ProcessKeyOf(r[0].i), r[1].i}] = r[2].s;
    std::string sql =
        "SELECT n.rowid, n.start, n.\"end\", n.eventType, n.globalTid, " +
        ColOr(db, nt, "endGlobalTid", "n") + ", coalesce(" + msg +
        ", '<unnamed>'), " + dom_id +
        " FROM NVTX_EVENTS AS n WHERE n.eventType IN (59, 60, 70, 71) AND "
        "n.start IS NOT NULL ORDER BY n.rowid";
    for (const Row& r : db.Query(sql).rows) {
      RefNvtx x;
      x.rowid = r[0].i;
      x.start = r[1].i;
      x.open = r[2].null();
      x.end = x.open ? kInfinity : r[2].i;
      if (x.end < x.start) continue;  // invalid
      x.type = static_cast<int>(r[3].i);
      x.gtid = r[4].i;
      bool start_end = x.type == 60 || x.type == 71;
      x.process_scoped = start_end && !r[5].null() && r[5].i != x.gtid;
      x.name = r[6].s;
      auto it = domains.find({ProcessKeyOf(x.gtid), r[7].i});
      x.domain = it != domains.end() ? it->second
                 : r[7].i == 0      ? ""
                                    : "<domain " + std::to_string(r[7].i) + ">";
      t.nvtx.push_back(std::move(x));
    }
  }
  return t;
}

std::vector<int> KernelLaunch(const RefTrace& t, bool pid_safe) {
  std::vector<int> out(t.kernels.size(), -1);
  for (size_t i = 0; i < t.kernels.size(); ++i) {
    const RefKernel& k = t.kernels[i];
    if (!k.has_corr) continue;
    for (size_t j = 0; j < t.runtime.size(); ++j) {  // first row in rowid order
      const RefRuntime& r = t.runtime[j];
      if (!r.has_corr || r.corr != k.corr) continue;
      if (pid_safe && ProcessKeyOf(r.gtid) != k.global_pid) continue;
      out[i] = static_cast<int>(j);
      break;
    }
  }
  return out;
}

RefAttribution Attribute(const RefTrace& t, const std::vector<int>& launch) {
  RefAttribution a;
  a.enclosing.resize(t.kernels.size());
  a.innermost.assign(t.kernels.size(), -1);
  a.coverage[-1];
  for (size_t i = 0; i < t.kernels.size(); ++i) {
    const RefKernel& k = t.kernels[i];
    int64_t d = k.dur();
    for (int64_t p : {int64_t{-1}, k.pid()}) {
      RefCoverage& c = a.coverage[p];
      ++c.kernels;
      c.kernel_ns += d;
    }
    if (launch[i] < 0) continue;
    const RefRuntime& call = t.runtime[static_cast<size_t>(launch[i])];
    for (int64_t p : {int64_t{-1}, k.pid()}) {
      RefCoverage& c = a.coverage[p];
      ++c.launched;
      c.launched_ns += d;
    }
    // Every range that encloses the launch call (SEMANTICS rule 2).
    std::vector<int>& enc = a.enclosing[i];
    for (size_t r = 0; r < t.nvtx.size(); ++r) {
      const RefNvtx& g = t.nvtx[r];
      bool same_scope = g.process_scoped
                            ? ProcessKeyOf(g.gtid) == ProcessKeyOf(call.gtid)
                            : g.gtid == call.gtid;
      if (same_scope && g.start <= call.start && call.end <= g.end)
        enc.push_back(static_cast<int>(r));
    }
    if (enc.empty()) continue;
    for (int64_t p : {int64_t{-1}, k.pid()}) {
      RefCoverage& c = a.coverage[p];
      ++c.attributed;
      c.attributed_ns += d;
    }
    // Inclusive: once per distinct (domain, name).
    std::set<std::pair<std::string, std::string>> names;
    for (int r : enc) names.insert({t.nvtx[r].domain, t.nvtx[r].name});
    for (const auto& [dom, name] : names)
      for (int64_t p : {int64_t{-1}, k.pid()}) {
        RefAgg& g = a.rows[{p, dom, name}];
        ++g.incl_n;
        g.incl_ns += d;
      }
    // Innermost: latest start; ties: shortest range, then the later row.
    int best = enc[0];
    for (int r : enc) {
      const RefNvtx& x = t.nvtx[r];
      const RefNvtx& b = t.nvtx[best];
      if (std::make_tuple(x.start, -int64_t(x.end == kInfinity),
                          x.end == kInfinity ? 0 : -x.end, x.rowid) >
          std::make_tuple(b.start, -int64_t(b.end == kInfinity),
                          b.end == kInfinity ? 0 : -b.end, b.rowid))
        best = r;
    }
    a.innermost[i] = best;
    for (int64_t p : {int64_t{-1}, k.pid()}) {
      RefAgg& g = a.rows[{p, t.nvtx[best].domain, t.nvtx[best].name}];
      ++g.inner_n;
      g.inner_ns += d;
    }
  }
  return a;
}

std::vector<RefBusy> NaiveBusy(const RefTrace& t) {
  std::map<int64_t, std::vector<const RefKernel*>> by_dev;
  for (const RefKernel& k : t.kernels) by_dev[k.device].push_back(&k);
  std::vector<RefBusy> out;
  for (const auto& [dev, ks] : by_dev) {
    RefBusy b;
    b.device = dev;
    b.kernels = static_cast<int64_t>(ks.size());
    b.window_start = kInfinity;
    b.window_end = std::numeric_limits<int64_t>::min();
    std::vector<int64_t> pts;
    for (const RefKernel* k : ks) {
      b.window_start = std::min(b.window_start, k->start);
      b.window_end = std::max(b.window_end, k->end);
      pts.push_back(k->start);
      pts.push_back(k->end);
    }
    std::sort(pts.begin(), pts.end());
    pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
    bool in_gap = false;
    for (size_t i = 0; i + 1 < pts.size(); ++i) {
      int64_t a = pts[i], z = pts[i + 1];
      bool covered = false;
      for (const RefKernel* k : ks)
        if (k->start <= a && z <= k->end) {
          covered = true;
          break;
        }
      if (covered) {
        b.busy += z - a;
        in_gap = false;
      } else if (in_gap) {
        b.gaps.back().second = z;
      } else {
        b.gaps.push_back({a, z});
        in_gap = true;
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

double NaivePercentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double pos = p / 100.0 * double(v.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  double frac = pos - double(lo);
  return double(v[lo]) + (double(v[hi]) - double(v[lo])) * frac;
}

double NaiveStdev(const std::vector<int64_t>& v) {
  if (v.size() < 2) return 0;
  double mean = 0;
  for (int64_t x : v) mean += double(x);
  mean /= double(v.size());
  double ss = 0;
  for (int64_t x : v) ss += (double(x) - mean) * (double(x) - mean);
  return std::sqrt(ss / double(v.size() - 1));
}

}  // namespace conformance
