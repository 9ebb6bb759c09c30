CREATE MATERIALIZED VIEW hourly AS
SELECT tenant_id, DATE_TRUNC('hour', event_at) AS hour, COUNT(*) AS n
FROM receipts
GROUP BY 1, 2
