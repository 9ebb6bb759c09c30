-- mv messages (streamJoin, model messages at models/streams/messages.ts:9)
CREATE MATERIALIZED VIEW messages
BACKUP YES
DISTKEY (message_id)
SORTKEY (tenant_id, message_id)
AUTO REFRESH NO
AS
SELECT
  tenant_id,
  message_id,
  MAX(CASE WHEN event_stream = 'message_submissions' THEN campaign_id END) AS campaign_id,
  MAX(CASE WHEN event_stream = 'message_submissions' THEN channel_id END) AS channel_id,
  MAX(CASE WHEN event_stream = 'message_submissions' THEN recipient_country END) AS recipient_country,
  MIN(CASE WHEN event_stream = 'message_submissions' THEN submitted_at END) AS submitted_at,
  MIN(CASE WHEN event_stream = 'delivery_receipts' AND status = 'sent' THEN event_at END) AS sent_at,
  MIN(CASE WHEN event_stream = 'delivery_receipts' AND status = 'delivered' THEN event_at END) AS delivered_at,
  MIN(CASE WHEN event_stream = 'delivery_receipts' AND status = 'read' THEN event_at END) AS read_at,
  MIN(CASE WHEN event_stream = 'delivery_receipts' AND status = 'failed' THEN event_at END) AS failed_at,
  MAX(CASE WHEN event_stream = 'delivery_receipts' AND status = 'failed' THEN error_code END) AS error_code,
  SUM(CASE WHEN event_stream = 'delivery_receipts' THEN 1 ELSE 0 END) AS receipt_count
FROM message_events
GROUP BY tenant_id, message_id;
