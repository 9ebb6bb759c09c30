import { rollup } from '@mvkit/compiler';
import { deliveryHourly } from './delivery-hourly.ts';

const ALL = [
  'submitted', 'sent', 'delivered', 'read', 'failed', 'latency_s_sum', 'latency_s_count', 'latency_max_s',
  'latency_le_1s', 'latency_le_5s', 'latency_le_30s', 'latency_le_60s', 'latency_le_300s', 'first_submitted_at', 'last_submitted_at',
] as const;

/** Hour → day, per campaign. */
export const deliveryDaily = rollup('delivery_daily', {
  from: deliveryHourly,
  groupBy: ['tenant_id', 'campaign_id', 'category', 'channel_id', 'recipient_country'],
  bucket: { name: 'day', grain: 'day', column: 'hour' },
  measures: ALL,
});

/** Campaign → tenant: per tenant, channel and day (the dashboard's grain). */
export const tenantChannelDaily = rollup('tenant_channel_daily', {
  from: deliveryDaily,
  groupBy: ['tenant_id', 'channel_id', 'day'],
  measures: ALL,
});

/** Daily tenant totals. */
export const tenantDaily = rollup('tenant_daily', {
  from: tenantChannelDaily,
  groupBy: ['tenant_id', 'day'],
  measures: ALL,
  // Channel → tenant loses no message: the tenant totals are the channels'.
  assert: { unique: ['tenant_id', 'day'], equalTotals: ['submitted', 'delivered', 'failed'] },
});
