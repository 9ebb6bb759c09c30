-- mv sales_hourly (aggregate, model sales_hourly at models/shop.ts:47)
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
