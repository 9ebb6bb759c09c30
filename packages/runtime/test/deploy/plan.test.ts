import { describe, expect, it } from 'vitest';
import type { Manifest, ManifestNode } from '@mvkit/compiler';
import { buildPlan, deployedNodeOf } from '../../src/plan/build-plan.ts';
import { localPlanSql, redshiftPlanSql, widensVarchar } from '../../src/plan/plan-sql.ts';
import type { DeployedNode } from '../../src/plan/plan-types.ts';
import { renderPlan } from '../../src/plan/render-plan.ts';
import { platformManifest } from '../platform/helpers.ts';
import { compileFixture } from './helpers.ts';

/** The plan is a pure function of (manifest, deployed state, row counts): these need no database. */
const steps = (stages: readonly { action: string; node: string }[]) => stages.map((s) => `${s.action} ${s.node}`);
const deployedOf = (m: Manifest) => m.nodes.map((n) => deployedNodeOf(n));
const patch = (m: Manifest, name: string, p: (n: ManifestNode) => Partial<ManifestNode>): Manifest => ({ ...m, nodes: m.nodes.map((n) => (n.name === name ? { ...n, ...p(n) } : n)) });
const plan = (manifest: Manifest, deployed: readonly DeployedNode[], rows: Record<string, number> = {}) =>
  buildPlan({ manifest, deployed, rows: new Map(Object.entries(rows)), sql: redshiftPlanSql });

