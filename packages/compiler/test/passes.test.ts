import { describe, expect, it } from 'vitest';
import { aggregate, buildGraph, compileManifest, dimension, enrichment, stream, streamJoin, t, type Model } from '@mvkit/compiler';
import { physicalPass } from '../src/passes/physical.ts';
import { structurePass } from '../src/passes/structure.ts';
import { tenantPass } from '../src/passes/tenant.ts';

const orders = stream('orders', {
  columns: { tenant_id: t.varchar(32), order_id: t.varchar(64), store_id: t.varchar(32), amount: t.bigint(), at: t.timestamp() },
  key: ['tenant_id', 'order_id'],
  tenant: 'tenant_id',
  eventTime: 'at',
});
const stores = dimension('stores', {
  columns: { tenant_id: t.varchar(32), store_id: t.varchar(32), city: t.varchar(64) },
  key: ['tenant_id', 'store_id'],
  tenant: 'tenant_id',
});

function codes(models: Model[], pass: typeof tenantPass): string[] {
  return pass(buildGraph(models)).map((d) => `${d.model}:${d.code}:${d.severity}`);
}

describe('tenant isolation', () => {
  it('an aggregate that does not group by the tenant is an error, unless it opts out with a reason', () => {
    const bad = aggregate('by_store', { from: orders, groupBy: ['store_id'], measures: (m) => ({ n: m.count() }) });
    expect(codes([bad], tenantPass)).toEqual(['by_store:tenant-group:error']);
    const optOut = aggregate('by_store', { from: orders, groupBy: ['store_id'], measures: (m) => ({ n: m.count() }), tenantIsolation: { optOut: 'platform-wide capacity report' } });
    expect(codes([optOut], tenantPass)).toEqual([]);
    const empty = aggregate('by_store', { from: orders, groupBy: ['store_id'], measures: (m) => ({ n: m.count() }), tenantIsolation: { optOut: ' ' } });
    expect(codes([empty], tenantPass)).toEqual(['by_store:tenant-opt-out-reason:error']);
  });

  it('a join with a global dimension needs no tenant key; with a tenant dimension it does', () => {
    const channels = dimension('channels', { columns: { store_id: t.varchar(32), kind: t.varchar(8) }, key: ['store_id'], tenant: { global: 'shared' } });
    const ok = enrichment('e', { from: orders, joins: (j) => [j({ dimension: channels, on: { store_id: 'store_id' }, columns: ['kind'] })] });
    expect(codes([ok], tenantPass)).toEqual([]);
    const bad = enrichment('e', { from: orders, joins: (j) => [j({ dimension: stores, on: { store_id: 'store_id' }, columns: ['city'] })] });
    expect(codes([bad], tenantPass)).toEqual(['e:tenant-join:error']);
  });
});

describe('structure', () => {
  it('catches at load time what tsc catches in typed files: unknown columns, sums over text, partial key joins', () => {
    const js = aggregate('a', { from: orders, groupBy: ['tenant_id', 'nope' as never], measures: (m, c) => ({ s: m.sum(c.store_id as never) }) });
    const partial = enrichment('e', { from: orders, joins: (j) => [j({ dimension: stores, on: { tenant_id: 'tenant_id' }, columns: ['city'] })] });
    expect(codes([js, partial], structurePass)).toEqual(['a:unknown-column:error', 'a:type-mismatch:error', 'e:join-not-on-key:error']);
  });
});

