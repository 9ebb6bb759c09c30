import { aggregate } from '@mvkit/compiler';
import { messagesEnriched } from './messages-enriched.ts';

/** Latency histogram bounds, in seconds; cumulative buckets stay additive through rollups. */
export const LATENCY_BOUNDS = [1, 5, 30, 60, 300] as const;

/** Per tenant, campaign, category, channel, country and hour of submission. */
export const deliveryHourly = aggregate('delivery_hourly', {
  from: messagesEnriched,
  groupBy: ['tenant_id', 'campaign_id', 'category', 'channel_id', 'recipient_country'],
  bucket: { name: 'hour', grain: 'hour', column: 'submitted_at' },
  assert: { unique: ['tenant_id', 'campaign_id', 'category', 'channel_id', 'recipient_country', 'hour'] },
  measures: (m, c) => ({
    submitted: m.count(),
    sent: m.countIf(c.sent_at.isNotNull().or(c.delivered_at.isNotNull()).or(c.read_at.isNotNull())),
    delivered: m.countIf(c.delivered_at.isNotNull()),
    read: m.countIf(c.read_at.isNotNull()),
    failed: m.countIf(c.failed_at.isNotNull()),
    latency_s: m.avg(c.delivery_latency_s),
    latency_max_s: m.max(c.delivery_latency_s),
    latency_le_1s: m.countIf(c.delivery_latency_s.lte(1)),
    latency_le_5s: m.countIf(c.delivery_latency_s.lte(5)),
    latency_le_30s: m.countIf(c.delivery_latency_s.lte(30)),
    latency_le_60s: m.countIf(c.delivery_latency_s.lte(60)),
    latency_le_300s: m.countIf(c.delivery_latency_s.lte(300)),
    first_submitted_at: m.min(c.submitted_at),
    last_submitted_at: m.max(c.submitted_at),
  }),
});
