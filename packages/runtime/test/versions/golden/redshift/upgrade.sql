CREATE SCHEMA IF NOT EXISTS mvkit;

CREATE TABLE IF NOT EXISTS mvkit.deployed_nodes (name VARCHAR(127) PRIMARY KEY, kind VARCHAR(8) NOT NULL, role VARCHAR(32) NOT NULL, fingerprint VARCHAR(64) NOT NULL, physical VARCHAR(65535) NOT NULL, definition VARCHAR(65535) NOT NULL, deployed_at TIMESTAMPTZ NOT NULL, apply_id VARCHAR(64));

CREATE TABLE IF NOT EXISTS mvkit.applies (id VARCHAR(64) PRIMARY KEY, who VARCHAR(256) NOT NULL, started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ, status VARCHAR(16) NOT NULL, stages VARCHAR(65535) NOT NULL, progress INT NOT NULL, error VARCHAR(4096));

CREATE TABLE IF NOT EXISTS mvkit.apply_lock (id INT PRIMARY KEY, apply_id VARCHAR(64) NOT NULL, who VARCHAR(256) NOT NULL, host VARCHAR(256) NOT NULL, pid INT NOT NULL, backend_pid INT, since TIMESTAMPTZ NOT NULL);

CREATE TABLE IF NOT EXISTS mvkit.refresh_history (node VARCHAR(127) NOT NULL, mode VARCHAR(16) NOT NULL, rows BIGINT, duration_ms BIGINT, at TIMESTAMPTZ NOT NULL, detail VARCHAR(1024));

CREATE SCHEMA IF NOT EXISTS mvkit;

CREATE TABLE IF NOT EXISTS mvkit.deployed_nodes (name VARCHAR(127) PRIMARY KEY, kind VARCHAR(8) NOT NULL, role VARCHAR(32) NOT NULL, fingerprint VARCHAR(64) NOT NULL, physical VARCHAR(65535) NOT NULL, definition VARCHAR(65535) NOT NULL, deployed_at TIMESTAMPTZ NOT NULL, apply_id VARCHAR(64));

CREATE TABLE IF NOT EXISTS mvkit.applies (id VARCHAR(64) PRIMARY KEY, who VARCHAR(256) NOT NULL, started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ, status VARCHAR(16) NOT NULL, stages VARCHAR(65535) NOT NULL, progress INT NOT NULL, error VARCHAR(4096));

CREATE TABLE IF NOT EXISTS mvkit.apply_lock (id INT PRIMARY KEY, apply_id VARCHAR(64) NOT NULL, who VARCHAR(256) NOT NULL, host VARCHAR(256) NOT NULL, pid INT NOT NULL, backend_pid INT, since TIMESTAMPTZ NOT NULL);

CREATE TABLE IF NOT EXISTS mvkit.refresh_history (node VARCHAR(127) NOT NULL, mode VARCHAR(16) NOT NULL, rows BIGINT, duration_ms BIGINT, at TIMESTAMPTZ NOT NULL, detail VARCHAR(1024));

CREATE TABLE IF NOT EXISTS mvkit.apply_lease (id INT PRIMARY KEY, apply_id VARCHAR(64) NOT NULL, db_user VARCHAR(128) NOT NULL, backend_pid INT NOT NULL, expires_at TIMESTAMP NOT NULL);

BEGIN;

LOCK mvkit.apply_lock;

SELECT pg_backend_pid() AS pid, TRIM(usename) AS db_user, usesuper AS superuser FROM pg_user WHERE usename = current_user;

SELECT COUNT(*) AS r FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'apply_lease';

DELETE FROM mvkit.apply_lock WHERE id = 1;

INSERT INTO mvkit.apply_lock (id, apply_id, who, host, pid, backend_pid, since) VALUES (1, $1, $2, $3, $4, $5, $6);
-- params: ["<apply-id>","<user@host>","<host>","<pid>",1073,"<now>"]

DELETE FROM mvkit.apply_lease WHERE id = 1;

