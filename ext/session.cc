#include "session.h"

#include <cctype>
#include <stdexcept>

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

bool Session::IsTraceSchema(const std::string& name) {
  Stmt db(db_, "SELECT 1 FROM pragma_database_list WHERE name = ?1");
  sqlite3_bind_text(db.get(), 1, name.c_str(), -1, SQLITE_TRANSIENT);
  return db.Step() && name != "temp";
}

void Session::ReadWindow() {
  // The settings are TEMP rows of this connection: unchanged while it made
  // no row change (every dataset open calls this, often per outer row).
  int64_t changes = sqlite3_total_changes64(db_);
  if (changes == window_changes_) return;
  Scope w;
  Stmt st(db_,
          "SELECT key, value, typeof(value) FROM temp.llm_settings "
          "WHERE key IN ('window_from_ns', 'window_to_ns', 'trace_schema')");
  while (st.Step()) {
    std::string key = st.Text(0), type = st.Text(2);
    if (type == "null") continue;
    if (key == "trace_schema") {
      w.schema = st.Text(1);
      if (!IsTraceSchema(w.schema))
        throw std::runtime_error("llm_settings trace_schema '" + w.schema +
                                 "' is no attached database (ATTACH 'file' AS name first)");
      continue;
    }
    if (type != "integer")
      throw std::runtime_error("llm_settings " + key + " must be an integer (trace ns) or NULL, not " +
                               type + " '" + st.Text(1) + "'");
    (key == "window_from_ns" ? w.from : w.to) = st.Int(1);
  }
  if (w.from >= w.to)
    throw std::runtime_error("llm_settings window_from_ns (" + std::to_string(w.from) +
                             ") must be before window_to_ns (" + std::to_string(w.to) + ")");
  window_ = std::move(w);
  window_changes_ = changes;
}

std::shared_ptr<const core::Kernels> Session::kernels(const Scope& scope) {
  Load(scope, {Table::kKernels});
  auto whole = Cached<core::Kernels>(kKernelsKey, scope.Whole());
  if (scope.whole()) return whole;
  auto rows = GetOrCompute<std::vector<uint32_t>>(kKernelRowsKey, scope, "", [&] {
    return core::RowsInWindow(whole->start, whole->end, scope.time());
  });
  return GetOrCompute<core::Kernels>(kKernelsKey, scope, "", [&] {
    return core::KernelsInWindow(*whole, *rows, scope.time());
  });
}

std::shared_ptr<const RuntimeTable> Session::runtime(const Scope& scope) {
  Load(scope, {Table::kRuntime});
  auto whole = Cached<RuntimeTable>(kRuntimeKey, scope.Whole());
  if (scope.whole()) return whole;
  kernels(scope);  // the window's kernel rows
  auto rows = Cached<std::vector<uint32_t>>(kKernelRowsKey, scope);
  return GetOrCompute<RuntimeTable>(kRuntimeKey, scope, "", [&] {
    RuntimeTable t;
    t.calls = core::RuntimeInWindow(whole->calls, whole->kernel_launch, *rows, scope.time(),
                                    t.kernel_launch);
    return t;
  });
}

std::shared_ptr<const core::NvtxRanges> Session::nvtx(const Scope& scope) {
  Load(scope, {Table::kNvtx});
  auto whole = Cached<core::NvtxRanges>(kNvtxKey, scope.Whole());
  if (scope.whole()) return whole;
  return GetOrCompute<core::NvtxRanges>(kNvtxKey, scope, "",
                                        [&] { return core::NvtxInWindow(*whole, scope.time()); });
}

std::shared_ptr<const MemoryTable> Session::memory(const Scope& scope) {
  Load(scope, {Table::kMemory});
  auto whole = Cached<MemoryTable>(kMemoryKey, scope.Whole());
  if (scope.whole()) return whole;
  return GetOrCompute<MemoryTable>(kMemoryKey, scope, "", [&] {
    MemoryTable t;
    t.copies = core::MemOpsInWindow(whole->copies, scope.time());
    t.sets = core::MemOpsInWindow(whole->sets, scope.time());
    t.copy_kind_symbols = whole->copy_kind_symbols;
    t.mem_kind_symbols = whole->mem_kind_symbols;
    return t;
  });
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