describe('plan (pure)', () => {
  it('is deterministic and does not change its inputs', async () => {
    const base = await compileFixture([], 'redshift');
    const next = await compileFixture(['measure'], 'redshift');
    const deployed = deployedOf(base);
    const frozen = JSON.stringify({ next, deployed });
    expect(plan(next, deployed, { events_hourly: 10 })).toEqual(plan(next, deployed, { events_hourly: 10 }));
    expect(JSON.stringify({ next, deployed })).toBe(frozen);
  });

  it('a retyped column the engine cannot alter in place (a shorter VARCHAR) rebuilds the table: destructive when it has rows or its rows are unknown, with every dependent rebuilt', async () => {
    const base = await compileFixture([], 'redshift');
    const retyped = patch(base, 'kinds', (n) => ({ columns: n.columns.map((c) => (c.name === 'label' ? { ...c, type: 'VARCHAR(32)' } : c)) }));
    const p = plan(retyped, deployedOf(base), { kinds: 12 });
    expect(p.changes[0]).toMatchObject({ node: 'kinds', change: 'rebuild', cause: { kind: 'definition-changed', detail: 'column label retyped: VARCHAR(64) → VARCHAR(32)' }, destructive: 'drops table kinds with ~12 rows' });
    expect(steps(p.stages)).toEqual([
      'drop tenant_daily_view', 'drop tenant_daily', 'drop events_daily', 'drop events_hourly', 'drop events_enriched', 'drop kinds',
      'create kinds', 'create events_enriched', 'create events_hourly', 'create events_daily', 'create tenant_daily', 'create tenant_daily_view',
    ]);
    expect(p.destructive.map((s) => s.sql)).toEqual([['DROP TABLE kinds;']]);
    expect(plan(retyped, deployedOf(base), { kinds: 0 }).destructive).toEqual([]);
    expect(plan(retyped, deployedOf(base)).destructive.map((s) => s.destructive)).toEqual(['drops table kinds']);
  });

  it('a longer VARCHAR is an in-place ALTER COLUMN TYPE: the table keeps its rows; on Redshift every MV on it is rebuilt (state 102 even for unused columns)', async () => {
    const base = await compileFixture([], 'redshift');
    // regions.name is read by nothing: an MV on the table would still be unrefreshable, but none is.
    const wider = patch(base, 'regions', (n) => ({ columns: n.columns.map((c) => (c.name === 'name' ? { ...c, type: 'VARCHAR(200)' } : c)) }));
    const p = plan(wider, deployedOf(base), { regions: 5 });
    expect(steps(p.stages)).toEqual(['retype-columns regions']);
    expect(p.stages[0]!.sql).toEqual(['ALTER TABLE regions ALTER COLUMN name TYPE VARCHAR(200);']);
    expect(p.destructive).toEqual([]);
    expect(p.changes[0]).toMatchObject({ node: 'regions', change: 'columns', cause: { kind: 'columns-changed', added: [], dropped: [], retyped: [{ column: 'name', from: 'VARCHAR(64)', to: 'VARCHAR(200)' }] } });
    expect(renderPlan(p)).toContain('= alter regions (alter column name type VARCHAR(64) → VARCHAR(200), in place)');
    // kinds.note is read by no MV, yet events_enriched (on kinds) and all that is built on it are rebuilt.
    const note = patch(base, 'kinds', (n) => ({ columns: n.columns.map((c) => (c.name === 'note' ? { ...c, type: 'VARCHAR(256)' } : c)) }));
    const q = plan(note, deployedOf(base), { kinds: 12 });
    expect(steps(q.stages)).toEqual([
      'drop tenant_daily_view', 'drop tenant_daily', 'drop events_daily', 'drop events_hourly', 'drop events_enriched', 'retype-columns kinds',
      'create events_enriched', 'create events_hourly', 'create events_daily', 'create tenant_daily', 'create tenant_daily_view',
    ]);
    expect(q.changes.find((c) => c.node === 'events_enriched')!.cause).toEqual({ kind: 'upstream-rebuilt', upstream: 'kinds' });
    expect(renderPlan(q)).toContain('~ rebuild events_enriched (upstream kinds retyped a column)');
    expect(q.destructive).toEqual([]);
  });

  it('what is not a longer VARCHAR, or a longer key of a Redshift PRIMARY KEY, recreates the table', async () => {
    const base = await compileFixture([], 'redshift');
    const key = patch(base, 'kinds', (n) => ({ columns: n.columns.map((c) => (c.name === 'kind' ? { ...c, type: 'VARCHAR(32)' } : c)) }));
    expect(plan(key, deployedOf(base), { kinds: 12 }).changes[0]).toMatchObject({ node: 'kinds', change: 'rebuild', destructive: 'drops table kinds with ~12 rows' });
    const local = buildPlan({ manifest: key, deployed: deployedOf(base), rows: new Map([['kinds', 12]]), sql: localPlanSql('postgres') });
    // Postgres widens a key column in place, and the local engine's MVs (tables of their own) stay.
    expect(steps(local.stages)).toEqual(['retype-columns kinds']);
    expect(local.stages[0]!.sql).toEqual(['ALTER TABLE kinds ALTER COLUMN kind TYPE VARCHAR(32);']);
    for (const [from, to] of [['INTEGER', 'BIGINT'], ['VARCHAR(64)', 'CHAR(64)'], ['TIMESTAMP', 'VARCHAR(64)']]) {
      expect(widensVarchar({ column: 'c', from: from!, to: to! })).toBe(false);
    }
    expect(widensVarchar({ column: 'c', from: 'VARCHAR(16)', to: 'VARCHAR(17)' })).toBe(true);
  });

  it('locally a view on a widened table is dropped and recreated around the ALTER (Postgres refuses to retype a column a view uses); MVs stay', async () => {
    const root = await platformManifest();
    const wider = patch(root, 'tenants', (n) => ({ columns: n.columns.map((c) => (c.name === 'tenant_name' ? { ...c, type: 'VARCHAR(256)' } : c)) }));
    const p = buildPlan({ manifest: wider, deployed: deployedOf(root), rows: new Map(), sql: localPlanSql('pglite') });
    expect(steps(p.stages)).toEqual(['drop tenant_health', 'retype-columns tenants', 'create tenant_health']);
    expect(p.changes.map((c) => [c.node, c.change])).toEqual([['tenants', 'columns'], ['tenant_health', 'rebuild']]);
    expect(renderPlan(p)).toContain('~ rebuild tenant_health (upstream tenants retyped a column)');
  });

  it('a dropped or rebuilt table shows the landing files that load again', async () => {
    const base = await compileFixture([], 'redshift');
    const cut: Manifest = { ...base, nodes: base.nodes.filter((n) => n.name !== 'regions') };
    const narrower = patch(base, 'kinds', (n) => ({ columns: n.columns.map((c) => (c.name === 'label' ? { ...c, type: 'VARCHAR(32)' } : c)) }));
    const fileRecords = new Map([['regions', { feeds: ['regions'], files: 3 }], ['kinds', { feeds: ['kinds'], files: 1 }]]);
    const removed = buildPlan({ manifest: cut, deployed: deployedOf(base), rows: new Map([['regions', 5]]), sql: redshiftPlanSql, fileRecords });
    expect(removed.stages[0]).toMatchObject({ action: 'drop', node: 'regions', fileRecords: { feeds: ['regions'], files: 3 } });
    expect(renderPlan(removed)).toContain('- drop regions (removed from the project) — DESTRUCTIVE: drops table regions with ~5 rows — its 3 files recorded as loaded are forgotten: they load again if regions returns');
    const rebuilt = buildPlan({ manifest: narrower, deployed: deployedOf(base), rows: new Map([['kinds', 2]]), sql: redshiftPlanSql, fileRecords });
    expect(renderPlan(rebuilt)).toContain('~ rebuild kinds (column label retyped: VARCHAR(64) → VARCHAR(32)) — DESTRUCTIVE: drops table kinds with ~2 rows — 1 file will be reloaded (mvkit load)');
    expect(rebuilt.stages.filter((s) => s.fileRecords).map((s) => s.node)).toEqual(['kinds']);
  });

  it('a NOT NULL column cannot be added to a table in place', async () => {
    const base = await compileFixture([], 'redshift');
    const added = patch(base, 'regions', (n) => ({ columns: [...n.columns, { name: 'code', type: 'CHAR(2)', nullable: false }] }));
    expect(plan(added, deployedOf(base), { regions: 5 }).changes[0]).toMatchObject({ node: 'regions', change: 'rebuild', cause: { detail: 'column code added NOT NULL' } });
  });

  it('a node whose kind changed is dropped as what it was and created as what it is', async () => {
    const base = await compileFixture([], 'redshift');
    const deployed = deployedOf(base).map((d) => (d.name === 'tenant_daily_view' ? { ...d, kind: 'mv' as const } : d));
    const p = plan(base, deployed);
    expect(p.stages.map((s) => s.sql[0]!.split('\n')[0])).toEqual(['DROP MATERIALIZED VIEW tenant_daily_view;', 'CREATE VIEW tenant_daily_view AS']);
  });

  it('Redshift table attributes alter in place: ALTER DISTSTYLE KEY DISTKEY, ALTER COMPOUND SORTKEY; BACKUP cannot, so it rebuilds', async () => {
    const base = await compileFixture([], 'redshift');
    const keyed = patch(base, 'kinds', (n) => ({ physical: { ...n.physical, distStyle: 'key', distKey: 'kind', sortKey: ['label', 'kind'] } }));
    const p = plan(keyed, deployedOf(base));
    expect(steps(p.stages)).toEqual(['alter kinds']);
    expect(p.stages[0]!.sql).toEqual(['ALTER TABLE kinds ALTER DISTSTYLE KEY DISTKEY kind;', 'ALTER TABLE kinds ALTER COMPOUND SORTKEY (label, kind);']);
    expect(renderPlan(p)).toContain('= alter kinds (dist style: all → key; dist key: none → kind; sort key: kind → label, kind)');
    const even = patch(base, 'events_daily', (n) => ({ physical: { ...n.physical, distStyle: 'all', sortKey: [] } }));
    expect(plan(even, deployedOf(base)).stages[0]!.sql).toEqual(['ALTER MATERIALIZED VIEW events_daily ALTER DISTSTYLE ALL;', 'ALTER MATERIALIZED VIEW events_daily ALTER SORTKEY NONE;']);
    const noBackup = patch(base, 'tenant_daily', (n) => ({ physical: { ...n.physical, backup: false } }));
    expect(plan(noBackup, deployedOf(base)).changes[0]).toMatchObject({ node: 'tenant_daily', change: 'rebuild', cause: { detail: 'backup: yes → no (cannot be altered)' } });
  });

  it('removing an MV with what is built on it drops them in reverse dependency order; MVs are never destructive', async () => {
    const base = await compileFixture([], 'redshift');
    const cut: Manifest = { ...base, nodes: base.nodes.filter((n) => !['events_daily', 'tenant_daily', 'tenant_daily_view'].includes(n.name)) };
    const p = plan(cut, deployedOf(base), { events_daily: 100, tenant_daily: 10 });
    expect(steps(p.stages)).toEqual(['drop tenant_daily_view', 'drop tenant_daily', 'drop events_daily']);
    expect(p.destructive).toEqual([]);
  });

  it('other DDL for the same definition (emitter or engine changed): an MV is rebuilt, a table keeps its data and is recorded', async () => {
    const base = await compileFixture([], 'redshift');
    const deployed = deployedOf(base).map((d) => (d.name === 'tenant_daily' || d.name === 'kinds' ? { ...d, definition: { ...d.definition, ddl: ['-- older DDL'] } } : d));
    const p = plan(base, deployed);
    expect(steps(p.stages)).toEqual(['drop tenant_daily_view', 'drop tenant_daily', 'create tenant_daily', 'create tenant_daily_view', 'record kinds']);
    expect(p.changes.map((c) => [c.node, c.change, c.cause])).toEqual([
      ['kinds', 'record', { kind: 'state-only', detail: 'its DDL changed (emitter or engine): recorded, the table keeps its data' }],
      ['tenant_daily', 'rebuild', { kind: 'definition-changed', detail: 'DDL changed (emitter or engine)' }],
      ['tenant_daily_view', 'rebuild', { kind: 'upstream-rebuilt', upstream: 'tenant_daily' }],
    ]);
    // An attribute change alone is not a DDL change: it alters in place.
    const sorted = patch(base, 'tenant_daily', (n) => ({ physical: { ...n.physical, sortKey: ['day'] }, ddl: [n.ddl[0]!.replace('SORTKEY (tenant_id, day)', 'SORTKEY (day)')] }));
    expect(steps(plan(sorted, deployedOf(base)).stages)).toEqual(['alter tenant_daily']);
  });

  it('an empty project against an empty target plans nothing', async () => {
    const base = await compileFixture([], 'redshift');
    expect(plan({ ...base, nodes: [] }, []).stages).toEqual([]);
    expect(renderPlan(plan({ ...base, nodes: [] }, []))).toBe('Plan for shop on redshift: no changes.\n');
  });
});
