import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import { openPglite } from '../../src/db/pglite.ts';
import type { Db } from '../../src/db/db.ts';
import { mvNames, opArb, platformManifest, runScenario } from './workload.ts';

let db: Db;
let manifest: Manifest;
beforeAll(async () => {
  manifest = await platformManifest();
  db = await openPglite();
});
afterAll(async () => { await db?.close(); });

describe('incremental engine on PGlite', () => {
  it('every refreshed MV equals its recomputation, over random inserts, dimension changes and partial refreshes', async () => {
    const op = opArb(mvNames(manifest));
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 8 }), fc.array(op, { minLength: 1, maxLength: 30 }), async (before, ops) => {
        await runScenario(db, manifest, before, ops);
      }),
      { numRuns: Number(process.env.MVKIT_IVM_RUNS ?? 40), endOnFailure: true },
    );
  });
});
