import { stream, t } from '@mvkit/compiler';

/** A business tenant's message handed to the platform (CDC from the submission service). */
export const messageSubmissions = stream('message_submissions', {
  columns: {
    tenant_id: t.varchar(32),
    message_id: t.varchar(64),
    campaign_id: t.varchar(32),
    channel_id: t.varchar(16),
    recipient_country: t.char(2),
    submitted_at: t.timestamp(),
  },
  key: ['tenant_id', 'message_id'],
  tenant: 'tenant_id',
  eventTime: 'submitted_at',
});
