import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate, compileProject, dimension, enrichment, stream, streamJoin, t, type Manifest, type Model } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { createNode, installEngine, refreshAll, verify } from '../../src/ivm/index.ts';
import { loadLanding } from '../../src/load/index.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';

// The numbers a modeller chooses: what a dimension delete does to past counts (hard or kept), and
// what a duplicated delivery does to count() over a stream and over a stream-join pivot. Every
// expectation is a query written by hand over the base tables, not the compiler's SQL.

const orders = stream('orders', {
  columns: { tenant_id: t.varchar(8), order_id: t.varchar(16), seller_id: t.varchar(8), at: t.timestamp() },
  key: ['tenant_id', 'order_id'], tenant: 'tenant_id', eventTime: 'at',
});
const sellerColumns = { tenant_id: t.varchar(8), seller_id: t.varchar(8), seller_name: t.varchar(32), deleted_at: t.timestamp() };
const hardSellers = dimension('hard_sellers', { columns: sellerColumns, key: ['tenant_id', 'seller_id'], tenant: 'tenant_id' });
const softSellers = dimension('soft_sellers', { columns: sellerColumns, key: ['tenant_id', 'seller_id'], tenant: 'tenant_id', onDelete: { keep: 'deleted_at' } });
const enriched = (name: string, dim: typeof hardSellers) => enrichment(name, {
  from: orders, joins: (j) => [j({ dimension: dim, on: { tenant_id: 'tenant_id', seller_id: 'seller_id' }, columns: ['seller_name'] })],
});
const hardOrders = enriched('hard_orders', hardSellers);
const softOrders = enriched('soft_orders', softSellers);
const hourly = (name: string, from: typeof hardOrders) => aggregate(name, {
  from, groupBy: ['tenant_id', 'seller_id'], bucket: { name: 'hour', grain: 'hour', column: 'at' }, measures: (m) => ({ n: m.count() }),
});

const payments = stream('payments', {
  columns: { tenant_id: t.varchar(8), payment_id: t.varchar(16), paid_at: t.timestamp() },
  key: ['tenant_id', 'payment_id'], tenant: 'tenant_id', eventTime: 'paid_at',
});
const refunds = stream('refunds', {
  columns: { tenant_id: t.varchar(8), payment_id: t.varchar(16), refunded_at: t.timestamp() },
  key: ['tenant_id', 'payment_id'], tenant: 'tenant_id', eventTime: 'refunded_at',
});
const paymentDeliveries = aggregate('payment_deliveries', { from: payments, groupBy: ['tenant_id'], measures: (m) => ({ n: m.count() }) });
const paymentPivot = streamJoin('payment_pivot', {
  streams: { payment: payments, refund: refunds }, key: ['tenant_id', 'payment_id'], tenant: 'tenant_id', landing: 'payment_events',
  pivot: ({ payment, refund }) => ({ first_paid_at: payment.min('paid_at'), last_paid_at: payment.max('paid_at'), refunded_at: refund.min('refunded_at') }),
});
const paymentsOnce = aggregate('payments_once', { from: paymentPivot, groupBy: ['tenant_id'], measures: (m) => ({ n: m.count() }) });

const models: Model[] = [orders, hardSellers, softSellers, hardOrders, softOrders, hourly('hard_hourly', hardOrders), hourly('soft_hourly', softOrders), payments, refunds, paymentDeliveries, paymentPivot, paymentsOnce];

