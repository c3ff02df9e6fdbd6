// Entry point of libnsysexplain.so. The only translation unit with
// SQLITE_EXTENSION_INIT1 and the only exported symbol.
//
// Order: functions and virtual tables first, then the embedded view pack
// (sql/*.sql), because the views use them.
#include <memory>

#include "datasets.h"
#include "session.h"

SQLITE_EXTENSION_INIT1

namespace nsysexplain {
extern const char kViewPackSql[];
}

#define NSYSEXPLAIN_EXPORT __attribute__((visibility("default")))

extern "C" NSYSEXPLAIN_EXPORT int sqlite3_nsysexplain_init(
    sqlite3* db, char** pzErrMsg, const sqlite3_api_routines* pApi) noexcept {
  SQLITE_EXTENSION_INIT2(pApi);
  using namespace nsysexplain;
  if (sqlite3_libversion_number() < 3038000) {
    *pzErrMsg = sqlite3_mprintf("nsysexplain requires SQLite >= 3.38.0");
    return SQLITE_ERROR;
  }
  // On failure SQLite unloads this library: drop whatever was registered so
  // that no destructor of ours runs from unmapped code at sqlite3_close.
  auto unregister = [db] {
    UnregisterFunctions(db);
    UnregisterDatasets(db);
    UnregisterIntervalGaps(db);
  };
  try {
    auto session = std::make_shared<Session>(db);
    int rc = RegisterFunctions(db, session, pzErrMsg);
    if (rc == SQLITE_OK) rc = RegisterDatasets(db, session, pzErrMsg);
    if (rc == SQLITE_OK) rc = RegisterIntervalGaps(db, pzErrMsg);
    if (rc == SQLITE_OK) {
      char* err = nullptr;
      rc = sqlite3_exec(db, kViewPackSql, nullptr, nullptr, &err);
      if (rc != SQLITE_OK) {
        *pzErrMsg = sqlite3_mprintf("nsysexplain: view pack: %s",
                                    err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
      }
    }
    if (rc != SQLITE_OK) unregister();
    return rc;
  } catch (const std::bad_alloc&) {
    unregister();
    return SQLITE_NOMEM;
  } catch (...) {
    unregister();
    *pzErrMsg = sqlite3_mprintf("nsysexplain: initialisation failed");
    return SQLITE_ERROR;
  }
}
