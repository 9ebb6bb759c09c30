import { describe, expect, it } from 'vitest';
import { aggregate, dimension, rollup, sqlModel, t } from '@mvkit/compiler';
import { RefreshError } from '../../src/errors.ts';
import { createNode, dropNode, refreshAll, refreshNode, verify } from '../../src/ivm/index.ts';
import { inputIndexes, nodeDdl } from '../../src/ivm/node-ddl.ts';
import { countsNonNull, integerKind, planNode } from '../../src/ivm/node-plan.ts';
import type { ExprNode } from '@mvkit/compiler';
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

describe('sums that keep a count of their non-null arguments', () => {
  it('only where the argument may be NULL: countIf counts with 1, and rollups of such measures inherit that', async () => {
    const manifest = await platformManifest(false);
    const tracked = (name: string) => planNode(manifest, manifest.nodes.find((n) => n.name === name)!).aggs.filter(countsNonNull).map((a) => a.name);
    // delivery_hourly: sent, delivered, ... latency_le_300s are countIf (SUM of CASE ... THEN 1 ELSE 0,
    // never NULL); latency_s_sum sums delivery_latency_s, NULL for a message not delivered.
    expect(tracked('delivery_hourly')).toEqual(['latency_s_sum']);
    // The rollups sum those columns again, two levels up: the same split.
    for (const rollup of ['delivery_daily', 'tenant_channel_daily', 'tenant_daily']) expect(tracked(rollup)).toEqual(['latency_s_sum']);
    const hourly = manifest.nodes.find((n) => n.name === 'delivery_hourly')!;
    const ddl = nodeDdl(manifest, hourly).join('\n');
    expect(ddl).toContain('_ivm_nn_latency_s_sum bigint');
    expect(ddl).not.toContain('_ivm_nn_sent');
  });

  it('a nullable sum goes back to NULL when its last non-null argument leaves, a never-NULL one needs no count', async () => {
    const ev = dimension('ev', { columns: { tenant_id: t.varchar(8), k: t.varchar(8), v: t.bigint() }, key: ['tenant_id', 'k'], tenant: 'tenant_id' });
    const hits = aggregate('hits', {
      from: ev, groupBy: ['tenant_id'],
      measures: (m, c) => ({ n: m.count(), big: m.countIf(c.v.gte(10)), v: m.sum(c.v) }),
    });
    const top = rollup('hits_all', { from: hits, groupBy: ['tenant_id'], measures: ['n', 'big', 'v'] });
    const { db, manifest } = await pgliteProject('nullable_sums', [ev, hits, top]);
    try {
      expect(planNode(manifest, manifest.nodes.find((n) => n.name === 'hits_all')!).aggs.filter(countsNonNull).map((a) => a.name)).toEqual(['v']);
      // hits as an earlier engine stored it, with a count for every sum: the extra column is left alone.
      await db.exec('ALTER TABLE hits ADD COLUMN _ivm_nn_big bigint NOT NULL DEFAULT 0');
      await db.exec("INSERT INTO ev VALUES ('t1', 'a', 20), ('t1', 'b', NULL), ('t2', 'a', 5)");
      await refreshAll(db, manifest);
      await db.exec("UPDATE ev SET v = NULL WHERE k = 'a'");
      await refreshAll(db, manifest);
      const want = [{ tenant_id: 't1', n: 2, big: 0, v: null }, { tenant_id: 't2', n: 1, big: 0, v: null }];
      expect(await db.query('SELECT tenant_id, n, big, v FROM hits ORDER BY 1')).toEqual(want);
      expect(await db.query('SELECT tenant_id, n, big, v FROM hits_all ORDER BY 1')).toEqual(want);
      await db.exec("UPDATE ev SET v = 11 WHERE tenant_id = 't2'");
      await refreshAll(db, manifest);
      expect(await db.query("SELECT n, big, v FROM hits_all WHERE tenant_id = 't2'")).toEqual([{ n: 1, big: 1, v: 11 }]);
      expect((await verify(db, manifest)).every((r) => r.equal)).toBe(true);
    } finally {
      await db.close();
    }
  });
});

