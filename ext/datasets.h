// Dataset virtual tables: every shared intermediate result of the Session is
// exposed as an eponymous, read-only virtual table (no CREATE needed, nothing
// written). The llm_* views in sql/ are thin SQL over these.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "session.h"
#include "sqlite_api.h"

namespace nsysexplain {

// Registers every dataset module on `db`, sharing `session`.
int RegisterDatasets(sqlite3* db, const std::shared_ptr<Session>& session,
                     char** pzErrMsg);

// Registers nsys_interval_gaps(sql [, window_start, window_end]).
int RegisterIntervalGaps(sqlite3* db, char** pzErrMsg);

// Registers scalar functions and aggregates (functions.cc).
int RegisterFunctions(sqlite3* db, const std::shared_ptr<Session>& session,
                      char** pzErrMsg);

// One row of llm_help: a public object (llm_* view or table, nsys_*
// function, table or table-valued function) with its call form, one line
// of description, an example query and where it is defined.
struct HelpEntry {
  std::string name, kind, call, description, example, source;
};
// The functions RegisterFunctions registers, from its registration tables.
std::vector<HelpEntry> FunctionHelp();
// nsys_interval_gaps, from its registration (interval_gaps_vtab.cc).
HelpEntry IntervalGapsHelp();

// Drop everything the Register* functions above registered (running their
// destructors now). Used when initialisation fails: SQLite then unloads the
// library, and a function or module left registered would have its
// destructor called from unmapped code when the connection closes.
void UnregisterFunctions(sqlite3* db);
void UnregisterDatasets(sqlite3* db);
void UnregisterIntervalGaps(sqlite3* db);

}  // namespace nsysexplain
