-- mv messages_enriched (enrichment, model messages_enriched at models/marts/messages-enriched.ts:8)
CREATE MATERIALIZED VIEW messages_enriched
BACKUP YES
DISTKEY (message_id)
SORTKEY (tenant_id, message_id)
AUTO REFRESH NO
AS
SELECT
  i.tenant_id,
  i.message_id,
  i.campaign_id,
  i.channel_id,
  i.recipient_country,
  i.submitted_at,
  i.sent_at,
  i.delivered_at,
  i.read_at,
  i.failed_at,
  i.error_code,
  i.receipt_count,
  d1.campaign_name,
  d1.category,
  d2.tenant_name,
  d3.channel_name,
  CAST(FLOOR(DATE_PART(epoch, i.delivered_at - i.submitted_at)) AS BIGINT) AS delivery_latency_s
FROM messages AS i
JOIN campaigns AS d1 ON d1.tenant_id = i.tenant_id AND d1.campaign_id = i.campaign_id
JOIN tenants AS d2 ON d2.tenant_id = i.tenant_id
JOIN channels AS d3 ON d3.channel_id = i.channel_id;
