// report.html: one self-contained page (inline CSS, inline SVG, a little
// vanilla JS; nothing loaded from anywhere). The summary, the charts
// (render_html_charts.cc), then every section with its tables (the report.md
// columns and rows, sortable).
#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "core/kernel_name.h"
#include "render.h"
#include "render_html_parts.h"
#include "summary.h"
#include "svg.h"
#include "text.h"

namespace nsysexplain::render {
namespace html {

// Prose of the view pack with `code spans`, as HTML (each run between
// backticks escaped whole, so multi-byte UTF-8 stays intact).
std::string Prose(const std::string& s) {
  std::string out;
  bool code = false;
  size_t from = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] != '`') continue;
    out += HtmlEscape(std::string_view(s).substr(from, i - from));
    if (i < s.size()) {
      out += code ? "</code>" : "<code>";
      code = !code;
    }
    from = i + 1;
  }
  if (code) out += "</code>";
  return out;
}

std::string NotAvailable(const std::string& reason) {
  return "<p class=\"na\">Not available: " +
         Prose(reason.empty() ? "no data in this export" : reason) + ".</p>\n";
}


// A kernel name as shown: its base name, the full name on hover.
std::string KernelLabel(const std::string& full, size_t max_chars) {
  std::string base = core::KernelBaseName(full);
  if (base.empty()) base = full;
  if (base.size() > max_chars) {
    size_t cut = max_chars - 3;  // not inside a UTF-8 sequence
    while (cut > 0 && (static_cast<unsigned char>(base[cut]) & 0xC0) == 0x80) --cut;
    base = base.substr(0, cut) + "...";
  }
  return base;
}


}  // namespace html

