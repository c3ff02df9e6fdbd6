// Kernel categories: every distinct kernel name gets the category of the
// first rule of temp.llm_kernel_category_rules (ORDER BY priority, rowid)
// whose pattern it matches (core::KernelCategoryMatcher), else "other"; the
// kernel statistics of sql/kernels.sql summed per (category, device) and per
// (PID, category, device). Computed once per distinct name from the cached
// kernel groups (no scan of the kernel table) and cached per rule content.
// Views: sql/kernel_categories.sql.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/kernel_category.h"
#include "session.h"
#include "sqlite_api.h"

namespace nsysexplain {

struct CategoryRule {
  std::string category, pattern;
};
// temp.llm_kernel_category_rules in match order (rows with a NULL or empty
// category or pattern are skipped).
using CategoryRules = std::vector<CategoryRule>;

// Reads the rules of the connection (on its thread); `key` gets a string
// that identifies their content.
CategoryRules ReadCategoryRules(sqlite3* db, std::string* key);
// The same key ReadCategoryRules gives for `rules`.
std::string RulesKey(const CategoryRules& rules);

struct NameCategory {
  uint32_t name;      // kernel name (trace string id)
  uint32_t category;  // index into KernelNameCategories::Result::categories
  int32_t rule;       // index of the matching rule, -1 = none ("other")
};

// The category of every distinct kernel name of the trace.
struct KernelNameCategories {
  static constexpr const char* kName = "kernel_name_categories";
  struct Result {
    CategoryRules rules;
    std::vector<std::string> categories;  // distinct, rule order, then "other"
    std::vector<NameCategory> names;      // one per distinct kernel name
    std::unordered_map<uint32_t, uint32_t> index;  // name id -> names[] index
  };
  static Result Compute(Session& s, const Scope& scope, const CategoryRules& rules);
};

struct CategoryGroup {
  int64_t pid;  // -1 for the global rows
  std::string category;
  int32_t device;
  int64_t ns = 0, calls = 0, kernels = 0;
  uint32_t top_name = 0;  // the category's largest kernel on this device
  int64_t top_ns = -1;
};

// Per (category, device), pid -1.
struct KernelCategoryStats {
  static constexpr const char* kName = "kernel_category_stats";
  using Result = std::vector<CategoryGroup>;
  static Result Compute(Session& s, const Scope& scope, const CategoryRules& rules);
};

// Per (pid, category, device).
struct KernelCategoryStatsByPid {
  static constexpr const char* kName = "kernel_category_stats_by_pid";
  using Result = std::vector<CategoryGroup>;
  static Result Compute(Session& s, const Scope& scope, const CategoryRules& rules);
};

// nsys_kernel_category(name): the category of `name` under the connection's
// current rules (registered in functions.cc).
void KernelCategoryFunc(sqlite3_context* ctx, int argc, sqlite3_value** argv);
// Its per-connection state (the rules last read and a memo of names).
void* NewKernelCategoryFuncState(sqlite3* db);
void DeleteKernelCategoryFuncState(void* p);

}  // namespace nsysexplain
