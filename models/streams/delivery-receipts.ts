import { stream, t } from '@mvkit/compiler';

/** Receipts from the carriers: sent, delivered, read, failed. They may arrive before the submission. */
export const deliveryReceipts = stream('delivery_receipts', {
  columns: {
    tenant_id: t.varchar(32),
    message_id: t.varchar(64),
    status: t.varchar(16),
    error_code: t.varchar(16),
    event_at: t.timestamp(),
  },
  key: ['tenant_id', 'message_id'],
  tenant: 'tenant_id',
  eventTime: 'event_at',
  // A status the carriers' adapter does not map would count nowhere: warn, the load still counts.
  assert: { acceptedValues: { status: { values: ['sent', 'delivered', 'read', 'failed'], level: 'warn' } } },
});
