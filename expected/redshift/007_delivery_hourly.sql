-- mv delivery_hourly (aggregate, model delivery_hourly at models/marts/delivery-hourly.ts:8)
CREATE MATERIALIZED VIEW delivery_hourly
BACKUP YES
DISTSTYLE EVEN
SORTKEY (tenant_id, hour, campaign_id, category, channel_id, recipient_country)
AUTO REFRESH NO
AS
SELECT
  tenant_id,
  campaign_id,
  category,
  channel_id,
  recipient_country,
  DATE_TRUNC('hour', submitted_at) AS hour,
  COUNT(*) AS submitted,
  SUM(CASE WHEN sent_at IS NOT NULL OR delivered_at IS NOT NULL OR read_at IS NOT NULL THEN 1 ELSE 0 END) AS sent,
  SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered,
  SUM(CASE WHEN read_at IS NOT NULL THEN 1 ELSE 0 END) AS read,
  SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END) AS failed,
  SUM(delivery_latency_s) AS latency_s_sum,
  COUNT(delivery_latency_s) AS latency_s_count,
  MAX(delivery_latency_s) AS latency_max_s,
  SUM(CASE WHEN delivery_latency_s <= 1 THEN 1 ELSE 0 END) AS latency_le_1s,
  SUM(CASE WHEN delivery_latency_s <= 5 THEN 1 ELSE 0 END) AS latency_le_5s,
  SUM(CASE WHEN delivery_latency_s <= 30 THEN 1 ELSE 0 END) AS latency_le_30s,
  SUM(CASE WHEN delivery_latency_s <= 60 THEN 1 ELSE 0 END) AS latency_le_60s,
  SUM(CASE WHEN delivery_latency_s <= 300 THEN 1 ELSE 0 END) AS latency_le_300s,
  MIN(submitted_at) AS first_submitted_at,
  MAX(submitted_at) AS last_submitted_at
FROM messages_enriched
GROUP BY tenant_id, campaign_id, category, channel_id, recipient_country, DATE_TRUNC('hour', submitted_at);
