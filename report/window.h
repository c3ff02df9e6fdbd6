// The time window of a report (--from, --to, --nvtx-range, --trim): parsed
// from the command line, resolved on the opened trace and written into the
// connection's temp.llm_settings (window_from_ns, window_to_ns,
// window_source), which every llm_* view honours (README, "Time windows").
#pragma once
#include <cstdint>
#include <string>

#include "db.h"

namespace CLI {
class App;
}

namespace nsysexplain::render {

struct WindowArgs {
  std::string from, to;    // --from / --to as given ("" = not given)
  std::string nvtx_range;  // --nvtx-range NAME[@DOMAIN]
  bool trim = false;       // --trim
  bool any() const { return !from.empty() || !to.empty() || !nvtx_range.empty() || trim; }
};

// Adds --from, --to, --nvtx-range and --trim to `app`.
void AddWindowOptions(CLI::App& app, WindowArgs* w);

// "5s", "300ms", "1s2ms", "1.5ms", "250us", "10ns" or a plain integer (ns)
// -> ns. Throws FatalError(flag, ...) when `text` is none of these or
// exceeds the int64 range.
int64_t ParseTime(const std::string& flag, const std::string& text);

// Resolves `w` on `db` (extension loaded, whole trace) and sets the window
// settings; nothing when no window flag was given. Throws FatalError for
// --from not before --to, an unknown --nvtx-range, or a window with no
// kernels.
void ApplyWindow(Db& db, const WindowArgs& w, const std::string& trace_path);

}  // namespace nsysexplain::render
