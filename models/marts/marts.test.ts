import { defineTest, rows } from '@mvkit/compiler';
import { campaigns } from '../dimensions/campaigns.ts';
import { channels } from '../dimensions/channels.ts';
import { tenants } from '../dimensions/tenants.ts';
import { deliveryReceipts } from '../streams/delivery-receipts.ts';
import { messageSubmissions } from '../streams/message-submissions.ts';
import { deliveryHourly } from './delivery-hourly.ts';
import { messagesEnriched } from './messages-enriched.ts';
import { deliveryDaily, tenantDaily } from './rollups.ts';
import { tenantDailyMetrics } from './serving.ts';
import { tenantHealth } from './tenant-health.ts';

/*
 * One tenant's morning, in two loads. m1 is sent at 10:00:01 and delivered 4 s after its
 * submission; m2 fails; m3 (second load) is delivered 40 s after it. Between the loads the
 * campaign is renamed: every enriched row, old or new, carries the new name.
 */
const submission = (id: string, at: string) => ({ tenant_id: 't1', message_id: id, campaign_id: 'c1', channel_id: 'sms', recipient_country: 'NO', submitted_at: at });
const receipt = (id: string, status: string, at: string, error_code: string | null = null) => ({ tenant_id: 't1', message_id: id, status, error_code, event_at: at });

const steps = [
  {
    load: [
      rows(tenants, [{ tenant_id: 't1', tenant_name: 'Acme', plan: 'pro', region: 'eu' }]),
      rows(campaigns, [{ tenant_id: 't1', campaign_id: 'c1', campaign_name: 'Spring', category: 'promo' }]),
      rows(channels, [{ channel_id: 'sms', channel_name: 'SMS', provider: 'Twilio' }]),
      rows(messageSubmissions, [submission('m1', '2026-01-01T10:00:00Z'), submission('m2', '2026-01-01T10:30:00Z')]),
      rows(deliveryReceipts, [receipt('m1', 'sent', '2026-01-01T10:00:01Z'), receipt('m1', 'delivered', '2026-01-01T10:00:04Z')]),
    ],
  },
  {
    load: [
      rows(campaigns, [{ tenant_id: 't1', campaign_id: 'c1', campaign_name: 'Spring sale', category: 'promo' }]),
      rows(messageSubmissions, [submission('m3', '2026-01-01T11:15:00Z')]),
      rows(deliveryReceipts, [receipt('m2', 'failed', '2026-01-01T10:30:10Z', 'E1'), receipt('m3', 'delivered', '2026-01-01T11:15:40Z')]),
    ],
  },
];

/** enrichment: joined with the dimensions' current rows, latency derived. */
export const enriched = defineTest('enriched messages follow a renamed campaign', {
  steps,
  expect: [
    rows(messagesEnriched, [
      { message_id: 'm1', campaign_name: 'Spring sale', category: 'promo', tenant_name: 'Acme', channel_name: 'SMS', delivery_latency_s: 4 },
      { message_id: 'm2', campaign_name: 'Spring sale', category: 'promo', tenant_name: 'Acme', channel_name: 'SMS', delivery_latency_s: null },
      { message_id: 'm3', campaign_name: 'Spring sale', category: 'promo', tenant_name: 'Acme', channel_name: 'SMS', delivery_latency_s: 40 },
    ]),
  ],
});

/** aggregate: per hour of submission; a message delivered without a `sent` receipt counts as sent. */
export const hourly = defineTest('hourly counts, latency sums and histogram buckets', {
  steps,
  expect: [
    rows(deliveryHourly, [
      {
        tenant_id: 't1', campaign_id: 'c1', category: 'promo', hour: '2026-01-01T10:00:00Z',
        submitted: 2, sent: 1, delivered: 1, read: 0, failed: 1, latency_s_sum: 4, latency_s_count: 1, latency_max_s: 4,
        latency_le_1s: 0, latency_le_5s: 1, latency_le_60s: 1, first_submitted_at: '2026-01-01T10:00:00Z', last_submitted_at: '2026-01-01T10:30:00Z',
      },
      {
        tenant_id: 't1', campaign_id: 'c1', category: 'promo', hour: '2026-01-01T11:00:00Z',
        submitted: 1, sent: 1, delivered: 1, read: 0, failed: 0, latency_s_sum: 40, latency_s_count: 1, latency_max_s: 40,
        latency_le_1s: 0, latency_le_5s: 0, latency_le_60s: 1, first_submitted_at: '2026-01-01T11:15:00Z', last_submitted_at: '2026-01-01T11:15:00Z',
      },
    ]),
  ],
});

/** rollup: hour → day → tenant, sums of sums, max of maxes. */
export const daily = defineTest('the day rolls up both hours', {
  steps,
  expect: [
    rows(deliveryDaily, [{ campaign_id: 'c1', day: '2026-01-01T00:00:00Z', submitted: 3, sent: 2, delivered: 2, failed: 1, latency_s_sum: 44, latency_s_count: 2, latency_max_s: 40, last_submitted_at: '2026-01-01T11:15:00Z' }]),
    rows(tenantDaily, [{ tenant_id: 't1', day: '2026-01-01T00:00:00Z', submitted: 3, delivered: 2, failed: 1 }]),
  ],
});

/** servingView: ratios computed at query time (2 of 2 sent delivered, 1 of 3 failed, 44 s over 2 deliveries). */
export const metrics = defineTest('daily metrics: rates and average latency', {
  steps,
  expect: [rows(tenantDailyMetrics, [{ tenant_id: 't1', day: '2026-01-01', submitted: 3, delivery_rate: 1, read_rate: 0, failure_rate: 1 / 3, avg_latency_s: 22 }])],
});

/** sqlModel: the SQL view with the safe_ratio macro and the tenant's name. */
export const health = defineTest('tenant health from the SQL model', {
  steps,
  expect: [rows(tenantHealth, [{ tenant_id: 't1', tenant_name: 'Acme', day: '2026-01-01T00:00:00Z', submitted: 3, failure_rate: 1 / 3, delivery_rate: 1 }])],
});
