#include "analyses/kernel_categories.h"

#include <map>
#include <tuple>

#include "analyses/analysis.h"
#include "analyses/kernels.h"
#include "core/saturating.h"
#include "core/timing.h"

namespace nsysexplain {

CategoryRules ReadCategoryRules(sqlite3* db, std::string* key) {
  CategoryRules rules;
  Stmt st(db, "SELECT CAST(category AS TEXT), CAST(pattern AS TEXT) "
              "FROM temp.llm_kernel_category_rules "
              "WHERE category IS NOT NULL AND category <> '' "
              "AND pattern IS NOT NULL AND pattern <> '' "
              "ORDER BY priority, rowid");
  while (st.Step()) {
    rules.push_back({st.Text(0), st.Text(1)});
    for (const std::string* v : {&rules.back().category, &rules.back().pattern})
      *key += std::to_string(v->size()) + ":" + *v;
  }
  return rules;
}

std::string RulesKey(const CategoryRules& rules) {
  std::string key;
  for (const CategoryRule& r : rules)
    for (const std::string* v : {&r.category, &r.pattern})
      key += std::to_string(v->size()) + ":" + *v;
  return key;
}

namespace {

core::KernelCategoryMatcher MakeMatcher(const CategoryRules& rules) {
  std::vector<std::pair<std::string, std::string>> r;
  r.reserve(rules.size());
  for (const CategoryRule& x : rules) r.emplace_back(x.category, x.pattern);
  return core::KernelCategoryMatcher(r);
}

}  // namespace

KernelNameCategories::Result KernelNameCategories::Compute(Session& s, const Scope& scope,
                                                           const CategoryRules& rules) {
  auto groups = s.Get<KernelStats>(scope);  // distinct (name, device)
  std::shared_ptr<Trace> t = s.trace(scope);
  core::ScopedTimer tm("kernel_categories");
  Result out;
  out.rules = rules;
  std::vector<uint32_t> cat_of_rule;
  for (const CategoryRule& r : rules) {
    uint32_t c = 0;
    while (c < out.categories.size() && out.categories[c] != r.category) ++c;
    if (c == out.categories.size()) out.categories.push_back(r.category);
    cat_of_rule.push_back(c);
  }
  uint32_t other = 0;
  while (other < out.categories.size() && out.categories[other] != core::kOtherCategory)
    ++other;
  if (other == out.categories.size()) out.categories.push_back(core::kOtherCategory);
  core::KernelCategoryMatcher m = MakeMatcher(rules);
  for (const KernelGroup& g : *groups) {
    auto [it, added] = out.index.try_emplace(g.name, static_cast<uint32_t>(out.names.size()));
    if (!added) continue;
    int rule = m.MatchRule(t->Name(g.name));
    out.names.push_back(
        {g.name, rule < 0 ? other : cat_of_rule[static_cast<size_t>(rule)], rule});
  }
  return out;
}

namespace {

// Sums kernel groups per (pid, category, device); the top kernel is the
// largest group (ties: the smaller name).
std::vector<CategoryGroup> SumByCategory(Session& s, const Scope& scope,
                                         const std::vector<KernelGroup>& groups,
                                         const KernelNameCategories::Result& cats) {
  std::shared_ptr<Trace> t = s.trace(scope);
  std::map<std::tuple<int64_t, uint32_t, int32_t>, size_t> ids;
  std::vector<CategoryGroup> out;
  for (const KernelGroup& g : groups) {
    uint32_t cat = cats.names[cats.index.at(g.name)].category;
    auto [it, added] = ids.try_emplace({g.pid, cat, g.device}, out.size());
    if (added) {
      CategoryGroup c;
      c.pid = g.pid;
      c.category = cats.categories[cat];
      c.device = g.device;
      out.push_back(std::move(c));
    }
    CategoryGroup& c = out[it->second];
    c.ns = core::SatAdd(c.ns, g.stats.total);
    c.calls += g.stats.count;
    ++c.kernels;
    if (g.stats.total > c.top_ns ||
        (g.stats.total == c.top_ns && t->Name(g.name) < t->Name(c.top_name))) {
      c.top_ns = g.stats.total;
      c.top_name = g.name;
    }
  }
  return out;
}

}  // namespace

KernelCategoryStats::Result KernelCategoryStats::Compute(Session& s, const Scope& scope,
                                                         const CategoryRules& rules) {
  auto cats = s.Get<KernelNameCategories>(scope, rules, RulesKey(rules));
  auto groups = s.Get<KernelStats>(scope);
  return SumByCategory(s, scope, *groups, *cats);
}

KernelCategoryStatsByPid::Result KernelCategoryStatsByPid::Compute(
    Session& s, const Scope& scope, const CategoryRules& rules) {
  auto cats = s.Get<KernelNameCategories>(scope, rules, RulesKey(rules));
  auto groups = s.Get<KernelStatsByPid>(scope);
  return SumByCategory(s, scope, *groups, *cats);
}

// ------------------------------------------------- nsys_kernel_category()
namespace {

struct FuncState {
  sqlite3* db;
  int64_t changes = -1;  // sqlite3_total_changes64 when the rules were read
  std::string key;
  std::unique_ptr<core::KernelCategoryMatcher> matcher;
  std::unordered_map<std::string, std::string> memo;
};

constexpr size_t kMemoMax = 1 << 16;

}  // namespace

void* NewKernelCategoryFuncState(sqlite3* db) { return new FuncState{db}; }
void DeleteKernelCategoryFuncState(void* p) { delete static_cast<FuncState*>(p); }

void KernelCategoryFunc(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  constexpr const char* kFn = "nsys_kernel_category";
  if (argc != 1) {
    ResultError(ctx, std::string(kFn) + "(): expected 1 argument, got " +
                         std::to_string(argc));
    return;
  }
  Guard(ctx, kFn, [&] {
    int type = sqlite3_value_type(argv[0]);
    if (type == SQLITE_NULL) return;
    if (type != SQLITE_TEXT) {
      ResultError(ctx, std::string(kFn) + "(): argument must be text");
      return;
    }
    auto* st = static_cast<FuncState*>(sqlite3_user_data(ctx));
    // Every edit of the rule table is a row change of this connection, so
    // the rules are re-read only after some change (and the memo kept when
    // their content is the same).
    int64_t changes = sqlite3_total_changes64(st->db);
    if (!st->matcher || changes != st->changes) {
      std::string key;
      CategoryRules rules = ReadCategoryRules(st->db, &key);
      if (!st->matcher || key != st->key) {
        st->matcher = std::make_unique<core::KernelCategoryMatcher>(MakeMatcher(rules));
        st->memo.clear();
        st->key = std::move(key);
      }
      st->changes = changes;
    }
    std::string name(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])),
                     static_cast<size_t>(sqlite3_value_bytes(argv[0])));
    auto it = st->memo.find(name);
    if (it == st->memo.end()) {
      if (st->memo.size() >= kMemoMax) st->memo.clear();
      std::string cat = st->matcher->Category(name);
      it = st->memo.emplace(std::move(name), std::move(cat)).first;
    }
    sqlite3_result_text(ctx, it->second.data(), static_cast<int>(it->second.size()),
                        kTransient);
  });
}

