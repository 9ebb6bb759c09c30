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
-- params: ["dev"]

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving';

SELECT env, model, physical FROM mvkit.serving ORDER BY env, model;

UPDATE mvkit.applies SET status = 'interrupted', finished_at = $1 WHERE status = 'running';
-- params: ["<now>"]

INSERT INTO mvkit.applies (id, who, started_at, status, stages, progress) VALUES ($1, $2, $3, 'running', $4, 0);
-- params: ["<apply-id>","<user@host>","<now>","<json>"]

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving';

SELECT physical, model, node, built_at FROM mvkit.versions ORDER BY built_at, physical;

BEGIN;

CREATE MATERIALIZED VIEW tenant_daily__9ed7327f
BACKUP YES
DISTSTYLE EVEN
SORTKEY (tenant_id)
AUTO REFRESH NO
AS
SELECT
  tenant_id,
  SUM(n) AS n,
  SUM(amount) AS amount
FROM events_daily__7119ccad AS events_daily
GROUP BY tenant_id;

DELETE FROM mvkit.versions WHERE physical = $1;
-- params: ["tenant_daily__9ed7327f"]

INSERT INTO mvkit.versions (physical, model, kind, fingerprint, node, built_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7);
-- params: ["tenant_daily__9ed7327f","tenant_daily","mv","8ca0f41d8c4c95cd","<json>","<now>","<apply-id>"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["tenant_daily__9ed7327f"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["tenant_daily__9ed7327f","mv","rollup","8ca0f41d8c4c95cd","<json>","<json>","<now>","<apply-id>"]

COMMIT;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [1,"<apply-id>"]

BEGIN;

CREATE VIEW tenant_daily_view__30eabb7f AS
SELECT
  tenant_id,
  n,
  amount
FROM tenant_daily__9ed7327f AS tenant_daily;

DELETE FROM mvkit.versions WHERE physical = $1;
-- params: ["tenant_daily_view__30eabb7f"]

INSERT INTO mvkit.versions (physical, model, kind, fingerprint, node, built_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7);
-- params: ["tenant_daily_view__30eabb7f","tenant_daily_view","view","1c1297c9cb89b9f3","<json>","<now>","<apply-id>"]

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["tenant_daily_view__30eabb7f"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["tenant_daily_view__30eabb7f","view","view","1c1297c9cb89b9f3","<json>","<json>","<now>","<apply-id>"]

COMMIT;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [2,"<apply-id>"]

SELECT current_schema() AS schema;

SET query_group TO 'mvkit_refresh';

SELECT GETDATE() AS at;

REFRESH MATERIALIZED VIEW tenant_daily__9ed7327f;

SELECT status, duration FROM sys_mv_refresh_history WHERE schema_name = $1 AND mv_name = $2 AND start_time >= $3 ORDER BY start_time DESC LIMIT 1;
-- params: ["public","tenant_daily__9ed7327f","2026-11-27 20:50:00"]

RESET query_group;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [3,"<apply-id>"]

SELECT COUNT(*) AS n FROM events_enriched__23403bd3;

SELECT COUNT(*) AS n FROM events_hourly__0b2a9a88;

SELECT COUNT(*) AS n FROM events_daily__7119ccad;

SELECT COUNT(*) AS n FROM tenant_daily__9ed7327f;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [4,"<apply-id>"]

SELECT current_schema() AS s;

BEGIN;

CREATE SCHEMA IF NOT EXISTS dev;

CREATE VIEW dev.events_enriched AS SELECT tenant_id, event_id, kind, amount, at, label FROM public.events_enriched__23403bd3;

CREATE VIEW dev.events_hourly AS SELECT tenant_id, label, hour, n, amount FROM public.events_hourly__0b2a9a88;

CREATE VIEW dev.events_daily AS SELECT tenant_id, label, day, n, amount FROM public.events_daily__7119ccad;

CREATE VIEW dev.tenant_daily AS SELECT tenant_id, n, amount FROM public.tenant_daily__9ed7327f;

CREATE VIEW dev.tenant_daily_view AS SELECT tenant_id, n, amount FROM public.tenant_daily_view__30eabb7f;

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["dev","events_enriched"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["dev","events_enriched","events_enriched__23403bd3"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["dev","events_hourly"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["dev","events_hourly","events_hourly__0b2a9a88"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["dev","events_daily"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["dev","events_daily","events_daily__7119ccad"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["dev","tenant_daily"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["dev","tenant_daily","tenant_daily__9ed7327f"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["dev","tenant_daily_view"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["dev","tenant_daily_view","tenant_daily_view__30eabb7f"]

INSERT INTO mvkit.switches (id, env, action, at, before, after, rolled_back) VALUES ($1, $2, $3, $4, $5, $6, false);
-- params: ["<apply-id>","dev","apply","<now>","<json>","<json>"]

COMMIT;

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [5,"<apply-id>"]

UPDATE mvkit.applies SET status = $1, finished_at = $2, error = $3 WHERE id = $4;
-- params: ["succeeded","<now>",null,"<apply-id>"]

DELETE FROM mvkit.apply_lease WHERE apply_id = $1;
-- params: ["<apply-id>"]

DELETE FROM mvkit.apply_lock WHERE apply_id = $1;
-- params: ["<apply-id>"]
