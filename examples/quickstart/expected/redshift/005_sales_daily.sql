-- mv sales_daily (rollup, model sales_daily at models/orders.ts:42)
CREATE MATERIALIZED VIEW sales_daily
BACKUP YES
DISTSTYLE EVEN
SORTKEY (tenant_id, day, city)
AUTO REFRESH NO
AS
SELECT
  tenant_id,
  city,
  DATE_TRUNC('day', hour) AS day,
  SUM(orders) AS orders,
  SUM(refunds) AS refunds,
  SUM(revenue_cents) AS revenue_cents,
  MAX(largest_cents) AS largest_cents
FROM sales_hourly
GROUP BY tenant_id, city, DATE_TRUNC('day', hour);
