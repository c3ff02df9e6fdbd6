#include "session.h"

#include <cctype>

#include "core/kernel_name.h"
#include "core/timing.h"

namespace nsysexplain {

uint32_t Trace::BaseName(uint32_t id) {
  std::lock_guard<std::mutex> lk(mu);
  auto [it, added] = base_names.try_emplace(id, id);
  if (added) it->second = strings.Intern(core::KernelBaseName(strings.Get(id)));
  return it->second;
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
  std::lock_guard<std::mutex> lk(cache_mu_);
  cache_.clear();
}

std::shared_ptr<Trace> Session::trace(const Scope& scope) {
  Scope whole = scope.Whole();
  {
    std::lock_guard<std::mutex> lk(cache_mu_);
    auto it = cache_.find(Key{kTraceKey, whole, ""});
    if (it != cache_.end()) return std::static_pointer_cast<Trace>(it->second);
  }
  // Probed on the connection's thread: Load() and PrepareAll() ask for the
  // trace before they start workers.
  auto t = std::make_shared<Trace>();
  t->schema = Schema::Probe(db_, whole.schema);
  const Schema& s = t->schema;
  if (!s.string_table.empty()) {
    Stmt st(db_, "SELECT id, value FROM " + s.Qualified(s.string_table));
    while (st.Step()) {
      if (st.IsNull(0)) continue;
      const unsigned char* v = sqlite3_column_text(st.get(), 1);
      int n = sqlite3_column_bytes(st.get(), 1);
      std::string_view text =
          v ? std::string_view(reinterpret_cast<const char*>(v), n)
            : std::string_view();
      t->string_ids[st.Int(0)] = t->strings.Intern(text);
    }
  }
  Store(kTraceKey, whole, t);
  return t;
}

std::shared_ptr<const core::Kernels> Session::kernels(const Scope& scope) {
  Load(scope, {Table::kKernels});
  return Cached<core::Kernels>(kKernelsKey, scope.Whole());
}

std::shared_ptr<const RuntimeTable> Session::runtime(const Scope& scope) {
  Load(scope, {Table::kRuntime});
  return Cached<RuntimeTable>(kRuntimeKey, scope.Whole());
}

std::shared_ptr<const core::NvtxRanges> Session::nvtx(const Scope& scope) {
  Load(scope, {Table::kNvtx});
  return Cached<core::NvtxRanges>(kNvtxKey, scope.Whole());
}

std::shared_ptr<const MemoryTable> Session::memory(const Scope& scope) {
  Load(scope, {Table::kMemory});
  return Cached<MemoryTable>(kMemoryKey, scope.Whole());
}

std::string Session::CaptureVersionHint(const Scope& scope) {
  std::shared_ptr<Trace> t = trace(scope);
  static const std::string kKey = "nsight-systems/";
  for (size_t i = 0; i < t->strings.size(); ++i) {
    const std::string& v = t->strings.Get(static_cast<uint32_t>(i));
    size_t at = v.find(kKey);
    if (at == std::string::npos) continue;
    size_t b = at + kKey.size(), e = b;
    while (e < v.size() && (std::isdigit(static_cast<unsigned char>(v[e])) || v[e] == '.')) ++e;
    if (e - b >= 6) return v.substr(b, e - b);
  }
  return "";
}

}  // namespace nsysexplain
