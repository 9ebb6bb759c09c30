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

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving';

SELECT id, env, action, at, before, after, rolled_back FROM mvkit.switches WHERE env = $1 ORDER BY at DESC, id DESC;
-- params: ["prod"]

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving';

SELECT physical, model, node, built_at FROM mvkit.versions ORDER BY built_at, physical;

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving';

SELECT model, physical FROM mvkit.serving WHERE env = $1 ORDER BY model;
-- params: ["prod"]

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving';

SELECT physical, model, node, built_at FROM mvkit.versions ORDER BY built_at, physical;

SELECT current_schema() AS schema;

SET query_group TO 'mvkit_refresh';

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

SELECT current_schema() AS s;

BEGIN;

DROP VIEW IF EXISTS events_hourly;

CREATE VIEW events_hourly AS SELECT tenant_id, label, hour, n, amount FROM public.events_hourly__0b2a9a88;

CREATE OR REPLACE VIEW events_daily AS SELECT tenant_id, label, day, n, amount FROM public.events_daily__7119ccad;

CREATE OR REPLACE VIEW tenant_daily AS SELECT tenant_id, day, n, amount FROM public.tenant_daily__346c7f5d;

CREATE OR REPLACE VIEW tenant_daily_view AS SELECT tenant_id, n, amount FROM public.tenant_daily_view__2dc8dc4b;

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["prod","events_hourly"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["prod","events_hourly","events_hourly__0b2a9a88"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["prod","events_daily"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["prod","events_daily","events_daily__7119ccad"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["prod","tenant_daily"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["prod","tenant_daily","tenant_daily__346c7f5d"]

DELETE FROM mvkit.serving WHERE env = $1 AND model = $2;
-- params: ["prod","tenant_daily_view"]

INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3);
-- params: ["prod","tenant_daily_view","tenant_daily_view__2dc8dc4b"]

INSERT INTO mvkit.switches (id, env, action, at, before, after, rolled_back) VALUES ($1, $2, $3, $4, $5, $6, false);
-- params: ["<apply-id>","prod","rollback","<now>","<json>","<json>"]

UPDATE mvkit.switches SET rolled_back = true WHERE id = $1;
-- params: ["<apply-id>"]

COMMIT;

DELETE FROM mvkit.apply_lease WHERE apply_id = $1;
-- params: ["<apply-id>"]

DELETE FROM mvkit.apply_lock WHERE apply_id = $1;
-- params: ["<apply-id>"]
