import { describe, expect, it } from 'vitest';
import { dimension, sqlModel, t } from '@mvkit/compiler';
import { RefreshError } from '../../src/errors.ts';
import { createNode, dropNode, refreshAll, refreshNode } from '../../src/ivm/index.ts';
import { inputIndexes } from '../../src/ivm/node-ddl.ts';
import { planNode } from '../../src/ivm/node-plan.ts';
import { pgliteProject, platformManifest } from './workload.ts';

describe('lookup indexes the engine adds to MV inputs', () => {
  it('one per join column list, none for a list that leads another one', async () => {
    const manifest = await platformManifest(false);
    const enriched = manifest.nodes.find((n) => n.name === 'messages_enriched')!;
    const indexes = inputIndexes(planNode(manifest, enriched)).map((i) => [i.table, ...i.exprs]);
    // messages_enriched joins messages with campaigns on (tenant_id, campaign_id), with tenants on
    // tenant_id and with channels on channel_id. A change to a tenant looks its messages up by
    // tenant_id, which the (tenant_id, campaign_id) index serves: no index of its own.
    expect(indexes).toEqual([['messages', 'tenant_id', 'campaign_id'], ['messages', 'channel_id']]);
  });

  it('MIN/MAX over a logged input: an index on the group expressions of the input', async () => {
    const manifest = await platformManifest(false);
    const hourly = manifest.nodes.find((n) => n.name === 'delivery_hourly')!;
    // delivery_hourly groups messages_enriched by tenant, campaign, category, channel, country and
    // the hour of submission, and keeps MIN/MAX: a deletion recomputes its groups by these. The
    // hour comes first (lookups are by equality on all of them; inserts go to the latest hour),
    // and text is keyed bytewise (equality is the same under the database's collation).
    expect(inputIndexes(planNode(manifest, hourly)).map((i) => [i.table, ...i.exprs])).toEqual([
      ['messages_enriched', "DATE_TRUNC('hour', submitted_at)", 'tenant_id COLLATE "C"', 'campaign_id COLLATE "C"', 'category COLLATE "C"', 'channel_id COLLATE "C"', 'recipient_country COLLATE "C"'],
    ]);
    // tenant_channel_daily over delivery_daily: (tenant_id, channel_id, day) with day, a TIMESTAMP column, first.
    const tcd = manifest.nodes.find((n) => n.name === 'tenant_channel_daily')!;
    expect(inputIndexes(planNode(manifest, tcd)).map((i) => [i.table, ...i.exprs])).toEqual([['delivery_daily', 'day', 'tenant_id COLLATE "C"', 'channel_id COLLATE "C"']]);
  });
});

const kv = dimension('kv', { columns: { tenant_id: t.varchar(8), k: t.varchar(8), v: t.bigint() }, key: ['tenant_id', 'k'], tenant: 'tenant_id' });
const totals = sqlModel('totals', {
  materialized: 'mv',
  sql: 'SELECT tenant_id, SUM(v) AS v, COUNT(*) AS n FROM {{ref "kv"}} GROUP BY tenant_id',
  columns: { tenant_id: t.varchar(8), v: t.bigint(), n: t.bigint() },
  tenant: 'tenant_id',
});

describe('a stored group that its change log contradicts', () => {
  it('is refused, not merged: a refresh that would leave a negative row count rolls back', async () => {
    const { db, manifest } = await pgliteProject('negative_group', [kv, totals]);
    try {
      await db.exec("INSERT INTO kv VALUES ('t1', 'a', 1), ('t1', 'b', 2), ('t2', 'a', 5)");
      await refreshAll(db, manifest);
      // The stored group says one row where there are two; deleting both takes it to -1.
      await db.exec("UPDATE totals SET _ivm_count = 1 WHERE tenant_id = 't1'");
      await db.exec("DELETE FROM kv WHERE tenant_id = 't1'; UPDATE kv SET v = 6 WHERE tenant_id = 't2'");
      const err = await refreshNode(db, manifest, 'totals').then(() => null, (e: unknown) => e as RefreshError);
      expect(err).toBeInstanceOf(RefreshError);
      expect(err!.message).toBe('refresh of totals would leave 1 group(s) with a negative row count');
      // Nothing of it was applied: t2 still holds its old sum.
      expect(await db.query('SELECT tenant_id, v FROM totals ORDER BY tenant_id')).toEqual([{ tenant_id: 't1', v: 3 }, { tenant_id: 't2', v: 5 }]);
    } finally {
      await db.close();
    }
  });
});

describe('the stored key of an MV', () => {
  it('compares bytewise; storage keyed under another collation (an earlier engine) is refused until rebuilt', async () => {
    const { db, manifest } = await pgliteProject('stored_key', [kv, totals]);
    try {
      const collation = async () => (await db.query<{ c: string }>("SELECT c.collname::text AS c FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation WHERE a.attrelid = 'totals'::regclass AND a.attname = '_ivm_k'"))[0]?.c;
      expect(await collation()).toBe('C');
      await db.exec("INSERT INTO kv VALUES ('t1', 'a', 1), ('t1', 'b', 2)");
      await refreshAll(db, manifest);
      // The storage an earlier engine created: the key under the database's default collation,
      // whose index the engine's "C" comparisons cannot use.
      await db.exec('ALTER TABLE totals ALTER COLUMN _ivm_k TYPE text COLLATE "default"');
      await db.exec("INSERT INTO kv VALUES ('t1', 'c', 4)");
      const err = await refreshNode(db, manifest, 'totals').then(() => null, (e: unknown) => e as RefreshError);
      expect(err).toBeInstanceOf(RefreshError);
      expect(err!.message).toContain('was stored by an earlier version of the engine');
      expect(err!.hint).toContain('mvkit apply');
      // Nothing was folded in: rebuilt (what apply does), the MV holds every row.
      await dropNode(db, 'totals');
      await createNode(db, manifest, 'totals');
      expect(await collation()).toBe('C');
      expect(await db.query('SELECT tenant_id, v, n FROM totals')).toEqual([{ tenant_id: 't1', v: 7, n: 3 }]);
      await db.exec("INSERT INTO kv VALUES ('t1', 'd', 8)");
      await refreshNode(db, manifest, 'totals');
      expect(await db.query('SELECT tenant_id, v, n FROM totals')).toEqual([{ tenant_id: 't1', v: 15, n: 4 }]);
    } finally {
      await db.close();
    }
  });
});
