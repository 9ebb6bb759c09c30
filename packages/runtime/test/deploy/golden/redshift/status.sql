SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'deployed_nodes';

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'deployed_nodes';

SELECT name, kind, role, fingerprint, physical, definition, deployed_at FROM mvkit.deployed_nodes ORDER BY deployed_at, name;

SELECT node, mode, rows, duration_ms, at, detail FROM mvkit.refresh_history ORDER BY at;

SELECT current_schema() AS schema;

SELECT name, is_stale, state, autorefresh FROM svv_mv_info WHERE schema_name = $1;
-- params: ["public"]

SELECT id, who, started_at, finished_at, status, stages, progress, error FROM mvkit.applies ORDER BY started_at DESC LIMIT 1;

SELECT MAX(at) AS newest FROM events;
