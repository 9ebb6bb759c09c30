import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Db } from '../../src/db/db.ts';
import { refreshAll, refreshDependencies } from '../../src/ivm/refresh.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { applyOp, createViews, expectVerified, logEntries, mvNames, opArb, platformManifest, resetTables, runScenario, type Op } from './workload.ts';

/** Every tenant with its campaigns and every channel, and two submitted messages. */
const seedOps: Op[] = [
  ...[0, 1].flatMap((t): Op[] => [{ op: 'tenant', t, plan: 'free' }, ...[0, 1].map((c): Op => ({ op: 'campaign', t, c, name: 0, category: 'promo' }))]),
  { op: 'channel', ch: 0, name: 0 },
  { op: 'submit', rows: [{ t: 0, m: 1, c: 0, ch: 0, country: 'DE', at: 0 }, { t: 1, m: 2, c: 1, ch: 0, country: 'FR', at: 5 }] },
];

let server: PostgresServer;
let db: Db;
let manifest: Manifest;
beforeAll(async () => {
  manifest = await platformManifest();
  server = await startPostgres();
  db = await openPostgres(await server.createDatabase('ivm_property'));
});
afterAll(async () => {
  await db?.close();
  await server?.stop();
});

describe('incremental engine on native Postgres', () => {
  it('every refreshed MV equals its recomputation, over random inserts, dimension changes and partial refreshes', async () => {
    const op = opArb(mvNames(manifest));
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 8 }), fc.array(op, { minLength: 1, maxLength: 30 }), async (before, ops) => {
        await runScenario(db, manifest, before, ops);
      }),
      { numRuns: Number(process.env.MVKIT_IVM_RUNS ?? 60), endOnFailure: true },
    );
  });
});

// The platform's models alone: each MV of the chain has one reader, the next, so a refresh of the
// whole chain hands each change over instead of logging it (messages_enriched then reads the
// messages' change as handed over, and leaves it ungrouped when nothing else changed).
describe('the platform chain alone, its changes handed over (native Postgres)', () => {
  it('every refreshed MV equals its recomputation, over random inserts, dimension changes and partial refreshes', async () => {
    const chain = await platformManifest(false);
    const chainDb = await openPostgres(await server.createDatabase('ivm_property_chain'));
    try {
      const op = opArb(mvNames(chain));
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 8 }), fc.array(op, { minLength: 1, maxLength: 30 }), async (before, ops) => {
          await runScenario(chainDb, chain, before, ops);
        }),
        { numRuns: Number(process.env.MVKIT_IVM_RUNS ?? 30), endOnFailure: true },
      );
    } finally {
      await chainDb.close();
    }
  });
});

// Native Postgres refreshes independent branches at once, each MV on its own connection:
// messages_enriched and x_join_agg both read messages, x_distinct reads the landing table.
describe('refreshing independent branches concurrently (native Postgres)', () => {
  it('every refreshed MV equals its recomputation, over random workloads refreshed three at a time', async () => {
    const op = opArb(mvNames(manifest));
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 8 }), fc.array(op, { minLength: 1, maxLength: 20 }), async (before, ops) => {
        await runScenario(db, manifest, before, ops, { concurrency: 3 });
      }),
      { numRuns: Number(process.env.MVKIT_IVM_RUNS ?? 12), endOnFailure: true },
    );
  });

  it('trims logs on a companion connection, which closes with its connection', async () => {
    const url = await server.createDatabase('ivm_companion');
    const admin = await openPostgres(url);
    const conn = await openPostgres(url);
    const connections = async () => (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()'))[0]!.n;
    await resetTables(conn, manifest);
    for (const o of seedOps) await applyOp(conn, o);
    await createViews(conn, manifest);
    await applyOp(conn, { op: 'moveCampaign', c: 0, category: 'otp' });
    await applyOp(conn, { op: 'submit', rows: [{ t: 0, m: 9, c: 0, ch: 0, country: 'DE', at: 60 }] });
    expect(await connections()).toBe(2);
    await refreshAll(conn, manifest, { unit: false });
    // The companion opened for the trims stays open for the next refreshAll.
    expect(await connections()).toBe(3);
    expect(await logEntries(conn)).toEqual({});
    await expectVerified(conn, manifest);
    // A lost companion: its trims are done on the connection itself, and the next refreshAll opens a new one.
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), $1)", [(await conn.query<{ p: number }>('SELECT pg_backend_pid() AS p'))[0]!.p]);
    await expect.poll(connections).toBe(2);
    await applyOp(conn, { op: 'moveCampaign', c: 0, category: 'promo' });
    await refreshAll(conn, manifest, { unit: false });
    expect(await logEntries(conn)).toEqual({});
    await refreshAll(conn, manifest, { unit: false });
    expect(await connections()).toBe(3);
    await expectVerified(conn, manifest);
    await conn.close();
    await expect.poll(connections).toBe(1);
    await admin.close();
  });

  it('opens a connection per extra worker, refreshes each MV once, and none before the MVs it is built on', async () => {
    let forks = 0;
    const counting: Db = { ...db, fork: async () => { forks++; return db.fork!(); } };
    const results = await refreshAll(counting, manifest, { concurrency: 3 });
    expect(forks).toBe(2);
    const order = results.map((r) => r.node);
    expect([...order].sort()).toEqual([...mvNames(manifest)].sort());
    const deps = refreshDependencies(manifest, mvNames(manifest));
    // messages_enriched is built on messages; tenant_daily on messages through the whole chain.
    expect([...deps.get('messages_enriched')!]).toEqual(['messages']);
    expect(deps.get('tenant_daily')!.has('messages')).toBe(true);
    for (const [node, on] of deps) for (const d of on) expect(order.indexOf(d), `${d} before ${node}`).toBeLessThan(order.indexOf(node));
    await expectVerified(db, manifest);
  });
});
