import { defineTest, rows } from '@mvkit/compiler';
import { deliveryReceipts } from './delivery-receipts.ts';
import { messageSubmissions } from './message-submissions.ts';
import { messages } from './messages.ts';

const submission = (id: string, at: string) => ({ tenant_id: 't1', message_id: id, campaign_id: 'c1', channel_id: 'sms', recipient_country: 'NO', submitted_at: at });
const receipt = (id: string, status: string, at: string) => ({ tenant_id: 't1', message_id: id, status, error_code: null, event_at: at });

/** stream: a member stream's rows are its own in the shared landing table. */
export const streamRows = defineTest('a joined stream holds its own events only', {
  given: [
    rows(messageSubmissions, [submission('m1', '2026-01-01T10:00:00Z'), submission('m2', '2026-01-01T10:05:00Z')]),
    rows(deliveryReceipts, [receipt('m1', 'delivered', '2026-01-01T10:00:03Z')]),
  ],
  expect: [
    rows(messageSubmissions, [{ message_id: 'm1' }, { message_id: 'm2' }]),
    rows(deliveryReceipts, [{ message_id: 'm1', status: 'delivered' }]),
  ],
});

/** streamJoin: one row per message, whichever of its events came first. */
export const pivot = defineTest('a receipt that arrives before its submission waits for it', {
  steps: [
    { load: [rows(deliveryReceipts, [receipt('m1', 'sent', '2026-01-01T10:00:01Z'), receipt('m1', 'delivered', '2026-01-01T10:00:04Z')])] },
    { load: [rows(messageSubmissions, [submission('m1', '2026-01-01T10:00:00Z')])] },
    { load: [rows(deliveryReceipts, [receipt('m1', 'read', '2026-01-01T10:02:00Z'), receipt('m2', 'failed', '2026-01-01T10:03:00Z')])] },
  ],
  expect: [
    rows(messages, [
      { message_id: 'm1', campaign_id: 'c1', submitted_at: '2026-01-01T10:00:00Z', sent_at: '2026-01-01T10:00:01Z', delivered_at: '2026-01-01T10:00:04Z', read_at: '2026-01-01T10:02:00Z', failed_at: null, receipt_count: 3 },
      { message_id: 'm2', campaign_id: null, submitted_at: null, failed_at: '2026-01-01T10:03:00Z', receipt_count: 1 },
    ]),
  ],
});
