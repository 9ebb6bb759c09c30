import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Db } from '../../src/db/db.ts';
import { refreshAll, refreshDependencies } from '../../src/ivm/refresh.ts';
import { startPostgres, type PostgresServer } from '../../src/testing/postgres-server.ts';
import { expectVerified, mvNames, opArb, platformManifest, runScenario } from './workload.ts';

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
