import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { applyDeployment, planDeployment } from '../../src/apply/apply.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import type { Engine } from '../../src/engines/engine.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { deploymentStatus } from '../../src/status/status.ts';
import { renderPlan } from '../../src/plan/render-plan.ts';
import { DestructiveChangeError } from '../../src/errors.ts';
import { readDeployed } from '../../src/state/deployed-state.ts';
import { compileFixture, loadData, relations } from './helpers.ts';
import type { FixtureFlag } from './fixtures/shop/models/shop.ts';

let server: PostgresServer;
let dbCount = 0;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => { await server?.stop(); });

const ENGINES = {
  pglite: async () => openPglite(),
  postgres: async () => openPostgres(await server.createDatabase(`deploy_${process.pid}_${++dbCount}`)),
} as const;

const steps = (stages: readonly { action: string; node: string }[]) => stages.map((s) => `${s.action} ${s.node}`);

describe.each(Object.keys(ENGINES) as (keyof typeof ENGINES)[])('deploy on %s', (kind) => {
  let db: Db;
  let engine: Engine;
  const manifest = (flags: FixtureFlag[] = []) => compileFixture(flags, 'postgres');
  const plan = async (flags: FixtureFlag[] = []) => planDeployment(db, engine, await manifest(flags));
  const apply = async (flags: FixtureFlag[] = [], allowDestructive = false) => applyDeployment(db, engine, await manifest(flags), { allowDestructive });

  beforeAll(async () => {
    db = await ENGINES[kind]();
    engine = await engineFor(db);
  });
  afterAll(async () => { await db?.close(); });

  it('applies to an empty database: creates every node in dependency order, then plans nothing', async () => {
    const m = await manifest();
    const first = await plan();
    expect(steps(first.stages)).toEqual(m.nodes.map((n) => `create ${n.name}`));
    expect(first.changes.every((c) => c.change === 'create')).toBe(true);
    const result = await applyDeployment(db, engine, m);
    expect(result.applyId).not.toBeNull();
    expect(await relations(db)).toEqual(expect.arrayContaining(m.nodes.map((n) => n.name)));
    expect((await readDeployed(db)).map((d) => d.name).sort()).toEqual(m.nodes.map((n) => n.name).sort());
    expect((await plan()).stages).toEqual([]);
    const again = await apply();
    expect(again.applyId).toBeNull();
    expect(renderPlan(again.plan)).toContain('no changes');
    const applies = await db.query<{ status: string; progress: number }>('SELECT status, progress FROM mvkit.applies');
    expect(applies).toEqual([{ status: 'succeeded', progress: m.nodes.length }]);
  });

  it('a changed MV definition rebuilds exactly it and what is built on it: dropped in reverse order, recreated in order', async () => {
    await loadData(db);
    await refreshDeployment(db, engine, await manifest());
    const p = await plan(['measure']);
    expect(steps(p.stages)).toEqual([
      'drop tenant_daily_view', 'drop tenant_daily', 'drop events_daily', 'drop events_hourly',
      'create events_hourly', 'create events_daily', 'create tenant_daily', 'create tenant_daily_view',
    ]);
    expect(p.changes.map((c) => [c.node, c.change, c.depth])).toEqual([
      ['events_hourly', 'rebuild', 0], ['events_daily', 'rebuild', 1], ['tenant_daily', 'rebuild', 2], ['tenant_daily_view', 'rebuild', 3],
    ]);
    expect(p.changes[0]!.cause).toEqual({ kind: 'definition-changed', detail: 'definition changed' });
    expect(p.changes[1]!.cause).toEqual({ kind: 'upstream-rebuilt', upstream: 'events_hourly' });
    // Rows to recompute come from table statistics.
    expect(p.stages.find((s) => s.action === 'create' && s.node === 'events_hourly')!.rows).toBeGreaterThan(0);
    const text = renderPlan(p);
    expect(text).toContain('~ rebuild events_hourly (definition changed)');
    expect(text).toContain('  ~ rebuild events_daily (upstream events_hourly rebuilt)');
    expect(p.destructive).toEqual([]);
    await apply(['measure']);
    expect((await plan(['measure'])).stages).toEqual([]);
    const [row] = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM events_hourly WHERE max_amount IS NOT NULL');
    expect(row!.n).toBeGreaterThan(0);
    const [daily] = await db.query<{ n: number }>('SELECT SUM(n)::int AS n FROM tenant_daily');
    expect(daily!.n).toBe(40);
  });

  it('a sort key or AUTO REFRESH change alters in place (recorded only locally), never drop and create', async () => {
    const p = await plan(['measure', 'sortkey', 'autorefresh']);
    expect(steps(p.stages)).toEqual(['alter events_enriched', 'alter events_daily']);
    expect(p.stages.every((s) => s.recordedOnly && s.sql.length === 0)).toBe(true);
    expect(p.stages.map((s) => s.cause)).toEqual([
      { kind: 'attributes-changed', changes: [{ attribute: 'autoRefresh', from: 'no', to: 'yes' }] },
      { kind: 'attributes-changed', changes: [{ attribute: 'sortKey', from: 'tenant_id,day,label', to: 'day,tenant_id' }] },
    ]);
    expect(renderPlan(p)).toContain('= alter events_daily (sort key: tenant_id, day, label → day, tenant_id) — recorded only');
    expect(renderPlan(p)).toContain('= alter events_enriched (auto refresh: no → yes) — recorded only');
    const before = await db.query('SELECT * FROM events_daily ORDER BY 1, 2, 3');
    await apply(['measure', 'sortkey', 'autorefresh']);
    expect(await db.query('SELECT * FROM events_daily ORDER BY 1, 2, 3')).toEqual(before);
    expect((await readDeployed(db)).find((d) => d.name === 'events_daily')!.physical).toMatchObject({ sortKey: ['day', 'tenant_id'] });
    expect((await readDeployed(db)).find((d) => d.name === 'events_enriched')!.physical).toMatchObject({ autoRefresh: true });
    expect((await plan(['measure', 'sortkey', 'autorefresh'])).stages).toEqual([]);
  });

  it('a column added to a dimension is ALTER TABLE ADD COLUMN: the table keeps its rows, nothing is rebuilt', async () => {
    const flags: FixtureFlag[] = ['measure', 'sortkey', 'autorefresh', 'column'];
    const p = await plan(flags);
    expect(steps(p.stages)).toEqual(['add-columns kinds', 'record events_enriched', 'record events_hourly', 'record events_daily', 'record tenant_daily', 'record tenant_daily_view']);
    // The dimension's change log and its capture trigger follow the new column.
    expect(p.stages[0]!.sql.slice(0, 2)).toEqual(['ALTER TABLE kinds ADD COLUMN color VARCHAR(16);', 'ALTER TABLE mvkit.ivm_log_kinds ADD COLUMN color VARCHAR(16);']);
    expect(p.stages[0]!.sql[2]).toMatch(/^CREATE OR REPLACE FUNCTION mvkit.ivm_capture_kinds\(\)/);
    expect(p.stages.filter((s) => s.action !== 'add-columns').every((s) => s.sql.length === 0)).toBe(true);
    expect(p.destructive).toEqual([]);
    await apply(flags);
    expect(await db.query('SELECT kind, label, color FROM kinds ORDER BY kind')).toEqual([{ kind: 'buy', label: 'Purchase', color: null }, { kind: 'view', label: 'Page view', color: null }]);
    expect((await plan(flags)).stages).toEqual([]);
    // Changes to the altered table are still captured and folded in.
    await db.exec("UPDATE kinds SET color = 'red', label = 'Buy' WHERE kind = 'buy'");
    await refreshDeployment(db, engine, await manifest(flags));
    const labels = await db.query<{ label: string }>('SELECT DISTINCT label FROM events_daily ORDER BY label');
    expect(labels.map((r) => r.label)).toEqual(['Buy', 'Page view']);
  });

  it('removing a model drops it', async () => {
    const flags: FixtureFlag[] = ['measure', 'sortkey', 'autorefresh', 'column', 'noview'];
    const p = await plan(flags);
    expect(steps(p.stages)).toEqual(['drop tenant_daily_view']);
    expect(p.changes[0]).toMatchObject({ change: 'drop', cause: { kind: 'removed' } });
    await apply(flags);
    expect(await relations(db)).not.toContain('tenant_daily_view');
    expect((await plan(flags)).stages).toEqual([]);
  });

  it('a destructive change is refused without --allow-destructive, naming the SQL and the flag', async () => {
    const flags: FixtureFlag[] = ['measure', 'sortkey', 'autorefresh', 'column', 'noview', 'noregions'];
    const p = await plan(flags);
    expect(steps(p.stages)).toEqual(['drop regions']);
    expect(p.destructive.map((s) => s.destructive)).toEqual(['drops table regions with ~2 rows']);
    const err = await apply(flags).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DestructiveChangeError);
    expect((err as Error).message).toContain('DROP TABLE regions;');
    expect((err as Error).message).toContain('--allow-destructive');
    expect((err as DestructiveChangeError).hint).toContain('--allow-destructive');
    expect(await relations(db)).toContain('regions');

    const dropColumn: FixtureFlag[] = [...flags.filter((f) => f !== 'noregions'), 'dropcolumn'];
    const dc = await plan(dropColumn);
    expect(dc.destructive.map((s) => s.sql.filter((q) => q.startsWith('ALTER TABLE kinds')))).toEqual([['ALTER TABLE kinds DROP COLUMN note;']]);
    // Dependents would be unrefreshable on Redshift: they are rebuilt around the column drop.
    expect(steps(dc.stages).slice(0, 5)).toEqual(['drop tenant_daily', 'drop events_daily', 'drop events_hourly', 'drop events_enriched', 'drop-columns kinds']);
    await expect(apply(dropColumn)).rejects.toThrow(/ALTER TABLE kinds DROP COLUMN note;[\s\S]*--allow-destructive|--allow-destructive/);

    await apply([...dropColumn, 'noregions'], true);
    expect(await relations(db)).not.toContain('regions');
    expect((await plan([...dropColumn, 'noregions'])).stages).toEqual([]);
    const [daily] = await db.query<{ n: number }>('SELECT SUM(n)::int AS n FROM tenant_daily');
    expect(daily!.n).toBe(40);
    // The capture of the table whose column was dropped still works.
    await db.exec("UPDATE kinds SET label = 'Purchase' WHERE kind = 'buy'");
  });

  it('refresh records each MV in mvkit.refresh_history and status reports deployment and freshness', async () => {
    const flags: FixtureFlag[] = ['measure', 'sortkey', 'autorefresh', 'column', 'noview', 'noregions', 'dropcolumn'];
    const m = await manifest(flags);
    const results = await refreshDeployment(db, engine, m, { select: ['events_daily+'] });
    expect(results.map((r) => r.node)).toEqual(['events_daily', 'tenant_daily']);
    const history = await db.query<{ node: string; mode: string }>("SELECT node, mode FROM mvkit.refresh_history WHERE node IN ('events_daily', 'tenant_daily')");
    expect(history.length).toBeGreaterThanOrEqual(2);
    const status = await deploymentStatus(db, engine, m);
    expect(status.nodes.every((n) => n.deployment === 'up to date')).toBe(true);
    expect(status.nodes.find((n) => n.node === 'tenant_daily')!.lastRefresh).toMatchObject({ node: 'tenant_daily' });
    // New events folded into events_enriched only: events_hourly has input changes past its watermark.
    await db.exec("INSERT INTO events (tenant_id, event_id, kind, amount, at) VALUES ('t1', 'late1', 'buy', 1, TIMESTAMP '2026-11-01 00:00:00'), ('t1', 'late2', 'view', 2, TIMESTAMP '2026-11-01 00:30:00')");
    await refreshDeployment(db, engine, m, { select: ['events_enriched'] });
    const partial = await deploymentStatus(db, engine, m);
    expect(partial.nodes.find((n) => n.node === 'events_hourly')!.stale).toBe(true);
    expect(partial.nodes.find((n) => n.node === 'events_hourly')!.staleness).toMatch(/^[1-9]\d* input change\(s\) since the watermark$/);
    // events_daily's own input has not changed, but it reads events_hourly, which is stale.
    expect(partial.nodes.find((n) => n.node === 'events_daily')).toMatchObject({ stale: true, staleUpstream: 'events_hourly' });
    expect(partial.nodes.find((n) => n.node === 'events_daily')!.staleness).toMatch(/^upstream events_hourly is stale: [1-9]\d* input change\(s\) since the watermark$/);
    await refreshDeployment(db, engine, m);
    // After a full refresh every MV of the chain reports a known freshness, fresh: events_enriched
    // (which reads the stream and the kinds dimension directly) included.
    expect((await deploymentStatus(db, engine, m)).nodes.filter((n) => n.kind === 'mv' && n.stale !== null).map((n) => [n.node, n.stale])).toEqual([['events_enriched', false], ['events_hourly', false], ['events_daily', false], ['tenant_daily', false]]);
    expect(status.freshness).toEqual([expect.objectContaining({ stream: 'events', table: 'events', newestEvent: '2026-11-03T09:15:00.000Z' })]);
    const changed = await deploymentStatus(db, engine, await manifest(flags.filter((f) => f !== 'measure')));
    expect(changed.nodes.find((n) => n.node === 'events_hourly')!.deployment).toBe('changed');
  });
});
