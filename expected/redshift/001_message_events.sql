-- table message_events (landing, model messages at models/streams/messages.ts:9)
CREATE TABLE message_events (
  tenant_id VARCHAR(32) NOT NULL,
  message_id VARCHAR(64) NOT NULL,
  event_stream VARCHAR(64) NOT NULL,
  campaign_id VARCHAR(32),
  channel_id VARCHAR(16),
  recipient_country CHAR(2),
  submitted_at TIMESTAMP,
  status VARCHAR(16),
  error_code VARCHAR(16),
  event_at TIMESTAMP
)
DISTSTYLE KEY
DISTKEY (message_id)
COMPOUND SORTKEY (tenant_id, message_id)
ENCODE AUTO;
