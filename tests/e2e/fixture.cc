#include "fixture.h"

#include <sqlite3.h>

#include <stdexcept>

namespace e2e {
namespace {

const char kStringsDdl[] =
    "CREATE TABLE StringIds (id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL);";
const char kKernelDdl[] =
    "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end "
    "INTEGER NOT NULL, deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL, "
    "streamId INTEGER NOT NULL, correlationId INTEGER, globalPid INTEGER, "
    "demangledName INTEGER NOT NULL, shortName INTEGER NOT NULL, mangledName "
    "INTEGER, gridX INTEGER, gridY INTEGER, gridZ INTEGER, blockX INTEGER, "
    "blockY INTEGER, blockZ INTEGER, graphNodeId INTEGER);";
const char kRuntimeDdl[] =
    "CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end "
    "INTEGER NOT NULL, eventClass INTEGER NOT NULL, globalTid INTEGER, "
    "correlationId INTEGER, nameId INTEGER NOT NULL, returnValue INTEGER NOT "
    "NULL, callchainId INTEGER);";
const char kNvtxDdl[] =
    "CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType "
    "INTEGER NOT NULL, rangeId INTEGER, category INTEGER, color INTEGER, text "
    "TEXT, globalTid INTEGER, endGlobalTid INTEGER, textId INTEGER, domainId "
    "INTEGER, uint64Value INTEGER, int64Value INTEGER, doubleValue REAL, "
    "uint32Value INTEGER, int32Value INTEGER, floatValue REAL, jsonTextId "
    "INTEGER, jsonText TEXT);";

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK)
      throw std::runtime_error(sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt& Int(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); return *this; }
  Stmt& Null(int i) { sqlite3_bind_null(st_, i); return *this; }
  Stmt& Text(int i, const std::string& v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  void Run() {
    if (sqlite3_step(st_) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace

NsysFixture::NsysFixture(const std::string& path, unsigned tables) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
    throw std::runtime_error("cannot create " + path);
  Exec("BEGIN");
  if (tables & kStrings) Exec(kStringsDdl);
  if (tables & kKernels) Exec(kKernelDdl);
  if (tables & kRuntime) Exec(kRuntimeDdl);
  if (tables & kNvtx) Exec(kNvtxDdl);
}

NsysFixture::~NsysFixture() {
  try {
    Close();
  } catch (...) {
  }
}

void NsysFixture::Close() {
  if (!db_) return;
  Exec("COMMIT");
  sqlite3_close(db_);
  db_ = nullptr;
}

void NsysFixture::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error(msg + " in " + sql);
  }
}

int64_t NsysFixture::Str(const std::string& s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  int64_t id = static_cast<int64_t>(ids_.size()) + 1;
  Stmt(db_, "INSERT INTO StringIds(id, value) VALUES (?, ?)").Int(1, id).Text(2, s).Run();
  ids_[s] = id;
  return id;
}

void NsysFixture::Kernel(int64_t start, int64_t end, int device, int64_t correlation,
                         int pid, const std::string& name, int stream) {
  int64_t id = Str(name);
  Stmt(db_,
       "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, end, deviceId, contextId, "
       "streamId, correlationId, globalPid, demangledName, shortName, gridX, "
       "gridY, gridZ, blockX, blockY, blockZ) VALUES (?,?,?,1,?,?,?,?,?,1,1,1,128,1,1)")
      .Int(1, start).Int(2, end).Int(3, device).Int(4, stream).Int(5, correlation)
      .Int(6, GlobalPid(pid)).Int(7, id).Int(8, id).Run();
}

void NsysFixture::Runtime(int64_t start, int64_t end, int pid, int tid,
                          int64_t correlation, const std::string& name,
                          int event_class) {
  Stmt(db_,
       "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME(start, end, eventClass, "
       "globalTid, correlationId, nameId, returnValue) VALUES (?,?,?,?,?,?,0)")
      .Int(1, start).Int(2, end).Int(3, event_class).Int(4, GlobalTid(pid, tid))
      .Int(5, correlation).Int(6, Str(name)).Run();
}

void NsysFixture::Nvtx(int64_t start, std::optional<int64_t> end, int pid, int tid,
                       const std::string& name, int event_type, bool inline_text) {
  Stmt st(db_,
          "INSERT INTO NVTX_EVENTS(start, end, eventType, text, globalTid, "
          "endGlobalTid, textId, domainId) VALUES (?,?,?,?,?,NULL,?,0)");
  st.Int(1, start);
  if (end) st.Int(2, *end); else st.Null(2);
  st.Int(3, event_type);
  if (inline_text) st.Text(4, name).Null(6); else st.Null(4).Int(6, Str(name));
  st.Int(5, GlobalTid(pid, tid));
  st.Run();
}

}  // namespace e2e