describe('dimension onDelete', () => {
  it('keeps deleted rows only in a nullable timestamp column the dimension has, and says where and how to fix it', () => {
    const dim = (name: string, keep: string) => dimension(name, {
      columns: { tenant_id: t.varchar(32), seller_id: t.varchar(32), deleted_at: t.timestamp(), active: t.boolean() },
      key: ['tenant_id', 'seller_id'], tenant: 'tenant_id', onDelete: { keep: keep as never },
    });
    expect(codes([dim('sellers', 'deleted_at')], structurePass)).toEqual([]);
    const diags = structurePass(buildGraph([dim('unknown_col', 'removed_at'), dim('boolean_col', 'active')]));
    expect(diags.map((d) => `${d.code}:${d.severity}`)).toEqual(['unknown-column:error', 'type-mismatch:error']);
    for (const d of diags) {
      expect(d.file).toMatch(/passes\.test\.ts$/);
      expect(d.line).toBeGreaterThan(0);
      expect(d.hint).toContain("onDelete: { keep: 'deleted_at' }");
    }
  });

  it('reaches the manifest node only when declared', () => {
    const keep = dimension('sellers', { columns: { tenant_id: t.varchar(32), seller_id: t.varchar(32), deleted_at: t.timestamp() }, key: ['tenant_id', 'seller_id'], tenant: 'tenant_id', onDelete: { keep: 'deleted_at' } });
    const node = (models: Model[], name: string) => compileManifest(buildGraph(models), { target: 'postgres', projectName: 'p', projectDir: '/' }).nodes.find((n) => n.name === name);
    expect(node([keep], 'sellers')?.softDelete).toBe('deleted_at');
    expect(node([stores], 'stores')).not.toHaveProperty('softDelete');
  });
});

describe('physical design', () => {
  it('warns when a join cannot be co-located, and refuses AUTO REFRESH on a nested MV', () => {
    const keyed = dimension('stores_keyed', { columns: { tenant_id: t.varchar(32), store_id: t.varchar(32), city: t.varchar(64) }, key: ['tenant_id', 'store_id'], tenant: 'tenant_id', physical: { distKey: 'store_id' } });
    const e = enrichment('e', { from: orders, joins: (j) => [j({ dimension: keyed, on: { tenant_id: 'tenant_id', store_id: 'store_id' }, columns: ['city'] })] });
    const a = aggregate('a', { from: e, groupBy: ['tenant_id'], measures: (m) => ({ n: m.count() }), physical: { autoRefresh: true } });
    expect(codes([a], physicalPass).sort()).toEqual(['a:auto-refresh-nested:error', 'e:join-not-colocated:warning']);
  });

  it('derives DISTKEY/SORTKEY from join keys and keeps master data on every node', () => {
    const e = enrichment('e', { from: orders, joins: (j) => [j({ dimension: stores, on: { tenant_id: 'tenant_id', store_id: 'store_id' }, columns: ['city'] })] });
    const m = compileManifest(buildGraph([e]), { target: 'redshift', projectName: 'p', projectDir: '/' });
    const byName = Object.fromEntries(m.nodes.map((n) => [n.name, n.physical]));
    expect(byName.orders).toMatchObject({ distKey: 'order_id', sortKey: ['tenant_id', 'order_id'] });
    expect(byName.stores).toMatchObject({ distStyle: 'all', distKey: null });
    expect(byName.e).toMatchObject({ distKey: 'order_id', sortKey: ['tenant_id', 'order_id'] });
  });
});

describe('fingerprints', () => {
  it('a change flows down the chain: the parent changes, every descendant changes', () => {
    const build = (extra: boolean) => {
      const a = extra
        ? aggregate('a', { from: orders, groupBy: ['tenant_id'], measures: (m, c) => ({ n: m.count(), s: m.sum(c.amount) }) })
        : aggregate('a', { from: orders, groupBy: ['tenant_id'], measures: (m) => ({ n: m.count() }) });
      const e2 = aggregate('b', { from: a, groupBy: ['tenant_id'], measures: (m, c) => ({ n: m.sum(c.n) }) });
      return Object.fromEntries(compileManifest(buildGraph([e2]), { target: 'redshift', projectName: 'p', projectDir: '/' }).nodes.map((n) => [n.name, n.fingerprint]));
    };
    const before = build(false);
    const after = build(true);
    expect(after.orders).toBe(before.orders);
    expect(after.a).not.toBe(before.a);
    expect(after.b).not.toBe(before.b);
  });
});

