import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dimension, sqlModel, t, type Manifest } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { consolidatesInput, planNode, refreshAll } from '../../src/ivm/index.ts';
import { readDeltas } from '../../src/ivm/marks.ts';
import { expectVerified, pgliteProject } from './workload.ts';

// MIN/MAX of an MV over another MV's log. A refresh of per_group folds in everything per_key
// logged since its last refresh; when per_key was refreshed twice in between, a row logged by
// the first refresh and withdrawn by the second is in the window twice, once each way. Such a
// pair must not count as an inserted value: per_group reads per_key's log consolidated, and an
// extreme is kept without recomputation only when a row that really is in the new state holds it.

const scores = dimension('scores', {
  columns: { tenant_id: t.varchar(8), k: t.varchar(8), g: t.varchar(8), label: t.varchar(8), v: t.bigint() },
  key: ['tenant_id', 'k'], tenant: 'tenant_id',
});
const perKey = sqlModel('per_key', {
  materialized: 'mv',
  sql: 'SELECT tenant_id, k, g, MAX(label) AS label, MAX(v) AS hi, MIN(v) AS lo FROM {{ref "scores"}} GROUP BY tenant_id, k, g',
  columns: { tenant_id: t.varchar(8), k: t.varchar(8), g: t.varchar(8), label: t.varchar(8), hi: t.bigint(), lo: t.bigint() },
  tenant: 'tenant_id',
});
const perGroup = sqlModel('per_group', {
  materialized: 'mv',
  sql: 'SELECT tenant_id, g, MAX(hi) AS hi, MIN(lo) AS lo, COUNT(*) AS keys FROM {{ref "per_key"}} GROUP BY tenant_id, g',
  columns: { tenant_id: t.varchar(8), g: t.varchar(8), hi: t.bigint(), lo: t.bigint(), keys: t.bigint() },
  tenant: 'tenant_id',
});

let db: Db;
let manifest: Manifest;
beforeAll(async () => {
  ({ db, manifest } = await pgliteProject('extremes', [scores, perKey, perGroup]));
});
afterAll(async () => { await db?.close(); });

const set = (k: string, v: number, label = 'a') =>
  db.query('INSERT INTO scores VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, k) DO UPDATE SET label = EXCLUDED.label, v = EXCLUDED.v', ['t1', k, 'g', label, v]);
const group = async () => (await db.query<{ hi: number; lo: number; keys: number }>("SELECT hi, lo, keys FROM per_group WHERE tenant_id = 't1' AND g = 'g'"))[0];

describe('MIN/MAX over a consolidated log', () => {
  it('per_group reads per_key consolidated', () => {
    const plan = planNode(manifest, manifest.nodes.find((n) => n.name === 'per_group')!);
    expect(plan.layout).toBe('agg');
    expect(consolidatesInput(plan)).toBe(true);
  });

  it('a value logged and withdrawn between two refreshes of the consumer is not taken for the new extreme', async () => {
    await set('k1', 5);
    await set('k2', 3);
    await refreshAll(db, manifest);
    expect(await group()).toEqual({ hi: 5, lo: 3, keys: 2 });
    // per_key alone, twice: its log now holds k1 5 → 9 and then k1 9 → 1 (the 9 in and out).
    await set('k1', 9);
    await refreshAll(db, manifest, { select: ['per_key'] });
    await set('k1', 1);
    await refreshAll(db, manifest, { select: ['per_key'] });
    const [r] = await refreshAll(db, manifest, { select: ['per_group'] });
    expect(r!.mode).toBe('incremental');
    // k1 = 1 and k2 = 3: the 9 is gone, and 5, the old high, too.
    expect(await group()).toEqual({ hi: 3, lo: 1, keys: 2 });
    await expectVerified(db, manifest);
  });

  it('an update that leaves the extreme where it was keeps it', async () => {
    // k2 = 3 holds the high; relabelling it logs 3 out and 3 in for per_group.
    await set('k2', 3, 'b');
    await refreshAll(db, manifest);
    expect(await group()).toEqual({ hi: 3, lo: 1, keys: 2 });
    // The same value in, then out again, within one window of per_group: back to k2 = 3.
    await set('k2', 7, 'c');
    await refreshAll(db, manifest, { select: ['per_key'] });
    await set('k2', 3, 'c');
    await refreshAll(db, manifest, { select: ['per_key'] });
    await refreshAll(db, manifest, { select: ['per_group'] });
    expect(await group()).toEqual({ hi: 3, lo: 1, keys: 2 });
    await db.query("DELETE FROM scores WHERE k = 'k2'");
    await refreshAll(db, manifest);
    expect(await group()).toEqual({ hi: 1, lo: 1, keys: 1 });
    await expectVerified(db, manifest);
  });

  it('a log range one refresh of per_key wrote is read as it lies; a range of two refreshes is consolidated', async () => {
    const plan = planNode(manifest, manifest.nodes.find((n) => n.name === 'per_group')!);
    // per_group's marks as its next refresh reads them, in a transaction that changes nothing.
    const mark = () => db.transaction(async (tx) => {
      const wm = await tx.query<{ input: string; mark: number }>("SELECT input, mark FROM mvkit.ivm_watermarks WHERE consumer = 'per_group'");
      const marks = await readDeltas(tx, plan.inputs, new Map(wm.map((r) => [r.input, Number(r.mark)])), new Map(), true, true);
      return marks.get('per_key')!;
    });
    await set('k4', 8);
    await set('k5', 2);
    await refreshAll(db, manifest, { select: ['per_key'] });
    expect(await mark()).toMatchObject({ changes: 1, consolidated: false });
    // k4 8 → 0 and back: the second refresh withdraws what the first logged for k4.
    await set('k4', 0);
    await refreshAll(db, manifest, { select: ['per_key'] });
    await set('k4', 8);
    await refreshAll(db, manifest, { select: ['per_key'] });
    expect(await mark()).toMatchObject({ changes: 1, consolidated: true });
    await refreshAll(db, manifest, { select: ['per_group'] });
    expect(await group()).toEqual({ hi: 8, lo: 1, keys: 3 });
    await expectVerified(db, manifest);
  });
});