namespace e2e {

void BuildBasicTrace(const std::string& path) {
  NsysFixture f(path);
  const int64_t t0 = 1'000'000'000;
  // Device 0, pid 100: three gemm (one overlapping) and two tiny kernels.
  f.Kernel(t0 + 0, t0 + 10'000, 0, 1, 100, "gemm_kernel");
  f.Kernel(t0 + 20'000, t0 + 50'000, 0, 2, 100, "gemm_kernel");
  f.Kernel(t0 + 40'000, t0 + 60'000, 0, 3, 100, "gemm_kernel", 8);
  f.Kernel(t0 + 100'000, t0 + 102'000, 0, 4, 100, "tiny_kernel");
  f.Kernel(t0 + 2'000'000, t0 + 2'004'000, 0, 5, 100, "tiny_kernel");
  // Device 1, pid 200: one gemm; correlationId 1 again (other process).
  f.Kernel(t0 + 1'000'000, t0 + 1'040'000, 1, 1, 200, "gemm_kernel");

  // Launches (same correlationId and process as their kernel).
  f.Runtime(t0 - 10'000, t0 - 5'000, 100, 101, 1, "cudaLaunchKernel_v7000");
  f.Runtime(t0 + 11'000, t0 + 13'000, 100, 101, 2, "cudaLaunchKernel_v7000");
  f.Runtime(t0 + 14'000, t0 + 16'000, 100, 101, 3, "cudaLaunchKernel_v7000");
  f.Runtime(t0 + 90'000, t0 + 92'000, 100, 101, 4, "cudaLaunchKernel_v7000");
  f.Runtime(t0 + 1'990'000, t0 + 1'992'000, 100, 101, 5, "cudaLaunchKernel_v7000");
  f.Runtime(t0 + 990'000, t0 + 995'000, 200, 201, 1, "cudaLaunchKernel_v7000");
  // Sync calls: 0.5 + 0.3 ms stream syncs (pid 100), 0.2 ms device sync
  // (pid 200), a 1 us event query, and an eventClass-67 duplicate (ignored).
  f.Runtime(t0 + 200'000, t0 + 700'000, 100, 101, 100, "cudaStreamSynchronize_v3020");
  f.Runtime(t0 + 1'000'000, t0 + 1'300'000, 100, 101, 101, "cudaStreamSynchronize_v3020");
  f.Runtime(t0 + 1'400'000, t0 + 1'401'000, 100, 101, 102, "cudaEventQuery_v3020");
  f.Runtime(t0 + 1'500'000, t0 + 1'900'000, 100, 101, 104, "cudaStreamSynchronize_v3020", 67);
  f.Runtime(t0 + 1'050'000, t0 + 1'250'000, 200, 201, 103, "cudaDeviceSynchronize_v3020");

  // NVTX on thread 101: "prefill" encloses launches 1-3, "decode_step"
  // (inline text) encloses launch 4; launch 5 is outside; one range never
  // closes; one mark (type 34) is not a range.
  f.Nvtx(t0 - 20'000, t0 + 70'000, 100, 101, "prefill");
  f.Nvtx(t0 + 80'000, t0 + 95'000, 100, 101, "decode_step", 59, true);
  f.Nvtx(t0 + 3'000'000, std::nullopt, 100, 101, "open_range");
  f.Nvtx(t0 + 500'000, t0 + 500'000, 100, 101, "a_mark", 34);
}

}  // namespace e2e
