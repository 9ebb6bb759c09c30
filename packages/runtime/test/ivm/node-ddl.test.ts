import { describe, expect, it } from 'vitest';
import { inputIndexes } from '../../src/ivm/node-ddl.ts';
import { planNode } from '../../src/ivm/node-plan.ts';
import { platformManifest } from './workload.ts';

describe('lookup indexes the engine adds to MV inputs', () => {
  it('one per join column list, none for a list that leads another one', async () => {
    const manifest = await platformManifest(false);
    const enriched = manifest.nodes.find((n) => n.name === 'messages_enriched')!;
    const indexes = inputIndexes(planNode(manifest, enriched)).map((i) => [i.table, ...i.exprs]);
    // messages_enriched joins messages with campaigns on (tenant_id, campaign_id), with tenants on
    // tenant_id and with channels on channel_id. A change to a tenant looks its messages up by
    // tenant_id, which the (tenant_id, campaign_id) index serves: no index of its own.
    expect(indexes).toEqual([['messages', 'tenant_id', 'campaign_id'], ['messages', 'channel_id']]);
  });

  it('MIN/MAX over a logged input: an index on the group expressions of the input', async () => {
    const manifest = await platformManifest(false);
    const hourly = manifest.nodes.find((n) => n.name === 'delivery_hourly')!;
    // delivery_hourly groups messages_enriched by tenant, campaign, category, channel, country and
    // the hour of submission, and keeps MIN/MAX: a deletion recomputes its groups by these. The
    // hour comes first (lookups are by equality on all of them; inserts go to the latest hour).
    expect(inputIndexes(planNode(manifest, hourly)).map((i) => [i.table, ...i.exprs])).toEqual([
      ['messages_enriched', "DATE_TRUNC('hour', submitted_at)", 'tenant_id', 'campaign_id', 'category', 'channel_id', 'recipient_country'],
    ]);
    // tenant_channel_daily over delivery_daily: (tenant_id, channel_id, day) with day, a TIMESTAMP column, first.
    const tcd = manifest.nodes.find((n) => n.name === 'tenant_channel_daily')!;
    expect(inputIndexes(planNode(manifest, tcd)).map((i) => [i.table, ...i.exprs])).toEqual([['delivery_daily', 'day', 'tenant_id', 'channel_id']]);
  });
});
