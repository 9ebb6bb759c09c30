SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'deployed_nodes';

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

CREATE EXTERNAL SCHEMA IF NOT EXISTS orders_source
FROM MSK
IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-streaming'
AUTHENTICATION iam
URI 'b-1.shop.kafka.eu-west-1.amazonaws.com:9098,b-2.shop.kafka.eu-west-1.amazonaws.com:9098';

CREATE MATERIALIZED VIEW orders
DISTKEY (order_id)
SORTKEY (tenant_id, order_id)
AUTO REFRESH YES
AS
SELECT
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kafka_value, 'utf-8'), 'tenant_id') AS VARCHAR(32)) AS tenant_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kafka_value, 'utf-8'), 'order_id') AS VARCHAR(64)) AS order_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kafka_value, 'utf-8'), 'store_id') AS VARCHAR(32)) AS store_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kafka_value, 'utf-8'), 'amount_cents') AS BIGINT) AS amount_cents,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kafka_value, 'utf-8'), 'placed_at') AS TIMESTAMP) AS placed_at
FROM orders_source."shop.orders"
WHERE CAN_JSON_PARSE(kafka_value);

BEGIN;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["orders"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["orders","table","stream","791cb1b0aba37e04","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [1,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

CREATE EXTERNAL SCHEMA IF NOT EXISTS stores_source
FROM POSTGRES DATABASE 'shop' SCHEMA 'catalog'
URI 'shop.cluster-abc123.eu-west-1.rds.amazonaws.com' PORT 5432
IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-federated'
SECRET_ARN 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-reader';

CREATE MATERIALIZED VIEW stores
DISTSTYLE ALL
SORTKEY (tenant_id, store_id)
AUTO REFRESH NO
AS
SELECT tenant_id, store_id, city
FROM stores_source."stores";

BEGIN;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["stores"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["stores","table","dimension","c3dc9581e8a9615d","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [2,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

BEGIN;

CREATE MATERIALIZED VIEW orders_by_store
BACKUP YES
DISTKEY (order_id)
SORTKEY (tenant_id, order_id)
AUTO REFRESH NO
AS
SELECT
  i.tenant_id,
  i.order_id,
  i.store_id,
  i.amount_cents,
  i.placed_at,
  d1.city
FROM orders AS i
JOIN stores AS d1 ON d1.tenant_id = i.tenant_id AND d1.store_id = i.store_id;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["orders_by_store"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["orders_by_store","mv","enrichment","bfe70110bcaf272e","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [3,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

CREATE EXTERNAL SCHEMA IF NOT EXISTS page_views_source
FROM KINESIS
IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-streaming';

CREATE MATERIALIZED VIEW page_views
DISTKEY (view_id)
SORTKEY (tenant_id, view_id)
AUTO REFRESH YES
AS
SELECT
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'tenant_id') AS VARCHAR(32)) AS tenant_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'view_id') AS VARCHAR(64)) AS view_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'store_id') AS VARCHAR(32)) AS store_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'viewed_at') AS TIMESTAMP) AS viewed_at
FROM page_views_source."shop-page-views"
WHERE CAN_JSON_PARSE(kinesis_data);

BEGIN;

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["page_views"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["page_views","table","stream","d963a47534ad9b3c","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [4,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

BEGIN;

CREATE MATERIALIZED VIEW sales_hourly
BACKUP YES
DISTSTYLE EVEN
SORTKEY (tenant_id, hour, city)
AUTO REFRESH NO
AS
SELECT
  tenant_id,
  city,
  DATE_TRUNC('hour', placed_at) AS hour,
  COUNT(*) AS orders,
  SUM(amount_cents) AS revenue_cents
FROM orders_by_store
GROUP BY tenant_id, city, DATE_TRUNC('hour', placed_at);

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["sales_hourly"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["sales_hourly","mv","aggregate","16006dc1f52e6f56","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [5,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

BEGIN;

CREATE MATERIALIZED VIEW views_hourly
BACKUP YES
DISTSTYLE EVEN
SORTKEY (tenant_id, hour, store_id)
AUTO REFRESH NO
AS
SELECT
  tenant_id,
  store_id,
  DATE_TRUNC('hour', viewed_at) AS hour,
  COUNT(*) AS views
FROM page_views
GROUP BY tenant_id, store_id, DATE_TRUNC('hour', viewed_at);

DELETE FROM mvkit.deployed_nodes WHERE name = $1;
-- params: ["views_hourly"]

INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
-- params: ["views_hourly","mv","aggregate","91a6a4ef16a2d763","<json>","<json>","<now>","<apply-id>"]

UPDATE mvkit.applies SET progress = $1 WHERE id = $2;
-- params: [6,"<apply-id>"]

UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, 3600, GETDATE()) WHERE apply_id = $1;
-- params: ["<apply-id>"]

COMMIT;

UPDATE mvkit.applies SET status = $1, finished_at = $2, error = $3 WHERE id = $4;
-- params: ["succeeded","<now>",null,"<apply-id>"]

DELETE FROM mvkit.apply_lease WHERE apply_id = $1;
-- params: ["<apply-id>"]

DELETE FROM mvkit.apply_lock WHERE apply_id = $1;
-- params: ["<apply-id>"]
