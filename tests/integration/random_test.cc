// Random nsys-shaped traces: NVTX attribution (inclusive/innermost, coverage)
// and GPU busy time from the extension against a naive O(n^2) computation of
// docs/SEMANTICS.md written here, directly from the rows inserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "harness.h"
#include "sanitized.h"

namespace nsysexplain::testing {
namespace {

constexpr int64_t kInf = INT64_MAX;

struct KRow { int64_t start, end, gpid, corr; int dev; };
struct RRow { int64_t start, end, gtid, corr; int cls; };
struct NRow {
  int type;
  int64_t start;
  std::optional<int64_t> end;
  int64_t gtid;
  std::optional<int64_t> end_gtid;
  std::string name;
};

int64_t Pkey(int64_t g) { return g & ~int64_t{0xFFFFFF}; }
int64_t Pid(int64_t g) { return (g >> 24) & 0xFFFFFF; }

struct Trace {
  std::vector<KRow> k;
  std::vector<RRow> r;
  std::vector<NRow> n;
};

Trace MakeTrace(std::mt19937_64& rng) {
  auto U = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const char* names[] = {"step", "fwd", "attn", "mlp", "loop"};
  Trace t;
  const int nproc = int(U(1, 3));
  for (int p = 0; p < nproc; ++p) {
    int64_t pid = 1000 + p;
    int64_t vm = U(0, 3) == 0 ? 1 : 0;
    std::vector<int64_t> threads;
    for (int th = int(U(1, 3)); th > 0; --th)
      threads.push_back(Gtid(pid, pid + th, vm));
    // NVTX per thread: nested push/pop with repeated names, start/end
    // ranges, some ending on another thread, some never closed.
    for (int64_t g : threads) {
      std::vector<std::pair<int64_t, std::string>> stack;
      int64_t now = U(0, 50);
      for (int op = int(U(0, 40)); op > 0; --op) {
        if (stack.empty() || (stack.size() < 5 && U(0, 1))) {
          stack.push_back({now, names[U(0, 4)]});
        } else {
          t.n.push_back({U(0, 4) ? 59 : 70, stack.back().first, now, g,
                         std::nullopt, stack.back().second});
          stack.pop_back();
        }
        now += U(0, 400);
      }
      while (!stack.empty()) {
        std::optional<int64_t> end;
        if (U(0, 1)) end = now;
        t.n.push_back({59, stack.back().first, end, g, std::nullopt,
                       stack.back().second});
        stack.pop_back();
      }
      for (int s = int(U(0, 4)); s > 0; --s) {
        int64_t b = U(0, 8000);
        std::optional<int64_t> end = b + U(0, 3000);
        if (U(0, 7) == 0) end.reset();
        std::optional<int64_t> end_g;
        int pick = int(U(0, 3));
        if (pick == 1) end_g = g;                              // same thread
        if (pick == 2) end_g = threads[size_t(U(0, int64_t(threads.size()) - 1))];
        if (pick == 3) end_g = Gtid(pid, 999, vm);             // other thread
        t.n.push_back({U(0, 3) ? 60 : 71, b, end, g, end_g, names[U(0, 4)]});
      }
    }
    // Kernels with launches; correlation ids restart per process, so they
    // collide across processes.
    int64_t corr = 1;
    for (int i = int(U(5, 60)); i > 0; --i, ++corr) {
      int64_t g = threads[size_t(U(0, int64_t(threads.size()) - 1))];
      int64_t ls = U(0, 9000), le = ls + U(0, 60);
      int64_t ks = le + U(0, 2000), ke = ks + U(0, 900);
      if (U(0, 9) == 0) ke = ks;  // zero-length kernel
      t.k.push_back({ks, ke, Gpid(pid, vm), corr, int(U(0, 1))});
      int kind = int(U(0, 9));
      if (kind == 0) continue;  // no launch row
      if (kind == 1)  // a backtrace duplicate first, on another thread
        t.r.push_back({U(0, 9000), U(9000, 9999), Gtid(pid, 4242, vm), corr, 67});
      t.r.push_back({ls, le, g, corr, int(U(0, 1))});
      // CUDA-graph style: a second kernel sharing the launch.
      if (U(0, 9) == 0) {
        int64_t s2 = ke + U(0, 100);
        t.k.push_back({s2, s2 + U(0, 500), Gpid(pid, vm), corr, 0});
      }
    }
    // Non-launch API calls with colliding ids.
    for (int i = int(U(0, 5)); i > 0; --i)
      t.r.push_back({U(0, 9000), U(9000, 9500), threads[0], 10000 + i, 0});
  }
  return t;
}

void Write(const Trace& t, TraceBuilder& b) {
  b.Begin();
  for (const KRow& k : t.k) b.K(k.start, k.end, "kern", k.dev, k.gpid, k.corr);
  for (const RRow& r : t.r)
    b.R(r.start, r.end, "cudaLaunchKernel_v7000", r.gtid, r.corr, r.cls);
  for (const NRow& n : t.n) {
    TraceBuilder::Nvtx x;
    x.type = n.type;
    x.start = n.start;
    x.end = n.end;
    x.global_tid = n.gtid;
    x.end_global_tid = n.end_gtid;
    x.text_id = n.name;
    b.AddNvtx(x);
  }
  b.Commit();
}

struct Expected {
  std::map<std::pair<int64_t, std::string>, int64_t> inclusive, innermost;
  std::map<std::pair<int64_t, std::string>, int64_t> inclusive_n, innermost_n;
  std::map<int64_t, int64_t> kernel_ns, attributed_ns;  // pid -1 = all
  std::map<int, int64_t> busy;
  std::map<int, int64_t> gaps;
};

// Naive: every kernel against every runtime row and every range.
Expected Naive(const Trace& t) {
  Expected e;
  for (const KRow& k : t.k) {
    int64_t d = k.end - k.start;
    int64_t pid = Pid(k.gpid);
    for (int64_t p : {int64_t{-1}, pid}) e.kernel_ns[p] += d;
    // Launch: first runtime row (table order) with eventClass 0/1, same
    // correlationId and same process key.
    const RRow* launch = nullptr;
    for (const RRow& r : t.r) {
      if ((r.cls == 0 || r.cls == 1) && r.corr == k.corr &&
          Pkey(r.gtid) == Pkey(k.gpid)) {
        launch = &r;
        break;
      }
    }
    if (!launch) continue;
    std::vector<size_t> enclosing;
    for (size_t i = 0; i < t.n.size(); ++i) {
      const NRow& n = t.n[i];
      int64_t end = n.end ? *n.end : kInf;
      bool cross = (n.type == 60 || n.type == 71) && n.end_gtid &&
                   *n.end_gtid != n.gtid;
      bool scope = cross ? Pkey(n.gtid) == Pkey(launch->gtid)
                         : n.gtid == launch->gtid;
      if (scope && n.start <= launch->start && launch->end <= end)
        enclosing.push_back(i);
    }
    if (enclosing.empty()) continue;
    for (int64_t p : {int64_t{-1}, pid}) e.attributed_ns[p] += d;
    std::set<std::string> names;
    for (size_t i : enclosing) names.insert(t.n[i].name);
    for (const std::string& nm : names)
      for (int64_t p : {int64_t{-1}, pid}) {
        e.inclusive[{p, nm}] += d;
        e.inclusive_n[{p, nm}] += 1;
      }
    // Innermost: latest start, then shortest, then the later row.
    size_t best = enclosing[0];
    for (size_t i : enclosing) {
      const NRow& a = t.n[i];
      const NRow& b = t.n[best];
      int64_t ae = a.end ? *a.end : kInf, be = b.end ? *b.end : kInf;
      if (a.start > b.start || (a.start == b.start && ae < be) ||
          (a.start == b.start && ae == be && i > best))
        best = i;
    }
    for (int64_t p : {int64_t{-1}, pid}) {
      e.innermost[{p, t.n[best].name}] += d;
      e.innermost_n[{p, t.n[best].name}] += 1;
    }
  }
  // GPU busy: per device, a nanosecond is busy if any kernel covers it
  // (O(span * kernels)); gaps are maximal idle runs inside the window.
  std::map<int, std::vector<const KRow*>> by_dev;
  for (const KRow& k : t.k) by_dev[k.dev].push_back(&k);
  for (auto& [dev, ks] : by_dev) {
    int64_t lo = kInf, hi = -1;
    for (const KRow* k : ks) {
      lo = std::min(lo, k->start);
      hi = std::max(hi, k->end);
    }
    int64_t busy = 0, gaps = 0;
    bool prev_busy = true;
    for (int64_t ns = lo; ns < hi; ++ns) {
      bool b = false;
      for (const KRow* k : ks)
        if (k->start <= ns && ns < k->end) {
          b = true;
          break;
        }
      busy += b;
      if (!b && prev_busy) ++gaps;
      prev_busy = b;
    }
    e.busy[dev] = busy;
    e.gaps[dev] = gaps;
  }
  return e;
}

TEST(RandomTrace, MatchesNaiveComputation) {
  std::mt19937_64 rng(8675309);
  int attributed_cases = 0;
  for (int iter = 0; iter < 40; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    Trace t = MakeTrace(rng);
    TempPath path;
    {
      TraceBuilder b(path.path());
      Write(t, b);
    }
    Expected e = Naive(t);
    Conn c(path.path(), SQLITE_OPEN_READONLY);
    ASSERT_EQ(c.Load(), "");

    // Attribution, exact nanoseconds, global (pid NULL) and per process.
    std::map<std::pair<int64_t, std::string>, int64_t> inc, inn, inc_n, inn_n;
    for (const Row& r : c.Query("SELECT ifnull(pid, -1), range_name, "
                                "inclusive_kernels, inclusive_ns, "
                                "innermost_kernels, innermost_ns FROM "
                                "_nsys_nvtx_attr")) {
      std::pair<int64_t, std::string> key{r[0].i, r[1].s};
      if (r[3].i) inc[key] = r[3].i;
      if (r[2].i) inc_n[key] = r[2].i;
      if (r[5].i) inn[key] = r[5].i;
      if (r[4].i) inn_n[key] = r[4].i;
    }
    auto drop_zero = [](auto m) {
      for (auto it = m.begin(); it != m.end();)
        it = it->second ? std::next(it) : m.erase(it);
      return m;
    };
    EXPECT_EQ(inc, drop_zero(e.inclusive));
    EXPECT_EQ(inn, drop_zero(e.innermost));
    EXPECT_EQ(inc_n, e.inclusive_n);
    EXPECT_EQ(inn_n, e.innermost_n);

    // The view: ms columns are the same numbers rounded.
    for (const Row& r : c.Query("SELECT range_name, total_kernel_time_ms, "
                                "inclusive_kernel_time_ms, kernel_count, "
                                "inclusive_kernel_count FROM "
                                "llm_nvtx_kernel_time")) {
      std::pair<int64_t, std::string> key{-1, r[0].s};
      EXPECT_NEAR(r[1].num(), double(e.innermost[key]) / 1e6, 1e-6) << r[0].s;
      EXPECT_NEAR(r[2].num(), double(e.inclusive[key]) / 1e6, 1e-6) << r[0].s;
      EXPECT_EQ(r[3].i, e.innermost_n[key]) << r[0].s;
      EXPECT_EQ(r[4].i, e.inclusive_n[key]) << r[0].s;
    }

    // Coverage.
    for (const Row& r : c.Query("SELECT ifnull(pid, -1), kernel_ns, "
                                "attributed_ns FROM _nsys_nvtx_coverage")) {
      EXPECT_EQ(r[1].i, e.kernel_ns[r[0].i]) << "pid " << r[0].i;
      EXPECT_EQ(r[2].i, e.attributed_ns[r[0].i]) << "pid " << r[0].i;
      EXPECT_LE(r[2].i, r[1].i);
    }
    Rows cov = c.Query("SELECT coverage_pct FROM llm_nvtx_coverage "
                       "WHERE pid IS NULL");
    ASSERT_EQ(cov.size(), 1u);
    if (!cov[0][0].null()) {
      EXPECT_LE(cov[0][0].num(), 100.0);
      EXPECT_NEAR(cov[0][0].num(),
                  100.0 * double(e.attributed_ns[-1]) / double(e.kernel_ns[-1]),
                  1e-3);
    }
    attributed_cases += e.attributed_ns[-1] > 0;

    // GPU busy and gaps per device.
    std::map<int, int64_t> busy, gaps;
    for (const Row& r : c.Query("SELECT device_id, busy_ns, gaps FROM _nsys_gpu_idle")) {
      busy[int(r[0].i)] = r[1].i;
      gaps[int(r[0].i)] = r[2].i;
    }
    EXPECT_EQ(busy, e.busy);
    EXPECT_EQ(gaps, e.gaps);
    for (const Row& r : c.Query("SELECT device_id, busy_ms FROM llm_gpu_idle"))
      EXPECT_NEAR(r[1].num(), double(e.busy[int(r[0].i)]) / 1e6, 1e-6);
  }
  EXPECT_GT(attributed_cases, 30);
}

// NVTX_EVENTS is read as several rowid ranges in parallel when it is large
// (NSYSEXPLAIN_NVTX_PARTS forces a split at any size). Every NVTX-derived
// result must be identical to one sequential scan, including names interned
// by different parts, scopes and labels first seen in later parts, and
// domain names declared in one part and used in another.
TEST(RandomTrace, SplitNvtxLoadMatchesOneScan) {
  std::mt19937_64 rng(4242);
  const char* kQueries[] = {
      "SELECT * FROM nsys_nvtx_kernel_ranges ORDER BY 1, 6",
      "SELECT * FROM _nsys_nvtx_ranges ORDER BY 1, 2, 3, 4",
      "SELECT * FROM _nsys_nvtx_attr ORDER BY 1, 2, 3",
      "SELECT * FROM _nsys_nvtx_coverage ORDER BY 1",
      "SELECT * FROM _nsys_data_quality ORDER BY 1",
      "SELECT * FROM llm_nvtx_ranges",
      "SELECT * FROM llm_phases",
  };
  int split_cases = 0;
  const int iters = RandomCases(25, 9, 4);
  for (int iter = 0; iter < iters; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    Trace t = MakeTrace(rng);
    TempPath path;
    {
      TraceBuilder b(path.path());
      Write(t, b);
      // Named domains: declared (eventType 75) before or after their
      // ranges, one redeclared with a new name (the later row wins), one
      // never declared; marks (34) interleaved.
      b.Begin();
      TraceBuilder::Nvtx d;
      d.type = 75;
      d.start = 0;
      d.global_tid = Gtid(1000, 1001);
      d.domain = 7;
      d.text = "vllm";
      b.AddNvtx(d);
      for (int i = 0; i < 30; ++i) {
        TraceBuilder::Nvtx x;
        x.type = i % 5 == 0 ? 34 : (i % 2 ? 59 : 60);
        x.start = 10 * i;
        x.end = 10 * i + 5000;
        x.global_tid = Gtid(1000, 1001);
        x.domain = i % 3 == 0 ? 7 : (i % 3 == 1 ? 9 : 11);
        x.text = i % 4 ? "inline_" + std::to_string(i % 6) : "shared";
        b.AddNvtx(x);
      }
      d.domain = 9;
      d.text = "nccl";
      b.AddNvtx(d);
      d.domain = 7;
      d.text = "vllm_renamed";
      b.AddNvtx(d);
      b.Commit();
    }
    unsetenv("NSYSEXPLAIN_NVTX_PARTS");
    std::vector<std::string> one;
    {
      Conn c(path.path(), SQLITE_OPEN_READONLY);
      ASSERT_EQ(c.Load(), "");
      for (const char* q : kQueries) one.push_back(Render(c.Query(q)));
    }
    for (const char* parts : {"2", "3", "16", "1000"}) {
      SCOPED_TRACE(std::string("NSYSEXPLAIN_NVTX_PARTS=") + parts);
      setenv("NSYSEXPLAIN_NVTX_PARTS", parts, 1);
      Conn c(path.path(), SQLITE_OPEN_READONLY);
      ASSERT_EQ(c.Load(), "");
      for (size_t q = 0; q < std::size(kQueries); ++q)
        EXPECT_EQ(Render(c.Query(kQueries[q])), one[q]) << kQueries[q];
    }
    unsetenv("NSYSEXPLAIN_NVTX_PARTS");
    split_cases += !one[0].empty();
  }
  EXPECT_GT(split_cases, iters * 3 / 5);  // most traces have NVTX ranges
}

}  // namespace
}  // namespace nsysexplain::testing
