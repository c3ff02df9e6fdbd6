#include "window.h"

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include "errors.h"

namespace nsysexplain::render {

void AddWindowOptions(CLI::App& app, WindowArgs* w) {
  auto* from = app.add_option("--from", w->from,
                              "Report only on [T, --to): trace timestamps (ns since the "
                              "capture's session start, as in the export), plain ns or "
                              "with units: 5s, 300ms, 1s2ms, 1.5ms, 250us, 10ns")
                   ->type_name("T");
  auto* to = app.add_option("--to", w->to, "End of the window (exclusive); see --from")
                 ->type_name("T");
  auto* range = app.add_option("--nvtx-range", w->nvtx_range,
                               "Report only on the extent of the earliest closed NVTX "
                               "range NAME (in DOMAIN; any domain without @DOMAIN)")
                    ->type_name("NAME[@DOMAIN]");
  auto* trim = app.add_flag("--trim", w->trim,
                            "Drop start-up: report from the first kernel after the last "
                            "warm-up step (CUDA graph capture/instantiation) to the last "
                            "kernel's end");
  range->excludes(from)->excludes(to)->excludes(trim);
  trim->excludes(from)->excludes(to);
}

int64_t ParseTime(const std::string& flag, const std::string& text) {
  auto bad = [&](const std::string& why) {
    return FatalError(flag, fmt::format("cannot read '{}' as a time: {} (ns, or numbers with "
                                        "units s, ms, us, ns: 5s, 1.5ms, 1s2ms, 250us)",
                                        text, why));
  };
  if (text.empty()) throw bad("empty");
  __int128 total = 0;
  size_t i = 0;
  bool any_unit = false;
  while (i < text.size()) {
    size_t b = i;
    __int128 whole = 0, frac = 0, scale = 1;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      whole = whole * 10 + (text[i++] - '0');
      if (whole > INT64_MAX) throw bad("out of range");
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        if (scale < 1000000000000000000) {  // digits past 1e-18 cannot matter
          frac = frac * 10 + (text[i] - '0');
          scale *= 10;
        }
        ++i;
      }
    }
    if (i == b || (i == b + 1 && text[b] == '.')) throw bad("expected a number");
    size_t u = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(u, i - u);
    int64_t mult = unit == "s" ? 1000000000 : unit == "ms" ? 1000000 : unit == "us" ? 1000
                 : unit == "ns" || (unit.empty() && !any_unit && i == text.size()) ? 1 : 0;
    if (mult == 0)
      throw bad(unit.empty() ? "a number without unit must be the whole value (ns)"
                             : "unknown unit '" + unit + "'");
    if (scale > 1 && frac * mult % scale != 0) throw bad("not a whole number of ns");
    any_unit = true;
    total += whole * mult + frac * mult / scale;
    if (total > INT64_MAX) throw bad("out of range");
  }
  return static_cast<int64_t>(total);
}

namespace {

void Set(Db& db, const char* key, const Param& v) {
  db.Exec("INSERT OR REPLACE INTO temp.llm_settings(key, value) VALUES (?, ?)",
          {std::string(key), v});
}

std::string Ms(int64_t ns) { return fmt::format("{:.3f} ms", double(ns) / 1e6); }

}  // namespace

