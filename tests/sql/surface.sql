-- The public surface of the extension: functions (name, kind, arity, flags),
-- virtual-table modules and their columns, and the TEMP objects of the view
-- pack with their columns. Adding, removing, renaming or re-flagging anything
-- shows up here as a diff.
.echo on
.headers on
.mode list
.nullvalue NULL
SELECT name, type, narg, flags FROM pragma_function_list
WHERE name LIKE 'nsys%' ORDER BY 1, 3;
SELECT name FROM pragma_module_list
WHERE name LIKE 'nsys%' OR name LIKE '\_nsys%' ESCAPE '\' ORDER BY 1;
SELECT m.name AS module, c.cid, c.name, c.type, c.hidden
FROM pragma_module_list AS m, pragma_table_xinfo(m.name) AS c
WHERE m.name LIKE 'nsys%' OR m.name LIKE '\_nsys%' ESCAPE '\'
ORDER BY 1, 2;
SELECT type, name FROM sqlite_temp_master ORDER BY type, name;
SELECT name FROM sqlite_temp_master WHERE type = 'view' ORDER BY name;
SELECT m.name AS object, c.cid, c.name
FROM sqlite_temp_master AS m, pragma_table_info(m.name, 'temp') AS c
WHERE m.type IN ('table', 'view') ORDER BY 1, 2;
SELECT * FROM llm_settings ORDER BY key;
SELECT rowid, phase, pattern FROM llm_phase_map ORDER BY rowid;