INSERT INTO mvkit.apply_lease (id, apply_id, db_user, backend_pid, expires_at) VALUES (1, $1, $2, $3, DATEADD(second, 3600, GETDATE()));
-- params: ["<apply-id>","mvkit_deployer",1073]

COMMIT;

CREATE SCHEMA IF NOT EXISTS mvkit;

CREATE TABLE IF NOT EXISTS mvkit.versions (physical VARCHAR(127) PRIMARY KEY, model VARCHAR(127) NOT NULL, kind VARCHAR(8) NOT NULL, fingerprint VARCHAR(64) NOT NULL, node VARCHAR(65535) NOT NULL, built_at TIMESTAMPTZ NOT NULL, apply_id VARCHAR(64));

CREATE TABLE IF NOT EXISTS mvkit.serving (env VARCHAR(127) NOT NULL, model VARCHAR(127) NOT NULL, physical VARCHAR(127) NOT NULL, PRIMARY KEY (env, model));

CREATE TABLE IF NOT EXISTS mvkit.switches (id VARCHAR(64) PRIMARY KEY, env VARCHAR(127) NOT NULL, action VARCHAR(16) NOT NULL, at TIMESTAMPTZ NOT NULL, before VARCHAR(65535) NOT NULL, after VARCHAR(65535) NOT NULL, rolled_back BOOLEAN NOT NULL);

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'deployed_nodes';

SELECT name, kind, role, fingerprint, physical, definition, deployed_at FROM mvkit.deployed_nodes ORDER BY deployed_at, name;

SELECT current_schema() AS schema;

SELECT TRIM(c.relname) AS name, c.reltuples AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r';
-- params: ["public"]

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving';

SELECT physical, model, node, built_at FROM mvkit.versions ORDER BY built_at, physical;

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving';

SELECT model, physical FROM mvkit.serving WHERE env = $1 ORDER BY model;
-- params: ["prod"]

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving';

SELECT env, model, physical FROM mvkit.serving ORDER BY env, model;

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'deployed_nodes';

SELECT name, kind, role, fingerprint, physical, definition, deployed_at FROM mvkit.deployed_nodes ORDER BY deployed_at, name;

UPDATE mvkit.applies SET status = 'interrupted', finished_at = $1 WHERE status = 'running';
-- params: ["<now>"]

INSERT INTO mvkit.applies (id, who, started_at, status, stages, progress) VALUES ($1, $2, $3, 'running', $4, 0);
-- params: ["<apply-id>","<user@host>","<now>","<json>"]

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving';

SELECT physical, model, node, built_at FROM mvkit.versions ORDER BY built_at, physical;

BEGIN;

CREATE MATERIALIZED VIEW events_enriched__23403bd3
BACKUP YES
DISTKEY (event_id)
SORTKEY (tenant_id, event_id)
AUTO REFRESH NO
AS
SELECT
  i.tenant_id,
  i.event_id,
  i.kind,
  i.amount,
  i.at,
  d1.label
FROM events AS i
JOIN kinds AS d1 ON d1.kind = i.kind;

DELETE FROM mvkit.versions WHERE physical = $1;
-- params: ["events_enriched__23403bd3"]

