import { describe, expect, it } from 'vitest';
import type { Manifest, ManifestNode } from '@mvkit/compiler';
import { buildPlan, deployedNodeOf } from '../../src/plan/build-plan.ts';
import { redshiftPlanSql } from '../../src/plan/plan-sql.ts';
import type { DeployedNode } from '../../src/plan/plan-types.ts';
import { renderPlan } from '../../src/plan/render-plan.ts';
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

  it('a retyped column rebuilds the table: destructive when it has rows or its rows are unknown, with every dependent rebuilt', async () => {
    const base = await compileFixture([], 'redshift');
    const retyped = patch(base, 'kinds', (n) => ({ columns: n.columns.map((c) => (c.name === 'label' ? { ...c, type: 'VARCHAR(256)' } : c)) }));
    const p = plan(retyped, deployedOf(base), { kinds: 12 });
    expect(p.changes[0]).toMatchObject({ node: 'kinds', change: 'rebuild', cause: { kind: 'definition-changed', detail: 'column label retyped: VARCHAR(64) → VARCHAR(256)' }, destructive: 'drops table kinds with ~12 rows' });
    expect(steps(p.stages)).toEqual([
      'drop tenant_daily_view', 'drop tenant_daily', 'drop events_daily', 'drop events_hourly', 'drop events_enriched', 'drop kinds',
      'create kinds', 'create events_enriched', 'create events_hourly', 'create events_daily', 'create tenant_daily', 'create tenant_daily_view',
    ]);
    expect(p.destructive.map((s) => s.sql)).toEqual([['DROP TABLE kinds;']]);
    expect(plan(retyped, deployedOf(base), { kinds: 0 }).destructive).toEqual([]);
    expect(plan(retyped, deployedOf(base)).destructive.map((s) => s.destructive)).toEqual(['drops table kinds']);
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
