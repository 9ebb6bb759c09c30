import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dimension, sqlModel, t, type Manifest } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { refreshAll } from '../../src/ivm/index.ts';
import { expectVerified, pgliteProject } from './workload.ts';

// The session temp tables a refresh fills store their values inline (no TOAST table, which
// would make every COMMIT slower): a row wider than a page does not fit there. Such a refresh
// must still succeed, through temp tables that keep TOAST, and give the recomputed result.

const docs = dimension('docs', {
  columns: { tenant_id: t.varchar(8), k: t.varchar(8), g: t.varchar(8), body: t.varchar(40000) },
  key: ['tenant_id', 'k'], tenant: 'tenant_id',
});
const perGroup = sqlModel('longest_body', {
  materialized: 'mv',
  sql: 'SELECT tenant_id, g, MAX(body) AS body, COUNT(*) AS docs FROM {{ref "docs"}} GROUP BY tenant_id, g',
  columns: { tenant_id: t.varchar(8), g: t.varchar(8), body: t.varchar(40000), docs: t.bigint() },
  tenant: 'tenant_id',
});

let db: Db;
let manifest: Manifest;
beforeAll(async () => {
  ({ db, manifest } = await pgliteProject('wide', [docs, perGroup]));
});
afterAll(async () => { await db?.close(); });

/** n hex digits of md5 chains: no run a page could hold inline (stored PLAIN, nothing is compressed). */
const bodySql = (chunks: number, seed: string) => `(SELECT string_agg(md5('${seed}' || i), '') FROM generate_series(1, ${chunks}) i)`;

describe('rows wider than a page', () => {
  it('a refresh whose delta holds a 32 KB value succeeds and equals the recomputation', async () => {
    await db.exec(`INSERT INTO docs VALUES ('t1', 'a', 'g1', 'short'), ('t1', 'b', 'g2', 'also short')`);
    const [first] = await refreshAll(db, manifest);
    expect(first!.mode).toBe('incremental');
    await expectVerified(db, manifest);

    // 1,000 md5 digests: 32,000 characters, four times what a page holds.
    await db.exec(`INSERT INTO docs VALUES ('t1', 'c', 'g1', ${bodySql(1000, 'x')})`);
    const [r] = await refreshAll(db, manifest);
    expect(r).toMatchObject({ node: 'longest_body', mode: 'incremental', inputRows: 1 });
    const [g1] = await db.query<{ len: number; docs: number }>("SELECT length(body) AS len, docs FROM longest_body WHERE tenant_id = 't1' AND g = 'g1'");
    // MAX over 'short' and a hex string: hex digits sort before 's', so the max is still 'short'.
    expect(g1).toEqual({ len: 5, docs: 2 });
    await expectVerified(db, manifest);

    // A wide value that is the new maximum (it starts with 'z'), then its deletion (a recomputation).
    await db.exec(`INSERT INTO docs VALUES ('t1', 'd', 'g2', 'z' || ${bodySql(1000, 'y')})`);
    await refreshAll(db, manifest);
    const [g2] = await db.query<{ len: number; docs: number }>("SELECT length(body) AS len, docs FROM longest_body WHERE tenant_id = 't1' AND g = 'g2'");
    expect(g2).toEqual({ len: 32001, docs: 2 });
    await expectVerified(db, manifest);
    await db.exec(`DELETE FROM docs WHERE k = 'd'`);
    await refreshAll(db, manifest);
    const [after] = await db.query<{ body: string; docs: number }>("SELECT body, docs FROM longest_body WHERE tenant_id = 't1' AND g = 'g2'");
    expect(after).toEqual({ body: 'also short', docs: 1 });
    await expectVerified(db, manifest);
  });
});
