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

ALTER MATERIALIZED VIEW events_enriched AUTO REFRESH YES;

BEGIN;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_enriched"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["events_enriched","mv","enrichment","4d3cf079f9fdfef5","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [1,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

ALTER MATERIALIZED VIEW events_daily ALTER SORTKEY (day, tenant_id);

BEGIN;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["events_daily"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["events_daily","mv","rollup","eb8a7a0268dc3a98","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [2,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

UPDATE mvkit.applies SET status = $1, finished_at = $2, error = $3 WHERE id = $4;
-- params: ["succeeded","<now>",null,"<apply-id>"]

DELETE FROM mvkit.apply_lease WHERE apply_id = $1;
-- params: ["<apply-id>"]

DELETE FROM mvkit.apply_lock WHERE apply_id = $1;
-- params: ["<apply-id>"]