namespace {

using html::KernelLabel;
using html::NotAvailable;
using html::Prose;

constexpr const char* kCss = R"(
:root{--fg:#1a1a1a;--muted:#555;--line:#d0d0d0;--bg:#fff;--box:#f6f6f6}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:var(--fg);background:var(--bg);margin:0 auto;max-width:1260px;padding:16px 20px 40px}
h1{font-size:26px;margin:8px 0}h2{font-size:20px;margin:28px 0 8px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:16px 0 6px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--box);padding:0 3px}
ul.meta{list-style:none;padding:0;margin:0;color:var(--muted)}
.summary{border:2px solid #0072B2;border-radius:6px;padding:8px 16px;margin:12px 0}
.summary h2{border:0;margin-top:4px}
.summary dl{display:grid;grid-template-columns:170px 1fr;gap:2px 12px;margin:0}
.summary dt{font-weight:600}.summary dd{margin:0}
.na{border:1px dashed #999;background:var(--box);padding:10px 14px;color:var(--muted);font-style:italic}
figure{margin:16px 0 24px}figcaption{font-weight:600;margin-bottom:6px}
svg.chart{max-width:100%;height:auto;display:block}
svg text{font-size:12px;fill:var(--fg)}svg .tick{fill:var(--muted);font-size:11px}
svg .axis-title{font-size:12px;fill:var(--muted)}
svg .axis{stroke:#444;stroke-width:1}svg .grid{stroke:#e4e4e4;stroke-width:1}
svg .gap{fill:none;stroke:#D55E00;stroke-width:2}
svg .p50{stroke:#000;stroke-width:2;stroke-dasharray:4 3}svg .p99{stroke:#D55E00;stroke-width:2;stroke-dasharray:2 2}
svg rect[data-value]:hover{opacity:.75}
.src{color:var(--muted);font-size:13px;margin:4px 0 8px;padding-left:18px}
table{border-collapse:collapse;margin:6px 0 4px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:var(--box);cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{color:var(--muted);font-size:13px;font-style:italic}
.tablewrap{overflow-x:auto}
@media print{body{max-width:none;padding:0}th{cursor:auto}.summary{break-inside:avoid}
 figure{break-inside:avoid}a{color:inherit}}
)";

// Sorting by header click, and an error marker for the headless test: the
// first script sets window.onerror, the last one marks the page ready.
constexpr const char* kErrorScript =
    "<script>window.onerror=function(m){document.documentElement.setAttribute("
    "'data-js-error',String(m));};</script>\n";
constexpr const char* kSortScript = R"(<script>
(function(){
  function key(td){var v=td.getAttribute('data-sort');return v===null?td.textContent:v;}
  function cmp(a,b){var x=parseFloat(a),y=parseFloat(b);
    if(a!==''&&b!==''&&!isNaN(x)&&!isNaN(y)&&isFinite(a)&&isFinite(b))return x-y;
    return a<b?-1:a>b?1:0;}
  document.querySelectorAll('table.sortable').forEach(function(t){
    var ths=t.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths,function(th,i){
      th.addEventListener('click',function(){
        var asc=th.getAttribute('aria-sort')!=='ascending';
        Array.prototype.forEach.call(ths,function(h){h.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',asc?'ascending':'descending');
        var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(r,s){var c=cmp(key(r.cells[i]),key(s.cells[i]));return asc?c:-c;});
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
    t.setAttribute('data-sort-ready','1');
  });
  document.documentElement.setAttribute('data-js-ready','1');
})();
</script>
)";


class Html {
 public:
  explicit Html(const Report& rep) : rep_(rep) {}

  std::string Run() {
    out_ += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>Nsight Systems LLM Hotspot Report</title>\n";
    out_ += kErrorScript;
    out_ += std::string("<style>") + kCss + "</style>\n</head>\n<body>\n";
    out_ += "<header><h1>Nsight Systems LLM Hotspot Report</h1>\n<ul class=\"meta\">\n";
    Meta("Generated at (UTC)", rep_.generated_at);
    Meta("Trace", rep_.trace_path);
    Meta("Tool", std::string(kToolName) + " " + rep_.tool_version);
    Meta("Nsight Systems export", rep_.Info("EXPORT_PRODUCT_VERSION"));
    out_ += "</ul></header>\n";
    SummaryBox();
    out_ += html::Charts(rep_);
    for (const Section& s : rep_.sections) RenderSection(s);
    out_ += kSortScript;
    out_ += "</body>\n</html>\n";
    return out_;
  }

 private:
  void Meta(const std::string& label, const std::string& value) {
    if (!value.empty())
      out_ += "<li>" + HtmlEscape(label) + ": <code>" + HtmlEscape(value) + "</code></li>\n";
  }

  void SummaryBox() {
    Summary sm = MakeSummary(rep_);
    out_ += "<section id=\"summary\" class=\"summary\"><h2>Summary</h2>\n<dl>\n";
    for (const Summary::Item& it : sm.items)
      out_ += "<dt>" + HtmlEscape(it.label) + "</dt><dd>" + HtmlEscape(it.text) + "</dd>\n";
    out_ += "</dl>\n<h3>Top findings</h3>\n";
    if (sm.findings.empty()) {
      out_ += "<p>No rule fired: nothing in this trace crosses the thresholds.</p>\n";
    } else {
      out_ += "<ol>\n";
      for (const std::string& f : sm.findings) out_ += "<li>" + Prose(f) + "</li>\n";
      out_ += "</ol>\n";
    }
    out_ += "</section>\n";
  }

  size_t Limit(const NamedTable& t) const {
    size_t top = static_cast<size_t>(rep_.settings.top_n);
    return t.md_rows > 0 ? std::min(top, static_cast<size_t>(t.md_rows)) : top;
  }

  void RenderSection(const Section& s) {
    out_ += "<section id=\"sec-" + HtmlEscape(s.id) + "\"><h2>" + Prose(s.title) + "</h2>\n";
    out_ += "<ul class=\"src\"><li><b>Derived from</b>: " + Prose(s.derived_from) +
            "</li><li><b>Limitations</b>: " + Prose(s.limitations) + "</li>";
    if (!s.pid_source.empty()) out_ += "<li><b>PID source</b>: " + Prose(s.pid_source) + "</li>";
    out_ += "</ul>\n";
    if (!s.available) {
      out_ += NotAvailable(s.reason) + "</section>\n";
      return;
    }
    for (const NamedTable& t : s.tables) {
      if (t.md_layout.empty() && !t.md_table) continue;  // CSV/JSON only, as in report.md
      if (!t.md_caption.empty()) out_ += "<p>" + Prose(t.md_caption) + "</p>\n";
      if (t.md_layout == "warning_list") {
        WarningList(t.table);
      } else if (t.md_layout == "finding_list") {
        FindingList(t.table);
      } else {
        std::vector<std::string> cols;
        if (t.md_table) {
          cols = MdColumns(t);
        } else {
          cols = t.table.columns;
        }
        TableHtml(t, cols);
      }
      if (!t.md_note.empty()) out_ += "<p class=\"note\">" + Prose(t.md_note) + "</p>\n";
    }
    out_ += "</section>\n";
  }

  void WarningList(const Table& t) {
    if (t.rows.empty()) {
      out_ += "<p>None.</p>\n";
      return;
    }
    out_ += "<ul>\n";
    for (size_t r = 0; r < t.rows.size(); ++r)
      out_ += "<li>" +
              std::string(t.At(r, "severity").AsText() == "info" ? "(info) " : "") +
              Prose(t.At(r, "message").AsText()) + "</li>\n";
    out_ += "</ul>\n";
  }

  void FindingList(const Table& t) {
    if (t.rows.empty()) {
      out_ += "<p>No rule fired: nothing in this trace crosses the thresholds.</p>\n";
      return;
    }
    out_ += "<ul class=\"findings\">\n";
    for (size_t r = 0; r < t.rows.size(); ++r) {
      out_ += "<li><b>[" + HtmlEscape(t.At(r, "severity").AsText()) + "] " +
              Prose(t.At(r, "title").AsText()) + "</b>";
      for (const auto& [label, col] :
           {std::pair<const char*, const char*>{"Evidence", "evidence"},
            {"Recommendation", "recommendation"}}) {
        auto lines = SplitLines(t.At(r, col).AsText());
        if (lines.empty()) continue;
        out_ += std::string("<div>") + label + ":</div><ul>";
        for (const std::string& l : lines) out_ += "<li>" + Prose(l) + "</li>";
        out_ += "</ul>";
      }
      out_ += "</li>\n";
    }
    out_ += "</ul>\n";
  }

  // A sortable table of `cols` ("a|b": shows a, b on hover; kernel names:
  // base name shown, the full name on hover), at most Limit() rows.
  void TableHtml(const NamedTable& nt, const std::vector<std::string>& cols) {
    const Table& t = nt.table;
    if (t.rows.empty()) {
      out_ += "<p class=\"note\">No rows.</p>\n";
      return;
    }
    out_ += "<div class=\"tablewrap\"><table class=\"sortable\" data-table=\"" +
            HtmlEscape(nt.name) + "\"><thead><tr>";
    std::vector<std::pair<std::string, std::string>> shown;  // (column, hover column)
    for (const std::string& c : cols) {
      size_t bar = c.find('|');
      shown.emplace_back(c.substr(0, bar), bar == std::string::npos ? "" : c.substr(bar + 1));
      out_ += "<th>" + HtmlEscape(shown.back().first) + "</th>";
    }
    out_ += "</tr></thead>\n<tbody>\n";
    size_t n = std::min(Limit(nt), t.rows.size());
    for (size_t r = 0; r < n; ++r) {
      out_ += "<tr>";
      for (const auto& [c, hover] : shown) {
        const Cell& v = t.At(r, c);
        std::string title = hover.empty() ? "" : t.At(r, hover).AsText();
        std::string text;
        if (v.type == Cell::Type::kText) {
          text = v.s;
          bool kernel = c.size() >= 11 && c.compare(c.size() - 11, 11, "kernel_name") == 0;
          if (kernel) {
            text = KernelLabel(v.s);
            if (text != v.s) title = v.s;
          }
          out_ += "<td";
        } else {
          text = MdValue(c, v);
          out_ += "<td class=\"num\" data-sort=\"" + HtmlEscape(v.AsText()) + "\"";
        }
        if (!title.empty() && title != text) out_ += " title=\"" + HtmlEscape(title) + "\"";
        out_ += ">" + HtmlEscape(text) + "</td>";
      }
      out_ += "</tr>\n";
    }
    out_ += "</tbody></table></div>\n";
    if (n < t.rows.size())
      out_ += fmt::format("<p class=\"note\">Showing {} of {} rows; all rows in {}.</p>\n", n,
                          t.rows.size(),
                          rep_.writes_csv ? "<code>tables/" + HtmlEscape(nt.name) + ".csv</code>"
                                          : std::string("report.json"));
  }

  const Report& rep_;
  std::string out_;
};

}  // namespace

std::string RenderHtml(const Report& rep) { return Html(rep).Run(); }

}  // namespace nsysexplain::render