INSERT INTO mvkit.versions (physical, model, kind, fingerprint, node, built_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7);
-- params: ["events_enriched__23403bd3","events_enriched","mv","e27ebe38e0d72fd5","<json>","<now>","<apply-id>"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_enriched__23403bd3"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["events_enriched__23403bd3","mv","enrichment","e27ebe38e0d72fd5","<json>","<json>","<now>","<apply-id>"]

COMMIT;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [1,"<apply-id>"]

BEGIN;

CREATE MATERIALIZED VIEW events_hourly__0b2a9a88
BACKUP YES
DISTSTYLE EVEN
SORTKEY (tenant_id, hour, label)
AUTO REFRESH NO
AS
SELECT
  tenant_id,
  label,
  DATE_TRUNC('hour', at) AS hour,
  COUNT(*) AS n,
  SUM(amount) AS amount
FROM events_enriched__23403bd3 AS events_enriched
WHERE amount >= 0
GROUP BY tenant_id, label, DATE_TRUNC('hour', at);

DELETE FROM mvkit.versions WHERE physical = $1;
-- params: ["events_hourly__0b2a9a88"]

INSERT INTO mvkit.versions (physical, model, kind, fingerprint, node, built_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7);
-- params: ["events_hourly__0b2a9a88","events_hourly","mv","96bc85a8691c3d14","<json>","<now>","<apply-id>"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_hourly__0b2a9a88"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["events_hourly__0b2a9a88","mv","aggregate","96bc85a8691c3d14","<json>","<json>","<now>","<apply-id>"]

COMMIT;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [2,"<apply-id>"]

BEGIN;

CREATE MATERIALIZED VIEW events_daily__7119ccad
BACKUP YES
DISTSTYLE EVEN
SORTKEY (tenant_id, day, label)
AUTO REFRESH NO
AS
SELECT
  tenant_id,
  label,
  DATE_TRUNC('day', hour) AS day,
  SUM(n) AS n,
  SUM(amount) AS amount
FROM events_hourly__0b2a9a88 AS events_hourly
GROUP BY tenant_id, label, DATE_TRUNC('day', hour);

DELETE FROM mvkit.versions WHERE physical = $1;
-- params: ["events_daily__7119ccad"]

INSERT INTO mvkit.versions (physical, model, kind, fingerprint, node, built_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7);
-- params: ["events_daily__7119ccad","events_daily","mv","9c70b8bebd997660","<json>","<now>","<apply-id>"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_daily__7119ccad"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["events_daily__7119ccad","mv","rollup","9c70b8bebd997660","<json>","<json>","<now>","<apply-id>"]

COMMIT;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [3,"<apply-id>"]

BEGIN;

CREATE MATERIALIZED VIEW tenant_daily__346c7f5d
BACKUP YES
DISTSTYLE EVEN
SORTKEY (tenant_id, day)
AUTO REFRESH NO
AS
SELECT
  tenant_id,
  day,
  SUM(n) AS n,
  SUM(amount) AS amount
FROM events_daily__7119ccad AS events_daily
GROUP BY tenant_id, day;

DELETE FROM mvkit.versions WHERE physical = $1;
-- params: ["tenant_daily__346c7f5d"]

INSERT INTO mvkit.versions (physical, model, kind, fingerprint, node, built_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7);
-- params: ["tenant_daily__346c7f5d","tenant_daily","mv","4124523bf3dc740a","<json>","<now>","<apply-id>"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["tenant_daily__346c7f5d"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["tenant_daily__346c7f5d","mv","rollup","4124523bf3dc740a","<json>","<json>","<now>","<apply-id>"]

COMMIT;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [4,"<apply-id>"]

BEGIN;

CREATE VIEW tenant_daily_view__2dc8dc4b AS
SELECT
  tenant_id,
  n,
  amount
FROM tenant_daily__346c7f5d AS tenant_daily;

DELETE FROM mvkit.versions WHERE physical = $1;
-- params: ["tenant_daily_view__2dc8dc4b"]

INSERT INTO mvkit.versions (physical, model, kind, fingerprint, node, built_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7);
-- params: ["tenant_daily_view__2dc8dc4b","tenant_daily_view","view","212ea34b42d13697","<json>","<now>","<apply-id>"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["tenant_daily_view__2dc8dc4b"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["tenant_daily_view__2dc8dc4b","view","view","212ea34b42d13697","<json>","<json>","<now>","<apply-id>"]

COMMIT;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [5,"<apply-id>"]

SELECT current_schema() AS schema;

SET query_group TO 'mvkit_refresh';

SELECT GETDATE() AS at;

REFRESH MATERIALIZED VIEW events_enriched__23403bd3;

SELECT status, duration FROM sys_mv_refresh_history WHERE schema_name = $1 AND mv_name = $2 AND start_time >= $3 ORDER BY start_time DESC LIMIT 1;
-- params: ["public","events_enriched__23403bd3","2026-11-27 20:50:00"]

SELECT GETDATE() AS at;

REFRESH MATERIALIZED VIEW events_hourly__0b2a9a88;

SELECT status, duration FROM sys_mv_refresh_history WHERE schema_name = $1 AND mv_name = $2 AND start_time >= $3 ORDER BY start_time DESC LIMIT 1;
-- params: ["public","events_hourly__0b2a9a88","2026-11-27 20:50:00"]

SELECT GETDATE() AS at;

REFRESH MATERIALIZED VIEW events_daily__7119ccad;

SELECT status, duration FROM sys_mv_refresh_history WHERE schema_name = $1 AND mv_name = $2 AND start_time >= $3 ORDER BY start_time DESC LIMIT 1;
-- params: ["public","events_daily__7119ccad","2026-11-27 20:50:00"]

SELECT GETDATE() AS at;

REFRESH MATERIALIZED VIEW tenant_daily__346c7f5d;

SELECT status, duration FROM sys_mv_refresh_history WHERE schema_name = $1 AND mv_name = $2 AND start_time >= $3 ORDER BY start_time DESC LIMIT 1;
-- params: ["public","tenant_daily__346c7f5d","2026-11-27 20:50:00"]

RESET query_group;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [6,"<apply-id>"]

SELECT COUNT(*) AS n FROM events_enriched__23403bd3;

SELECT COUNT(*) AS n FROM events_hourly__0b2a9a88;

SELECT COUNT(*) AS n FROM events_daily__7119ccad;

SELECT COUNT(*) AS n FROM tenant_daily__346c7f5d;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [7,"<apply-id>"]

SELECT current_schema() AS s;

BEGIN;

DROP VIEW tenant_daily_view;

DROP MATERIALIZED VIEW tenant_daily;

DROP MATERIALIZED VIEW events_daily;

DROP MATERIALIZED VIEW events_hourly;

DROP MATERIALIZED VIEW events_enriched;

CREATE VIEW events_enriched AS SELECT tenant_id, event_id, kind, amount, at, label FROM public.events_enriched__23403bd3;

CREATE VIEW events_hourly AS SELECT tenant_id, label, hour, n, amount FROM public.events_hourly__0b2a9a88;

CREATE VIEW events_daily AS SELECT tenant_id, label, day, n, amount FROM public.events_daily__7119ccad;

CREATE VIEW tenant_daily AS SELECT tenant_id, day, n, amount FROM public.tenant_daily__346c7f5d;

CREATE VIEW tenant_daily_view AS SELECT tenant_id, n, amount FROM public.tenant_daily_view__2dc8dc4b;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_enriched"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["prod","events_enriched"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["prod","events_enriched","events_enriched__23403bd3"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_hourly"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["prod","events_hourly"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["prod","events_hourly","events_hourly__0b2a9a88"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_daily"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["prod","events_daily"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["prod","events_daily","events_daily__7119ccad"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["tenant_daily"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["prod","tenant_daily"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["prod","tenant_daily","tenant_daily__346c7f5d"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["tenant_daily_view"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["prod","tenant_daily_view"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["prod","tenant_daily_view","tenant_daily_view__2dc8dc4b"]

INSERT INTO mvkit.switches (id, env, action, at, before, after, rolled_back) VALUES ($1, $2, $3, $4, $5, $6, false);
-- params: ["<apply-id>","prod","apply","<now>","<json>","<json>"]

COMMIT;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [8,"<apply-id>"]

UPDATE mvkit.applies SET status = $1, finished_at = $2, error = $3 WHERE id = $4;
-- params: ["succeeded","<now>",null,"<apply-id>"]

DELETE FROM mvkit.apply_lease WHERE apply_id = $1;
-- params: ["<apply-id>"]

DELETE FROM mvkit.apply_lock WHERE apply_id = $1;
-- params: ["<apply-id>"]
