// Checks that a path names a readable Nsight Systems SQLite export and opens
// it read-only (immutable: the file is never written, locked or journalled).
#pragma once
#include <string>

#include "db.h"

namespace nsysexplain::render {

// `file:` URI for a filesystem path, every byte outside [A-Za-z0-9/._~-]
// percent-escaped (so '%', '?', '#' and spaces are safe), with
// mode=ro&immutable=1.
std::string TraceUri(const std::string& path);

// Throws FatalError(path, problem) unless `path` is a non-empty, readable
// regular file that starts with the SQLite header.
void CheckTracePath(const std::string& path);

// CheckTracePath, then a plain connection (extension not loaded) runs the
// sanity query and the "is this an nsys export?" check, then the returned
// connection is opened with the nsysexplain auto-extension registered.
Db OpenTrace(const std::string& path);

}  // namespace nsysexplain::render
