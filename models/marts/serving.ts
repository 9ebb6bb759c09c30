import { quantileFromBuckets, ratio, servingView, type Columns } from '@mvkit/compiler';
import { deliveryDaily, tenantChannelDaily, tenantDaily } from './rollups.ts';

type Metrics = Columns<{
  submitted: 'number'; sent: 'number'; delivered: 'number'; read: 'number'; failed: 'number';
  latency_s_sum: 'number'; latency_s_count: 'number';
  latency_le_1s: 'number'; latency_le_5s: 'number'; latency_le_30s: 'number'; latency_le_60s: 'number'; latency_le_300s: 'number';
}>;

/** Rates and latency estimates, computed at query time so that the MVs below stay additive. */
function metrics(c: Metrics) {
  const buckets = [[1, c.latency_le_1s], [5, c.latency_le_5s], [30, c.latency_le_30s], [60, c.latency_le_60s], [300, c.latency_le_300s]] as const;
  return {
    submitted: c.submitted,
    sent: c.sent,
    delivered: c.delivered,
    read: c.read,
    failed: c.failed,
    delivery_rate: ratio(c.delivered, c.sent),
    read_rate: ratio(c.read, c.delivered),
    failure_rate: ratio(c.failed, c.submitted),
    avg_latency_s: ratio(c.latency_s_sum, c.latency_s_count),
    latency_p50_s: quantileFromBuckets(0.5, c.delivered, buckets),
    latency_p90_s: quantileFromBuckets(0.9, c.delivered, buckets),
  };
}

export const tenantChannelMetrics = servingView('tenant_channel_metrics', {
  served: true,
  from: tenantChannelDaily,
  select: (c) => ({ tenant_id: c.tenant_id, channel_id: c.channel_id, day: c.day, ...metrics(c) }),
});

export const tenantDailyMetrics = servingView('tenant_daily_metrics', {
  served: true,
  from: tenantDaily,
  select: (c) => ({ tenant_id: c.tenant_id, day: c.day, ...metrics(c) }),
});

export const campaignDailyMetrics = servingView('campaign_daily_metrics', {
  served: true,
  from: deliveryDaily,
  select: (c) => ({ tenant_id: c.tenant_id, campaign_id: c.campaign_id, category: c.category, channel_id: c.channel_id, recipient_country: c.recipient_country, day: c.day, ...metrics(c) }),
});