void ApplyWindow(Db& db, const WindowArgs& w, const std::string& trace_path) {
  if (!w.any()) return;
  Param from, to;
  std::string source;
  std::string subject = !w.nvtx_range.empty() ? "--nvtx-range"
                      : w.trim               ? "--trim"
                      : !w.from.empty()      ? "--from"
                                             : "--to";
  if (!w.nvtx_range.empty()) {
    size_t at = w.nvtx_range.rfind('@');
    std::string name = w.nvtx_range.substr(0, at);
    Param domain;
    if (at != std::string::npos) domain = w.nvtx_range.substr(at + 1);
    Table t = db.Query("SELECT json_extract(e, '$.start'), json_extract(e, '$.end'), "
                       "json_extract(e, '$.instances') FROM "
                       "(SELECT nsys_nvtx_range_extent(?, ?) AS e)",
                       {name, domain});
    if (t.rows.empty() || t.rows[0][0].is_null())
      throw FatalError("--nvtx-range",
                       fmt::format("no closed NVTX range named '{}'{} in {}", name,
                                   at == std::string::npos
                                       ? std::string()
                                       : fmt::format(" in domain '{}'", w.nvtx_range.substr(at + 1)),
                                   trace_path));
    from = t.rows[0][0].AsInt();
    to = t.rows[0][1].AsInt();
    int64_t n = t.rows[0][2].AsInt();
    source = fmt::format("--nvtx-range {}: the {} NVTX range of that name ({} ns to {} ns, "
                         "{})",
                         w.nvtx_range, n > 1 ? fmt::format("earliest of {}", n) : "only",
                         std::get<int64_t>(from), std::get<int64_t>(to),
                         Ms(std::get<int64_t>(to) - std::get<int64_t>(from)));
    if (std::get<int64_t>(from) == std::get<int64_t>(to))
      throw FatalError("--nvtx-range", fmt::format("the range '{}' has zero length", name));
  } else if (w.trim) {
    Table k = db.Query("SELECT first_start_ns, last_end_ns FROM _nsys_launch_storm "
                       "WHERE pid IS NULL AND launches > 0");
    if (k.rows.empty()) throw FatalError("--trim", "no kernels in " + trace_path);
    int64_t first = k.rows[0][0].AsInt(), last = k.rows[0][1].AsInt();
    Table wu = db.Query("SELECT max(end_ns), count(*) FROM llm_steps WHERE warmup");
    int64_t begin = first;
    std::string cut;
    if (!wu.rows.empty() && !wu.rows[0][0].is_null()) {
      int64_t warm_end = wu.rows[0][0].AsInt();
      Set(db, "window_from_ns", warm_end);
      Table after = db.Query("SELECT first_start_ns FROM _nsys_launch_storm "
                             "WHERE pid IS NULL AND launches > 0");
      if (after.rows.empty())
        throw FatalError("--trim", "no kernels after the warm-up steps in " + trace_path);
      begin = after.rows[0][0].AsInt();
      cut = fmt::format("{} warm-up steps (CUDA graph capture/instantiation) ending at {} ns, "
                        "then GPU idle until the next kernel",
                        wu.rows[0][1].AsInt(), warm_end);
    } else {
      cut = "no warm-up steps found (no CUDA graph capture/instantiation), so only the time "
            "before the first kernel";
    }
    from = begin;
    to = last;
    source = fmt::format("--trim: cut {} of start-up before {} ns ({}) and the time after "
                         "the last kernel's end at {} ns",
                         Ms(begin - first), begin, cut, last);
  } else {
    if (!w.from.empty()) from = ParseTime("--from", w.from);
    if (!w.to.empty()) to = ParseTime("--to", w.to);
    if (!w.from.empty() && !w.to.empty() && std::get<int64_t>(from) >= std::get<int64_t>(to))
      throw FatalError("--from", fmt::format("{} ({} ns) is not before --to {} ({} ns)", w.from,
                                             std::get<int64_t>(from), w.to,
                                             std::get<int64_t>(to)));
    source = "--from " + (w.from.empty() ? "(start of trace)" : w.from) + " --to " +
             (w.to.empty() ? "(end of trace)" : w.to) + " (trace timestamps)";
  }
  Set(db, "window_from_ns", from);
  Set(db, "window_to_ns", to);
  Set(db, "window_source", source);
  Table k = db.Query("SELECT count(*) FROM _nsys_launch_storm WHERE pid IS NULL AND launches > 0");
  if (k.rows.empty() || k.rows[0][0].AsInt() == 0)
    throw FatalError(subject,
                     "the window " + db.Query("SELECT value FROM llm_trace_info "
                                              "WHERE key = 'window'")
                                         .rows.at(0)
                                         .at(0)
                                         .AsText() +
                         " has no kernels in " + trace_path);
}

}  // namespace nsysexplain::render
