import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { verify } from '../../src/ivm/index.ts';
import { runDemo, type DashboardRow } from '../../src/run/index.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { platformManifest, tempDir } from './helpers.ts';

let server: PostgresServer;
let manifest: Manifest;
beforeAll(async () => {
  [server, manifest] = await Promise.all([startPostgres(), platformManifest()]);
}, 180_000);
afterAll(async () => { await server?.stop(); });

interface MessageFact { tenant_id: string; channel_id: string; day: string; sent: boolean; delivered: boolean; read: boolean; failed: boolean; latency_s: number | null }

/**
 * One row per submitted message whose tenant, campaign and channel exist, straight from the landing
 * table and the dimensions (none of the MVs): what the dashboard must add up to.
 */
async function messageFacts(db: Db): Promise<MessageFact[]> {
  return db.query<MessageFact>(`
    WITH submission AS (
      SELECT DISTINCT ON (tenant_id, message_id) tenant_id, message_id, campaign_id, channel_id, submitted_at
      FROM message_events WHERE event_stream = 'message_submissions'
      ORDER BY tenant_id, message_id, submitted_at
    )
    SELECT s.tenant_id, s.channel_id, to_char(s.submitted_at, 'YYYY-MM-DD') AS day,
      COALESCE(bool_or(r.status IN ('sent', 'delivered', 'read')), false) AS sent,
      COALESCE(bool_or(r.status = 'delivered'), false) AS delivered,
      COALESCE(bool_or(r.status = 'read'), false) AS read,
      COALESCE(bool_or(r.status = 'failed'), false) AS failed,
      FLOOR(EXTRACT(EPOCH FROM MIN(r.event_at) FILTER (WHERE r.status = 'delivered') - s.submitted_at))::float8 AS latency_s
    FROM submission AS s
    LEFT JOIN message_events AS r
      ON r.event_stream = 'delivery_receipts' AND r.tenant_id = s.tenant_id AND r.message_id = s.message_id
    WHERE EXISTS (SELECT 1 FROM campaigns AS c WHERE c.tenant_id = s.tenant_id AND c.campaign_id = s.campaign_id)
      AND EXISTS (SELECT 1 FROM tenants AS t WHERE t.tenant_id = s.tenant_id)
      AND EXISTS (SELECT 1 FROM channels AS ch WHERE ch.channel_id = s.channel_id)
    GROUP BY s.tenant_id, s.message_id, s.channel_id, s.submitted_at`);
}

/** The smallest histogram bound holding the q-quantile of the latencies, as the serving view estimates it. */
function bucketQuantile(q: number, latencies: readonly number[], delivered: number): number | null {
  if (!delivered) return null;
  for (const bound of [1, 5, 30, 60, 300]) if (latencies.filter((l) => l <= bound).length >= q * delivered) return bound;
  return null;
}

function expectedDashboard(facts: readonly MessageFact[]) {
  const groups = new Map<string, MessageFact[]>();
  for (const f of facts) {
    const k = `${f.tenant_id}|${f.channel_id}|${f.day}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, fs]) => {
    const [tenant_id, channel_id, day] = k.split('|');
    const n = (p: (f: MessageFact) => boolean) => fs.filter(p).length;
    const submitted = fs.length; const sent = n((f) => f.sent); const delivered = n((f) => f.delivered);
    const read = n((f) => f.read); const failed = n((f) => f.failed);
    const latencies = fs.filter((f) => f.latency_s !== null).map((f) => f.latency_s as number);
    return {
      tenant_id, channel_id, day, submitted, sent, delivered, read, failed,
      delivery_rate: sent ? delivered / sent : null, read_rate: delivered ? read / delivered : null, failure_rate: submitted ? failed / submitted : null,
      latency_p50_s: bucketQuantile(0.5, latencies, delivered), latency_p90_s: bucketQuantile(0.9, latencies, delivered),
    };
  });
}

const comparable = (rows: readonly DashboardRow[]) => rows.map(({ tenant_name: _name, ...r }) => ({
  ...r,
  delivery_rate: r.delivery_rate === null ? null : Number(r.delivery_rate.toFixed(9)),
  read_rate: r.read_rate === null ? null : Number(r.read_rate.toFixed(9)),
  failure_rate: r.failure_rate === null ? null : Number(r.failure_rate.toFixed(9)),
}));

const engines = [
  { kind: 'pglite', open: () => openPglite() },
  {
    kind: 'postgres',
    async open() {
      return openPostgres(await server.createDatabase('demo_flow'));
    },
  },
] as const;

describe.each(engines)('the demo flow on $kind', ({ open }) => {
  it('loads and refreshes batch by batch, and the dashboard equals a direct computation over the raw events', async () => {
    const db = await open();
    const progress: string[] = [];
    const r = await runDemo(db, manifest, {
      dir: join(tempDir('demo'), 'demo'), seed: 11, tenants: 4, events: 2500, batches: 6,
      onProgress: (p) => progress.push(p.kind),
    });
    expect(progress).toEqual(['deployed', 'batch', 'batch', 'batch', 'batch', 'batch', 'batch']);
    expect(r.batches.every((b) => b.load.rowsLoaded > 0 && b.load.rowsRejected === 0)).toBe(true);
    // Every MV in every batch (on native Postgres independent branches finish in any order).
    const mvs = manifest.nodes.filter((n) => n.kind === 'mv').map((n) => n.name).sort();
    for (const b of r.batches) expect(b.refresh.results.map((x) => x.node).sort()).toEqual(mvs);
    // Refreshed as mvkit refresh does: one history row per MV and batch.
    const history = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM mvkit.refresh_history');
    expect(history[0]!.n).toBe(mvs.length * r.batches.length);
    expect(r.batches.slice(1).flatMap((b) => b.refresh.results).some((x) => x.mode === 'incremental')).toBe(true);

    const expected = expectedDashboard(await messageFacts(db));
    expect(expected.length).toBeGreaterThanOrEqual(8);
    expect(expected.reduce((s, e) => s + e.submitted, 0)).toBe(2500);
    expect(comparable(r.dashboard)).toEqual(comparable(expected.map((e) => ({ ...e, tenant_name: null })) as unknown as DashboardRow[]));
    // Reads are reported on WhatsApp and RCS only.
    expect(r.dashboard.filter((d) => d.read > 0).every((d) => d.channel_id === 'whatsapp' || d.channel_id === 'rcs')).toBe(true);

    // Renamed and re-categorized campaigns: the aggregates follow the current master data.
    const drift = await db.query(`SELECT m.tenant_id, m.campaign_id, m.category, c.category AS current
      FROM campaign_daily_metrics AS m JOIN campaigns AS c USING (tenant_id, campaign_id) WHERE m.category IS DISTINCT FROM c.category`);
    expect(drift).toEqual([]);
    const moved = await db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM mvkit.loaded_files WHERE feed = 'campaigns'");
    expect(moved[0]!.n).toBeGreaterThan(1);

    expect((await verify(db, manifest)).filter((v) => !v.equal).map((v) => v.node)).toEqual([]);
    await db.close();
  }, 300_000);
});
