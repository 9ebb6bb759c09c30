import { streamJoin } from '@mvkit/compiler';
import { deliveryReceipts } from './delivery-receipts.ts';
import { messageSubmissions } from './message-submissions.ts';

/**
 * One row per message: both streams land in `message_events`, sorted and distributed by the
 * message key, and this MV pivots them. Receipts that arrive first simply wait for their submission.
 */
export const messages = streamJoin('messages', {
  streams: { submission: messageSubmissions, receipt: deliveryReceipts },
  key: ['tenant_id', 'message_id'],
  tenant: 'tenant_id',
  landing: 'message_events',
  assert: { unique: ['tenant_id', 'message_id'], notNull: ['tenant_id', 'message_id'] },
  pivot: ({ submission, receipt }) => ({
    campaign_id: submission.max('campaign_id'),
    channel_id: submission.max('channel_id'),
    recipient_country: submission.max('recipient_country'),
    submitted_at: submission.min('submitted_at'),
    sent_at: receipt.min('event_at', (r) => r.status.eq('sent')),
    delivered_at: receipt.min('event_at', (r) => r.status.eq('delivered')),
    read_at: receipt.min('event_at', (r) => r.status.eq('read')),
    failed_at: receipt.min('event_at', (r) => r.status.eq('failed')),
    error_code: receipt.max('error_code', (r) => r.status.eq('failed')),
    receipt_count: receipt.count(),
  }),
});
