-- mv tenant_daily (rollup, model tenant_daily at models/marts/rollups.ts:25)
CREATE MATERIALIZED VIEW tenant_daily
BACKUP YES
DISTSTYLE EVEN
SORTKEY (tenant_id, day)
AUTO REFRESH NO
AS
SELECT
  tenant_id,
  day,
  SUM(submitted) AS submitted,
  SUM(sent) AS sent,
  SUM(delivered) AS delivered,
  SUM(read) AS read,
  SUM(failed) AS failed,
  SUM(latency_s_sum) AS latency_s_sum,
  SUM(latency_s_count) AS latency_s_count,
  MAX(latency_max_s) AS latency_max_s,
  SUM(latency_le_1s) AS latency_le_1s,
  SUM(latency_le_5s) AS latency_le_5s,
  SUM(latency_le_30s) AS latency_le_30s,
  SUM(latency_le_60s) AS latency_le_60s,
  SUM(latency_le_300s) AS latency_le_300s,
  MIN(first_submitted_at) AS first_submitted_at,
  MAX(last_submitted_at) AS last_submitted_at
FROM tenant_channel_daily
GROUP BY tenant_id, day;