describe('types that cannot reach the target', () => {
  const visits = stream('visits', {
    columns: { tenant_id: t.varchar(32), visit_id: t.varchar(64), amount: t.int(), returning: t.boolean(), at: t.timestamp() },
    key: ['tenant_id', 'visit_id'],
    tenant: 'tenant_id',
    eventTime: 'at',
  });
  const buys = stream('buys', {
    columns: { tenant_id: t.varchar(32), visit_id: t.varchar(64), amount: t.numeric(12, 2), at: t.timestamp() },
    key: ['tenant_id', 'visit_id'],
    tenant: 'tenant_id',
    eventTime: 'at',
  });

  const clicks = stream('clicks', {
    columns: { tenant_id: t.varchar(32), visit_id: t.varchar(64), at: t.timestamp() },
    key: ['tenant_id', 'visit_id'],
    tenant: 'tenant_id',
    eventTime: 'at',
  });

  it('MIN or MAX of a boolean is an error at the measure or pivot, with the countIf rewrite', () => {
    // Neither Postgres (no min(boolean)) nor Redshift has it: apply used to fail with "function min(boolean) does not exist".
    const bad = aggregate('by_day', { from: visits, groupBy: ['tenant_id'], measures: (m, c) => ({ any_returning: m.max(c.returning) }) });
    const d = structurePass(buildGraph([bad])).filter((x) => x.code === 'type-mismatch');
    expect(d.map((x) => `${x.model}:${x.severity}`)).toEqual(['by_day:error']);
    expect(d[0]!.message).toContain('measure "any_returning" takes the MAX of a boolean');
    expect(d[0]!.hint).toContain('countIf');
    const pivot = streamJoin('visit_buys', {
      streams: { visit: visits, click: clicks },
      key: ['tenant_id', 'visit_id'],
      tenant: 'tenant_id',
      pivot: ({ visit }) => ({ returning: visit.max('returning') }),
    });
    expect(structurePass(buildGraph([pivot])).filter((x) => x.code === 'type-mismatch').map((x) => x.message)).toEqual([
      'pivot "returning" takes the MAX of a boolean, which neither Postgres nor Redshift has',
    ]);
  });

  it('two member streams of a stream join with one column of two SQL types is an error naming both', () => {
    // One landing column holds both streams' values: 2.5 from buys would not fit visits' INTEGER.
    const joined = streamJoin('visit_buys', {
      streams: { visit: visits, buy: buys },
      key: ['tenant_id', 'visit_id'],
      tenant: 'tenant_id',
      pivot: ({ buy }) => ({ bought: buy.count() }),
    });
    const d = structurePass(buildGraph([joined])).filter((x) => x.code === 'type-mismatch');
    expect(d.map((x) => x.message)).toEqual(['column "amount" is INTEGER in "visits" but NUMERIC(12,2) in "buys": they land in one column of one table']);
    expect(d[0]!.hint).toContain('same SQL type');
  });
});

describe('a stream without the options its types require (a model file is run unchecked)', () => {
  it('says which option is missing and which columns could fill it, not "column undefined"', () => {
    const opts = { columns: { tenant_id: t.varchar(32), id: t.varchar(64), at: t.timestamp(), seen: t.timestamp() }, key: ['tenant_id', 'id'] } as const;
    const noTime = stream('events', { ...opts, tenant: 'tenant_id' } as unknown as Parameters<typeof stream>[1]);
    const noTenant = stream('events', { ...opts, eventTime: 'at' } as unknown as Parameters<typeof stream>[1]);
    const said = (m: Model) => structurePass(buildGraph([m])).map((d) => ({ code: d.code, message: d.message, hint: d.hint }));
    expect(said(noTime)).toEqual([{ code: 'missing-option', message: 'stream "events" has no eventTime column', hint: "add eventTime: '<the column of when the event happened>' to its options (its timestamp columns: at, seen)" }]);
    expect(said(noTenant)).toEqual([{ code: 'missing-option', message: 'stream "events" has no tenant column', hint: "add tenant: '<the column that holds the tenant id>' to its options (columns: tenant_id, id, at, seen)" }]);
    expect(JSON.stringify([...said(noTime), ...said(noTenant)])).not.toContain('undefined');
  });
});
