SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'deployed_nodes';

SELECT name, kind, role, fingerprint, physical, definition, deployed_at FROM mvkit.deployed_nodes ORDER BY deployed_at, name;

SELECT current_schema() AS schema;

SELECT TRIM(c.relname) AS name, c.reltuples AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r';
-- params: ["public"]

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

SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'deployed_nodes';

SELECT name, kind, role, fingerprint, physical, definition, deployed_at FROM mvkit.deployed_nodes ORDER BY deployed_at, name;

SELECT current_schema() AS schema;

SELECT TRIM(c.relname) AS name, c.reltuples AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r';
-- params: ["public"]

UPDATE mvkit.applies SET status = 'interrupted', finished_at = $1 WHERE status = 'running';
-- params: ["<now>"]

INSERT INTO mvkit.applies (id, who, started_at, status, stages, progress) VALUES ($1, $2, $3, 'running', $4, 0);
-- params: ["<apply-id>","<user@host>","<now>","<json>"]

BEGIN;

DROP VIEW tenant_daily_view;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["tenant_daily_view"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [1,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

BEGIN;

DROP MATERIALIZED VIEW tenant_daily;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["tenant_daily"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [2,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

BEGIN;

DROP MATERIALIZED VIEW events_daily;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_daily"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [3,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

BEGIN;

DROP MATERIALIZED VIEW events_hourly;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_hourly"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [4,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

BEGIN;

CREATE MATERIALIZED VIEW events_hourly
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
  SUM(amount) AS amount,
  MAX(amount) AS max_amount
FROM events_enriched
GROUP BY tenant_id, label, DATE_TRUNC('hour', at);

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_hourly"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["events_hourly","mv","aggregate","76e2f648c3480517","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [5,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

BEGIN;

CREATE MATERIALIZED VIEW events_daily
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
FROM events_hourly
GROUP BY tenant_id, label, DATE_TRUNC('day', hour);

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_daily"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["events_daily","mv","rollup","69a5083a14f5dc73","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [6,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

BEGIN;

CREATE MATERIALIZED VIEW tenant_daily
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
FROM events_daily
GROUP BY tenant_id, day;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["tenant_daily"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["tenant_daily","mv","rollup","9088ae2f1fb686d3","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [7,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

BEGIN;

CREATE VIEW tenant_daily_view AS
SELECT
  tenant_id,
  day,
  n,
  amount
FROM tenant_daily;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["tenant_daily_view"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["tenant_daily_view","view","view","8ef8f318c7b4a7e0","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [8,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

UPDATE mvkit.applies SET status = $1, finished_at = $2, error = $3 WHERE id = $4;
-- params: ["succeeded","<now>",null,"<apply-id>"]

DELETE FROM mvkit.apply_lease WHERE apply_id = $1;
-- params: ["<apply-id>"]

DELETE FROM mvkit.apply_lock WHERE apply_id = $1;
-- params: ["<apply-id>"]