/** Counts per seller and hour over the landing table joined by hand with one dimension table (inner join). */
const byHand = (dim: string) => `SELECT o.tenant_id, o.seller_id, date_trunc('hour', o.at) AS hour, count(*)::int AS n
  FROM orders o JOIN ${dim} s ON s.tenant_id = o.tenant_id AND s.seller_id = o.seller_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
const mvRows = (mv: string) => `SELECT tenant_id, seller_id, hour, n::int AS n FROM ${mv} ORDER BY 1, 2, 3`;

let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => { await server?.stop(); });

const engines = [
  { kind: 'pglite', open: async (): Promise<Db> => openPglite() },
  { kind: 'postgres', open: async (): Promise<Db> => openPostgres(await server.createDatabase(`semantics_${Math.random().toString(36).slice(2, 10)}`)) },
] as const;

async function deploy(db: Db): Promise<Manifest> {
  const result = await compileProject({ dir: '/', config: { name: 'semantics' }, models, macros: {}, loadDiagnostics: [] }, 'postgres');
  if (!result.manifest) throw new Error(`does not compile: ${JSON.stringify(result.diagnostics)}`);
  await installEngine(db);
  for (const n of result.manifest.nodes) await createNode(db, result.manifest, n.name);
  return result.manifest;
}

/** Writes one batch folder of NDJSON files (feed → records) and loads it; no record may be rejected. */
function landing(): { root: string; batch: (name: string, feeds: Record<string, object[]>) => void } {
  const root = mkdtempSync(join(tmpdir(), 'mvkit-semantics-'));
  return {
    root,
    batch: (name, feeds) => {
      mkdirSync(join(root, name), { recursive: true });
      for (const [feed, records] of Object.entries(feeds)) writeFileSync(join(root, name, `${feed}.ndjson`), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    },
  };
}

const seller = (op: string, seller_id: string, seller_name?: string, changed_at?: string) => ({ op, tenant_id: 't1', seller_id, ...(seller_name ? { seller_name } : {}), ...(changed_at ? { changed_at } : {}) });
const order = (order_id: string, seller_id: string, at: string) => ({ tenant_id: 't1', order_id, seller_id, at });

describe.each(engines)('dimension deletes and duplicate deliveries on $kind', (engine) => {
  it('a hard delete drops the seller\'s past events; a kept delete stamps deleted_at and keeps them; a re-insert clears it', async () => {
    const db = await engine.open();
    try {
      const manifest = await deploy(db);
      const land = landing();
      const load = async () => {
        const s = await loadLanding(db, manifest, { landing: land.root });
        expect(s.rowsRejected).toBe(0);
        const results = await refreshAll(db, manifest);
        for (const mv of ['hard_hourly', 'soft_hourly']) expect(results.find((r) => r.node === mv)?.mode).toBe('incremental');
      };
      const both = (records: object[]) => ({ hard_sellers: records, soft_sellers: records });
      land.batch('2026-11-27T10-00-00Z_0001', {
        ...both([seller('insert', 's1', 'Ada'), seller('insert', 's2', 'Bo')]),
        orders: [order('o1', 's1', '2026-11-27 09:10:00'), order('o2', 's1', '2026-11-27 09:50:00'), order('o3', 's2', '2026-11-27 09:20:00'), order('o4', 's1', '2026-11-27 10:05:00')],
      });
      await load();
      const before = await db.query(byHand('hard_sellers'));
      expect(before).toEqual([
        { tenant_id: 't1', seller_id: 's1', hour: expect.anything(), n: 2 },
        { tenant_id: 't1', seller_id: 's1', hour: expect.anything(), n: 1 },
        { tenant_id: 't1', seller_id: 's2', hour: expect.anything(), n: 1 },
      ]);
      expect(await db.query(mvRows('hard_hourly'))).toEqual(before);
      expect(await db.query(mvRows('soft_hourly'))).toEqual(before);

      land.batch('2026-11-27T11-00-00Z_0002', both([seller('delete', 's1', undefined, '2026-11-27T11:00:00Z')]));
      await load();
      // Hard: the row is gone, and with it s1's events from every past hour.
      expect(await db.query(`SELECT seller_id FROM hard_sellers ORDER BY 1`)).toEqual([{ seller_id: 's2' }]);
      const hardAfter = await db.query(mvRows('hard_hourly'));
      expect(hardAfter).toEqual(await db.query(byHand('hard_sellers')));
      expect(hardAfter).toEqual(before.filter((r) => r.seller_id !== 's1'));
      // Kept: the row stays with its marker set to the record's change time; the counts are as before.
      expect(await db.query(`SELECT seller_id, seller_name, to_char(deleted_at, 'YYYY-MM-DD HH24:MI:SS') AS deleted_at FROM soft_sellers ORDER BY 1`)).toEqual([
        { seller_id: 's1', seller_name: 'Ada', deleted_at: '2026-11-27 11:00:00' },
        { seller_id: 's2', seller_name: 'Bo', deleted_at: null },
      ]);
      expect(await db.query(mvRows('soft_hourly'))).toEqual(before);
      expect(await db.query(byHand('soft_sellers'))).toEqual(before);

      // A delete without a change time stamps the load's time; a second delete keeps the first time.
      land.batch('2026-11-27T12-00-00Z_0003', { soft_sellers: [seller('delete', 's2'), seller('delete', 's1', undefined, '2026-11-27T12:00:00Z')] });
      await load();
      const marks = await db.query<{ seller_id: string; deleted_at: string | null }>(`SELECT seller_id, to_char(deleted_at, 'YYYY-MM-DD HH24:MI:SS') AS deleted_at FROM soft_sellers ORDER BY 1`);
      expect(marks[0]?.deleted_at).toBe('2026-11-27 11:00:00');
      expect(marks[1]?.deleted_at).not.toBeNull();

      // A re-insert of the key writes the row from its record: the marker is cleared.
      land.batch('2026-11-27T13-00-00Z_0004', { soft_sellers: [seller('insert', 's1', 'Ada Lovelace')] });
      await load();
      expect(await db.query(`SELECT seller_name, deleted_at FROM soft_sellers WHERE seller_id = 's1'`)).toEqual([{ seller_name: 'Ada Lovelace', deleted_at: null }]);
      expect(await db.query(mvRows('soft_hourly'))).toEqual(before);
      expect((await verify(db, manifest)).every((v) => v.equal)).toBe(true);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('a payment delivered twice is counted twice by count() over the stream and once over the stream-join pivot', async () => {
    const db = await engine.open();
    try {
      const manifest = await deploy(db);
      const land = landing();
      const pay = (tenant_id: string, payment_id: string, paid_at: string) => ({ tenant_id, payment_id, paid_at });
      // p1 twice in one file, p2 again in a later file: three duplicates in all.
      land.batch('2026-11-27T10-00-00Z_0001', { payments: [pay('t1', 'p1', '2026-11-27 09:00:00'), pay('t1', 'p1', '2026-11-27 09:00:00'), pay('t1', 'p2', '2026-11-27 09:30:00'), pay('t2', 'p3', '2026-11-27 09:40:00')] });
      land.batch('2026-11-27T11-00-00Z_0002', { payments: [pay('t1', 'p2', '2026-11-27 09:30:00'), pay('t2', 'p3', '2026-11-27 09:40:00'), pay('t1', 'p4', '2026-11-27 10:10:00')] });
      for (let i = 0; i < 2; i++) {
        const s = await loadLanding(db, manifest, { landing: land.root });
        expect(s.rowsRejected).toBe(0);
        const results = await refreshAll(db, manifest);
        for (const mv of ['payment_deliveries', 'payment_pivot', 'payments_once']) expect(results.find((r) => r.node === mv)?.mode).toBe('incremental');
      }
      const deliveries = await db.query(`SELECT tenant_id, count(*)::int AS n FROM payment_events WHERE event_stream = 'payments' GROUP BY 1 ORDER BY 1`);
      const distinct = await db.query(`SELECT tenant_id, count(DISTINCT payment_id)::int AS n FROM payment_events WHERE event_stream = 'payments' GROUP BY 1 ORDER BY 1`);
      expect(deliveries).toEqual([{ tenant_id: 't1', n: 5 }, { tenant_id: 't2', n: 2 }]);
      expect(distinct).toEqual([{ tenant_id: 't1', n: 3 }, { tenant_id: 't2', n: 1 }]);
      expect(await db.query(`SELECT tenant_id, n::int AS n FROM payment_deliveries ORDER BY 1`)).toEqual(deliveries);
      expect(await db.query(`SELECT tenant_id, n::int AS n FROM payments_once ORDER BY 1`)).toEqual(distinct);
      expect(await db.query(`SELECT count(*)::int AS n FROM payment_pivot`)).toEqual([{ n: 4 }]);
      expect((await verify(db, manifest)).every((v) => v.equal)).toBe(true);
    } finally {
      await db.close();
    }
  }, 120_000);
});
