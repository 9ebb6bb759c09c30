import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate, compileProject, dimension, enrichment, stream, t, type Manifest, type Model } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { createNode, installEngine, refreshAll, verify } from '../../src/ivm/index.ts';
import { loadLanding } from '../../src/load/index.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { mvNames, platformManifest, runScenario } from './workload.ts';

// An enrichment directly over a stream has no unique key: a stream may hold an event twice, and
// the enrichment then holds two identical rows. The local engine keeps such an MV as a multiset
// and refreshes it incrementally, under duplicate deliveries, dimension updates, hard deletes
// (inner join: the events leave) and kept deletes (they stay). Every expectation below is a join
// written by hand over the base tables, not the compiler's SQL.

const orders = stream('orders', {
  columns: { tenant_id: t.varchar(8), order_id: t.varchar(16), seller_id: t.varchar(8), amount: t.int(), at: t.timestamp() },
  // The event's key, which a stream may repeat: no unique key for what is built on it.
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
// Fed by the enrichment's change log: the counts follow the multiset's copies.
const byName = aggregate('orders_by_name', { from: hardOrders, groupBy: ['tenant_id', 'seller_name'], measures: (m, c) => ({ n: m.count(), total: m.sum(c.amount), biggest: m.max(c.amount) }) });
const models: Model[] = [orders, hardSellers, softSellers, hardOrders, softOrders, byName];
const ENRICHMENTS = ['hard_orders', 'soft_orders'];

/** The enrichment by hand: every order row (duplicates included) with its seller's name, inner join. */
const byHand = (dim: string) => `SELECT o.tenant_id, o.order_id, o.seller_id, o.amount, to_char(o.at, 'YYYY-MM-DD HH24:MI:SS') AS at, s.seller_name
  FROM orders o JOIN ${dim} s ON s.tenant_id = o.tenant_id AND s.seller_id = o.seller_id ORDER BY 1, 2, 3, 4, 5, 6`;
const stored = (mv: string) => `SELECT tenant_id, order_id, seller_id, amount, to_char(at, 'YYYY-MM-DD HH24:MI:SS') AS at, seller_name FROM ${mv} ORDER BY 1, 2, 3, 4, 5, 6`;
const namesByHand = `SELECT o.tenant_id, s.seller_name, count(*)::int AS n, sum(o.amount)::int AS total, max(o.amount) AS biggest
  FROM orders o JOIN hard_sellers s ON s.tenant_id = o.tenant_id AND s.seller_id = o.seller_id GROUP BY 1, 2 ORDER BY 1, 2`;

let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => { await server?.stop(); });

const engines = [
  { kind: 'pglite', open: async (): Promise<Db> => openPglite() },
  { kind: 'postgres', open: async (): Promise<Db> => openPostgres(await server.createDatabase(`keyless_${Math.random().toString(36).slice(2, 10)}`)) },
] as const;

async function deploy(db: Db): Promise<Manifest> {
  const result = await compileProject({ dir: '/', config: { name: 'keyless' }, models, macros: {}, loadDiagnostics: [] }, 'postgres');
  if (!result.manifest) throw new Error(`does not compile: ${JSON.stringify(result.diagnostics)}`);
  await installEngine(db);
  for (const n of result.manifest.nodes) await createNode(db, result.manifest, n.name);
  return result.manifest;
}

const seller = (op: string, seller_id: string, seller_name?: string) => ({ op, tenant_id: 't1', seller_id, ...(seller_name ? { seller_name } : {}) });
const order = (order_id: string, seller_id: string, amount: number, at: string) => ({ tenant_id: 't1', order_id, seller_id, amount, at });

describe.each(engines)('an enrichment without a unique key on $kind', (engine) => {
  it('is refreshed incrementally as a multiset: duplicates, dimension updates, hard and kept deletes equal the hand-written join', async () => {
    const db = await engine.open();
    const root = mkdtempSync(join(tmpdir(), 'mvkit-keyless-'));
    try {
      const manifest = await deploy(db);
      for (const n of manifest.nodes.filter((x) => ENRICHMENTS.includes(x.name))) expect(n.key, `${n.name} has no unique key`).toBeNull();
      const layouts = await db.query<{ name: string; layout: string }>(`SELECT name, layout FROM mvkit.ivm_nodes WHERE name = ANY($1) ORDER BY name`, [ENRICHMENTS]);
      expect(layouts).toEqual([{ name: 'hard_orders', layout: 'rows' }, { name: 'soft_orders', layout: 'rows' }]);

      let batch = 0;
      const step = async (feeds: Record<string, object[]>) => {
        const dir = join(root, `2026-11-27T${String(10 + batch).padStart(2, '0')}-00-00Z_${String(++batch).padStart(4, '0')}`);
        mkdirSync(dir, { recursive: true });
        for (const [feed, records] of Object.entries(feeds)) writeFileSync(join(dir, `${feed}.ndjson`), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
        const s = await loadLanding(db, manifest, { landing: root });
        expect(s.rowsRejected).toBe(0);
        const results = await refreshAll(db, manifest);
        for (const mv of [...ENRICHMENTS, 'orders_by_name']) expect(results.find((r) => r.node === mv)?.mode, `${mv} after batch ${batch}`).toBe('incremental');
        for (const dim of ['hard', 'soft']) expect(await db.query(stored(`${dim}_orders`)), `${dim}_orders after batch ${batch}`).toEqual(await db.query(byHand(`${dim}_sellers`)));
        expect(await db.query(`SELECT tenant_id, seller_name, n::int AS n, total::int AS total, biggest FROM orders_by_name ORDER BY 1, 2`)).toEqual(await db.query(namesByHand));
      };
      const both = (records: object[]) => ({ hard_sellers: records, soft_sellers: records });

      // o1 delivered twice in one file, o2 again in the next: identical rows, kept as copies.
      // o9's seller does not exist: the inner join drops it.
      await step({
        ...both([seller('insert', 's1', 'Ada'), seller('insert', 's2', 'Bo')]),
        orders: [order('o1', 's1', 10, '2026-11-27 09:10:00'), order('o1', 's1', 10, '2026-11-27 09:10:00'), order('o2', 's2', 20, '2026-11-27 09:20:00'), order('o9', 's9', 90, '2026-11-27 09:30:00')],
      });
      expect(await db.query(`SELECT count(*)::int AS n FROM hard_orders WHERE order_id = 'o1'`)).toEqual([{ n: 2 }]);
      await step({ orders: [order('o2', 's2', 20, '2026-11-27 09:20:00'), order('o3', 's1', 30, '2026-11-27 10:05:00')] });
      expect(await db.query(`SELECT count(*)::int AS n FROM hard_orders WHERE order_id = 'o2'`)).toEqual([{ n: 2 }]);

      // A renamed seller: every copy of each of its rows takes the new name (the old rows leave).
      await step({ ...both([seller('update', 's1', 'Ada L.')]), orders: [order('o1', 's1', 10, '2026-11-27 09:10:00')] });
      expect(await db.query(`SELECT seller_name, count(*)::int AS n FROM hard_orders WHERE seller_id = 's1' GROUP BY 1`)).toEqual([{ seller_name: 'Ada L.', n: 4 }]);

      // A hard delete removes the seller's rows, all copies; a kept delete keeps them.
      await step(both([seller('delete', 's2')]));
      expect(await db.query(`SELECT count(*)::int AS n FROM hard_orders WHERE seller_id = 's2'`)).toEqual([{ n: 0 }]);
      expect(await db.query(`SELECT count(*)::int AS n FROM soft_orders WHERE seller_id = 's2'`)).toEqual([{ n: 2 }]);

      // The seller comes back under another name, and s9 appears: their events join again.
      await step({ ...both([seller('insert', 's2', 'Bea'), seller('insert', 's9', 'Nine')]), orders: [order('o4', 's2', 40, '2026-11-27 11:00:00')] });
      expect(await db.query(`SELECT order_id, count(*)::int AS n FROM hard_orders WHERE seller_id IN ('s2', 's9') GROUP BY 1 ORDER BY 1`)).toEqual([{ order_id: 'o2', n: 2 }, { order_id: 'o4', n: 1 }, { order_id: 'o9', n: 1 }]);

      const recorded = await db.query<{ node: string; modes: string[] }>(`SELECT node, array_agg(DISTINCT mode) AS modes FROM mvkit.ivm_refreshes WHERE node = ANY($1) GROUP BY node ORDER BY node`, [ENRICHMENTS]);
      expect(recorded).toEqual([{ node: 'hard_orders', modes: ['incremental'] }, { node: 'soft_orders', modes: ['incremental'] }]);
      expect((await verify(db, manifest)).filter((v) => !v.equal)).toEqual([]);
    } finally {
      await db.close();
      rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('identical rows of a multiset that part ways (PGlite)', () => {
  it('a dimension change that moves some of the copies deletes only those: x_keyless and x_keyless_of_mv keep the others', async () => {
    // x_keyless (see workload.ts) has no message_id: two submissions of campaigns c1 and c2,
    // both 'promo', give two identical rows; moving c1 to 'otp' turns one of them into another row.
    const m = await platformManifest();
    const db = await openPglite();
    try {
      const all = mvNames(m);
      await runScenario(db, m, [], [
        { op: 'submit', rows: [{ t: 0, m: 1, c: 0, ch: 0, country: 'DE', at: 0 }, { t: 0, m: 2, c: 1, ch: 0, country: 'DE', at: 0 }] },
        { op: 'refresh', select: all },
        { op: 'moveCampaign', c: 0, category: 'otp' },
        { op: 'refresh', select: all },
      ]);
      expect(await db.query(`SELECT category, count(*)::int AS n FROM x_keyless GROUP BY 1 ORDER BY 1`)).toEqual([{ category: 'otp', n: 1 }, { category: 'promo', n: 1 }]);
      const modes = await db.query<{ node: string; mode: string }>(`SELECT DISTINCT node, mode FROM mvkit.ivm_refreshes WHERE node IN ('x_keyless', 'x_keyless_of_mv') ORDER BY 1`);
      expect(modes).toEqual([{ node: 'x_keyless', mode: 'incremental' }, { node: 'x_keyless_of_mv', mode: 'incremental' }]);
    } finally {
      await db.close();
    }
  }, 300_000);
});
