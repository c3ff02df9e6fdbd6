-- Framework, loaded after every analysis: the registry views that make the
-- report (llm_warnings, llm_findings, llm_report_sections) and its own two
-- sections. Thresholds of the rules are the predecessor's (heuristics.py)
-- unless stated; SQL users get exactly what the renderer prints.
--
-- Conventions. An analysis is one file sql/<analysis>.sql named in
-- NSYSEXPLAIN_ANALYSES (ext/CMakeLists.txt). Besides its llm_* views it may
-- define these private views, returning exactly these columns in this order
-- (by position: the generated union names them, from the lists in
-- ext/CMakeLists.txt):
--
--   _nsys_<analysis>_warnings(seq, severity, code, message)
--       severity 'warning' or 'info'; code a stable id; seq orders
--       llm_warnings across all analyses.
--   _nsys_<analysis>_findings(seq, severity, title, evidence, recommendation,
--                             rule)
--       severity 'high', 'medium' or 'low'; evidence and recommendation are
--       newline-separated lines; llm_findings orders by severity, then seq.
--   _nsys_<analysis>_sections(ord, section_id, title, views, derived_from,
--                             limitations, need, md_pid_source)
--       ord is the position in the report; need names a row of the needs
--       views (none, kernels, runtime, nvtx, nvtx_kernels: sql/_settings.sql)
--       that gives the section's available and reason; md_pid_source, when
--       not NULL, is printed as the section's "PID source" bullet.
--   _nsys_<analysis>_tables(section_id, ord, table_name, view, row_limit,
--                           md_columns, md_rows, md_caption, md_note,
--                           md_layout, nvtx_kernel_map)
--       The tables of a section, in order (ord): table_name is the
--       tables/<table_name>.csv stem and the report.json key (the first
--       section to use a name owns it); the rows are SELECT * FROM view,
--       LIMIT row_limit when not NULL (CSV and JSON hold all of them).
--       Markdown: md_caption (a line before the table), then the table
--       (md_columns, comma-separated; `name?` only when some row has a
--       non-empty, non-zero value; NULL: not shown as a table), at most
--       md_rows rows (NULL: the --top value; else the smaller of the two),
--       then md_note (a line after it). md_layout names a renderer layout
--       for what a table cannot show (report/render_markdown.cc, kLayouts);
--       NULL is the plain table. nvtx_kernel_map = 1: the table comes from
--       the NVTX->kernel attribution, so --no-nvtx-kernel-map does not query
--       it (header only), and a section whose every table is skipped says
--       it was disabled.
--   _nsys_<analysis>_needs(need, available, reason)
--       extra needs (one row each) for this analysis's sections.
--
-- The build generates _nsys_all_<kind> (each the UNION ALL of the
-- _nsys_<analysis>_<kind> views that exist, with an `analysis` column) and
-- loads them after this file; sql/_settings.sql counts as the analysis
-- `settings` and this file as `report`.

-- Data-quality and coverage warnings of every analysis, in report order.
CREATE TEMP VIEW IF NOT EXISTS llm_warnings(
  severity,   -- warning or info
  code,       -- stable identifier
  message     -- one line for humans
) AS
SELECT severity, code, message FROM _nsys_all_warnings ORDER BY seq;

-- Findings: what to do next, most severe first.
CREATE TEMP VIEW IF NOT EXISTS llm_findings(
  severity,        -- high, medium or low
  title,           -- one line
  evidence,        -- newline-separated facts with numbers from the trace
  recommendation,  -- newline-separated suggestions
  rule             -- stable rule id
) AS
SELECT severity, title, evidence, recommendation, rule FROM _nsys_all_findings
ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, seq;

-- Every section with its availability (what the renderer reads).
CREATE TEMP VIEW IF NOT EXISTS _nsys_report_plan(
  ord, section_id, title, views, derived_from, limitations, available, reason,
  md_pid_source, caveats) AS
SELECT s.ord, s.section_id, s.title, s.views, s.derived_from, s.limitations,
       n.available, n.reason, s.md_pid_source,
       (SELECT group_concat(c.caveat, char(10)) FROM _nsys_all_caveats AS c
        WHERE c.section_id = s.section_id)
FROM _nsys_all_sections AS s LEFT JOIN _nsys_all_needs AS n ON n.need = s.need
ORDER BY s.ord;

-- The report's sections in order, with what each is derived from, its limits,
-- and whether the trace has the data for it (with the reason when not). The
-- renderer prints these texts verbatim; SQL users can read them too.
CREATE TEMP VIEW IF NOT EXISTS llm_report_sections(
  ord,            -- position in the report
  section_id,     -- stable id (also the report.json key)
  title,          -- heading
  views,          -- the llm_* views the section shows
  derived_from,   -- source tables and rule
  limitations,    -- what the numbers do not say
  available,      -- 1 if the trace has the data
  reason,         -- why not, when available = 0
  caveats         -- what this trace hides from the section (newline-separated; NULL: nothing)
) AS
SELECT ord, section_id, title, views, derived_from, limitations, available,
       reason, caveats
FROM _nsys_report_plan;

CREATE TEMP VIEW IF NOT EXISTS _nsys_report_sections AS VALUES
  (1, 'warnings', 'Warnings', 'llm_warnings',
   'Data-quality counters and coverage checks over every section below.',
   'Only what can be checked from the export itself.', 'none', NULL),
  (2, 'findings', 'What to do next', 'llm_findings',
   'Rules over the sections below (thresholds of the predecessor tool: '
   || 'dominant kernel >= 25/50%, launch storm, sync >= 1 ms, idle >= 20/40%).',
   'Heuristics for triage, not proofs; no speed-up is promised.', 'none',
   NULL);

CREATE TEMP VIEW IF NOT EXISTS _nsys_report_tables AS VALUES
  ('warnings', 1, 'warnings', 'llm_warnings', NULL, NULL, NULL, NULL, NULL,
   'warning_list', 0),
  ('findings', 1, 'findings', 'llm_findings', NULL, NULL, NULL, NULL, NULL,
   'finding_list', 0);

-- Every public view, table, function and table-valued function of the
-- extension, with a one-line description and an example query (generated
-- from the comments of sql/*.sql and the registration tables of ext/, so it
-- is always complete; ext/help.cc).
-- Example: SELECT name, kind, description FROM llm_help WHERE name LIKE '%kernel%'
CREATE TEMP VIEW IF NOT EXISTS llm_help(
  name,         -- object name
  kind,         -- view, table, function, aggregate or table-valued function
  call,         -- how to call it (functions: the argument list)
  description,  -- one line
  example,      -- an example query that runs on any export
  source        -- the file that defines it
) AS
SELECT name, kind, call, description, example, source FROM _nsys_help
ORDER BY name;
