import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { compileProject, loadProject, type Manifest } from '@mvkit/compiler';
import { openPglite } from '../../src/db/pglite.ts';
import type { Db } from '../../src/db/db.ts';
import { createNode, dropNode, installEngine, refreshAll } from '../../src/ivm/index.ts';
import { expectVerified, repoRoot } from './workload.ts';

// The quickstart joins a stream TABLE (sequence-captured, not an MV) with a dimension: the
// join's state arms then read the stream at a sequence position.
let db: Db;
let manifest: Manifest;
beforeAll(async () => {
  const result = await compileProject(await loadProject(`${repoRoot}examples/quickstart`), 'postgres');
  manifest = result.manifest!;
  db = await openPglite();
});
afterAll(async () => { await db?.close(); });

type Op =
  | { op: 'order'; t: number; o: number; s: number; amount: number | null; refunded: boolean; at: number }
  | { op: 'store'; t: number; s: number; city: string | null }
  | { op: 'deleteStore'; t: number; s: number }
  | { op: 'refresh'; select: string[] };

describe('incremental engine on the quickstart project (PGlite)', () => {
  it('a stream table joined with a dimension, then aggregated and rolled up, equals its recomputation', async () => {
    const mvs = manifest.nodes.filter((n) => n.kind === 'mv').map((n) => n.name);
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ op: fc.constant('order' as const), t: fc.integer({ min: 0, max: 1 }), o: fc.integer({ min: 0, max: 9 }), s: fc.integer({ min: 0, max: 2 }), amount: fc.option(fc.integer({ min: -5, max: 500 })), refunded: fc.boolean(), at: fc.integer({ min: 0, max: 60 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('store' as const), t: fc.integer({ min: 0, max: 1 }), s: fc.integer({ min: 0, max: 2 }), city: fc.constantFrom('Berlin', 'Lyon', null) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteStore' as const), t: fc.integer({ min: 0, max: 1 }), s: fc.integer({ min: 0, max: 2 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('refresh' as const), select: fc.subarray(mvs, { minLength: 1 }) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 5 }), fc.array(op, { minLength: 1, maxLength: 25 }), async (before, ops) => {
        await installEngine(db);
        for (const n of [...manifest.nodes].reverse()) await dropNode(db, n.name);
        for (const n of manifest.nodes) if (n.kind === 'table') await createNode(db, manifest, n.name);
        const apply = async (o: Op) => {
          if (o.op === 'order') {
            await db.query('INSERT INTO orders (tenant_id, order_id, store_id, amount_cents, refunded, placed_at) VALUES ($1, $2, $3, $4, $5, $6)',
              [`t${o.t}`, `o${o.o}`, `s${o.s}`, o.amount, o.refunded, new Date(Date.UTC(2026, 0, 1) + o.at * 1_800_000).toISOString().slice(0, 19).replace('T', ' ')]);
          } else if (o.op === 'store') {
            await db.query('INSERT INTO stores VALUES ($1, $2, $3) ON CONFLICT (tenant_id, store_id) DO UPDATE SET city = EXCLUDED.city', [`t${o.t}`, `s${o.s}`, o.city]);
          } else if (o.op === 'deleteStore') {
            await db.query('DELETE FROM stores WHERE tenant_id = $1 AND store_id = $2', [`t${o.t}`, `s${o.s}`]);
          } else {
            await refreshAll(db, manifest, { select: o.select });
            await expectVerified(db, manifest, o.select);
          }
        };
        for (const o of before) if (o.op !== 'refresh') await apply(o);
        for (const n of manifest.nodes) if (n.kind !== 'table') await createNode(db, manifest, n.name);
        await expectVerified(db, manifest);
        for (const o of ops) await apply(o);
        await refreshAll(db, manifest);
        await expectVerified(db, manifest);
      }),
      { numRuns: Number(process.env.MVKIT_IVM_RUNS ?? 30), endOnFailure: true },
    );
  });
});
