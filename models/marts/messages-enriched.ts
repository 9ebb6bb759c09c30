import { enrichment, secondsBetween } from '@mvkit/compiler';
import { campaigns } from '../dimensions/campaigns.ts';
import { channels } from '../dimensions/channels.ts';
import { tenants } from '../dimensions/tenants.ts';
import { messages } from '../streams/messages.ts';

/** Messages with their tenant, campaign and channel master data, and their delivery latency. */
export const messagesEnriched = enrichment('messages_enriched', {
  from: messages,
  joins: (join) => [
    join({ dimension: campaigns, on: { tenant_id: 'tenant_id', campaign_id: 'campaign_id' }, columns: ['campaign_name', 'category'] }),
    join({ dimension: tenants, on: { tenant_id: 'tenant_id' }, columns: ['tenant_name'] }),
    join({ dimension: channels, on: { channel_id: 'channel_id' }, columns: ['channel_name'] }),
  ],
  derive: (c) => ({
    delivery_latency_s: secondsBetween(c.submitted_at, c.delivered_at),
  }),
});
