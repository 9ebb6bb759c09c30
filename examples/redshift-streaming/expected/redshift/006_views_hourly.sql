-- mv views_hourly (aggregate, model views_hourly at models/shop.ts:54)
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
