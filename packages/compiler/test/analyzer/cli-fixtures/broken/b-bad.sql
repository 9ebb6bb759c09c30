CREATE MATERIALIZED VIEW bad AS
SELECT tenant_id,
       COUNT(*) AS n
FROM receipts GROUP tenant_id