describe('sums kept as integers', () => {
  it('countIf sums integer literals, a bigint column sums as an integer, a numeric column as it is', async () => {
    const manifest = await platformManifest(false);
    const kinds = (name: string) => Object.fromEntries(planNode(manifest, manifest.nodes.find((n) => n.name === name)!).aggs.filter((a) => a.fn === 'sum').map((a) => [a.name, a.integer]));
    // delivery_hourly: countIf measures sum CASE ... THEN 1 ELSE 0; latency_s_sum sums delivery_latency_s, a BIGINT.
    expect(kinds('delivery_hourly')).toMatchObject({ sent: 'small', latency_le_300s: 'small', latency_s_sum: 'int' });
    // The rollups sum delivery_hourly's BIGINT columns.
    expect(Object.values(kinds('delivery_daily')).every((k) => k === 'int')).toBe(true);
  });

  it('an argument is small only when a weight times it cannot leave int4: the literals 1, 0 and -1', () => {
    const input = (relation: string, types: Record<string, string>) => ({ relation, alias: relation, on: null, onExpr: null, columns: Object.keys(types), types, capture: 'log' as const, engineWritten: false, key: null });
    const inputs = [input('a', { n: 'BIGINT', p: 'NUMERIC(12,2)', k: 'VARCHAR(8)', both: 'INTEGER' }), input('b', { both: 'INTEGER', m: 'SMALLINT' })];
    const lit = (value: number | null) => ({ kind: 'literal' as const, value });
    const col = (name: string, rel: string | null = null) => ({ kind: 'column' as const, rel, name });
    const when = (v: ExprNode, otherwise: ExprNode | null) => ({ kind: 'case' as const, whens: [[{ kind: 'isNull' as const, arg: col('k'), negated: true }, v]] as const, otherwise });
    expect(integerKind(when(lit(1), lit(0)), inputs)).toBe('small');
    expect(integerKind(when(lit(-1), null), inputs)).toBe('small');
    // 5 times a weight of 500,000,000 leaves int4: summed as an integer column is.
    expect(integerKind(when(lit(5), lit(0)), inputs)).toBe('int');
    expect(integerKind(when(col('n'), lit(0)), inputs)).toBe('int');
    expect(integerKind(col('m'), inputs)).toBe('int');
    expect(integerKind(col('both', 'b'), inputs)).toBe('int');
    // Unknown: a fraction, a numeric column, a name two inputs have, a text column.
    expect(integerKind(lit(1.5), inputs)).toBeNull();
    expect(integerKind(col('p'), inputs)).toBeNull();
    expect(integerKind(col('both'), inputs)).toBeNull();
    expect(integerKind(when(col('k'), null), inputs)).toBeNull();
  });

  it('sums beyond int4 and decimals stay exact through inserts, updates and deletes', async () => {
    const ev = dimension('ev', { columns: { tenant_id: t.varchar(8), k: t.varchar(8), v: t.bigint(), p: t.numeric(12, 2) }, key: ['tenant_id', 'k'], tenant: 'tenant_id' });
    const hits = aggregate('hits', {
      from: ev, groupBy: ['tenant_id'],
      measures: (m, c) => ({ big: m.countIf(c.v.gte(3_000_000_000)), v: m.sum(c.v), p: m.sum(c.p) }),
    });
    const top = rollup('hits_all', { from: hits, groupBy: ['tenant_id'], measures: ['big', 'v', 'p'] });
    const { db, manifest } = await pgliteProject('integer_sums', [ev, hits, top]);
    try {
      expect(planNode(manifest, manifest.nodes.find((n) => n.name === 'hits')!).aggs.map((a) => [a.name, a.integer])).toEqual([['big', 'small'], ['v', 'int'], ['p', null]]);
      // Three values of 3e9 each: 9e9, past int4 (2.1e9) and exact in a bigint; prices with cents.
      await db.exec("INSERT INTO ev VALUES ('t1', 'a', 3000000000, 1.25), ('t1', 'b', 3000000000, 2.50), ('t1', 'c', 3000000000, 0.05), ('t2', 'a', 7, 10.10)");
      await refreshAll(db, manifest);
      const t1 = { tenant_id: 't1', big: 3, v: 9_000_000_000, p: '3.80' };
      const t2 = { tenant_id: 't2', big: 0, v: 7, p: '10.10' };
      const read = async (table: string) => (await db.query<Record<string, unknown>>(`SELECT tenant_id, big, v, p::text AS p FROM ${table} ORDER BY 1`)).map((r) => ({ ...r, v: Number(r.v), big: Number(r.big) }));
      expect(await read('hits')).toEqual([t1, t2]);
      expect(await read('hits_all')).toEqual([t1, t2]);
      // One value moves below the threshold, one row goes, t2 gets a big value.
      await db.exec("UPDATE ev SET v = 1, p = 0.01 WHERE tenant_id = 't1' AND k = 'a'; DELETE FROM ev WHERE tenant_id = 't1' AND k = 'c'; UPDATE ev SET v = 4000000000 WHERE tenant_id = 't2'");
      await refreshAll(db, manifest);
      const after = [{ tenant_id: 't1', big: 1, v: 3_000_000_001, p: '2.51' }, { tenant_id: 't2', big: 1, v: 4_000_000_000, p: '10.10' }];
      expect(await read('hits')).toEqual(after);
      expect(await read('hits_all')).toEqual(after);
      expect((await verify(db, manifest)).every((r) => r.equal)).toBe(true);
    } finally {
      await db.close();
    }
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

describe('names the engine derives', () => {
  it('stay within 63 bytes and apart: two MVs whose lookup-index names share their first 63 bytes both get created', async () => {
    const ev = dimension('ev', { columns: { tenant_id: t.varchar(8), k: t.varchar(8), v: t.bigint() }, key: ['tenant_id', 'k'], tenant: 'tenant_id' });
    const hits = aggregate('hits_per_tenant_and_key_with_a_long_name', { from: ev, groupBy: ['tenant_id', 'k'], measures: (m, c) => ({ lo: m.min(c.v) }) });
    const one = rollup('lowest_value_per_tenant_rolled_up_number_one', { from: hits, groupBy: ['tenant_id'], measures: ['lo'] });
    const two = rollup('lowest_value_per_tenant_rolled_up_number_two', { from: hits, groupBy: ['tenant_id'], measures: ['lo'] });
    // Before names were shortened, Postgres truncated both index names to the same 63 bytes and
    // the second CREATE INDEX failed with "relation ... already exists".
    const { db, manifest } = await pgliteProject('long_names', [ev, hits, one, two]);
    try {
      const names = [one, two].map((m) => inputIndexes(planNode(manifest, manifest.nodes.find((n) => n.name === m.name)!))[0]!.name);
      expect(names.every((n) => Buffer.byteLength(n) <= 63)).toBe(true);
      expect(new Set(names).size).toBe(2);
      const rows = await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'hits_per_tenant_and_key_with_a_long_name'");
      expect(rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(names));
      await db.exec("INSERT INTO ev VALUES ('t1', 'a', 5), ('t1', 'b', 3)");
      await refreshAll(db, manifest);
      await db.exec("DELETE FROM ev WHERE k = 'b'");
      await refreshAll(db, manifest);
      expect(await db.query(`SELECT tenant_id, lo FROM ${one.name}`)).toEqual([{ tenant_id: 't1', lo: 5 }]);
      for (const m of [one, two]) await dropNode(db, m.name);
      const left = await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'hits_per_tenant_and_key_with_a_long_name'");
      expect(left.map((r) => r.indexname).filter((n) => names.includes(n))).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
