-- view campaign_daily_metrics (view, model campaign_daily_metrics at models/marts/serving.ts:40)
CREATE VIEW campaign_daily_metrics AS
SELECT
  tenant_id,
  campaign_id,
  category,
  channel_id,
  recipient_country,
  day,
  submitted,
  sent,
  delivered,
  read,
  failed,
  CASE WHEN sent = 0 THEN NULL ELSE CAST(delivered AS DOUBLE PRECISION) / sent END AS delivery_rate,
  CASE WHEN delivered = 0 THEN NULL ELSE CAST(read AS DOUBLE PRECISION) / delivered END AS read_rate,
  CASE WHEN submitted = 0 THEN NULL ELSE CAST(failed AS DOUBLE PRECISION) / submitted END AS failure_rate,
  CASE WHEN latency_s_count = 0 THEN NULL ELSE CAST(latency_s_sum AS DOUBLE PRECISION) / latency_s_count END AS avg_latency_s,
  CASE WHEN delivered = 0 THEN NULL WHEN latency_le_1s >= 0.5 * delivered THEN 1 WHEN latency_le_5s >= 0.5 * delivered THEN 5 WHEN latency_le_30s >= 0.5 * delivered THEN 30 WHEN latency_le_60s >= 0.5 * delivered THEN 60 WHEN latency_le_300s >= 0.5 * delivered THEN 300 END AS latency_p50_s,
  CASE WHEN delivered = 0 THEN NULL WHEN latency_le_1s >= 0.9 * delivered THEN 1 WHEN latency_le_5s >= 0.9 * delivered THEN 5 WHEN latency_le_30s >= 0.9 * delivered THEN 30 WHEN latency_le_60s >= 0.9 * delivered THEN 60 WHEN latency_le_300s >= 0.9 * delivered THEN 300 END AS latency_p90_s
FROM delivery_daily;
