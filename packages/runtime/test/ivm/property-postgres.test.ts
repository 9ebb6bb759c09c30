import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Db } from '../../src/db/db.ts';
import { startPostgres, type PostgresServer } from '../../src/testing/postgres-server.ts';
import { mvNames, opArb, platformManifest, runScenario } from './workload.ts';

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