// ------------------------------------------------------------- datasets
namespace {

Rows<CategoryGroup> CategoryRows(Session& s, NullFilter f) {
  std::string key;
  CategoryRules rules = ReadCategoryRules(s.db(), &key);
  return GlobalThenPerPid<CategoryGroup>(
      s, f, [&] { return s.Get<KernelCategoryStats>(s.window(), rules, key); },
      [&] { return s.Get<KernelCategoryStatsByPid>(s.window(), rules, key); });
}

struct NameRow {
  const KernelNameCategories::Result* r;
  size_t i;
};

}  // namespace

NSYSEXPLAIN_ANALYSIS(kernel_categories) {
  using G = CategoryGroup;
  using N = NameRow;
  return {
      "kernel_categories",
      {
          MakeDataset<N>(
              "_nsys_kernel_category_names",
              "The category of every distinct kernel name under temp.llm_kernel_category_rules.",
              {
                  {"kernel_name", kText,
                   [](const N& x, Cell& c) { c.Name(x.r->names[x.i].name); },
                   "demangled name, else short name"},
                  {"category", kText,
                   [](const N& x, Cell& c) {
                     c.Text(x.r->categories[x.r->names[x.i].category]);
                   },
                   "category of the first matching rule, else other"},
                  {"pattern", kText,
                   [](const N& x, Cell& c) {
                     int32_t rule = x.r->names[x.i].rule;
                     rule < 0 ? c.Null() : c.Text(x.r->rules[size_t(rule)].pattern);
                   },
                   "pattern of the matching rule (NULL: none matched)"},
              },
              [](Session& s) {
                std::string key;
                CategoryRules rules = ReadCategoryRules(s.db(), &key);
                auto r = s.Get<KernelNameCategories>(s.window(), rules, key);
                std::shared_ptr<Trace> t = s.trace();
                Rows<N> rows;
                rows.count = r->names.size();
                rows.at = [p = r.get()](size_t i) { return N{p, i}; };
                rows.strings = &t->strings;
                rows.keep = {r, t};
                return rows;
              }),
          MakeFilteredDataset<G>(
              "_nsys_kernel_categories",
              "Kernel time per (category, device) (pid NULL) and per (PID, category, device).",
              {
                  {"pid", kInt, [](const G& g, Cell& c) { c.PidOrNull(g.pid); },
                   "process (NULL: all processes)"},
                  {"category", kText, [](const G& g, Cell& c) { c.Text(g.category); },
                   "kernel category"},
                  {"device_id", kInt, [](const G& g, Cell& c) { c.Int(g.device); },
                   "CUDA device ordinal"},
                  {"total_ns", kInt, [](const G& g, Cell& c) { c.Int(g.ns); },
                   "summed kernel durations"},
                  {"calls", kInt, [](const G& g, Cell& c) { c.Int(g.calls); }, "launches"},
                  {"kernels", kInt, [](const G& g, Cell& c) { c.Int(g.kernels); },
                   "distinct kernel names"},
                  {"top_kernel_name", kText,
                   [](const G& g, Cell& c) { c.Name(g.top_name); },
                   "the category's largest kernel (ties: smaller name)"},
                  {"top_kernel_ns", kInt, [](const G& g, Cell& c) { c.Int(g.top_ns); },
                   "its summed duration"},
              },
              "pid", CategoryRows),
      },
      nullptr};
}

}  // namespace nsysexplain
